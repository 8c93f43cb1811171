"""LiteLLM proxy ``LiteLLM_SpendLogs``, exported as CSV (``\\copy ... CSV HEADER``) or as JSON (array or lines).

One row per request the proxy handled. ``prompt_tokens`` follows OpenAI semantics (includes cached tokens);
``spend`` is LiteLLM's own USD estimate from its price map; JSON-valued columns (metadata, request_tags, messages)
arrive as JSON text in the CSV and as nested values in JSON.
"""
from __future__ import annotations

import duckdb

from routekit.sources import registry
from routekit.sources.base import FileSample, SourceFormat, quote_ident

REQUIRED = ("request_id", "spend", "startTime", "prompt_tokens", "completion_tokens", "model")
COLUMNS = REQUIRED + (
    "call_type", "api_key", "total_tokens", "endTime", "completionStartTime", "request_duration_ms", "model_id",
    "model_group", "custom_llm_provider", "api_base", "user", "metadata", "cache_hit", "cache_key",
    "request_tags", "team_id", "organization_id", "end_user", "requester_ip_address", "status", "messages",
    "response", "proxy_server_request", "session_id",
)
OBTAIN = ("From the proxy's PostgreSQL database: "
          "`\\copy (SELECT * FROM \"LiteLLM_SpendLogs\" WHERE \"startTime\" >= '2026-09-01') TO 'spendlogs.csv' "
          "CSV HEADER`, or as JSON with "
          "`psql \"$DATABASE_URL\" -At -c 'SELECT json_agg(t) FROM \"LiteLLM_SpendLogs\" t' > spendlogs.json`. Enable "
          "`store_prompts_in_spend_logs` in the proxy config to get the messages column filled.")


class LiteLLMSpendLogsCsv(SourceFormat):
    name = "litellm_spendlogs_csv"
    target = "calls"
    title = "LiteLLM proxy SpendLogs (CSV)"
    obtain = OBTAIN
    reader = "csv"
    required_columns = REQUIRED
    optional_columns = COLUMNS[len(REQUIRED):]
    staging_model = "stg_litellm_spendlogs"


class LiteLLMSpendLogsJson(LiteLLMSpendLogsCsv):
    name = "litellm_spendlogs_json"
    title = "LiteLLM proxy SpendLogs (JSON)"
    reader = "json"
    optional_columns = ()

    def matches(self, sample: FileSample) -> bool:
        return sample.kind in ("json", "jsonl") and sample.has_keys(*REQUIRED)

    def prepare_raw(self, con: duckdb.DuckDBPyConnection) -> None:
        # The same raw columns as the CSV, so one staging model serves both: JSON values become their JSON text.
        cols = ", ".join(
            f"CASE WHEN json_type(doc -> '{c}') IN ('OBJECT', 'ARRAY') THEN CAST(doc -> '{c}' AS VARCHAR) "
            f"ELSE doc ->> '{c}' END AS {quote_ident(c)}" for c in COLUMNS)
        extra = self.raw_extra_sql().strip()
        con.execute(f"""CREATE OR REPLACE TEMP TABLE raw AS SELECT *{', ' + extra if extra else ''}
                        FROM (SELECT rk_at(_source_row, '') AS _source_row, {cols} FROM docs)""")


registry.register(LiteLLMSpendLogsCsv())
registry.register(LiteLLMSpendLogsJson())

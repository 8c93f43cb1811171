"""Helicone request logs: one record per request the Helicone gateway or proxy logged.

Exported with Helicone's own tool, ``npx @helicone/export`` (JSON Lines by default, or ``--format json``), or saved
from its REST query ``POST /v1/request/query-clickhouse`` (``{"data": [...]}`` pages). Its CSV format is not read: it
drops the provider and the cache token counts, so neither the price nor the input total could be right.
Token semantics are Helicone's, not the provider's: see sql/staging/stg_helicone_requests.sql.
"""
from __future__ import annotations

import duckdb

from routekit.sources import registry
from routekit.sources.base import FileSample, RecordListFormat, RefusedLayout


class HeliconeRequests(RecordListFormat):
    name = "helicone_requests"
    target = "calls"
    title = "Helicone request logs (JSON Lines / JSON)"
    obtain = (
        "With Helicone's export tool (Node 18+): `HELICONE_API_KEY=<key> npx @helicone/export --start-date 2026-09-01 "
        "--end-date 2026-09-30 --format jsonl --include-body` (add `--region eu` for the EU data region; "
        "`--include-body` brings the prompts the classifier reads). It writes `output.jsonl`; rename it as you like. "
        "Custom properties (`Helicone-Property-Feature`, `-Project`, `-Team` or `-App` headers) become the call's "
        "feature and project. The tool's `--format csv` lacks the provider and the cache token counts: use jsonl.")

    def matches(self, sample: FileSample) -> bool:
        return (sample.kind in ("json", "jsonl") and sample.has_keys("request_created_at", "response_status")
                and (sample.has_keys("request_path") or sample.has_keys("prompt_tokens")))

    def note(self, con: duckdb.DuckDBPyConnection, rel: str) -> str | None:
        hits = con.execute("SELECT count(*) FROM raw WHERE helicone_cache_hit").fetchone()[0]
        if not hits:
            return None
        return (f"{hits} response{'s' if hits != 1 else ''} served from Helicone's cache not loaded "
                "(the provider never saw them: no model call, no bill)")


# The export tool's `--format csv` writes a fixed header of twelve columns (Helicone/helicone,
# examples/export/typescript/index.ts, ExportWriter.writeCSVHeader: response_id, response_created_at, response_status,
# request_created_at, request_body, request_properties, request_user_id, model, prompt_tokens, completion_tokens,
# latency, then cost; `cost_usd` in some versions): no provider, and prompt_tokens without the cache reads and writes
# it never writes out, so neither the price nor the input total could be right.
HELICONE_EXPORT_CSV = RefusedLayout(
    title="Helicone export tool CSV (`npx @helicone/export --format csv`)",
    columns=("response_id", "response_created_at", "request_created_at", "request_properties", "prompt_tokens",
             "completion_tokens", "latency"),
    reason=("not loaded: this CSV has no provider and no cache token counts (Helicone's prompt_tokens leave the "
            "cache reads and writes out), so its calls cannot be priced right; export the same dates again as JSON "
            "Lines: `npx @helicone/export --format jsonl --include-body`"))

registry.register(HeliconeRequests())
registry.refuse(HELICONE_EXPORT_CSV)

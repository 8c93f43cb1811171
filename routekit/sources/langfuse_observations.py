"""Langfuse observations: the generations (model calls) an application traced with Langfuse.

Read from pages of the public API (``GET /api/public/observations``, v1 and v2), a JSON array or JSON Lines of
observations (the UI's batch export as JSON, a script's dump), the blob storage export (``observations/`` and
``observations_v2/`` JSONL, snake_case), and the UI's batch export as CSV. Only generations and embeddings are calls;
the other observation types are counted in the load note.
"""
from __future__ import annotations

import duckdb

from routekit.db import sql_text
from routekit.sources import registry
from routekit.sources.base import FileSample, RecordListFormat, Refused, SourceFormat, not_loaded_note

# The v2 observations API returns only the field groups a request names in `fields`, and `core` and `basic` when it
# names none (langfuse/langfuse, fern/apis/server/definition/observations-v2.yml: "If not specified, `core` and
# `basic` field groups are returned"; `usage` is usageDetails, costDetails, totalCost; `model` is providedModelName,
# internalModelId, modelParameters). A page fetched without them has neither counts nor model on any generation.
V2_FIELDS = "core,basic,usage,model,io,metadata"
USAGE_KEYS = ["usageDetails", "usage_details", "usage", "costDetails", "cost_details", "totalCost", "total_cost",
              "calculatedTotalCost"]
MODEL_KEYS = ["model", "providedModelName", "provided_model_name"]


class LangfuseObservations(RecordListFormat):
    name = "langfuse_observations"
    target = "calls"
    title = "Langfuse observations (API pages, JSON export, blob storage JSONL)"
    obtain = (
        "From the public API with the project's keys (Basic auth, public key as user, secret key as password), page "
        "by page: `curl -u pk-lf-...:sk-lf-... 'https://cloud.langfuse.com/api/public/observations?type=GENERATION"
        "&fromStartTime=2026-09-01T00:00:00Z&toStartTime=2026-10-01T00:00:00Z&limit=100&page=1' > "
        "langfuse-p1.json` (then page=2, ... up to meta.totalPages; EU cloud: cloud.langfuse.com, US: "
        "us.cloud.langfuse.com, or your own host). With the v2 API (`/api/public/v2/observations`, the same "
        "dates, `limit=1000`, then `cursor=<meta.cursor>` until there is none) name the field groups: "
        f"`fields={V2_FIELDS}`; without them it returns no token counts and no model, and such a page is "
        "refused. Or in the UI: Observations (Generations) table → filter the "
        "dates → Export → JSON (CSV is read too: its own format below). Or, with blob storage export set up "
        "(Project settings → Integrations), copy the `observations_v2/` (or `observations/`) JSONL files. The "
        "trace or prompt name becomes the call's feature unless the metadata carries `feature`.")

    def matches(self, sample: FileSample) -> bool:
        if sample.kind not in ("json", "jsonl"):
            return False
        camel = sample.has_keys("traceId", "startTime") and (sample.has_keys("usageDetails")
                                                             or sample.has_keys("usage"))
        snake = sample.has_keys("trace_id", "start_time") and (sample.has_keys("usage_details")
                                                               or sample.has_keys("provided_model_name"))
        # a v2 API page fetched with the default field groups: its core fields, no usage (refused in prepare_raw)
        v2_core = sample.has_keys("traceId", "startTime", "parentObservationId", "projectId")
        return camel or snake or v2_core

    def prepare_raw(self, con: duckdb.DuckDBPyConnection) -> None:
        super().prepare_raw(con)
        refuse_without_field_groups(con)

    def note(self, con: duckdb.DuckDBPyConnection, rel: str) -> str | None:
        return not_loaded_note(con, "obs_class", "non-model observation")


def refuse_without_field_groups(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse, once for the file, a page whose generations carry no usage (or no model) at all: fetched from the v2
    API without the field groups, every generation would be rejected one by one for what the request left out."""
    generations, with_usage, with_model = con.execute("""
        SELECT count(*), count(*) FILTER (list_has_any(json_keys(rec), $usage)),
               count(*) FILTER (list_has_any(json_keys(rec), $model))
        FROM records WHERE upper(json_extract_string(rec, '$.type')) IN ('GENERATION', 'EMBEDDING')""",
                                                     {"usage": USAGE_KEYS, "model": MODEL_KEYS}).fetchone()
    missing = [group for group, n in (("usage", with_usage), ("model", with_model)) if generations and not n]
    if missing:
        raise Refused(
            f"fetched without the {' and '.join(missing)} field group{'s' if len(missing) > 1 else ''}: none of its "
            f"{generations:,} generation{'s' if generations != 1 else ''} has "
            f"{' or '.join(['token counts'] * ('usage' in missing) + ['a model'] * ('model' in missing))}, so "
            "none is loaded (Langfuse's v2 observations API returns only the core and basic fields unless asked); "
            f"fetch these pages again with `fields={V2_FIELDS}`")


class LangfuseObservationsCsv(LangfuseObservations):
    """The UI's batch export as CSV: the JSON export's rows with each value in a cell. Each row is rebuilt as the
    observation it was written from (``sql/raw/langfuse_csv_records.sql``), then read as the JSON export is."""

    name = "langfuse_observations_csv"
    title = "Langfuse observations (UI export, CSV)"
    obtain = ("In Langfuse's UI: Observations (Generations) table → filter the dates → Export → CSV (Langfuse "
              "prepares it in the background and e-mails a download link). Every column is read by its name, so "
              "older exports with fewer columns load too; the JSON export of the same table is read as well, and a "
              "call in both counts once.")
    reader = "csv"
    staging_model = "stg_langfuse_observations"
    required_columns = ("id", "traceId", "type", "startTime", "usageDetails", "costDetails")
    optional_columns = ("name", "level", "environment", "traceName", "projectId", "userId", "traceTags", "endTime",
                        "statusMessage", "model", "modelParameters", "promptName", "totalCost", "input", "metadata")
    one_call_per_row = False    # spans, events and agent steps are rows too, and are left out
    shared_raw_sql = ("raw/langfuse_csv_records.sql", "raw/raw_langfuse_observations.sql")

    def matches(self, sample: FileSample) -> bool:
        return SourceFormat.matches(self, sample)

    def raw_extra_sql(self) -> str:
        return ""   # the cells are read as text; prepare_raw parses them

    def prepare_raw(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(sql_text("raw/langfuse_csv_records.sql"))
        con.execute("DROP VIEW raw")
        con.execute(f"CREATE TEMP TABLE raw AS {sql_text('raw/raw_langfuse_observations.sql')}")


registry.register(LangfuseObservations())
registry.register(LangfuseObservationsCsv())

"""Langfuse observations: the generations (model calls) an application traced with Langfuse.

Read from pages of the public API (``GET /api/public/observations``, v1 and v2), a JSON array or JSON Lines of
observations (the UI's batch export as JSON, a script's dump), and the blob storage export (``observations/`` and
``observations_v2/`` JSONL, snake_case). Only generations and embeddings are calls; the other observation types
are counted in the load note.
"""
from __future__ import annotations

import duckdb

from routekit.sources import registry
from routekit.sources.base import FileSample, RecordListFormat, not_loaded_note


class LangfuseObservations(RecordListFormat):
    name = "langfuse_observations"
    target = "calls"
    title = "Langfuse observations (API pages, JSON export, blob storage JSONL)"
    obtain = (
        "From the public API with the project's keys (Basic auth, public key as user, secret key as password), page "
        "by page: `curl -u pk-lf-...:sk-lf-... 'https://cloud.langfuse.com/api/public/observations?type=GENERATION"
        "&fromStartTime=2026-09-01T00:00:00Z&toStartTime=2026-10-01T00:00:00Z&limit=100&page=1' > "
        "langfuse-p1.json` (then page=2, ... up to meta.totalPages; EU cloud: cloud.langfuse.com, US: "
        "us.cloud.langfuse.com, or your own host). Or in the UI: Observations (Generations) table → filter the "
        "dates → Export → JSON. Or, with blob storage export set up (Project settings → Integrations), copy the "
        "`observations_v2/` (or `observations/`) JSONL files. The trace or prompt name becomes the call's feature "
        "unless the metadata carries `feature`; the CSV export is not read (use JSON).")

    def matches(self, sample: FileSample) -> bool:
        if sample.kind not in ("json", "jsonl"):
            return False
        camel = sample.has_keys("traceId", "startTime") and (sample.has_keys("usageDetails")
                                                             or sample.has_keys("usage"))
        snake = sample.has_keys("trace_id", "start_time") and (sample.has_keys("usage_details")
                                                               or sample.has_keys("provided_model_name"))
        return camel or snake

    def note(self, con: duckdb.DuckDBPyConnection, rel: str) -> str | None:
        return not_loaded_note(con, "obs_class", "non-model observation")


registry.register(LangfuseObservations())

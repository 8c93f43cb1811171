"""OpenTelemetry traces in OTLP/JSON carrying GenAI semantic-convention spans, one model call per span.

Two shapes arrive as the same ``docs``: a single ``{"resourceSpans": [...]}`` document (an OTLP/HTTP JSON payload,
a trace saved from a backend) and the Collector ``file`` exporter's output, one ExportTraceServiceRequest per line.
Only model-call spans are loaded; agent, workflow, tool and non-GenAI spans are counted in the load note instead,
because agent spans may carry the totals of their children.
"""
from __future__ import annotations

import duckdb

from routekit.db import sql_text
from routekit.sources import registry
from routekit.sources.base import FileSample, SourceFormat, not_loaded_note


class OtelGenAISpans(SourceFormat):
    name = "otel_genai_spans"
    target = "calls"
    title = "OpenTelemetry GenAI spans (OTLP/JSON traces)"
    obtain = (
        "From the client's OpenTelemetry Collector: add a file exporter to the traces pipeline "
        "(`exporters: {file/genai: {path: /var/lib/otelcol/genai-traces.jsonl}}` and "
        "`service: {pipelines: {traces: {exporters: [<existing ones>, file/genai]}}}`; optionally `rotation: "
        "{max_megabytes: 200}`), run it through the audit window and copy the files (gzip them if you like: "
        "`.jsonl.gz` is read, the exporter's own zstd compression is not). A single OTLP/JSON document with "
        "`resourceSpans` at the top (an OTLP/HTTP JSON request body) is read too. "
        "The instrumentation must follow the GenAI semantic conventions (OpenAI/Anthropic/Bedrock "
        "instrumentations of opentelemetry-python-contrib, OpenLLMetry, OpenLIT...); prompts are only present when "
        "content capture is on (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`), and the span "
        "attribute `app.feature` (set by the client's code) becomes the call's feature.")
    reader = "json"

    def matches(self, sample: FileSample) -> bool:
        return sample.kind in ("json", "jsonl") and sample.has_keys("resourceSpans")

    def prepare_raw(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE raw AS {sql_text('raw/raw_otel_genai_spans.sql')}")

    def note(self, con: duckdb.DuckDBPyConnection, rel: str) -> str | None:
        if con.execute("SELECT count(*) FROM raw").fetchone()[0] == 0:
            # e.g. a trace wrapped by a backend's API ({"trace": {"resourceSpans": ...}}): say why nothing loaded
            return "no spans found at resourceSpans[].scopeSpans[].spans[] (top level of each document)"
        return not_loaded_note(con, "span_class", "non-model span")


registry.register(OtelGenAISpans())

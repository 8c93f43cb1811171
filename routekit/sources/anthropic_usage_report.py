"""Anthropic Admin API usage report, ``GET /v1/organizations/usage_report/messages`` pages, as JSON or JSON Lines.

Token usage per time bucket and group. Anthropic counts input in separate parts (uncached, cache reads, 5-minute
and 1-hour cache writes) that are summed into the canonical total; the report has no request count.
"""
from __future__ import annotations

from routekit.sources import registry
from routekit.sources.base import ApiPageFormat, FileSample


class AnthropicUsageReport(ApiPageFormat):
    name = "anthropic_usage_report"
    target = "usage"
    title = "Anthropic Admin API usage report (JSON)"
    obtain = ("With an Admin API key (`sk-ant-admin...`, created by an organization admin in the Claude Console → "
              "Settings → Admin keys): `curl 'https://api.anthropic.com/v1/organizations/usage_report/messages?"
              "starting_at=2026-09-01T00:00:00Z&ending_at=2026-10-01T00:00:00Z&bucket_width=1d&limit=31"
              "&group_by[]=model&group_by[]=workspace_id&group_by[]=api_key_id&group_by[]=service_tier' "
              "-H \"x-api-key: $ANTHROPIC_ADMIN_KEY\" -H 'anthropic-version: 2023-06-01' > usage_report.json`; while "
              "`has_more` is true, repeat with `&page=<next_page>` and save every page (one file, one page per line, "
              "or one file per page).")

    def matches(self, sample: FileSample) -> bool:
        # `uncached_input_tokens` is a key only here: in the cost report it is a token_type value.
        return (sample.kind in ("json", "jsonl")
                and sample.has_keys("starting_at", "results", "uncached_input_tokens")
                and not sample.has_keys("amount"))


registry.register(AnthropicUsageReport())

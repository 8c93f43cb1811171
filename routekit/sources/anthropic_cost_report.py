"""Anthropic Admin API cost report, ``GET /v1/organizations/cost_report`` pages, as JSON or JSON Lines.

Billed lines per day, optionally per workspace and per description (model × token type, web search, code
execution). ``amount`` is a decimal string in cents. Priority Tier costs never appear here (Anthropic's docs).
"""
from __future__ import annotations

from routekit.sources import registry
from routekit.sources.base import ApiPageFormat, FileSample


class AnthropicCostReport(ApiPageFormat):
    name = "anthropic_cost_report"
    target = "invoice"
    title = "Anthropic Admin API cost report (JSON)"
    obtain = ("With an Admin API key (`sk-ant-admin...`, created by an organization admin in the Claude Console → "
              "Settings → Admin keys): `curl 'https://api.anthropic.com/v1/organizations/cost_report?"
              "starting_at=2026-09-01T00:00:00Z&ending_at=2026-10-01T00:00:00Z&limit=31"
              "&group_by[]=workspace_id&group_by[]=description' -H \"x-api-key: $ANTHROPIC_ADMIN_KEY\" "
              "-H 'anthropic-version: 2023-06-01' > cost_report.json`; while `has_more` is true, repeat with "
              "`&page=<next_page>` and save every page. Without `group_by[]=description` the lines carry no model "
              "and no token type. Priority Tier spend is not in this report.")

    def matches(self, sample: FileSample) -> bool:
        # The amount is a string next to `currency` (OpenAI's costs nest {value, currency} under amount); the usage
        # report has token-count keys and no amount.
        return (sample.kind in ("json", "jsonl")
                and sample.has_keys("starting_at", "results", "amount", "currency")
                and not sample.has_keys("uncached_input_tokens")
                and not sample.has_keys("value"))


registry.register(AnthropicCostReport())

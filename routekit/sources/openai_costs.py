"""OpenAI Costs API, ``GET /v1/organization/costs`` pages (Admin key), saved as JSON or JSON Lines.

The billed view: one amount per day bucket and group (project, line item, API key), in currency units (dollars),
including non-token charges. The model and the charge kind are only in the free-text ``line_item``.
"""
from __future__ import annotations

from routekit.sources import registry
from routekit.sources.base import ApiPageFormat, FileSample


class OpenAICosts(ApiPageFormat):
    name = "openai_costs"
    target = "invoice"
    title = "OpenAI Costs API (JSON)"
    obtain = ("With an Admin key (platform.openai.com → Settings → Organization → Admin keys; organization Owners "
              "only): `curl 'https://api.openai.com/v1/organization/costs?start_time=1790812800&bucket_width=1d"
              "&limit=180&group_by[]=line_item&group_by[]=project_id' -H \"Authorization: Bearer "
              "$OPENAI_ADMIN_KEY\" > costs.json`; while `has_more` is true, repeat with `&page=<next_page>` and save "
              "every page (one file, one page per line, or one file per page). Without `group_by[]=line_item` the "
              "lines carry no model and no charge kind.")

    def matches(self, sample: FileSample) -> bool:
        if sample.kind not in ("json", "jsonl"):
            return False
        if "organization.costs.result" in sample.text and sample.has_keys("amount"):
            return True
        # Pages saved without the `object` fields: the amount is an object {value, currency}; the Usage API pages
        # have no amount, Anthropic's cost report has a string amount and RFC 3339 `starting_at` buckets.
        return (sample.has_keys("results", "start_time", "amount", "value", "currency")
                and not sample.has_keys("num_model_requests")
                and not sample.has_keys("starting_at"))


registry.register(OpenAICosts())

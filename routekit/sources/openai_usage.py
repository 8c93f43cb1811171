"""OpenAI Usage API, ``GET /v1/organization/usage/completions`` pages (Admin key), saved as JSON or JSON Lines.

Aggregated token usage per time bucket and group; ``input_tokens`` already includes cached and cache-write tokens.
"""
from __future__ import annotations

from routekit.sources import registry
from routekit.sources.base import ApiPageFormat, FileSample


class OpenAIUsageCompletions(ApiPageFormat):
    name = "openai_usage_completions"
    target = "usage"
    title = "OpenAI Usage API completions (JSON)"
    obtain = ("With an Admin key: `curl 'https://api.openai.com/v1/organization/usage/completions?"
              "start_time=1790812800&bucket_width=1d&limit=31&group_by[]=model&group_by[]=project_id"
              "&group_by[]=api_key_id&group_by[]=batch' -H \"Authorization: Bearer $OPENAI_ADMIN_KEY\" > usage.json`; "
              "follow `next_page` and save each page (one file, one page per line, or one file per page).")

    def matches(self, sample: FileSample) -> bool:
        return sample.kind in ("json", "jsonl") and (
            "organization.usage.completions.result" in sample.text
            or (sample.has_keys("num_model_requests", "input_tokens", "output_tokens", "results")
                and not sample.has_keys("amount")))


registry.register(OpenAIUsageCompletions())

"""OpenRouter activity CSV export: one row per generation, tokens and the cost OpenRouter charged (USD credits).

Columns are matched by name (a late-2025 export has one column fewer than later ones); ``model_permaslug`` is the
dated slug OpenRouter served (``openai/gpt-oss-120b``), ``provider_name`` the upstream provider that ran it.
"""
from __future__ import annotations

from routekit.sources import registry
from routekit.sources.base import SourceFormat

REQUIRED = ("generation_id", "created_at", "model_permaslug", "tokens_prompt", "tokens_completion", "cost_total")
OPTIONAL = (
    "cost_web_search", "cost_cache", "cost_file_processing", "byok_usage_inference", "tokens_reasoning",
    "tokens_cached", "provider_name", "variant", "cancelled", "streamed", "user", "finish_reason_raw",
    "finish_reason_normalized", "generation_time_ms", "time_to_first_token_ms", "api_key_disabled", "api_key_name",
    "app_name",
)


class OpenRouterActivityCsv(SourceFormat):
    name = "openrouter_activity_csv"
    target = "calls"
    title = "OpenRouter activity export (CSV)"
    obtain = ("Signed in as an owner of the client's OpenRouter account (or organization): openrouter.ai/activity → "
              "choose the date range → Export → CSV (one row per generation). Export each month separately if "
              "the range is long; the file names do not matter.")
    reader = "csv"
    required_columns = REQUIRED
    optional_columns = OPTIONAL


registry.register(OpenRouterActivityCsv())

"""Claude Console token-usage export (console → Usage → Export), ``claude_api_tokens_<from>_to_<to>.csv``.

Token counts per day (or hour), model, API key name, workspace name and service tier, input split into uncached,
5-minute and 1-hour cache writes and cache reads. No request count.
"""
from __future__ import annotations

from routekit.sources import registry
from routekit.sources.base import SourceFormat

REQUIRED = ("usage_date_utc", "model_version", "usage_input_tokens_no_cache", "usage_output_tokens")
# A 2025-06 copy lacks context_window, inference_geo and speed; the rest is optional so older or trimmed files load.
OPTIONAL = ("api_key", "workspace", "usage_type", "context_window", "usage_input_tokens_cache_write_5m",
            "usage_input_tokens_cache_write_1h", "usage_input_tokens_cache_read", "web_search_count",
            "inference_geo", "speed")


class AnthropicUsageCsv(SourceFormat):
    name = "anthropic_usage_csv"
    target = "usage"
    title = "Claude Console token usage export (CSV)"
    obtain = ("In the Claude Console (platform.claude.com, formerly console.anthropic.com) as an admin or billing "
              "member: Usage → choose the date range and the daily or hourly grouping → Export, which downloads "
              "`claude_api_tokens_<from>_to_<to>.csv`. Export every workspace (the default view) rather than one.")
    reader = "csv"
    required_columns = REQUIRED
    optional_columns = OPTIONAL


registry.register(AnthropicUsageCsv())

"""Claude Console cost export (console → Cost → Export), ``claude_api_cost_<from>_to_<to>.csv``.

One row per day, model, workspace, API key and token type, ``cost_usd`` in DOLLARS (the Admin API reports cents)
and, in newer files, the list price beside it. ``model`` is the display name ("Claude Sonnet 4.5").
"""
from __future__ import annotations

from routekit.sources import registry
from routekit.sources.base import SourceFormat

REQUIRED = ("usage_date_utc", "model", "token_type", "cost_usd")
# 2025-12 files stop at `token_type,cost_usd,cost_type`; later ones before api_key_id/api_key_status.
OPTIONAL = ("workspace", "api_key", "usage_type", "context_window", "list_price_usd", "cost_type", "inference_geo",
            "speed", "api_key_id", "api_key_status")


class AnthropicCostCsv(SourceFormat):
    name = "anthropic_cost_csv"
    target = "invoice"
    title = "Claude Console cost export (CSV)"
    obtain = ("In the Claude Console (platform.claude.com, formerly console.anthropic.com) as an admin or billing "
              "member: Cost → choose the date range → Export, which downloads `claude_api_cost_<from>_to_<to>.csv`. "
              "Export every workspace (the default view) rather than one.")
    reader = "csv"
    required_columns = REQUIRED
    optional_columns = OPTIONAL


registry.register(AnthropicCostCsv())

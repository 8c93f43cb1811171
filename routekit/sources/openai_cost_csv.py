"""OpenAI dashboard Cost export (platform.openai.com/usage → Cost → Export), a CSV of the Costs API lines.

One row per day and group with the amount in dollars as a decimal string of up to 30 decimals, the free-text
``line_item`` of the Costs API, and project/organization names beside their ids. The file also carries the
user's e-mail address: it is never read.
"""
from __future__ import annotations

from routekit.sources import registry
from routekit.sources.base import SourceFormat

REQUIRED = ("start_time", "end_time", "amount_value", "amount_currency")
# Older exports lack quantity, quantity_unit and api_source; the rest is optional so a trimmed file still loads.
OPTIONAL = ("start_time_iso", "end_time_iso", "quantity", "quantity_unit", "line_item", "user_id", "api_key_id",
            "project_id", "organization_id", "project_name", "organization_name", "api_source")


class OpenAICostCsv(SourceFormat):
    name = "openai_cost_csv"
    target = "invoice"
    title = "OpenAI dashboard cost export (CSV)"
    obtain = ("As an organization Owner: platform.openai.com/usage → the Cost view → choose the date range (at most "
              "60 days per export) → Export → CSV, which downloads `cost_<from>_<to>.csv`; repeat for longer "
              "periods. Group by line item where the view offers it, so the lines name the model.")
    reader = "csv"
    required_columns = REQUIRED
    optional_columns = OPTIONAL


registry.register(OpenAICostCsv())

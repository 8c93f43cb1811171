"""How the audit report shows a table: human headers, cells formatted for a reader, a layout that fits the page.

Only what a reader sees is formatted here: findings.json, routing.json and the commands' --json keep the raw column
names and numbers. Money is $1,234.56 (-$0.01 when negative), shares are percentages, booleans yes/no, counts have
thousands separators, a missing value is "-".

Printing (audit.pdf is chromium printing audit.html): every table wraps its text inside the printable width; a table
with many columns (``wide``) gets a smaller font and a landscape page of its own, with its heading, so its last
columns are never cut off.
"""
from __future__ import annotations

import html
import re

from routekit.report_text import money

HEADERS = {
    "month": "Month", "requests": "Requests", "priced_usd": "Priced traffic", "billed_usd": "Invoiced",
    "provider": "Provider", "model": "Model", "tier": "Tier", "requests_per_month": "Requests / month",
    "monthly_usd": "Cost / month", "task_type": "Task type", "input_length": "Input length", "months": "Months",
    "example": "Example prompt", "mix": "Mix", "max_tokens": "Max output tokens", "calls": "Calls",
    "logs_priced_usd": "Logs, at list price", "usage_priced_usd": "Usage, at list price",
    "gap_usd": "Gap (invoice − explained)", "log_coverage": "Log coverage", "likely_causes": "Likely causes",
    "path": "File", "format": "Format", "target": "Loaded into", "rows_read": "Rows read",
    "rows_loaded": "Rows loaded", "rows_rejected": "Rows rejected", "skipped_reason": "Not loaded because",
    "note": "Note", "reason": "Reason", "file": "File", "rows": "Rows", "calls_cost_usd": "Cost in logs",
    "usage_rows": "Usage rows", "usage_cost_usd": "Cost in usage exports", "priced": "Priced",
    "priced_as": "Priced as", "price_source": "Price source", "share": "Share", "tiers": "Tiers",
    "failed_calls_per_month": "Failed calls / month", "share_of_calls": "Share of its calls", "billed": "Billed",
    "failed_calls": "Failed calls", "batch_share": "Batch share",
    "detection_rate": "Detection rate", "false_alarm_rate": "False-alarm rate", "from": "From tier", "to": "To tier",
    "low": "Low", "expected": "Expected", "high": "High",
    "validator": "Validator", "validator_cost_usd": "Validator / month", "added_cost_usd": "Escalations / month",
    "escalation_rate": "Escalation rate", "other_models": "Other models (max output tokens)",
    "correlation": "Correlation",
}
# names and ids: kept on one line (a model id broken at its hyphens is misread); long text columns wrap instead
ONE_LINE = {"provider", "model", "month", "tier", "task_type", "input_length", "format", "target", "priced_as",
            "priced", "max_tokens"}
# fractions of 1, shown as percentages
SHARES = {"log_coverage", "share", "share_of_calls", "detection_rate", "false_alarm_rate", "extra_failure_rate",
          "batch_share", "escalation_rate"}
FACTORS = {"low", "expected", "high"}   # a policy's output inflation: ×1.15
WIDE_AFTER = 6   # more columns than this do not fit a portrait page at a readable size

# Print and screen layout of the report's tables. The lab template's own table rules (centred, fixed layout, cells
# that never wrap inside a scrolling output) are what pushed the last columns off the printed page.
STYLE = """<style>
@page { size: letter portrait; margin: 12mm; }
@page rk-landscape { size: letter landscape; margin: 12mm; }
.jp-RenderedHTMLCommon table.rk-table { border-collapse: collapse; table-layout: auto; width: auto; max-width: 100%;
  margin: 0.4em 0 1em 0; font-size: 9pt; }
.jp-RenderedHTMLCommon table.rk-table th, .jp-RenderedHTMLCommon table.rk-table td { text-align: left;
  vertical-align: top; padding: 2px 6px; border-bottom: 1px solid #ddd; white-space: normal; overflow-wrap: anywhere; }
.jp-RenderedHTMLCommon table.rk-table th { border-bottom: 1px solid #888; overflow-wrap: normal; }
.jp-RenderedHTMLCommon table.rk-table .num { text-align: right; }
.jp-RenderedHTMLCommon table.rk-table td.num, .jp-RenderedHTMLCommon table.rk-table span.nb { white-space: nowrap; }
.jp-RenderedHTMLCommon table.rk-table tr.rk-total td { font-weight: bold; border-top: 1px solid #888; }
.rk-wide { page: rk-landscape; }
.jp-RenderedHTMLCommon .rk-wide table.rk-table { font-size: 7.5pt; }
.rk-banner { border: 2px solid #b00020; background: #fdecea; color: #5f0010; padding: 0.6em 0.9em; font-weight: bold;
  margin: 0 0 1em 0; }
@media print {
  .jp-OutputArea-output, .jp-RenderedHTMLCommon, .jp-OutputArea, .jp-Cell-outputWrapper {
    overflow: visible !important; }
  .jp-OutputArea-prompt, .jp-InputPrompt, .jp-OutputPrompt, .jp-Collapser { display: none !important; }
  .jp-Notebook, .jp-Cell { padding-left: 0 !important; padding-right: 0 !important; }
  .jp-RenderedHTMLCommon table.rk-table tr { break-inside: avoid; }
  .jp-RenderedHTMLCommon h2, .jp-RenderedHTMLCommon h3 { break-after: avoid; }
  /* a section's heading and intro are one output, its chart or list the next: keep them on one page (the
     frontier's heading was left at the foot of a page, its chart on the next) */
  .jp-OutputArea-child:has(h2) { break-after: avoid; }
  img.rk-chart { break-inside: avoid; }
}
</style>"""


def rounded_to_total(values: list, places: int) -> list[float | None]:
    """The values rounded to ``places`` decimals so that they add up to their exact sum rounded (half up): a table's
    rows then sum to its total row, as a reader checks. Largest remainder: every value is cut down, and the units
    still missing go to the largest cut-offs (the first among equals). None stays None; a row can then differ by one
    unit from the same amount rounded on its own."""
    from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

    unit = Decimal(1).scaleb(-places)
    exact = [None if v is None else Decimal(str(v)) for v in values]
    present = [v for v in exact if v is not None]
    if not present:
        return [None] * len(values)
    floors = [None if v is None else v.quantize(unit, ROUND_FLOOR) for v in exact]
    missing = int((sum(present).quantize(unit, ROUND_HALF_UP) - sum(f for f in floors if f is not None)) / unit)
    order = sorted((i for i, v in enumerate(exact) if v is not None), key=lambda i: -(exact[i] - floors[i]))
    for i in order[:missing]:
        floors[i] += unit
    return [None if f is None else float(f) for f in floors]


def round_to_total(records: list[dict], amounts: dict[str, int]) -> list[dict]:
    """Copies of the records with each amount column (column: decimal places) rounded by rounded_to_total."""
    rows = [dict(r) for r in records]
    for column, places in amounts.items():
        if rows and column in rows[0]:
            for r, v in zip(rows, rounded_to_total([r[column] for r in rows], places)):
                r[column] = v
    return rows


class TotalRow(dict):
    """with_total's last row: table_html sets it apart by its type, not by its words (a model named "Total")."""


def with_total(records: list[dict], amounts: dict[str, int]) -> list[dict]:
    """The records (rounded by round_to_total) and a last row labelled "Total" in the first column with the sums
    of the amount columns; its other cells are blank. Fewer than two records: no total (it would repeat the row)."""
    rows = round_to_total(records, amounts)
    if len(rows) < 2:
        return rows
    total = TotalRow((c, "") for c in rows[0])
    total[next(iter(total))] = "Total"
    for column, places in amounts.items():
        if column in total:
            present = [r[column] for r in rows if r[column] is not None]
            total[column] = round(sum(present), places) if present else None
    return rows + [total]


def header(column: str) -> str:
    return HEADERS.get(column) or column.replace("_", " ").capitalize()


def cell(column: str, value) -> str:
    """One value as a reader should see it in that column."""
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "; ".join(map(str, value)) or "-"
    if column.endswith("_usd"):
        return money(float(value))
    if column in SHARES:
        return f"{float(value):.1%}"
    if column in FACTORS:
        return f"×{float(value):g}"
    if column == "month":   # a month's first day: 2026-09
        return str(value)[:7]
    if isinstance(value, (int, float)):
        value = float(value)
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    return str(value)


def _numeric(column: str, values: list) -> bool:
    present = [v for v in values if v is not None and v != ""]   # "": a total row's blank cell
    return bool(present) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present) \
        and column != "month"


NUM = ' class="num"'


def _breakable(text: str, one_line: bool = False) -> str:
    """Escaped, with a line-break opportunity after each / and _ (file paths wrap at their folders, not mid-name).
    A name or id (``one_line``) breaks only there and after . or :, never at its hyphens:
    anthropic.claude-sonnet-4-5-20250929-v1:0 may wrap after "anthropic.", not inside "claude-sonnet"."""
    if one_line:
        parts = [p for p in re.split(r"(?<=[./:_])", text) if p]
        return "<wbr>".join(f'<span class="nb">{html.escape(p)}</span>' for p in parts)
    return html.escape(text).replace("/", "/<wbr>").replace("_", "_<wbr>")


def table_html(records: list[dict], columns: list[str] | None = None, *, title: str | None = None,
               intro: str | None = None, wide: bool | None = None, level: int = 3, section: str | None = None) -> str:
    """An HTML table of the records (None when there are none), with its optional heading and intro inside the same
    block, so a landscape page never leaves its heading behind on the page before. ``section``: the heading of the
    report section the table opens (h2), kept in the block for the same reason: "Data appendix" was printed alone on
    a portrait page before the landscape "Files read"."""
    columns = list(columns or (records[0].keys() if records else []))
    wide = len(columns) > WIDE_AFTER if wide is None else wide
    head = (f'<h2 id="{html.escape(section.replace(" ", "-"))}">{html.escape(section)}</h2>' if section else "") + \
           (f"<h{level}>{html.escape(title)}</h{level}>" if title else "") + \
           (f"<p>{html.escape(intro)}</p>" if intro else "")
    if not records:
        body = "<p><em>(none)</em></p>"
    else:
        numeric = {c: _numeric(c, [r.get(c) for r in records]) for c in columns}
        cls = {c: NUM if numeric[c] else ' class="id"' if c in ONE_LINE else "" for c in columns}
        total = ' class="rk-total"'
        rows = "".join(f"<tr{total if isinstance(r, TotalRow) else ''}>"
                       + "".join(f"<td{cls[c]}>{_breakable(cell(c, r.get(c)), c in ONE_LINE)}</td>" for c in columns)
                       + "</tr>" for r in records)
        body = ('<table class="rk-table"><thead><tr>'
                + "".join(f"<th{NUM if numeric[c] else ''}>{html.escape(header(c))}</th>" for c in columns)
                + f"</tr></thead><tbody>{rows}</tbody></table>")
    return f'<div class="{"rk-wide" if wide else "rk-block"}">{head}{body}</div>'

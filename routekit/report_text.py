"""Plain-text summaries for the terminal. Never prints prompt text: only counts, names and reasons."""
from __future__ import annotations

from routekit.ingest import IngestReport


def money(value: float | None) -> str:
    """Dollars for a person: -$55.19, not $-55.19; '-' for no figure."""
    return "-" if value is None else f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def shown(value: float, digits: int) -> float:
    """``value`` rounded as it will be shown, a tiny negative (float noise of a mix that changes nothing) made 0.0:
    "+0.00%" and "+0.0", not "-0.00%" and "-0.0"."""
    return round(value, digits) + 0.0


def _n(v) -> str:
    return f"{v:,}" if isinstance(v, int) else "-"


def print_ingest(report: IngestReport) -> None:
    print(f"database: {report.db}")
    width = max([len(f.path) for f in report.files] + [4])
    print(f"{'file':<{width}}  {'format':<24} {'read':>9} {'loaded':>9} {'rejected':>9}  status")
    for f in report.files:
        status = f.status + (f": {f.skipped_reason}" if f.skipped_reason else "") + (f" ({f.note})" if f.note else "")
        print(f"{f.path:<{width}}  {f.format or '-':<24} {_n(f.rows_read):>9} {_n(f.rows_loaded):>9} "
              f"{_n(f.rows_rejected):>9}  {status}")
    for rel in report.removed:
        print(f"{rel}: gone from the folder, its rows were removed")
    c, u, i = report.tables["calls"], report.tables["usage"], report.tables["invoice"]
    cost = "-" if c["reported_cost_usd"] is None else f"${c['reported_cost_usd']:,.2f}"
    billed = "-" if i["billed_usd"] is None else f"${i['billed_usd']:,.2f}"
    print(f"calls:   {_n(c['rows'])} requests, {_n(c['input_tokens'])} input tokens "
          f"({_n(c['cached_input_tokens'])} cached), {_n(c['output_tokens'])} output tokens, reported cost {cost}")
    uncounted = f" (+ {_n(u['rows_without_request_count'])} rows that do not count requests)" \
        if u["rows_without_request_count"] else ""
    print(f"usage:   {_n(u['rows'])} rows, {_n(u['requests'])} requests{uncounted}, {_n(u['input_tokens'])} input tokens "
          f"({_n(u['cached_input_tokens'])} cached), {_n(u['output_tokens'])} output tokens")
    print(f"invoice: {_n(i['rows'])} lines, billed {billed}")
    if report.reject_reasons:
        print("rejected rows by reason:")
        for r in report.reject_reasons:
            print(f"  {r['rows']:>7,}  {r['file']}: {r['reason']} (e.g. {r['example_row']}: {r['example']})")

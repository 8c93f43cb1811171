"""OpenAI Costs API pages (JSON Lines and one pretty-printed document); totals worked out by hand."""
from __future__ import annotations

import json
from decimal import Decimal

from conftest import file_entry, ingest_json

from routekit.sources import FileSample, detect, registry

DAY1 = (1790553600, 1790640000)   # 2026-09-28 00:00 → 2026-09-29 00:00 UTC
DAY2 = (1790640000, 1790726400)   # 2026-09-29 → 2026-09-30


def _page(*buckets):
    return {"object": "page", "data": list(buckets), "has_more": False, "next_page": None}


def _bucket(day, *results):
    return {"object": "bucket", "start_time": day[0], "end_time": day[1], "results": list(results)}


def _cost(value, line_item, currency="usd", **kw):
    return {"object": "organization.costs.result", "amount": {"value": value, "currency": currency},
            "line_item": line_item, "project_id": "proj_abc", "api_key_id": None, **kw}


def test_cost_pages_split_line_items_into_model_and_token_type(ingest, client):
    page1 = _page(_bucket(DAY1,
                          _cost(0.5, "gpt-5-nano, input_tokens", quantity=1000, quantity_unit="tokens"),
                          _cost(0.003835980000000000000000000000, "gpt-4o-2024-08-06, cached input"),
                          _cost(1.2, "gpt-4o-2024-08-06, output"),
                          _cost(0.06, "Image models")))
    page2 = _page(_bucket(DAY2,
                          _cost(0.25, "o3-mini"),
                          _cost(0.06, "input_tokens"),          # the spec's schematic example: no model in it
                          _cost("n/a", "gpt-4o, input")))
    report, con = ingest({"openai/costs.jsonl": json.dumps(page1) + "\n" + json.dumps(page2) + "\n"})
    f = file_entry(report, "openai/costs.jsonl")
    assert f["format"] == "openai_costs"
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (7, 5, 2)
    # 0.5 + 0.00383598 + 1.2 + 0.06 + 0.25 = 2.01383598 USD (the two rejected lines excluded)
    assert con.execute("SELECT sum(billed_usd), sum(billed_cost) FROM invoice").fetchone() == (
        Decimal("2.013835980000"), Decimal("2.013835980000"))
    assert report["tables"]["invoice"] == {"rows": 5, "billed_usd": 2.013836}
    split = dict(con.execute("SELECT token_type, sum(billed_usd) FROM invoice GROUP BY 1").fetchall())
    # input 0.5; cached input 0.00383598; output 1.2; other = "Image models" 0.06 + bare model "o3-mini" 0.25
    assert split == {"input": Decimal("0.5"), "cached_input": Decimal("0.00383598"), "output": Decimal("1.2"),
                     "other": Decimal("0.31")}
    rows = con.execute("""SELECT charge_description, model, token_type, consumed_quantity, consumed_unit
                          FROM invoice ORDER BY _source_row""").fetchall()
    assert rows == [
        ("gpt-5-nano, input_tokens", "gpt-5-nano", "input", 1000.0, "tokens"),
        ("gpt-4o-2024-08-06, cached input", "gpt-4o-2024-08-06", "cached_input", None, None),
        ("gpt-4o-2024-08-06, output", "gpt-4o-2024-08-06", "output", None, None),
        ("Image models", None, "other", None, None),
        ("o3-mini", "o3-mini", "other", None, None),
    ]
    periods = con.execute("""SELECT DISTINCT strftime(charge_period_start, '%Y-%m-%d %H:%M'),
                                    strftime(charge_period_end, '%Y-%m-%d %H:%M') FROM invoice ORDER BY 1""").fetchall()
    assert periods == [("2026-09-28 00:00", "2026-09-29 00:00"), ("2026-09-29 00:00", "2026-09-30 00:00")]
    assert con.execute("SELECT DISTINCT provider, billing_currency, project FROM invoice").fetchall() == [
        ("openai", "USD", "proj_abc")]
    assert con.execute("SELECT _source_row, reason FROM rejects ORDER BY _source_row").fetchall() == [
        ("line 2 $.data[0].results[1]", "missing model for a token charge: line_item 'input_tokens'"),
        ("line 2 $.data[0].results[2]", "amount.value is not a number: 'n/a'"),
    ]
    assert detect(FileSample.read(client / "openai/costs.jsonl"), registry.formats()).name == "openai_costs"


def test_ungrouped_page_through_cli_with_a_converted_currency(client):
    # Without group_by=line_item a line is the project's whole day: no model, no token split.
    page = _page(_bucket(DAY1,
                         {"object": "organization.costs.result", "amount": {"value": 3.5, "currency": "usd"},
                          "line_item": None, "project_id": "proj_a"},
                         {"object": "organization.costs.result", "amount": {"value": 10, "currency": "eur"},
                          "line_item": None, "project_id": "proj_b"},
                         {"object": "organization.costs.result", "amount": {"value": 2, "currency": "gbp"},
                          "line_item": None, "project_id": "proj_c"}))
    (client / "costs.json").write_text(json.dumps(page, indent=2))
    (client / "routekit.yaml").write_text("currency_rates:\n  EUR: 1.1\n")
    report = ingest_json(client)
    f = file_entry(report, "costs.json")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("openai_costs", 3, 3, 0)
    # 3.5 USD + 10 EUR × 1.1 = 14.5 USD; GBP has no rate: its billed_usd is NULL, not 0
    assert report["tables"]["invoice"] == {"rows": 3, "billed_usd": 14.5}
    import duckdb
    with duckdb.connect(report["db"], read_only=True) as con:
        rows = con.execute("""SELECT project, model, token_type, billed_cost, billing_currency, billed_usd
                              FROM invoice ORDER BY project""").fetchall()
    assert rows == [("proj_a", None, None, Decimal("3.5"), "USD", Decimal("3.5")),
                    ("proj_b", None, None, Decimal("10"), "EUR", Decimal("11")),
                    ("proj_c", None, None, Decimal("2"), "GBP", None)]


def test_costs_pages_are_not_taken_for_usage_pages_and_back(tmp_path):
    costs = tmp_path / "c.json"
    costs.write_text(json.dumps(_page(_bucket(DAY1, {"amount": {"value": 1, "currency": "usd"},
                                                     "line_item": "gpt-4o, input", "project_id": None}))))
    usage = tmp_path / "u.json"
    usage.write_text(json.dumps(_page(_bucket(DAY1, {"input_tokens": 1, "output_tokens": 1,
                                                     "num_model_requests": 1}))))
    # without the `object` markers, by keys alone
    assert detect(FileSample.read(costs), registry.formats()).name == "openai_costs"
    assert detect(FileSample.read(usage), registry.formats()).name == "openai_usage_completions"


def test_real_cookbook_costs_and_line_items(ingest):
    # Real responses from the OpenAI cookbook "How to use the Usage API and Cost API" (tests/data/real/README.md):
    # the ungrouped daily costs, amount.value floats of 17 digits, and the group_by=line_item lines it printed.
    # Its line items carry a product surface before a bar ("evals | gpt-4o-mini-2024-07-18, input", which was
    # rejected as a token charge without a model before the fix) and a fine-tune as "ft-gpt-4o-2024-08-06".
    from conftest import real_sample

    report, con = ingest({"openai/costs.json": real_sample("openai_costs_cookbook.json"),
                          "openai/costs_by_line_item.json": real_sample("openai_costs_by_line_item.json")})
    assert [(f["path"], f["format"], f["rows_loaded"], f["rows_rejected"]) for f in report["files"]] == [
        ("openai/costs.json", "openai_costs", 4, 0), ("openai/costs_by_line_item.json", "openai_costs", 5, 0)]
    # Ungrouped: 0.13080438340307526 + 0.12270423340307525 + 9.888144383403077 + 0.00032195744715549047
    # = 10.14197495758... ; by line item 0.127440 + 0.003090 + 0.000271 + 0.000003 + 0.028607 = 0.159411
    # (the first day's four lines, 0.130804, are the ungrouped first day to the printed 6 decimals)
    assert con.execute("""SELECT round(sum(billed_usd), 6) FROM invoice WHERE _source_file = 'openai/costs.json'
                       """).fetchone() == (Decimal("10.141975"),)
    assert con.execute("""SELECT sum(billed_usd) FROM invoice WHERE _source_file = 'openai/costs_by_line_item.json'
                       """).fetchone() == (Decimal("0.159411"),)
    assert con.execute("""SELECT model, token_type, billed_usd, attributes ->> 'surface' FROM invoice
                          WHERE _source_file = 'openai/costs_by_line_item.json' ORDER BY _source_row""").fetchall() == [
        # ft-<base> is written as the fine-tune id the Usage API uses, ft:<base>
        ("ft:gpt-4o-2024-08-06", "input", Decimal("0.127440"), None),
        ("ft:gpt-4o-2024-08-06", "output", Decimal("0.003090"), None),
        (None, "other", Decimal("0.000271"), None),
        (None, "other", Decimal("0.000003"), None),
        ("gpt-4o-mini-2024-07-18", "input", Decimal("0.028607"), "evals"),
    ]
    # 1736553600 = 2025-01-11 00:00 UTC
    assert str(con.execute("SELECT min(charge_period_start) FROM invoice").fetchone()[0]) == "2025-01-11 00:00:00"

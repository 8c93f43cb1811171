"""OpenAI dashboard cost CSV (cost_<from>_<to>.csv), current and older column sets; totals worked out by hand."""
from __future__ import annotations

from decimal import Decimal

from conftest import file_entry, ingest_json

from routekit.sources import FileSample, detect, registry

HEADER = ("start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,quantity_unit,"
          "line_item,user_id,api_key_id,project_id,organization_id,project_name,organization_name,user_email,"
          "api_source")
# Note: the example row in formats.md has 16 fields for this 17-column header (organization_name is missing);
# these rows have all 17.
CSV = "\n".join([
    HEADER,
    '1790553600,1790640000,2026-09-28T00:00:00,2026-09-29T00:00:00,0.5,usd,1000,tokens,"gpt-5-nano, input_tokens",'
    ',key_1,proj_a,org-x,Proj A,Org X,someone@example.com,',
    '1790553600,1790640000,2026-09-28T00:00:00,2026-09-29T00:00:00,0.003835980000000000000000000000,usd,3.2,'
    '1000_tokens,"gpt-4o-2024-08-06, cached input",user-1,key_1,proj_b,org-x,,Org X,other@example.com,api',
    # an empty day: no amount, no line item
    "1790640000,1790726400,2026-09-29T00:00:00+00:00,2026-09-30T00:00:00+00:00,,,,,,,,,org-x,,Org X,,",
    '1790640000,1790726400,2026-09-29T00:00:00+00:00,2026-09-30T00:00:00+00:00,abc,usd,,,"gpt-4o, output",'
    ',key_1,proj_a,org-x,Proj A,Org X,someone@example.com,',
    'yesterday,,,,0.1,usd,,,"gpt-4o, output",,key_1,proj_a,org-x,Proj A,Org X,someone@example.com,',
]) + "\n"


def test_cost_csv_loads_lines_keeps_empty_days_and_never_the_email(ingest, client):
    report, con = ingest({"openai/cost_2026-09-28_2026-09-30.csv": CSV})
    f = file_entry(report, "openai/cost_2026-09-28_2026-09-30.csv")
    assert f["format"] == "openai_cost_csv"
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (5, 3, 2)
    # 0.5 + 0.003835980000000000000000000000 (30 decimals, 12 kept) + 0 (empty day) = 0.50383598 USD
    assert con.execute("SELECT sum(billed_usd) FROM invoice").fetchone()[0] == Decimal("0.50383598")
    assert report["tables"]["invoice"] == {"rows": 3, "billed_usd": 0.503836}
    rows = con.execute("""SELECT strftime(charge_period_start, '%Y-%m-%d'), strftime(charge_period_end, '%Y-%m-%d'),
                                 provider, model, token_type, project, api_key, consumed_quantity, consumed_unit,
                                 billed_cost, billing_currency
                          FROM invoice ORDER BY _source_row""").fetchall()
    assert rows == [
        ("2026-09-28", "2026-09-29", "openai", "gpt-5-nano", "input", "Proj A", "key_1", 1000.0, "tokens",
         Decimal("0.5"), "USD"),
        # no project_name: the id stands in
        ("2026-09-28", "2026-09-29", "openai", "gpt-4o-2024-08-06", "cached_input", "proj_b", "key_1", 3.2,
         "1000_tokens", Decimal("0.00383598"), "USD"),
        # the empty day: a zero-cost line, USD by default
        ("2026-09-29", "2026-09-30", "openai", None, None, None, None, None, None, Decimal("0"), "USD"),
    ]
    assert con.execute("SELECT _source_row, reason FROM rejects ORDER BY _source_row").fetchall() == [
        ("row 4", "amount_value is not a number: 'abc'"),
        ("row 5", "unparseable timestamp start_time: 'yesterday'"),
    ]
    every_value = " ".join(str(v) for row in con.execute("SELECT * FROM invoice").fetchall() for v in row)
    every_value += " ".join(str(v) for row in con.execute("SELECT * FROM rejects").fetchall() for v in row)
    assert "@" not in every_value
    assert detect(FileSample.read(client / "openai/cost_2026-09-28_2026-09-30.csv"),
                  registry.formats()).name == "openai_cost_csv"


def test_older_export_without_quantity_and_api_source_through_cli(client):
    old = "\n".join([
        "start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,line_item,user_id,api_key_id,"
        "project_id,organization_id,project_name,organization_name,user_email",
        '1790553600,1790640000,2026-09-28T00:00:00,2026-09-29T00:00:00,1.75,usd,"gpt-4o-2024-08-06, output",,'
        'key_9,proj_a,org-x,Proj A,Org X,someone@example.com',
        '1790553600,1790640000,2026-09-28T00:00:00,2026-09-29T00:00:00,0.25,usd,"gpt-4o-2024-08-06, input",,'
        'key_9,proj_a,org-x,Proj A,Org X,someone@example.com',
    ]) + "\n"
    (client / "cost_old.csv").write_text(old)
    report = ingest_json(client)
    f = file_entry(report, "cost_old.csv")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("openai_cost_csv", 2, 2, 0)
    # 1.75 output + 0.25 input = 2.00 USD
    assert report["tables"]["invoice"] == {"rows": 2, "billed_usd": 2.0}


def test_real_line_items_in_the_dashboard_csv(ingest):
    # The dashboard CSV shares the Costs API's line items: the real ones of the OpenAI cookbook's group_by=line_item
    # output (tests/data/real/README.md), a surface before a bar and a fine-tune, read by the same rules.
    rows = [("0.127440", "ft-gpt-4o-2024-08-06, input"), ("0.000271", "assistants api | file search"),
            ("0.028607", "evals | gpt-4o-mini-2024-07-18, input")]
    text = "\n".join([HEADER] + [f'1736553600,1736640000,,,{v},usd,,,"{li}",,,proj_a,org-x,,,,' for v, li in rows])
    report, con = ingest({"cost_2025-01.csv": text + "\n"})
    f = file_entry(report, "cost_2025-01.csv")
    assert (f["format"], f["rows_loaded"], f["rows_rejected"]) == ("openai_cost_csv", 3, 0)
    assert con.execute("""SELECT model, token_type, attributes ->> 'surface' FROM invoice ORDER BY _source_row
                       """).fetchall() == [("ft:gpt-4o-2024-08-06", "input", None), (None, "other", None),
                                           ("gpt-4o-mini-2024-07-18", "input", "evals")]
    # 0.127440 + 0.000271 + 0.028607 = 0.156318
    assert con.execute("SELECT sum(billed_usd) FROM invoice").fetchone() == (Decimal("0.156318"),)

"""Claude Console cost CSV (claude_api_cost_*.csv): dollars, display model names; totals worked out by hand."""
from __future__ import annotations

from decimal import Decimal

import duckdb
from conftest import file_entry, ingest_json

from routekit.sources import FileSample, detect, registry

HEADER = ("usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,cost_usd,list_price_usd,"
          "cost_type,inference_geo,speed,api_key_id,api_key_status")
CSV = "\n".join([
    HEADER,
    "2026-08-15,Claude Haiku 4.5,Default,Agent Zero New,message,≤ 200k,input_no_cache,0.19,0.19,token,global,,"
    "apikey_x,active",
    "2026-08-15,Claude Haiku 4.5,Default,Agent Zero New,message,≤ 200k,input_cache_read,0.02,0.02,token,global,,"
    "apikey_x,active",
    "2026-08-15,Claude Sonnet 4.5,Research,batch-jobs,message,≤ 200k,input_cache_write_5m,0.75,0.75,token,global,,"
    "apikey_y,active",
    "2026-08-15,Claude Sonnet 4.5,Research,batch-jobs,message,≤ 200k,output,3.00,6.00,token,global,,"
    "apikey_y,active",
    "2026-08-16,Claude 3.5 Sonnet,Default,Agent Zero New,message,≤ 200k,output,0.00,0.00,token,global,,"
    "apikey_x,active",
    "2026-08-16,Claude Opus 4.1,Default,Agent Zero New,message,≤ 200k,output,n/a,0.10,token,global,,"
    "apikey_x,active",
    "2026-08-16,,Default,Agent Zero New,message,≤ 200k,output,0.10,0.10,token,global,,apikey_x,active",
]) + "\n"


def test_cost_csv_in_dollars_with_model_ids_from_display_names(ingest, client):
    report, con = ingest({"anthropic/claude_api_cost_2026-08-15_to_2026-08-16.csv": CSV})
    f = file_entry(report, "anthropic/claude_api_cost_2026-08-15_to_2026-08-16.csv")
    assert f["format"] == "anthropic_cost_csv"
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (7, 5, 2)
    # cost_usd is dollars (not cents): 0.19 + 0.02 + 0.75 + 3.00 + 0.00 = 3.96;
    # list price 0.19 + 0.02 + 0.75 + 6.00 + 0.00 = 6.96
    assert con.execute("SELECT sum(billed_usd), sum(list_cost_usd) FROM invoice").fetchone() == (
        Decimal("3.96"), Decimal("6.96"))
    assert report["tables"]["invoice"] == {"rows": 5, "billed_usd": 3.96}
    split = dict(con.execute("SELECT token_type, sum(billed_usd) FROM invoice GROUP BY 1").fetchall())
    assert split == {"input": Decimal("0.19"), "cached_input": Decimal("0.02"), "cache_write": Decimal("0.75"),
                     "output": Decimal("3.00")}
    rows = con.execute("""SELECT strftime(charge_period_start, '%Y-%m-%d'), strftime(charge_period_end, '%Y-%m-%d'),
                                 provider, model, charge_description, service_tier, project, api_key,
                                 billing_currency, attributes ->> 'model_display_name',
                                 attributes ->> 'context_window', attributes ->> 'api_key_id'
                          FROM invoice ORDER BY _source_row""").fetchall()
    assert rows == [
        ("2026-08-15", "2026-08-16", "anthropic", "claude-haiku-4-5", "Claude Haiku 4.5, input_no_cache", None,
         "Default", "Agent Zero New", "USD", "Claude Haiku 4.5", "≤ 200k", "apikey_x"),
        ("2026-08-15", "2026-08-16", "anthropic", "claude-haiku-4-5", "Claude Haiku 4.5, input_cache_read", None,
         "Default", "Agent Zero New", "USD", "Claude Haiku 4.5", "≤ 200k", "apikey_x"),
        ("2026-08-15", "2026-08-16", "anthropic", "claude-sonnet-4-5", "Claude Sonnet 4.5, input_cache_write_5m",
         None, "Research", "batch-jobs", "USD", "Claude Sonnet 4.5", "≤ 200k", "apikey_y"),
        ("2026-08-15", "2026-08-16", "anthropic", "claude-sonnet-4-5", "Claude Sonnet 4.5, output", None,
         "Research", "batch-jobs", "USD", "Claude Sonnet 4.5", "≤ 200k", "apikey_y"),
        ("2026-08-16", "2026-08-17", "anthropic", "claude-3-5-sonnet", "Claude 3.5 Sonnet, output", None,
         "Default", "Agent Zero New", "USD", "Claude 3.5 Sonnet", "≤ 200k", "apikey_x"),
    ]
    assert con.execute("SELECT _source_row, reason FROM rejects ORDER BY _source_row").fetchall() == [
        ("row 6", "cost_usd is not a number: 'n/a'"),
        ("row 7", "missing model for a token charge: token_type 'output'"),
    ]
    assert detect(FileSample.read(client / "anthropic/claude_api_cost_2026-08-15_to_2026-08-16.csv"),
                  registry.formats()).name == "anthropic_cost_csv"


def test_older_column_sets_through_cli(client):
    # 2025-12: ends at token_type,cost_usd,cost_type (no list price, geo, speed, key id or status)
    dec = "\n".join([
        "usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,cost_usd,cost_type",
        "2025-12-01,Claude Opus 4.1,Default,legacy,message,≤ 200k,input_no_cache,1.50,token",
        "2025-12-01,Claude Opus 4.1,Default,legacy,message,≤ 200k,output,4.50,token",
    ]) + "\n"
    # later: stops before api_key_id/api_key_status
    jan = "\n".join([
        "usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,cost_usd,list_price_usd,"
        "cost_type,inference_geo,speed",
        "2026-01-05,Claude Sonnet 4.5,Default,k,message,≤ 200k,output,0.30,0.30,token,global,",
    ]) + "\n"
    (client / "claude_api_cost_2025-12.csv").write_text(dec, encoding="utf-8")
    (client / "claude_api_cost_2026-01.csv").write_text(jan, encoding="utf-8")
    report = ingest_json(client)
    for path, n in (("claude_api_cost_2025-12.csv", 2), ("claude_api_cost_2026-01.csv", 1)):
        f = file_entry(report, path)
        assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("anthropic_cost_csv", n, n, 0)
    # 1.50 + 4.50 + 0.30 = 6.30 USD
    assert report["tables"]["invoice"] == {"rows": 3, "billed_usd": 6.3}
    with duckdb.connect(report["db"], read_only=True) as con:
        assert con.execute("SELECT DISTINCT model FROM invoice ORDER BY 1").fetchall() == [
            ("claude-opus-4-1",), ("claude-sonnet-4-5",)]
        assert con.execute("SELECT list_cost_usd FROM invoice WHERE model = 'claude-opus-4-1'").fetchall() == [
            (None,), (None,)]


def test_real_2024_export_names_the_snapshot_by_date(ingest):
    # A real row of a 2024-12 export (tests/data/real/README.md): the 7-column layout, an empty workspace, a key
    # named after a person and the display name "Claude 3.5 Sonnet 2024-10-22". The date is written as in the API
    # id, claude-3-5-sonnet-20241022 (it was claude-3-5-sonnet-2024-10-22, an id no log carries).
    from conftest import real_sample

    report, con = ingest({"claude_api_cost_2024_12.csv": real_sample("anthropic_claude_api_cost_2024-12.csv")})
    f = file_entry(report, "claude_api_cost_2024_12.csv")
    assert (f["format"], f["rows_loaded"], f["rows_rejected"]) == ("anthropic_cost_csv", 1, 0)
    assert con.execute("""SELECT strftime(charge_period_start, '%Y-%m-%d'), model, token_type, project, service_tier,
                                 billed_usd FROM invoice""").fetchall() == [
        ("2024-12-07", "claude-3-5-sonnet-20241022", "input", None, None, Decimal("0.00"))]


def test_one_cent_line_within_its_rounding_names_the_half_cent(client):
    """A gap within the rounding of one line billed in whole cents: the allowance is half a cent, $0.005, and read
    "allow up to $0.01" when rounded to the cent (twice what it is)."""
    import json

    from conftest import run_cli, write_files

    usage = ("usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,"
             "usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,"
             "usage_output_tokens,web_search_count,inference_geo,speed\n"
             "2026-08-15,claude-haiku-4-5-20251001,k,Default,standard,≤ 200k,1000,0,0,0,1000,0,global,\n")
    cost = HEADER + ("\n2026-08-15,Claude Haiku 4.5,Default,k,message,≤ 200k,input_no_cache,0.01,0.01,token,global,,"
                     "apikey_x,active\n")
    write_files(client, {"claude_api_tokens.csv": usage, "claude_api_cost.csv": cost})
    [r] = json.loads(run_cli("reconcile", str(client), "--json").stdout)["rows"]
    # Claude Haiku 4.5 at $1 input / $5 output per million: 1,000 × 1 + 1,000 × 5 = $0.006; billed $0.01, a gap of
    # $0.004, within one whole-cent line's half cent
    assert (r["billed_usd"], r["usage_priced_usd"]) == (0.01, 0.01)
    assert r["likely_causes"] == [
        "within the invoice's rounding: 1 line billed in whole cents allows up to $0.005 either way"]

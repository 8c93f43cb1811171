"""OpenRouter activity CSV export (openrouter.ai/activity → Export)."""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest

from conftest import file_entry, ingest_json, run_cli, write_files
from routekit.sources import FileSample, registry

HEADER = ("generation_id,created_at,cost_total,cost_web_search,cost_cache,cost_file_processing,byok_usage_inference,"
          "tokens_prompt,tokens_completion,tokens_reasoning,tokens_cached,model_permaslug,provider_name,variant,"
          "cancelled,streamed,user,finish_reason_raw,finish_reason_normalized,generation_time_ms,"
          "time_to_first_token_ms,api_key_disabled,api_key_name,app_name")
ROWS = [
    # row 1: 10389 prompt tokens of which 8192 cached (a subset, as in OpenAI semantics); 137 out, 64 reasoning
    "gen-1782618417-Ab12Cd34Ef56Gh78,2026-06-28 03:46:57.713,0.0123,0,-0.0041,0,0,10389,137,64,8192,"
    "openai/gpt-oss-120b,Groq,standard,false,true,u-42,stop,stop,1530,210,false,prod-backend,Support Bot",
    # row 2: the free variant of a model
    "gen-1782618500-Zz99Yy88Xx77Ww66,2026-06-28 03:48:20.004,0,0,0,0,0,512,256,0,0,"
    "meta-llama/llama-3.3-70b-instruct,Chutes,free,false,false,,length,length,4100,900,false,prod-backend,",
    # row 3: cancelled by the caller
    "gen-1782618600-Qq11Rr22Ss33Tt44,2026-06-28 03:50:00.000,0.0002,0,0,0,0,300,12,0,0,"
    "anthropic/claude-3.5-haiku-20241022,Anthropic,standard,true,true,,,,800,300,false,staging,Support Bot",
    # row 4: an upstream error
    "gen-1782618700-Uu55Vv66Ww77Xx88,2026-06-28 03:51:40.500,0,0,0,0,0,1000,0,0,0,"
    "google/gemini-2.5-flash,Google Vertex,standard,false,false,,upstream 502,error,150,,false,prod-backend,Reports",
    # row 5: not a number
    "gen-1782618800-Aa00Bb11Cc22Dd33,2026-06-28 03:53:20.000,0.01,0,0,0,0,n/a,10,0,0,"
    "openai/gpt-4o-mini,OpenAI,standard,false,false,,stop,stop,300,100,false,prod-backend,Reports",
]


def test_activity_export(ingest):
    report, con = ingest({"openrouter_activity_2026-06.csv": HEADER + "\n" + "\n".join(ROWS) + "\n"})
    f = file_entry(report, "openrouter_activity_2026-06.csv")
    assert f["format"] == "openrouter_activity_csv"
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (5, 4, 1)

    rows = {r[0]: r[1:] for r in con.execute("""
        SELECT request_id, ts, provider, model, model_requested, feature, api_key, user_id, status, error,
               input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, reported_cost_usd, latency_ms,
               attributes ->> 'upstream_provider', _source_row
        FROM calls""").fetchall()}
    first = rows["gen-1782618417-Ab12Cd34Ef56Gh78"]
    assert first[:9] == (datetime(2026, 6, 28, 3, 46, 57, 713000), "openrouter", "openai/gpt-oss-120b",
                         "openai/gpt-oss-120b", "Support Bot", "prod-backend", "u-42", "success", None)
    assert first[9:13] == (10389, 8192, 137, 64)
    assert first[13] == Decimal("0.0123") and first[14] == 1530.0
    assert first[15:] == ("Groq", "row 1")

    free = rows["gen-1782618500-Zz99Yy88Xx77Ww66"]
    assert free[3:5] == ("meta-llama/llama-3.3-70b-instruct:free", None)
    assert free[13] == Decimal("0")

    assert rows["gen-1782618600-Qq11Rr22Ss33Tt44"][7:9] == ("error", "cancelled")
    assert rows["gen-1782618700-Uu55Vv66Ww77Xx88"][7:9] == ("error", "upstream 502")
    # 10389 + 512 + 300 + 1000 input tokens loaded; 0.0123 + 0 + 0.0002 + 0 dollars
    assert con.execute("SELECT sum(input_tokens), sum(reported_cost_usd) FROM calls").fetchone() == (
        12201, Decimal("0.0125"))
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("row 5", "tokens_prompt is not a whole number: 'n/a'")]


def test_late_2025_copy_with_one_column_fewer(ingest):
    # the older export lacks a column before model_permaslug (here tokens_cached): columns are matched by name
    header = HEADER.replace("tokens_cached,", "")
    row = ("gen-1762000000-Old0Old0Old0Old0,2025-11-01 12:00:00.000,0.0031,0,0,0,0,2000,100,0,"
           "openai/gpt-4o-mini,OpenAI,standard,false,true,,stop,stop,900,200,false,legacy-key,Intranet")
    report, con = ingest({"activity-nov-2025.csv": header + "\n" + row + "\n"})
    f = file_entry(report, "activity-nov-2025.csv")
    assert (f["format"], f["rows_read"], f["rows_loaded"]) == ("openrouter_activity_csv", 1, 1)
    assert con.execute("SELECT model, input_tokens, cached_input_tokens, output_tokens, feature, ts FROM calls"
                       ).fetchone() == ("openai/gpt-4o-mini", 2000, 0, 100, "Intranet", datetime(2025, 11, 1, 12))


def test_only_openrouter_matches(client):
    write_files(client, {"x.csv": HEADER + "\n" + ROWS[0] + "\n"})
    assert [f.name for f in registry.formats() if f.matches(FileSample.read(client / "x.csv"))] == [
        "openrouter_activity_csv"]


def test_cli(client):
    write_files(client, {"activity.csv": HEADER + "\n" + "\n".join(ROWS) + "\n"})
    out = ingest_json(client)
    f = file_entry(out, "activity.csv")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("openrouter_activity_csv", 5, 4, 1)
    assert out["tables"]["calls"]["reported_cost_usd"] == 0.0125


def test_reconcile_shows_what_openrouter_billed_beside_the_list_price(tmp_path):
    """Simulations price OpenRouter calls at list price (so every mix is priced alike); reconcile puts the amount
    OpenRouter billed (cost_total) beside it and explains the difference."""
    row = ("gen-1,2026-09-02 10:00:00.000,0.25,0,0,0,0,1000000,100000,0,0,openai/gpt-4o-mini,OpenAI,standard,"
           "false,false,,stop,stop,100,10,false,k,App")
    client = write_files(tmp_path / "c", {"or.csv": HEADER + "\n" + row + "\n"})
    db = str(tmp_path / "c.duckdb")
    [r] = json.loads(run_cli("reconcile", str(client), "--db", db, "--json").stdout)["rows"]
    # list price of gpt-4o-mini: 1,000,000 × $0.15 + 100,000 × $0.60 per million = $0.15 + $0.06 = $0.21
    assert r["logs_priced_usd"] == pytest.approx(0.21) and r["logs_reported_usd"] == pytest.approx(0.25)
    # billed − list = $0.04, i.e. 0.04 / 0.21 = 19.0 %
    assert r["logs_source_minus_list_usd"] == pytest.approx(0.04)
    assert ("the log source's own cost ($0.25) is 19.0 % above list price ($0.21): OpenRouter's cost_total is "
            "what it billed") in r["likely_causes"][-1]
    text = run_cli("reconcile", str(client), "--db", db).stdout
    assert "logs billed" in text.splitlines()[0]
    assert "$0.21        $0.25" in text


def test_amounts_under_a_cent_are_quoted_to_three_significant_digits(tmp_path):
    """A single small call: cents made the cause read "own cost ($0.00) ... ($0.00) by 19.0 %",
    which no reader can check."""
    row = ("gen-1,2026-09-02 10:00:00.000,0.00025,0,0,0,0,1000,100,0,0,openai/gpt-4o-mini,OpenAI,standard,"
           "false,false,,stop,stop,100,10,false,k,App")
    client = write_files(tmp_path / "c", {"or.csv": HEADER + "\n" + row + "\n"})
    db = str(tmp_path / "c.duckdb")
    [r] = json.loads(run_cli("reconcile", str(client), "--db", db, "--json").stdout)["rows"]
    # list price: 1,000 × $0.15 + 100 × $0.60 per million = $0.00015 + $0.00006 = $0.00021; billed $0.00025;
    # (0.00025 − 0.00021) / 0.00021 = 19.05 %
    assert ("the log source's own cost ($0.00025) is 19.0 % above list price ($0.00021): OpenRouter's "
            "cost_total is what it billed") in r["likely_causes"][-1]
    assert "($0.00025) is 19.0 % above" in run_cli("reconcile", str(client), "--db", db).stdout


def test_an_own_cost_below_list_price_is_said_to_be_below(tmp_path):
    """A discount (an OpenRouter provider cheaper than the list): the cause said "differs ... by -14.3 %"."""
    row = ("gen-1,2026-09-02 10:00:00.000,0.18,0,0,0,0,1000000,100000,0,0,openai/gpt-4o-mini,OpenAI,standard,"
           "false,false,,stop,stop,100,10,false,k,App")
    client = write_files(tmp_path / "c", {"or.csv": HEADER + "\n" + row + "\n"})
    [r] = json.loads(run_cli("reconcile", str(client), "--db", str(tmp_path / "c.duckdb"), "--json").stdout)["rows"]
    # list price $0.21 (above); billed $0.18: (0.21 - 0.18) / 0.21 = 14.29 % below
    assert ("the log source's own cost ($0.18) is 14.3 % below list price ($0.21): OpenRouter's cost_total is "
            "what it billed") in r["likely_causes"][-1]
    assert "-14" not in r["likely_causes"][-1]


def test_a_byok_call_costs_its_upstream_inference_plus_openrouters_fee(tmp_path):
    """On the client's own provider key (BYOK) OpenRouter charges only its fee (cost_total) and the provider bills the
    inference (byok_usage_inference): the call's cost is both, and reconcile says which invoice holds which."""
    credits = ("gen-1,2026-09-02 10:00:00.000,0.21,0,0,0,0,1000000,100000,0,0,openai/gpt-4o-mini,OpenAI,standard,"
               "false,false,,stop,stop,100,10,false,k,App")
    # OpenRouter's BYOK fee is 5 % of what the call would cost on OpenRouter: 0.05 × $0.21 = $0.0105
    byok = ("gen-2,2026-09-02 11:00:00.000,0.0105,0,0,0,0.21,1000000,100000,0,0,openai/gpt-4o-mini,OpenAI,standard,"
            "false,false,,stop,stop,100,10,false,k,App")
    bad = ("gen-3,2026-09-02 12:00:00.000,0.0105,0,0,0,n/a,10,10,0,0,openai/gpt-4o-mini,OpenAI,standard,"
           "false,false,,stop,stop,100,10,false,k,App")
    client = write_files(tmp_path / "c", {"or.csv": "\n".join([HEADER, credits, byok, bad]) + "\n"})
    db = str(tmp_path / "c.duckdb")
    rows = json.loads(run_cli("reconcile", str(client), "--db", db, "--json").stdout)["rows"]
    import duckdb
    with duckdb.connect(db, read_only=True) as con:
        calls = con.execute("""SELECT request_id, reported_cost_usd, attributes ->> 'byok',
                                      attributes ->> 'openrouter_fee_usd' FROM calls ORDER BY 1""").fetchall()
        rejects = con.execute("SELECT _source_row, reason FROM rejects").fetchall()
        mart = con.execute("""SELECT logs_priced_usd, logs_reported_usd, byok_calls, byok_upstream_usd, byok_fee_usd
                              FROM mart_reconcile""").fetchall()
    # $0.21 upstream + $0.0105 fee = $0.2205; the call on OpenRouter's credits is its cost_total
    assert calls == [("gen-1", Decimal("0.21"), "false", None), ("gen-2", Decimal("0.2205"), "true", "0.0105")]
    assert rejects == [("row 3", "byok_usage_inference is not a number: 'n/a'")]
    [r] = rows
    # list price, each call: 1,000,000 × $0.15 + 100,000 × $0.60 per million = $0.21; both: $0.42.
    # The logs' own cost: $0.21 + $0.2205 = $0.4305 (OpenRouter's $0.0105 fee alone would read as half the list price)
    assert mart == [(Decimal("0.42"), Decimal("0.4305"), 1, Decimal("0.21"), Decimal("0.0105"))]
    assert (r["byok_calls"], r["byok_upstream_usd"]) == (1, 0.21)      # --json: dollars to the cent
    # the fee, $0.0105, read "$0.01" when amounts were rounded to the cent
    assert ("1 call on the client's own provider key (BYOK): their inference ($0.21) is billed by OpenAI on its own "
            "invoice, not by OpenRouter, which charged only its fee ($0.0105); the log's own cost counts both") \
        in r["likely_causes"]
    # $0.4305 − $0.42 = $0.0105, 0.0105 / 0.42 = 2.5 %: OpenRouter's fee on the BYOK call. $0.4305 to three
    # significant digits, half up: $0.431
    assert ("the log source's own cost ($0.431) is 2.5 % above list price ($0.42): OpenRouter's cost_total is "
            "what it billed (the upstream "
            "provider's price, fees, free variants, discounts; BYOK calls at their inference cost plus OpenRouter's "
            "fee)") in r["likely_causes"][-1]

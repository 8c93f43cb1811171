"""Claude Console token-usage CSV (claude_api_tokens_*.csv), daily and hourly, current and 2025-06 columns."""
from __future__ import annotations

import duckdb
from conftest import file_entry, ingest_json

from routekit.sources import FileSample, detect, registry

HEADER = ("usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,"
          "usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,"
          "usage_output_tokens,web_search_count,inference_geo,speed")
HAIKU = "claude-haiku-4-5-20251001"
SONNET = "claude-sonnet-4-5-20250929"
CSV = "\n".join([
    HEADER,
    f"2026-03-31,{HAIKU},super,Default,standard,≤ 200k,1947945,0,0,12000,452067,0,not_available,",
    f"2026-03-31,{SONNET},super,Research,batch,≤ 200k,1000,200,300,400,50,2,global,",
    f"2026-04-01,{SONNET},ci-bot,Research,standard,200k-1M,-3,0,0,0,10,0,global,",
    f"2026-04-31,{HAIKU},super,Default,standard,≤ 200k,5,0,0,0,1,0,global,",
]) + "\n"


def test_token_csv_sums_input_parts_and_reads_the_unicode_context_window(ingest, client):
    # Written with a UTF-8 BOM, as spreadsheet tools save it; "≤" is a 3-byte UTF-8 character.
    report, con = ingest({"anthropic/claude_api_tokens_2026-03-31_to_2026-04-30.csv":
                          ("\ufeff" + CSV).encode("utf-8")})
    f = file_entry(report, "anthropic/claude_api_tokens_2026-03-31_to_2026-04-30.csv")
    assert f["format"] == "anthropic_usage_csv"
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (4, 2, 2)
    # input: 1947945 + 0 + 0 + 12000 = 1959945 and 1000 + 200 + 300 + 400 = 1900 → 1961845
    # cached (reads): 12000 + 400 = 12400; output 452067 + 50 = 452117; no request counts in this export
    assert report["tables"]["usage"] == {"rows": 2, "requests": 0, "input_tokens": 1961845,
                                         "cached_input_tokens": 12400, "output_tokens": 452117,
                                         "rows_without_request_count": 2}
    rows = con.execute("""SELECT strftime(period_start, '%Y-%m-%d %H:%M'), strftime(period_end, '%Y-%m-%d %H:%M'),
                                 provider, model, project, api_key, service_tier, is_batch, requests,
                                 cache_write_tokens, attributes ->> 'context_window', attributes ->> 'inference_geo'
                          FROM usage ORDER BY _source_row""").fetchall()
    assert rows == [
        ("2026-03-31 00:00", "2026-04-01 00:00", "anthropic", HAIKU, "Default", "super", "standard", False, None,
         0, "≤ 200k", "not_available"),
        # cache writes 200 (5m) + 300 (1h) = 500
        ("2026-03-31 00:00", "2026-04-01 00:00", "anthropic", SONNET, "Research", "super", "batch", True, None,
         500, "≤ 200k", "global"),
    ]
    assert con.execute("SELECT _source_row, reason FROM rejects ORDER BY _source_row").fetchall() == [
        ("row 3", "negative token count: usage_input_tokens_no_cache = -3"),
        ("row 4", "unparseable timestamp usage_date_utc: '2026-04-31'"),
    ]
    assert detect(FileSample.read(client / "anthropic/claude_api_tokens_2026-03-31_to_2026-04-30.csv"),
                  registry.formats()).name == "anthropic_usage_csv"


def test_hourly_export_with_the_2025_06_columns_through_cli(client):
    # No context_window, inference_geo or speed; usage_date_utc carries the hour.
    old = "\n".join([
        "usage_date_utc,model_version,api_key,workspace,usage_type,usage_input_tokens_no_cache,"
        "usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,"
        "usage_output_tokens,web_search_count",
        "2025-06-10 14:00,claude-sonnet-4-20250514,prod,Default,standard,100,0,0,50,20,0",
        "2025-06-10 15:00,claude-opus-4-20250514,prod,Default,batch,200,10,0,0,30,0",
    ]) + "\n"
    (client / "claude_api_tokens_2025_06.csv").write_text(old, encoding="utf-8")
    report = ingest_json(client)
    f = file_entry(report, "claude_api_tokens_2025_06.csv")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("anthropic_usage_csv", 2, 2, 0)
    # input (100 + 0 + 0 + 50) + (200 + 10 + 0 + 0) = 360; cached 50; output 20 + 30 = 50
    assert report["tables"]["usage"] == {"rows": 2, "requests": 0, "input_tokens": 360,
                                         "cached_input_tokens": 50, "output_tokens": 50,
                                         "rows_without_request_count": 2}
    with duckdb.connect(report["db"], read_only=True) as con:
        periods = con.execute("""SELECT strftime(period_start, '%H:%M'), strftime(period_end, '%H:%M'), is_batch
                                 FROM usage ORDER BY period_start""").fetchall()
    assert periods == [("14:00", "15:00", False), ("15:00", "16:00", True)]


def test_real_console_exports(ingest):
    # Real rows (tests/data/real/README.md): an hourly export pasted from a user's IDE log
    # (claude_api_tokens_2026_03_31.csv) and the 2025-06 layout without context_window, inference_geo and speed.
    from conftest import real_sample

    report, con = ingest({"hourly.csv": real_sample("anthropic_claude_api_tokens_hourly_2026-03.csv"),
                          "june.csv": real_sample("anthropic_claude_api_tokens_2025-06.csv")})
    assert [(f["path"], f["format"], f["rows_loaded"], f["rows_rejected"]) for f in report["files"]] == [
        ("hourly.csv", "anthropic_usage_csv", 2, 0), ("june.csv", "anthropic_usage_csv", 1, 0)]
    # no cache traffic in either: input 1124832 + 506280 + 8 = 1631120, output 254558 + 117816 + 1 = 372375
    assert report["tables"]["usage"] == {"rows": 3, "requests": 0, "input_tokens": 1631120, "cached_input_tokens": 0,
                                         "output_tokens": 372375, "rows_without_request_count": 3}
    assert con.execute("""SELECT strftime(period_start, '%Y-%m-%d %H:%M'), strftime(period_end, '%Y-%m-%d %H:%M'),
                                 model, project, api_key, service_tier FROM usage ORDER BY period_start""").fetchall() == [
        ("2025-06-12 00:00", "2025-06-13 00:00", "claude-3-5-haiku-20241022", "Claude Code", "claude_code_key_user_abc",
         "standard"),
        # "2026-03-31 02:00" is an hour of an hourly export: it ends an hour later
        ("2026-03-31 02:00", "2026-03-31 03:00", HAIKU, "Default", "super", "standard"),
        ("2026-03-31 03:00", "2026-03-31 04:00", HAIKU, "Default", "super", "standard"),
    ]

"""Anthropic Admin API usage_report/messages pages; input = uncached + cache reads + cache writes, by hand."""
from __future__ import annotations

import json

import duckdb
from conftest import file_entry, ingest_json

from routekit.sources import FileSample, detect, registry


def _page(*buckets, has_more=False):
    return {"data": list(buckets), "has_more": has_more, "next_page": "page_2" if has_more else None}


def _bucket(day, *results):
    return {"starting_at": f"2026-09-{day:02d}T00:00:00Z", "ending_at": f"2026-09-{day + 1:02d}T00:00:00Z",
            "results": list(results)}


def _result(uncached, read, w5m, w1h, output, model, workspace_id, tier, flat=False, **kw):
    cache = ({"cache_creation_5m_input_tokens": w5m, "cache_creation_1h_input_tokens": w1h} if flat
             else {"cache_creation": {"ephemeral_5m_input_tokens": w5m, "ephemeral_1h_input_tokens": w1h}})
    return {"uncached_input_tokens": uncached, "cache_read_input_tokens": read, **cache, "output_tokens": output,
            "server_tool_use": {"web_search_requests": 0}, "model": model, "workspace_id": workspace_id,
            "api_key_id": "apikey_01", "service_tier": tier, "context_window": "0-200k",
            "inference_geo": "global", **kw}


SONNET = "claude-sonnet-4-5-20250929"
HAIKU = "claude-haiku-4-5-20251001"


def test_usage_report_sums_input_parts_and_marks_batch(ingest, client):
    page = _page(
        _bucket(1,
                _result(1500, 200, 100, 50, 500, SONNET, "wrkspc_01", "standard",
                        server_tool_use={"web_search_requests": 3}),
                # the flattened cache_creation_* variant, in the default workspace (null id)
                _result(1000, 0, 10, 0, 100, HAIKU, None, "batch", flat=True)),
        _bucket(2,
                _result("-5", 0, 0, 0, "x", HAIKU, "wrkspc_01", "standard"),
                _result(1947945, 12000, 0, 0, 452067, HAIKU, "wrkspc_01", "standard")))
    report, con = ingest({"anthropic/usage_report.json": json.dumps(page, indent=2)})
    f = file_entry(report, "anthropic/usage_report.json")
    assert f["format"] == "anthropic_usage_report"
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (4, 3, 1)
    # input: 1500 + 200 + 100 + 50 = 1850; 1000 + 0 + 10 + 0 = 1010; 1947945 + 12000 + 0 + 0 = 1959945
    #        → 1850 + 1010 + 1959945 = 1962805
    # cached (cache reads only): 200 + 0 + 12000 = 12200; output 500 + 100 + 452067 = 452667; no request counts
    assert report["tables"]["usage"] == {"rows": 3, "requests": 0, "input_tokens": 1962805,
                                         "cached_input_tokens": 12200, "output_tokens": 452667,
                                         "rows_without_request_count": 3}
    rows = con.execute("""SELECT strftime(period_start, '%Y-%m-%d %H:%M'), strftime(period_end, '%Y-%m-%d %H:%M'),
                                 provider, model, project, api_key, service_tier, is_batch, requests,
                                 input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
                                 attributes ->> 'web_search_requests', attributes ->> 'cache_write_1h_tokens'
                          FROM usage ORDER BY _source_row""").fetchall()
    assert rows == [
        ("2026-09-01 00:00", "2026-09-02 00:00", "anthropic", SONNET, "wrkspc_01", "apikey_01", "standard", False,
         None, 1850, 200, 150, 500, "3", "50"),                     # cache writes 100 + 50 = 150
        ("2026-09-01 00:00", "2026-09-02 00:00", "anthropic", HAIKU, "default", "apikey_01", "batch", True,
         None, 1010, 0, 10, 100, "0", "0"),
        ("2026-09-02 00:00", "2026-09-03 00:00", "anthropic", HAIKU, "wrkspc_01", "apikey_01", "standard", False,
         None, 1959945, 12000, 0, 452067, "0", "0"),
    ]
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("$.data[1].results[0]",
         "negative token count: uncached_input_tokens = -5; output_tokens is not a whole number: 'x'")]
    assert detect(FileSample.read(client / "anthropic/usage_report.json"),
                  registry.formats()).name == "anthropic_usage_report"


def test_pages_one_per_line_not_grouped_by_workspace_through_cli(client):
    # Not grouped by workspace: every workspace_id is null and means "all workspaces", not the default one.
    pages = [_page(_bucket(3, _result(400, 100, 0, 0, 40, SONNET, None, "standard")), has_more=True),
             _page(_bucket(4, _result(600, 0, 0, 25, 60, SONNET, None, "priority")))]
    (client / "usage.jsonl").write_text("".join(json.dumps(p) + "\n" for p in pages))
    report = ingest_json(client)
    f = file_entry(report, "usage.jsonl")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("anthropic_usage_report", 2, 2, 0)
    # input (400 + 100) + (600 + 25) = 1125; cached 100; output 40 + 60 = 100
    assert report["tables"]["usage"] == {"rows": 2, "requests": 0, "input_tokens": 1125,
                                         "cached_input_tokens": 100, "output_tokens": 100,
                                         "rows_without_request_count": 2}
    with duckdb.connect(report["db"], read_only=True) as con:
        assert con.execute("SELECT DISTINCT project FROM usage").fetchall() == [(None,)]
        assert con.execute("SELECT _source_row, is_batch FROM usage ORDER BY 1").fetchall() == [
            ("line 1 $.data[0].results[0]", False), ("line 2 $.data[0].results[0]", False)]

"""OpenAI Usage API completions pages (JSON and JSON Lines), shaped as the openai-openapi spec's example."""
from __future__ import annotations

import json

from conftest import file_entry, ingest_json


def _page(buckets):
    return {"object": "page", "data": buckets, "has_more": False, "next_page": None}


def _result(**kw):
    return {"object": "organization.usage.completions.result", **kw}


SPEC_ROW = _result(input_tokens=5000, input_cached_tokens=1800, input_cache_write_tokens=200,
                   input_uncached_tokens=3000, output_tokens=1000, num_model_requests=5, project_id="proj_abc",
                   user_id="user-abc", api_key_id="key_abc", model="gpt-4o-mini-2024-07-18", batch=False,
                   service_tier="default")
OLD_ROW = _result(input_tokens=700, input_cached_tokens=0, output_tokens=70, input_audio_tokens=0,
                  output_audio_tokens=0, num_model_requests=7, model="gpt-4o-2024-08-06", batch=True,
                  project_id=None, user_id=None, api_key_id=None)
BAD_ROW = _result(input_tokens="lots", output_tokens=1, num_model_requests=1, model="gpt-4o")


def test_usage_pages_one_per_line(ingest):
    day1 = {"object": "bucket", "start_time": 1790553600, "end_time": 1790640000, "results": [SPEC_ROW, OLD_ROW]}
    day2 = {"object": "bucket", "start_time": 1790640000, "end_time": 1790726400, "results": [BAD_ROW]}
    text = json.dumps(_page([day1])) + "\n" + json.dumps(_page([day2])) + "\n"
    report, con = ingest({"openai/usage.jsonl": text})
    f = file_entry(report, "openai/usage.jsonl")
    assert f["format"] == "openai_usage_completions"
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (3, 2, 1)
    # 5000 + 700 input (already including cache), 1800 cached, 1000 + 70 output, 5 + 7 requests
    assert report["tables"]["usage"] == {"rows": 2, "requests": 12, "input_tokens": 5700,
                                         "cached_input_tokens": 1800, "output_tokens": 1070,
                                         "rows_without_request_count": 0}
    row = con.execute("""SELECT period_start, period_end, model, project, api_key, is_batch, cache_write_tokens
                         FROM usage WHERE model LIKE 'gpt-4o-mini%'""").fetchone()
    # 1790553600 = 2026-09-28 00:00:00 UTC
    assert [str(v) for v in row[:2]] == ["2026-09-28 00:00:00", "2026-09-29 00:00:00"]
    assert row[2:] == ("gpt-4o-mini-2024-07-18", "proj_abc", "key_abc", False, 200)
    assert con.execute("SELECT is_batch FROM usage WHERE model = 'gpt-4o-2024-08-06'").fetchone() == (True,)
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("line 2 $.data[0].results[0]", "input_tokens is not a whole number: 'lots'")]


def test_pretty_printed_single_page_through_cli(client):
    page = _page([{"object": "bucket", "start_time": 1790553600, "end_time": 1790640000, "results": [SPEC_ROW]}])
    (client / "usage.json").write_text(json.dumps(page, indent=2))
    report = ingest_json(client)
    f = file_entry(report, "usage.json")
    assert (f["format"], f["rows_read"], f["rows_loaded"]) == ("openai_usage_completions", 1, 1)
    assert report["tables"]["usage"]["input_tokens"] == 5000


def test_real_cookbook_buckets(ingest):
    # A real response: OpenAI cookbook "How to use the Usage API and Cost API" (openai-cookbook,
    # examples/completions_usage_api.ipynb), as the notebook saved it: the pages' data arrays joined into one list
    # of buckets (tests/data/real/README.md). Its first bucket starts at the request time, 1736616660 =
    # 2025-01-11 17:31:00 UTC, not at midnight; one bucket has no results; the last ends at the request time.
    from conftest import real_sample

    report, con = ingest({"openai/usage.json": real_sample("openai_usage_cookbook.json")})
    f = file_entry(report, "openai/usage.json")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("openai_usage_completions", 4, 4, 0)
    # input 141201 + 45949 + 3718360 + 332 = 3905842; cached 76544 (Jan 13 only); output 9756 + 282 + 97756 + 1509
    # = 109303; requests 470 + 150 + 3053 + 8 = 3681
    assert report["tables"]["usage"] == {"rows": 4, "requests": 3681, "input_tokens": 3905842,
                                         "cached_input_tokens": 76544, "output_tokens": 109303,
                                         "rows_without_request_count": 0}
    rows = con.execute("""SELECT strftime(period_start, '%Y-%m-%d %H:%M:%S'), strftime(period_end, '%Y-%m-%d %H:%M:%S'),
                                 model, project, is_batch FROM usage ORDER BY period_start""").fetchall()
    # 1736640000 = 2025-01-12 00:00:00; 1739208663 = 2025-02-10 17:31:03. Ungrouped: no model, project or batch flag
    assert rows[0] == ("2025-01-11 17:31:00", "2025-01-12 00:00:00", None, None, None)
    assert rows[-1] == ("2025-02-10 00:00:00", "2025-02-10 17:31:03", None, None, None)
    # the audio tokens are the audio subsets of the counts (5776 in, 3166 out on Jan 13; 0 on the other days); this
    # older response has no input_cached_audio_tokens, so no split of its cache reads
    assert con.execute("""SELECT input_tokens, input_audio_tokens, cached_audio_tokens, output_audio_tokens FROM usage
                          ORDER BY period_start""").fetchall() == [
        (141201, 0, None, 0), (45949, 0, None, 0), (3718360, 5776, None, 3166), (332, 0, None, 0)]

"""Helicone request logs: `npx @helicone/export` JSON Lines / JSON array, and saved query-clickhouse pages."""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest

from conftest import detected_format, file_entry, ingest_and_price


def record(request_id, provider, model, prompt, completion, *, created="2026-09-14T08:15:30.000Z", status=200,
           **extra):
    rec = {"response_id": "resp-" + request_id, "response_created_at": created, "response_status": status,
           "response_model": model, "request_id": request_id, "request_created_at": created,
           "request_path": "https://api.openai.com/v1/chat/completions", "request_user_id": None,
           "request_properties": {}, "request_model": model, "model_override": None, "helicone_user": "acct-1",
           "provider": provider, "delay_ms": 1200, "time_to_first_token": 300, "total_tokens": None,
           "prompt_tokens": prompt, "prompt_cache_write_tokens": 0, "prompt_cache_read_tokens": 0,
           "completion_tokens": completion, "prompt_audio_tokens": 0, "completion_audio_tokens": 0,
           "prompt_id": None, "country_code": "DE", "costUSD": None, "properties": {}, "assets": [],
           "target_url": "https://api.openai.com/v1/chat/completions", "model": model,
           "cache_reference_id": "00000000-0000-0000-0000-000000000000", "cache_enabled": False}
    rec.update(extra)
    return rec


OPENAI_BODY = {"model": "gpt-4o", "response_format": {"type": "json_object"},
               "messages": [{"role": "system", "content": "You label support tickets."},
                            {"role": "user", "content": "Ticket 12: the refund never arrived"}]}
ANTHROPIC_BODY = {"model": "claude-sonnet-4-5", "system": "You summarise calls.", "max_tokens": 500,
                  "messages": [{"role": "user", "content": [{"type": "text", "text": "Summarise this call"}]}],
                  "tools": [{"name": "lookup", "input_schema": {"type": "object"}}]}

RECORDS = [
    # line 1: OpenAI. Helicone stores prompt_tokens WITHOUT the cached ones: 800 fresh + 400 cached = 1,200 input
    record("hc-1", "OPENAI", "gpt-4o-2024-08-06", 800, 100, prompt_cache_read_tokens=400, costUSD=0.0035,
           request_body=OPENAI_BODY, request_user_id="user-7",
           properties={"Feature": "ticket-triage", "Team": "cx"}),
    # line 2: Anthropic: 50 fresh + 1,000 read + 200 written = 1,250 input; an older export keeps the header prefix
    record("hc-2", "ANTHROPIC", "claude-sonnet-4-5-20250929", 50, 300, prompt_cache_read_tokens=1000,
           prompt_cache_write_tokens=200, request_body=ANTHROPIC_BODY,
           request_path="https://anthropic.helicone.ai/v1/messages",
           request_properties={"Helicone-Property-Project": "notes"}, created="2026-09-14T09:00:00Z"),
    # line 3: rate limited: no counts, kept as an error call
    record("hc-3", "OPENAI", "gpt-4o", None, None, status=429),
    # line 4: served from Helicone's own cache: not a model call
    record("hc-4", "OPENAI", "gpt-4o", 800, 100, cache_reference_id="hc-1"),
    # line 5: a successful call without completion_tokens, and a count that is not a number
    record("hc-5", "OPENAI", "gpt-4o", "abc", None),
    # line 6: audio: 20 text + 30 audio in, 5 text + 7 audio out
    record("hc-6", "OPENAI", "gpt-4o-mini", 20, 5, prompt_audio_tokens=30, completion_audio_tokens=7),
]


def test_export_tool_jsonl(ingest):
    report, con = ingest({"helicone/output.jsonl": "\n".join(json.dumps(r) for r in RECORDS) + "\n"})
    f = file_entry(report, "helicone/output.jsonl")
    assert f["format"] == "helicone_requests"
    # 6 records: 4 loaded, 1 rejected, 1 cache hit named in the note (not a call)
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (5, 4, 1)
    assert f["note"] == "1 response served from Helicone's cache not loaded (the provider never saw them: no model " \
                        "call, no bill)"
    rows = {r[0]: r[1:] for r in con.execute("""
        SELECT request_id, provider, model, feature, project, user_id, status, error, input_tokens,
               cached_input_tokens, cache_write_tokens, output_tokens, reported_cost_usd, latency_ms, operation,
               system_prompt, user_prompt, n_messages, has_tools, json_mode, ts, tags, _source_row
        FROM calls""").fetchall()}
    assert set(rows) == {"hc-1", "hc-2", "hc-3", "hc-6"}
    h1 = rows["hc-1"]
    assert h1[:7] == ("openai", "gpt-4o-2024-08-06", "ticket-triage", "cx", "user-7", "success", None)
    assert h1[7:11] == (1200, 400, 0, 100)
    assert float(h1[11]) == 0.0035 and h1[12] == 1200.0 and h1[13] == "/v1/chat/completions"
    assert h1[14:19] == ("You label support tickets.", "Ticket 12: the refund never arrived", 2, False, True)
    assert h1[19] == datetime(2026, 9, 14, 8, 15, 30)
    assert sorted(h1[20]) == ["Feature:ticket-triage", "Team:cx"] and h1[21] == "line 1"

    h2 = rows["hc-2"]
    assert h2[:4] == ("anthropic", "claude-sonnet-4-5-20250929", None, "notes")
    assert h2[7:11] == (1250, 1000, 200, 300)
    assert h2[13:18] == ("/v1/messages", "You summarise calls.", "Summarise this call", 1, True)

    assert rows["hc-3"][5:8] == ("error", "HTTP status 429", None)
    assert rows["hc-6"][7:11] == (50, 0, 0, 12)      # 20 + 30 in, 5 + 7 out

    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("line 5", "prompt_tokens is not a whole number: 'abc'; missing completion_tokens")]


def test_json_array_and_api_pages(ingest):
    page = {"data": RECORDS[:2], "error": None}
    # `--format json` as the export tool writes it: ",\n" after every record, the last one too (not valid JSON)
    tool_json = "[\n" + "".join(json.dumps(r, indent=2) + ",\n" for r in RECORDS[2:3]) + "]\n"
    report, con = ingest({"export.json": tool_json,
                          "query-page-1.json": json.dumps(page)})
    assert file_entry(report, "export.json")["rows_loaded"] == 1
    assert file_entry(report, "query-page-1.json")["rows_loaded"] == 2
    assert sorted(con.execute("SELECT _source_file, _source_row FROM calls").fetchall()) == [
        ("export.json", "$[0]"), ("query-page-1.json", "line 1 $.data[0]"), ("query-page-1.json", "line 1 $.data[1]")]


def test_priced_from_the_totals_through_the_cli(client):
    report, costs = ingest_and_price(client, {"output.jsonl": "\n".join(json.dumps(r) for r in RECORDS[:2]) + "\n"})
    assert report["files"][0]["format"] == "helicone_requests"
    # gpt-4o per million: $2.50 in, $1.25 cached, $10 out: 800 * 2.5 + 400 * 1.25 + 100 * 10 = 3,500 → $0.0035
    # (pricing prompt_tokens as the whole input, the cached 400 would be missed: $0.0030)
    assert costs["line 1"] == pytest.approx(0.0035, abs=1e-12)
    # claude-sonnet-4-5: $3 in, $0.30 read, $3.75 write, $15 out: 50*3 + 1000*0.3 + 200*3.75 + 300*15
    # = 150 + 300 + 750 + 4,500 = 5,700 → $0.0057
    assert costs["line 2"] == pytest.approx(0.0057, abs=1e-12)


def test_reloading_the_same_export_counts_once(ingest):
    files = {"output.jsonl": "\n".join(json.dumps(r) for r in RECORDS[:2]) + "\n"}
    ingest(files)
    ingest(dict(files, **{"copy/output.jsonl": files["output.jsonl"]}))
    report, con = ingest()
    assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 2
    assert {f["path"]: f["status"] for f in report["files"]}["output.jsonl"] == "unchanged"


def test_detected_by_content_alone(tmp_path):
    for name, text in [("a.jsonl", json.dumps(RECORDS[0]) + "\n"), ("b.json", json.dumps(RECORDS, indent=2)),
                       ("c.json", json.dumps({"data": RECORDS, "error": None}))]:
        assert detected_format(tmp_path, name, text) == "helicone_requests", name


def test_the_cost_is_read_under_the_name_the_rest_query_gives_it(ingest):
    # Helicone's REST query (behind the export tool) returns `cost / COST_PRECISION_MULTIPLIER as cost`: dollars,
    # with no costUSD field. gpt-4o: 800 fresh * $2.50 + 400 cached * $1.25 + 100 out * $10 per million
    # = 2,000 + 500 + 1,000 = 3,500 micro-dollars = $0.0035
    rec = dict(RECORDS[0], cost=0.0035)
    del rec["costUSD"]
    _, con = ingest({"output.jsonl": json.dumps(rec) + "\n"})
    assert con.execute("SELECT reported_cost_usd FROM calls").fetchone() == (Decimal("0.0035"),)


def test_reasoning_left_out_of_completion_tokens_is_taken_from_the_response_body(ingest):
    # Helicone's AI Gateway stores completion_tokens = 1,500 - 1,200 reasoning = 300 and exports no reasoning
    # column; the response body (--include-body) has the provider's own usage: 1,500 out, 1,200 of them reasoning
    gateway = record("hc-gw", "OPENAI", "o4-mini", 900, 300, prompt_cache_read_tokens=100,
                     response_body={"id": "chatcmpl-1", "usage": {
                         "prompt_tokens": 1000, "completion_tokens": 1500, "total_tokens": 2500,
                         "prompt_tokens_details": {"cached_tokens": 100},
                         "completion_tokens_details": {"reasoning_tokens": 1200}}})
    # a stream keeps its body as the event text: no usage there, so Helicone's counts stand (40 + 2 audio)
    stream = record("hc-st", "OPENAI", "gpt-4o", 10, 40, completion_audio_tokens=2,
                    response_body="data: {\"choices\": []}\n\ndata: [DONE]\n")
    _, con = ingest({"output.jsonl": json.dumps(gateway) + "\n" + json.dumps(stream) + "\n"})
    assert con.execute("""SELECT request_id, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens
                          FROM calls ORDER BY 1""").fetchall() == [
        ("hc-gw", 1000, 100, 1500, 1200),    # 900 fresh + 100 cached in; 1,500 out of which 1,200 reasoning
        ("hc-st", 10, 0, 42, None)]


def test_a_successful_call_with_no_input_tokens_is_rejected(ingest):
    # Helicone writes 0 when the response carried no usage: loaded, the call would be priced as free
    zero = record("hc-0", "OPENAI", "gpt-4o", 0, 0)
    _, con = ingest({"output.jsonl": json.dumps(zero) + "\n" + json.dumps(RECORDS[0]) + "\n"})
    assert con.execute("SELECT request_id FROM calls").fetchall() == [("hc-1",)]
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("line 1", "no input tokens recorded (prompt_tokens and the cache and audio counts are all 0)")]


# The export tool's `--format csv`, as its ExportWriter writes it (Helicone/helicone,
# examples/export/typescript/index.ts: writeCSVHeader, then convertToCSVRow quotes every value and writes objects as
# JSON). The prompt in request_body is made up.
EXPORT_CSV_HEADER = ("response_id,response_created_at,response_status,request_created_at,request_body,"
                     "request_properties,request_user_id,model,prompt_tokens,completion_tokens,latency,cost")
EXPORT_CSV = EXPORT_CSV_HEADER + "\n" + "\n".join([
    '"r-1","2026-09-14T08:15:31.000Z","200","2026-09-14T08:15:30.000Z","{""messages"":[{""role"":""user"",'
    '""content"":""Label this ticket""}]}","{""Helicone-Property-Feature"":""triage""}","u-1","gpt-4o","400","100",'
    '"1500","0.0035"',
    '"r-2","2026-09-14T09:00:01.000Z","200","2026-09-14T09:00:00.000Z","","{}","u-2","claude-sonnet-4-5","50",'
    '"300","900","0.0057"']) + "\n"


@pytest.mark.parametrize("cost_column", ["cost", "cost_usd"])
def test_the_export_tools_csv_is_named_and_refused_with_how_to_export_it(ingest, cost_column, capsys):
    """The CSV lacks the provider and the cache counts: one line for the file, saying so and how to re-export (the
    jsonl export of the same calls loads); none of its rows loaded, none rejected one by one."""
    text = EXPORT_CSV.replace(",cost\n", f",{cost_column}\n", 1)
    report, con = ingest({"helicone/output.csv": text})
    f = file_entry(report, "helicone/output.csv")
    assert (f["status"], f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == \
        ("skipped", None, 0, 0, 0)
    assert f["skipped_reason"].startswith("Helicone export tool CSV (`npx @helicone/export --format csv`): not loaded")
    assert "no provider and no cache token counts" in f["skipped_reason"]
    assert "--format jsonl" in f["skipped_reason"] and "\n" not in f["skipped_reason"]
    assert "Label this ticket" not in f["skipped_reason"]          # the prompt is never quoted
    assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
    # the manifest keeps the reason, so the audit's list of files not loaded names it
    assert con.execute("SELECT skipped_reason FROM ingested_files WHERE path = 'helicone/output.csv'").fetchone()[0] \
        == f["skipped_reason"]


def test_the_export_tools_csv_is_one_line_of_the_ingest_command(client):
    from conftest import run_cli, write_files

    write_files(client, {"output.csv": EXPORT_CSV})
    proc = run_cli("ingest", str(client), check=False)
    assert proc.returncode == 3        # the folder holds no usable export: it says which file and why
    [line] = [ln for ln in proc.stdout.splitlines() if ln.startswith("output.csv")]
    assert "skipped: Helicone export tool CSV" in line and "--format jsonl" in line

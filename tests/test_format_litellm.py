"""LiteLLM_SpendLogs as CSV (psql \\copy ... CSV HEADER) and as JSON; totals worked out by hand."""
from __future__ import annotations

import json
from decimal import Decimal

import duckdb
from conftest import file_entry, ingest_json

HEADER = ("request_id,call_type,api_key,spend,total_tokens,prompt_tokens,completion_tokens,startTime,endTime,"
          "completionStartTime,model,model_id,model_group,custom_llm_provider,api_base,user,metadata,cache_hit,"
          "cache_key,request_tags,team_id,end_user,requester_ip_address,status,messages,response,session_id")


def _csv_quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _row(rid, spend, prompt, completion, start, model="gpt-4o", provider="openai", md=None, tags=None,
         status="success", messages=None):
    md = md or {}
    return ",".join([
        rid, "acompletion", "88ab" * 16, spend, str(int(prompt) + int(completion)) if prompt.lstrip("-").isdigit()
        else "", prompt, completion, start, start, "", model, "", model, provider, "", "u1",
        _csv_quote(json.dumps(md)), "", "", _csv_quote(json.dumps(tags or [])), "team-a", "", "", status,
        _csv_quote(json.dumps(messages or [])), "{}", "",
    ])


MESSAGES = [{"role": "system", "content": "You summarise meeting notes."},
            {"role": "user", "content": "Earlier question"},
            {"role": "assistant", "content": "Earlier answer"},
            {"role": "user", "content": [{"type": "text", "text": "Summarise these notes"}]}]
CSV = "\n".join([
    HEADER,
    _row("req-1", "0.0125", "2000", "750", "2026-09-03 14:22:05.123+00",
         md={"spend_logs_metadata": {"feature": "meeting-notes"}, "user_api_key_alias": "ops-key",
             "usage_object": {"prompt_tokens_details": {"cached_tokens": 1024}}},
         tags=["feature:meeting-notes", "team:ops"], messages=MESSAGES),
    _row("req-2", "0.0031", "1000", "60", "2026-09-03T15:00:00Z", tags=["feature:email-draft"]),
    _row("req-3", "0", "500", "0", "2026-09-04 09:00:00+02", status="failure"),
    _row("req-4", "0.002", "-7", "3", "2026-09-04 10:00:00+00"),
    _row("req-5", "0.002", "12", "3", "yesterday"),
]) + "\n"


def test_litellm_csv_loads_calls_with_cache_feature_and_prompts(ingest):
    report, con = ingest({"spend.csv": CSV})
    f = file_entry(report, "spend.csv")
    assert f["format"] == "litellm_spendlogs_csv"
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (5, 3, 2)
    calls = report["tables"]["calls"]
    # 2000 + 1000 + 500 input; 1024 cached (req-1 only); 750 + 60 + 0 output; spend 0.0125 + 0.0031 + 0
    assert calls["input_tokens"] == 3500
    assert calls["cached_input_tokens"] == 1024
    assert calls["output_tokens"] == 810
    assert calls["reported_cost_usd"] == 0.0156
    r1 = con.execute("""SELECT ts, provider, model, feature, api_key, tags, system_prompt, user_prompt, n_messages,
                               status, latency_ms, _source_row FROM calls WHERE request_id = 'req-1'""").fetchone()
    assert str(r1[0]) == "2026-09-03 14:22:05.123000"
    assert r1[1:5] == ("openai", "gpt-4o", "meeting-notes", "ops-key")
    assert r1[5] == ["feature:meeting-notes", "team:ops"]
    assert r1[6:9] == ("You summarise meeting notes.", "Summarise these notes", 4)
    assert r1[9] == "success" and r1[10] == 0 and r1[11] == "row 1"
    # the feature comes from the tag when metadata has none
    assert con.execute("SELECT feature FROM calls WHERE request_id = 'req-2'").fetchone() == ("email-draft",)
    # +02 offset → UTC
    r3 = con.execute("SELECT status, ts FROM calls WHERE request_id = 'req-3'").fetchone()
    assert r3[0] == "error" and str(r3[1]) == "2026-09-04 07:00:00"
    rejects = con.execute("SELECT _source_row, reason FROM rejects ORDER BY _source_row").fetchall()
    assert rejects == [("row 4", "negative token count: prompt_tokens = -7"),
                       ("row 5", "unparseable timestamp startTime: 'yesterday'")]
    assert con.execute("SELECT sum(reported_cost_usd) FROM calls").fetchone()[0] == Decimal("0.0156")


def test_litellm_json_array_export_through_cli(client):
    records = [
        {"request_id": "j1", "call_type": "acompletion", "spend": 0.5, "prompt_tokens": 100, "completion_tokens": 20,
         "startTime": "2026-09-01T00:00:00Z", "endTime": "2026-09-01T00:00:02Z", "model": "claude-sonnet-4-5",
         "custom_llm_provider": "anthropic", "metadata": {"additional_usage_values": {"cache_read_input_tokens": 40,
                                                                                     "cache_creation_input_tokens": 10}},
         "request_tags": ["feature:triage"], "messages": [{"role": "user", "content": "Which queue?"}],
         "status": "success"},
        {"request_id": "j2", "call_type": "acompletion", "spend": 0.25, "prompt_tokens": 300, "completion_tokens": 5,
         "startTime": "2026-09-01T01:00:00Z", "endTime": "2026-09-01T01:00:01Z", "model": "anthropic/claude-haiku-4-5",
         "custom_llm_provider": "anthropic", "metadata": "{}", "request_tags": "[]", "messages": None,
         "status": "success"},
    ]
    (client / "spend.json").write_text(json.dumps(records, indent=2))
    report = ingest_json(client)
    f = file_entry(report, "spend.json")
    assert f["format"] == "litellm_spendlogs_json"
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (2, 2, 0)
    # 100 + 300 input, 40 cached, 20 + 5 output, 0.5 + 0.25 spend
    assert report["tables"]["calls"] == {"rows": 2, "requests": 2, "input_tokens": 400, "cached_input_tokens": 40,
                                         "output_tokens": 25, "reported_cost_usd": 0.75}
    import duckdb
    con = duckdb.connect(report["db"], read_only=True)
    rows = con.execute("SELECT request_id, model, cache_write_tokens, feature, latency_ms, _source_row FROM calls "
                       "ORDER BY 1").fetchall()
    # "anthropic/claude-haiku-4-5" loses its provider prefix; JSON records are located by their array index
    assert rows == [("j1", "claude-sonnet-4-5", 10, "triage", 2000.0, "$[0]"),
                    ("j2", "claude-haiku-4-5", 0, None, 1000.0, "$[1]")]


def test_the_csv_and_the_json_export_of_the_same_calls_count_once(ingest):
    # a client sends the same two SpendLogs rows twice: `\copy ... CSV HEADER` and `json_agg` (one line)
    csv_text = "\n".join([HEADER, _row("req-1", "0.0125", "2000", "750", "2026-09-03 14:22:05+00"),
                          _row("req-2", "0.0031", "1000", "60", "2026-09-03 15:00:00+00")]) + "\n"
    records = [{"request_id": rid, "spend": spend, "prompt_tokens": p, "completion_tokens": c, "startTime": ts,
                "model": "gpt-4o", "custom_llm_provider": "openai", "status": "success"}
               for rid, spend, p, c, ts in [("req-1", 0.0125, 2000, 750, "2026-09-03T14:22:05Z"),
                                            ("req-2", 0.0031, 1000, 60, "2026-09-03T15:00:00Z")]]
    report, con = ingest({"a-spend.csv": csv_text, "b-spend.json": json.dumps(records)})
    assert file_entry(report, "b-spend.json")["rows_rejected"] == 2
    # counted once: 2 calls, $0.0125 + $0.0031 = $0.0156, 2,000 + 1,000 = 3,000 input tokens
    assert report["tables"]["calls"]["rows"] == 2
    assert report["tables"]["calls"]["reported_cost_usd"] == 0.0156
    assert report["tables"]["calls"]["input_tokens"] == 3000
    assert con.execute("SELECT _source_row, reason FROM rejects ORDER BY 1").fetchall() == [
        ("line 1 $[0]", "duplicate request_id: already loaded from a-spend.csv row 1"),
        ("line 1 $[1]", "duplicate request_id: already loaded from a-spend.csv row 2")]


def test_real_anthropic_cache_usage(client):
    # Real usage objects of LiteLLM_SpendLogs rows pasted in BerriAI/litellm issues (tests/data/real/README.md),
    # each in a SpendLogs row of the JSON export. Expected costs at genai-prices' rates, worked out by hand.
    from conftest import ingest_and_price, real_sample

    report, cost = ingest_and_price(client, {"spendlogs.json": real_sample("litellm_spendlogs_anthropic_cache.json")})
    f = file_entry(report, "spendlogs.json")
    assert (f["format"], f["rows_loaded"], f["rows_rejected"]) == ("litellm_spendlogs_json", 3, 0)
    with duckdb.connect(report["db"], read_only=True) as con:
        rows = con.execute("""SELECT request_id, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens
                              FROM calls ORDER BY _source_row""").fetchall()
    assert rows == [
        # #11789, a streamed call: prompt_tokens_details.cached_tokens 0 beside cache_read_input_tokens 2455; the
        # reads were taken as 0 before the fix, pricing 2455 cached tokens at the full input rate
        ("req-11789-stream", 2459, 2455, 0, 23),
        # #11364 (v1.80.11): prompt_tokens 98805 = 10 uncached + 66360 reads + 32435 writes, kept as it is
        ("req-11364", 98805, 66360, 32435, 5120),
        # #15056: prompt_tokens 31 beside 1253 cache writes it cannot hold: 31 + 1253 = 1284 (was 31)
        ("req-15056", 1284, 0, 1253, 467),
    ]
    # claude-3-5-haiku ($0.80 in, $0.08 cache read, $4 out per MTok): 4 x 0.80 + 2455 x 0.08 + 23 x 4 = 291.6 µ$,
    # the "true cost $0.000292" the issue gives (LiteLLM logged $0.002059, every prompt token at $0.80)
    assert cost["$[0]"] == 0.0002916
    # claude-opus-4-5 on Bedrock's eu. profile, regional rates 10 % over Anthropic's ($5.5 in, $0.55 read,
    # $6.875 write, $27.5 out): 10 x 5.5 + 66360 x 0.55 + 32435 x 6.875 + 5120 x 27.5 = 400343.625 µ$
    assert cost["$[1]"] == 0.400343625
    # claude-sonnet-4 ($3 in, $3.75 write, $15 out): 31 x 3 + 1253 x 3.75 + 467 x 15 = 11796.75 µ$
    assert cost["$[2]"] == 0.01179675


def test_litellm_status_spellings_and_message_content_shapes(ingest):
    """Each way a status is written, and each shape of a message's content, as LiteLLM can log them: 'success' as
    LiteLLM writes it, other spellings of success (trimmed, any case), a failure with its error message, an empty
    status that falls back to metadata.status; content as a string, a list of text parts, an object, and a string
    that itself looks like JSON (it stays text)."""
    err = {"status": "failure", "error_information": {"error_message": "rate limited"}}
    rows = [
        _row("s-1", "0", "10", "1", "2026-09-03 10:00:00+00", status="success",
             messages=[{"role": "user", "content": "plain text"}]),
        _row("s-2", "0", "10", "1", "2026-09-03 10:00:00+00", status=" Success ",
             messages=[{"role": "user", "content": [{"type": "text", "text": "part one"},
                                                    {"type": "image_url", "image_url": {"url": "x"}},
                                                    {"type": "text", "text": "part two"}]}]),
        _row("s-3", "0", "10", "1", "2026-09-03 10:00:00+00", status="OK",
             messages=[{"role": "user", "content": {"type": "text", "text": "one object"}}]),
        _row("s-4", "0", "10", "1", "2026-09-03 10:00:00+00", status="failure", md=err,
             messages=[{"role": "user", "content": '["not", "parts"]'}]),
        _row("s-5", "0", "10", "1", "2026-09-03 10:00:00+00", status="", md={"status": "failure"}),
        _row("s-6", "0", "10", "1", "2026-09-03 10:00:00+00", status="", md={}),
    ]
    _, con = ingest({"spend.csv": "\n".join([HEADER, *rows]) + "\n"})
    got = con.execute("SELECT request_id, status, error, user_prompt FROM calls ORDER BY request_id").fetchall()
    assert got == [("s-1", "success", None, "plain text"),
                   ("s-2", "success", None, "part one\npart two"),
                   ("s-3", "success", None, "one object"),
                   ("s-4", "error", "rate limited", '["not", "parts"]'),
                   # metadata's status decides when the column is empty; the error text comes from the column only
                   ("s-5", "error", None, None),
                   ("s-6", "success", None, None)]

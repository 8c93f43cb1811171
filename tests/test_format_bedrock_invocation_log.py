"""AWS Bedrock model invocation logs: S3 delivery JSON Lines (.json.gz), a JSON array, CloudWatch exports."""
from __future__ import annotations

import json
from datetime import datetime

import duckdb
from conftest import file_entry, ingest_json, run_cli, write_files
from routekit.sources import FileSample, registry


def record(request_id, model_id, input_counts, output_count, *, ts="2026-09-14T08:15:30Z", body=None, out_body=None,
           operation="InvokeModel", identity="arn:aws:sts::123456789012:assumed-role/SupportAppRole/i-0abc",
           metadata=None, **extra):
    rec = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": ts,
           "accountId": "123456789012", "identity": {"arn": identity}, "region": "us-east-1",
           "requestId": request_id, "operation": operation, "modelId": model_id,
           "input": {"inputContentType": "application/json", **input_counts},
           "output": {"outputContentType": "application/json", "outputTokenCount": output_count}}
    if body is not None:
        rec["input"]["inputBodyJson"] = body
    if out_body is not None:
        rec["output"]["outputBodyJson"] = out_body
    if metadata is not None:
        rec["requestMetadata"] = metadata
    rec.update(extra)
    return rec


ANTHROPIC_BODY = {
    "anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024,
    "system": "You are a support agent for Acme.",
    "messages": [{"role": "user", "content": "My parcel is late."},
                 {"role": "assistant", "content": [{"type": "text", "text": "Sorry to hear that."}]},
                 {"role": "user", "content": [{"type": "text", "text": "Order 123, where is it?"}]}],
    "tools": [{"name": "track_order", "input_schema": {"type": "object"}}],
}
CONVERSE_BODY = {"system": [{"text": "Classify the sentiment."}],
                 "messages": [{"role": "user", "content": [{"text": "I love it"}]}],
                 "inferenceConfig": {"maxTokens": 5}}

RECORDS = [
    # line 1: plain model id. Bedrock counts cache separately: 1500 + 800 read + 200 write = 2500 input tokens
    record("req-0001", "anthropic.claude-3-5-sonnet-20240620-v1:0",
           {"inputTokenCount": 1500, "cacheReadInputTokenCount": 800, "cacheWriteInputTokenCount": 200}, 500,
           body=ANTHROPIC_BODY, metadata={"feature": "support_reply", "team": "cx"}),
    # line 2: US inference profile, streamed: the chunks' last element carries the invocation metrics
    record("req-0002", "us.anthropic.claude-3-5-haiku-20241022-v1:0", {"inputTokenCount": 900}, 150,
           operation="InvokeModelWithResponseStream", ts="2026-09-14T08:16:00.250Z",
           identity="arn:aws:sts::123456789012:assumed-role/DataPipelineRole/etl-run-7",
           out_body=[{"type": "message_start"}, {"type": "content_block_delta"},
                     {"type": "message_stop", "amazon-bedrock-invocationMetrics": {
                         "inputTokenCount": 900, "outputTokenCount": 150, "invocationLatency": 1840,
                         "firstByteLatency": 310}}]),
    # line 3: foundation-model ARN, Converse body, latency from the Converse metrics
    record("req-0003", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0",
           {"inputTokenCount": 60}, 3, operation="Converse", body=CONVERSE_BODY,
           out_body={"output": {"message": {"role": "assistant", "content": [{"text": "positive"}]}},
                     "stopReason": "end_turn", "metrics": {"latencyMs": 412}}),
    # line 4: inference-profile ARN with an EU profile inside; 50 + 1000 read + 0 write = 1050; throttled
    record("req-0004",
           "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-20250514-v1:0",
           {"inputTokenCount": 50, "cacheReadInputTokenCount": 1000, "cacheWriteInputTokenCount": 0}, 0,
           operation="ConverseStream", body={**CONVERSE_BODY, "toolConfig": {"tools": [{"toolSpec": {"name": "x"}}]}},
           errorCode="ThrottlingException", inferenceRegion="eu-central-1"),
    # line 5: application inference profile: no model id inside, kept as logged
    record("req-0005", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123xyz",
           {"inputTokenCount": 10}, 20, metadata={"project": "search"}),
    # line 6: global cross-region profile; an IAM user, not a role: no project
    record("req-0006", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", {"inputTokenCount": 7}, 8,
           identity="arn:aws:iam::123456789012:user/alice", performanceConfig={"latency": "optimized"}),
    # line 7: no modelId
    record("req-0007", None, {"inputTokenCount": 7}, 8),
    # line 8: bad timestamp and a negative count
    record("req-0008", "anthropic.claude-3-haiku-20240307-v1:0", {"inputTokenCount": -3}, 8, ts="yesterday"),
]
RECORDS[6].pop("modelId")


def test_s3_delivery_jsonl_gz(ingest):
    path = "bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/09/14/08/20260914T0815Z_abc.json.gz"
    report, con = ingest({path: "\n".join(json.dumps(r) for r in RECORDS) + "\n"})
    f = file_entry(report, path)
    assert f["format"] == "bedrock_invocation_log"
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (8, 6, 2)

    rows = {r[0]: r[1:] for r in con.execute("""
        SELECT request_id, provider, model, model_requested, feature, project, status, error, input_tokens,
               cached_input_tokens, cache_write_tokens, output_tokens, latency_ms, operation, system_prompt,
               user_prompt, n_messages, has_tools, ts, service_tier, user_id, _source_row
        FROM calls""").fetchall()}
    r1 = rows["req-0001"]
    assert r1[:7] == ("aws.bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0",
                      "anthropic.claude-3-5-sonnet-20240620-v1:0", "support_reply", "cx", "success", None)
    assert r1[7:11] == (2500, 800, 200, 500)
    assert r1[13:17] == ("You are a support agent for Acme.", "Order 123, where is it?", 3, True)
    assert r1[17] == datetime(2026, 9, 14, 8, 15, 30)
    assert r1[19:] == ("arn:aws:sts::123456789012:assumed-role/SupportAppRole/i-0abc", "line 1")

    r2 = rows["req-0002"]
    # geo prefix stripped for the model, the profile kept as requested; project = the assumed role's name
    assert r2[1:3] == ("anthropic.claude-3-5-haiku-20241022-v1:0", "us.anthropic.claude-3-5-haiku-20241022-v1:0")
    assert r2[4] == "DataPipelineRole"
    assert r2[7:13] == (900, 0, 0, 150, 1840.0, "InvokeModelWithResponseStream")
    assert r2[17] == datetime(2026, 9, 14, 8, 16, 0, 250000)

    r3 = rows["req-0003"]
    assert r3[1:3] == ("amazon.nova-lite-v1:0", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0")
    assert r3[7:16] == (60, 0, 0, 3, 412.0, "Converse", "Classify the sentiment.", "I love it", 1)
    assert r3[16] is False

    r4 = rows["req-0004"]
    assert r4[1] == "anthropic.claude-sonnet-4-20250514-v1:0"
    assert r4[5:11] == ("error", "ThrottlingException", 1050, 1000, 0, 0)
    assert r4[16] is True

    r5 = rows["req-0005"]
    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123xyz"
    assert r5[1:5] == (arn, arn, None, "search")

    r6 = rows["req-0006"]
    # the global profile keeps its prefix: it is priced 10 % below the regional endpoints (next test)
    assert r6[1:3] == ("global.anthropic.claude-sonnet-4-5-20250929-v1:0",
                       "global.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert r6[4] is None and r6[18] == "latency_optimized"

    assert con.execute("SELECT _source_row, reason FROM rejects ORDER BY _source_row").fetchall() == [
        ("line 7", "missing modelId"),
        ("line 8", "unparseable timestamp: 'yesterday'; negative token count: input.inputTokenCount = -3"),
    ]
    assert con.execute("SELECT attributes ->> 'inference_region' FROM calls WHERE request_id = 'req-0004'"
                       ).fetchone()[0] == "eu-central-1"


def test_json_array_and_cloudwatch_exports(ingest):
    events = {"events": [
        {"logStreamName": "aws/bedrock/modelinvocations", "timestamp": 1789460130000,
         "message": json.dumps(RECORDS[5]), "ingestionTime": 1789460131000, "eventId": "1"},
        # a message cut off by the CloudWatch event size limit
        {"logStreamName": "aws/bedrock/modelinvocations", "timestamp": 1789460130001,
         "message": json.dumps(RECORDS[0])[:300], "ingestionTime": 1789460131000, "eventId": "2"},
    ], "searchedLogStreams": []}
    insights = [{"@timestamp": "2026-09-14 08:15:30.000", "@message": json.dumps(RECORDS[2])}]
    report, con = ingest({"array.json": json.dumps(RECORDS[:2], indent=2),
                          "cloudwatch/filter-log-events.json": json.dumps(events, indent=2),
                          "cloudwatch/insights.json": json.dumps(insights)})
    arr = file_entry(report, "array.json")
    cw = file_entry(report, "cloudwatch/filter-log-events.json")
    ins = file_entry(report, "cloudwatch/insights.json")
    assert [arr["format"], cw["format"], ins["format"]] == ["bedrock_invocation_log"] * 3
    assert (arr["rows_read"], arr["rows_loaded"], arr["rows_rejected"]) == (2, 2, 0)
    assert (cw["rows_read"], cw["rows_loaded"], cw["rows_rejected"]) == (2, 1, 1)
    assert (ins["rows_read"], ins["rows_loaded"], ins["rows_rejected"]) == (1, 1, 0)
    # a one-line file whose line parses is JSON Lines to the reader, hence "line 1" before the path
    assert con.execute("SELECT _source_file, _source_row, input_tokens FROM calls ORDER BY ALL").fetchall() == [
        ("array.json", "$[0]", 2500), ("array.json", "$[1]", 900),
        ("cloudwatch/filter-log-events.json", "$.events[0].message", 7),
        ("cloudwatch/insights.json", 'line 1 $[0]."@message"', 60)]
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("$.events[1].message", "log message is not a JSON invocation record")]


def test_only_bedrock_matches(client):
    write_files(client, {"a.json.gz": json.dumps(RECORDS[0]) + "\n", "b.json": json.dumps(RECORDS, indent=2)})
    for name in ("a.json.gz", "b.json"):
        assert [f.name for f in registry.formats() if f.matches(FileSample.read(client / name))] == [
            "bedrock_invocation_log"]


def test_cli(client):
    write_files(client, {"bedrock.jsonl": "\n".join(json.dumps(r) for r in RECORDS) + "\n"})
    f = file_entry(ingest_json(client), "bedrock.jsonl")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("bedrock_invocation_log", 8, 6, 2)


def test_a_successful_invocation_without_its_token_counts_is_rejected_not_priced_as_free(ingest):
    no_input = record("req-a", "anthropic.claude-3-haiku-20240307-v1:0", {}, 8)
    no_output = record("req-b", "anthropic.claude-3-haiku-20240307-v1:0", {"inputTokenCount": 7}, 8)
    no_output.pop("output")
    # a throttled call may log no counts: it is still a call (an error), at no cost
    throttled = record("req-c", "anthropic.claude-3-haiku-20240307-v1:0", {}, None, errorCode="ThrottlingException")
    throttled["output"].pop("outputTokenCount")
    good = record("req-d", "anthropic.claude-3-haiku-20240307-v1:0", {"inputTokenCount": 7}, 8)
    lines = "\n".join(json.dumps(r) for r in (no_input, no_output, throttled, good)) + "\n"
    report, con = ingest({"bedrock/log.json": lines})
    f = file_entry(report, "bedrock/log.json")
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (4, 2, 2)
    assert con.execute("SELECT _source_row, reason FROM rejects ORDER BY _source_row").fetchall() == [
        ("line 1", "missing input.inputTokenCount"), ("line 2", "missing output.outputTokenCount")]
    assert con.execute("SELECT request_id, status FROM calls ORDER BY request_id").fetchall() == [
        ("req-c", "error"), ("req-d", "success")]


def test_global_profiles_cost_10_percent_less_than_regional_ones_from_claude_4_5_on(tmp_path):
    """AWS (Bedrock user guide, global cross-Region inference) and Anthropic's pricing page: from Claude Sonnet 4.5
    on, regional endpoints (in-region and geographic profiles) carry a 10 % premium over the global profile; earlier
    models cost the same everywhere. 1M input and 100k output tokens per call:
      global Sonnet 4.5    1 × $3.00 + 0.1 × $15.00 = $4.50
      us. Sonnet 4.5       1 × $3.30 + 0.1 × $16.50 = $4.95   (1.1 × global)
      in-region Sonnet 4.5                            $4.95
      us. Sonnet 4         1 × $3.00 + 0.1 × $15.00 = $4.50   (no premium before 4.5)"""
    lines = [record(rid, model, {"inputTokenCount": 1_000_000}, 100_000) for rid, model in (
        ("g", "global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("us", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("local", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("old", "us.anthropic.claude-sonnet-4-20250514-v1:0"))]
    import duckdb

    client = write_files(tmp_path / "c", {"bedrock.jsonl": "\n".join(json.dumps(r) for r in lines) + "\n"})
    run_cli("simulate", str(client), "--db", str(tmp_path / "c.duckdb"))   # builds the priced calls
    with duckdb.connect(str(tmp_path / "c.duckdb"), read_only=True) as con:
        costs = dict(con.execute("""SELECT c.request_id, i.cost_usd FROM int_calls i
                                        JOIN calls c USING (_source_file, _source_row)""").fetchall())
    assert {k: float(v) for k, v in costs.items()} == {"g": 4.50, "us": 4.95, "local": 4.95, "old": 4.50}


def test_real_converse_records(client):
    # Real records (tests/data/real/README.md): one a blog author logged with text delivery off (no bodies, an
    # apac. profile of Nova Micro) and the failed jp. Claude call it describes (empty input and output, an
    # errorCode). The failed call loads as an error with no tokens; the profiles' geographic prefixes go.
    from conftest import ingest_and_price, real_sample

    report, cost = ingest_and_price(client, {"bedrock/log.jsonl": real_sample("bedrock_converse_apac_jp.jsonl")})
    f = file_entry(report, "bedrock/log.jsonl")
    assert (f["format"], f["rows_loaded"], f["rows_rejected"]) == ("bedrock_invocation_log", 2, 0)
    with duckdb.connect(report["db"], read_only=True) as con:
        assert con.execute("""SELECT strftime(ts, '%Y-%m-%d %H:%M:%S'), model, model_requested, project, status, error,
                                     input_tokens, output_tokens FROM calls ORDER BY _source_row""").fetchall() == [
            ("2026-09-08 12:10:33", "amazon.nova-micro-v1:0", "apac.amazon.nova-micro-v1:0", "n8n-keyless", "success",
             None, 1, 8),
            ("2026-09-08 12:11:02", "anthropic.claude-haiku-4-5-20251001-v1:0",
             "jp.anthropic.claude-haiku-4-5-20251001-v1:0", "n8n-keyless", "error", "ResourceNotFoundException",
             None, None),
        ]
    # Nova Micro $0.035 in, $0.14 out per MTok: 1 x 0.035 + 8 x 0.14 = 1.155 µ$; the failed call costs nothing
    assert cost == {"line 1": 0.000001155, "line 2": 0.0}

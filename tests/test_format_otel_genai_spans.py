"""OpenTelemetry GenAI spans in OTLP/JSON: single document and Collector file-exporter JSON Lines."""
from __future__ import annotations

import json
from datetime import datetime

from conftest import file_entry, ingest_json, write_files
from routekit.sources import FileSample, detect, registry

T0 = 1782618417_000_000_000          # 2026-06-28 03:46:57 UTC in nanoseconds


def a(key, value):
    """One OTLP attribute; ints are strings as in OTLP JSON (pass ('num', n) for a JSON number)."""
    if isinstance(value, tuple):
        return {"key": key, "value": {"intValue": value[1]}}
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, list):
        return {"key": key, "value": {"arrayValue": {"values": [{"stringValue": v} for v in value]}}}
    return {"key": key, "value": {"stringValue": value}}


def span(span_id, attrs, start=T0, dur_ms=1000, status=None, name="span"):
    return {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": span_id, "parentSpanId": "eee19b7ec3c1b173",
            "name": name, "kind": 3, "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(start + dur_ms * 1_000_000), "attributes": attrs, "status": status or {}}


def request(service, *scopes):
    resource = {"attributes": [a("service.name", service), a("telemetry.sdk.language", "python")]}
    return {"resourceSpans": [{"resource": resource,
                               "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.genai"},
                                               "spans": list(s)} for s in scopes]}]}


MESSAGES = json.dumps([
    {"role": "system", "parts": [{"type": "text", "content": "You are a support agent for Acme."}]},
    {"role": "user", "parts": [{"type": "text", "content": "Hi"}]},
    {"role": "assistant", "parts": [{"type": "text", "content": "Hello! How can I help?"}]},
    {"role": "user", "parts": [{"type": "text", "content": "Where is my order 123?"}]},
])

SINGLE_DOC = request(
    "support-api",
    [
        # 0: OpenAI chat, new conventions. input 1500 includes the 1000 cached; reasoning 64 is inside output 200
        span("a1b2c3d4e5f60001", [
            a("gen_ai.operation.name", "chat"), a("gen_ai.provider.name", "openai"),
            a("gen_ai.request.model", "gpt-4o"), a("gen_ai.response.model", "gpt-4o-2024-08-06"),
            a("gen_ai.response.id", "chatcmpl-9x"), a("gen_ai.response.finish_reasons", ["stop"]),
            a("gen_ai.usage.input_tokens", 1500), a("gen_ai.usage.cache_read.input_tokens", 1000),
            a("gen_ai.usage.output_tokens", 200), a("gen_ai.usage.reasoning.output_tokens", 64),
            a("openai.response.service_tier", "default"), a("app.feature", "ticket_triage"),
            a("gen_ai.input.messages", MESSAGES)], dur_ms=1250, name="chat gpt-4o"),
        # 1: Anthropic chat with tools; input 3000 includes 2000 cache read + 500 cache write; failed
        span("a1b2c3d4e5f60002", [
            a("gen_ai.operation.name", "chat"), a("gen_ai.provider.name", "anthropic"),
            a("gen_ai.request.model", "claude-sonnet-4-5"),
            a("gen_ai.usage.input_tokens", ("num", 3000)), a("gen_ai.usage.cache_read.input_tokens", 2000),
            a("gen_ai.usage.cache_creation.input_tokens", 500), a("gen_ai.usage.output_tokens", 400),
            a("gen_ai.system_instructions", json.dumps([{"type": "text", "content": "You are a code reviewer."}])),
            a("gen_ai.tool.definitions", json.dumps([{"type": "function", "name": "get_diff"}])),
            a("error.type", "overloaded_error")],
            start=T0 + 60_000_000_000, dur_ms=800, status={"code": 2, "message": "Overloaded"}),
        # 2: a tool run and 3: the agent around them (it repeats its children's usage): neither is a model call
        span("a1b2c3d4e5f60003", [a("gen_ai.operation.name", "execute_tool"), a("gen_ai.tool.name", "get_diff")]),
        span("a1b2c3d4e5f60004", [a("gen_ai.operation.name", "invoke_agent"), a("gen_ai.agent.name", "reviewer"),
                                  a("gen_ai.provider.name", "anthropic"),
                                  a("gen_ai.request.model", "claude-sonnet-4-5"),
                                  a("gen_ai.usage.input_tokens", 4500), a("gen_ai.usage.output_tokens", 600)]),
        # 4: plain HTTP span, no gen_ai attributes
        span("a1b2c3d4e5f60005", [a("http.request.method", "POST"), a("url.path", "/v1/tickets")]),
    ],
    [
        # scopeSpans[1].spans[0]: no model at all → rejected
        span("a1b2c3d4e5f60006", [a("gen_ai.operation.name", "chat"), a("gen_ai.provider.name", "openai"),
                                  a("gen_ai.usage.input_tokens", 10), a("gen_ai.usage.output_tokens", 5)]),
        # scopeSpans[1].spans[1]: embeddings, intValue as a JSON number, no output tokens
        span("a1b2c3d4e5f60007", [a("gen_ai.operation.name", "embeddings"), a("gen_ai.provider.name", "gcp.vertex_ai"),
                                  a("gen_ai.request.model", "text-embedding-005"),
                                  a("gen_ai.usage.input_tokens", ("num", 42))], dur_ms=90),
    ],
)


def test_single_document(ingest):
    report, con = ingest({"exports/otel_traces.json": json.dumps(SINGLE_DOC, indent=2)})
    f = file_entry(report, "exports/otel_traces.json")
    assert f["format"] == "otel_genai_spans"
    # model-call spans: chat, chat, (no model), embeddings = 4 read; tool, agent and HTTP spans are not rows
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (4, 3, 1)
    assert f["note"] == "3 non-model spans not loaded (execute_tool 1, invoke_agent 1, non-GenAI 1)"

    rows = {r[0]: r for r in con.execute("""
        SELECT request_id, ts, provider, model, model_requested, feature, project, status, error, input_tokens,
               cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, latency_ms, service_tier,
               operation, system_prompt, user_prompt, n_messages, has_tools, attributes ->> 'trace_id',
               attributes ->> 'response_id', _source_row, attributes -> 'finish_reasons'
        FROM calls""").fetchall()}
    assert set(rows) == {"a1b2c3d4e5f60001", "a1b2c3d4e5f60002", "a1b2c3d4e5f60007"}
    openai = rows["a1b2c3d4e5f60001"]
    assert openai[1:9] == (datetime(2026, 6, 28, 3, 46, 57), "openai", "gpt-4o-2024-08-06", "gpt-4o",
                           "ticket_triage", "support-api", "success", None)
    # input already includes the 1000 cached tokens (OTel semantics): 1500 stays 1500
    assert openai[9:14] == (1500, 1000, 0, 200, 64)
    assert openai[14:17] == (1250.0, "default", "chat")
    assert openai[17:20] == ("You are a support agent for Acme.", "Where is my order 123?", 4)
    assert openai[20] is False
    assert openai[21:24] == ("5b8efff798038103d269b633813fc60c", "chatcmpl-9x",
                             "$.resourceSpans[0].scopeSpans[0].spans[0]")
    assert json.loads(openai[24]) == ["stop"]

    anthropic = rows["a1b2c3d4e5f60002"]
    # no response model: model = request model; 3000 input already holds 2000 read + 500 write
    assert anthropic[1:9] == (datetime(2026, 6, 28, 3, 47, 57), "anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5",
                              None, "support-api", "error", "Overloaded")
    assert anthropic[9:13] == (3000, 2000, 500, 400)
    assert anthropic[17] == "You are a code reviewer."
    assert anthropic[20] is True

    emb = rows["a1b2c3d4e5f60007"]
    assert emb[2:5] == ("gcp.vertex_ai", "text-embedding-005", "text-embedding-005")
    assert emb[9:13] == (42, 0, 0, None)
    assert emb[16] == "embeddings" and emb[14] == 90.0

    # the agent's 4500 input tokens are not added on top of its children: 1500 + 3000 + 42
    assert con.execute("SELECT sum(input_tokens) FROM calls").fetchone()[0] == 4542
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("$.resourceSpans[0].scopeSpans[1].spans[0]", "missing model (gen_ai.request.model / gen_ai.response.model)")]


TOOL_MESSAGES = json.dumps([
    {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
    {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "get_weather",
                                     "arguments": {"city": "Paris"}}]},
    {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": "18°C"}]},
])


def collector_lines() -> str:
    """The Collector file exporter: one ExportTraceServiceRequest per line, legacy attribute names."""
    indexed = [a("gen_ai.prompt.0.role", "system"), a("gen_ai.prompt.0.content", "Summarise support tickets."),
               a("gen_ai.prompt.1.role", "user"), a("gen_ai.prompt.1.content", "Ticket 41: printer jam"),
               a("gen_ai.prompt.2.role", "assistant"), a("gen_ai.prompt.2.content", "Printer jam, resolved."),
               a("gen_ai.prompt.3.role", "user"), a("gen_ai.prompt.3.content", "Ticket 42: refund request")]
    line1 = request("batch-worker", [
        # legacy gen_ai.system, prompt/completion token names as JSON numbers, no operation name but usage: a model call
        span("b000000000000001", [a("gen_ai.system", "az.ai.openai"), a("gen_ai.request.model", "gpt-4o-mini"),
                                  a("gen_ai.usage.prompt_tokens", ("num", 800)),
                                  a("gen_ai.usage.completion_tokens", ("num", 120)), a("error.type", "timeout"),
                                  *indexed],
             start=T0 + 3_600_000_000_000, dur_ms=30_000, status={"code": "STATUS_CODE_ERROR"}),
        span("b000000000000002", [a("gen_ai.operation.name", "invoke_workflow"), a("gen_ai.usage.input_tokens", 800)]),
        # OpenLLMetry marks its LLM spans with llm.request.type; a failed call has no usage but is still a call
        span("b000000000000009", [a("llm.request.type", "chat"), a("gen_ai.system", "openai"),
                                  a("gen_ai.request.model", "gpt-4o-mini"), a("error.type", "RateLimitError"),
                                  a("app.feature", "digest")],
             status={"code": 2, "message": "Error code: 429"}),
    ])
    line2 = request("batch-worker", [
        # plain gen_ai.prompt text
        span("b000000000000003", [a("gen_ai.operation.name", "text_completion"), a("gen_ai.system", "aws.bedrock"),
                                  a("gen_ai.request.model", "anthropic.claude-3-haiku-20240307-v1:0"),
                                  a("gen_ai.prompt", "Translate to French: hello"),
                                  a("gen_ai.usage.prompt_tokens", 10), a("gen_ai.usage.completion_tokens", 5)]),
        # line 2, spans[1]: a token count that is not a number → rejected
        span("b000000000000004", [a("gen_ai.operation.name", "chat"), a("gen_ai.system", "openai"),
                                  a("gen_ai.request.model", "gpt-4o"), a("gen_ai.usage.prompt_tokens", "abc"),
                                  a("gen_ai.usage.completion_tokens", 5)]),
    ])
    line3 = request("batch-worker", [
        # input 100 < 2000 read + 300 write: reported Anthropic-style, so 100 + 2000 + 300 = 2400
        # the conversation holds a tool call and its result: has_tools without gen_ai.tool.definitions
        span("b000000000000005", [a("gen_ai.operation.name", "chat"), a("gen_ai.provider.name", "anthropic"),
                                  a("gen_ai.request.model", "claude-3-5-haiku-20241022"),
                                  a("gen_ai.input.messages", TOOL_MESSAGES),
                                  a("gen_ai.usage.input_tokens", 100), a("gen_ai.usage.cache_read.input_tokens", 2000),
                                  a("gen_ai.usage.cache_creation.input_tokens", 300),
                                  a("gen_ai.usage.output_tokens", 50)]),
        # line 3, spans[1]: negative output → rejected
        span("b000000000000006", [a("gen_ai.operation.name", "chat"), a("gen_ai.provider.name", "openai"),
                                  a("gen_ai.request.model", "gpt-4o"), a("gen_ai.usage.input_tokens", 10),
                                  a("gen_ai.usage.output_tokens", -5)]),
        span("b000000000000007", [a("gen_ai.operation.name", "create_agent"), a("gen_ai.agent.name", "triage")]),
        span("b000000000000008", [a("gen_ai.operation.name", "execute_tool"), a("gen_ai.tool.name", "lookup")]),
        # a framework span naming a model, with neither operation, usage nor llm.request.type: not a model call
        span("b00000000000000a", [a("gen_ai.request.model", "gpt-4o"), a("langchain.chain.type", "RetrievalQA")]),
    ])
    return "\n".join(json.dumps(d) for d in (line1, line2, line3)) + "\n"


def test_collector_jsonl_gz_with_legacy_attributes(ingest):
    report, con = ingest({"otel/genai-traces.jsonl.gz": collector_lines()})
    f = file_entry(report, "otel/genai-traces.jsonl.gz")
    assert f["format"] == "otel_genai_spans"
    # model calls: b1, b9, b3, b4, b5, b6 = 6 read; b4 (abc) and b6 (-5) rejected
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (6, 4, 2)
    assert f["note"] == ("4 non-model spans not loaded (GenAI without operation or usage 1, create_agent 1, "
                         "execute_tool 1, invoke_workflow 1)")

    rows = {r[0]: r[1:] for r in con.execute("""
        SELECT request_id, provider, model, project, status, error, input_tokens, cached_input_tokens,
               cache_write_tokens, output_tokens, system_prompt, user_prompt, n_messages, ts, latency_ms, operation,
               _source_row, attributes ->> 'input_tokens_reported', has_tools
        FROM calls""").fetchall()}
    legacy = rows["b000000000000001"]
    assert legacy[:6] == ("az.ai.openai", "gpt-4o-mini", "batch-worker", "error", "timeout", 800)
    assert legacy[6:9] == (0, 0, 120)
    # system = the role-system contents; user prompt = the highest-N user content
    assert legacy[9:12] == ("Summarise support tickets.", "Ticket 42: refund request", 4)
    assert legacy[12:15] == (datetime(2026, 6, 28, 4, 46, 57), 30000.0, None)
    assert legacy[15] == "line 1 $.resourceSpans[0].scopeSpans[0].spans[0]"
    assert legacy[17] is False

    failed = rows["b000000000000009"]
    assert failed[:9] == ("openai", "gpt-4o-mini", "batch-worker", "error", "Error code: 429", None, 0, 0, None)
    assert failed[14] == "chat"

    plain = rows["b000000000000003"]
    assert plain[:2] == ("aws.bedrock", "anthropic.claude-3-haiku-20240307-v1:0")
    assert plain[5] == 10 and plain[8] == 5
    assert plain[9:11] == (None, "Translate to French: hello")

    anth = rows["b000000000000005"]
    assert anth[5:9] == (2400, 2000, 300, 50)
    assert anth[16] == "100"
    # the last user message is the question; the tool result is role "tool"
    assert anth[9:12] == (None, "Weather in Paris?", 3) and anth[17] is True

    assert con.execute("SELECT _source_row, reason FROM rejects ORDER BY _source_row").fetchall() == [
        ("line 2 $.resourceSpans[0].scopeSpans[0].spans[1]",
         "gen_ai.usage.prompt_tokens is not a whole number: 'abc'"),
        ("line 3 $.resourceSpans[0].scopeSpans[0].spans[1]",
         "negative token count: gen_ai.usage.output_tokens = -5"),
    ]


def test_trace_wrapped_by_a_backend_api_is_explained(ingest):
    # {"trace": {"resourceSpans": ...}} is detected as OTLP but holds no top-level resourceSpans
    report, _ = ingest({"tempo_trace.json": json.dumps({"trace": SINGLE_DOC})})
    f = file_entry(report, "tempo_trace.json")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("otel_genai_spans", 0, 0, 0)
    assert f["note"] == "no spans found at resourceSpans[].scopeSpans[].spans[] (top level of each document)"


def test_detected_by_content_only(client):
    write_files(client, {"a.jsonl": collector_lines(), "b.txt.json": json.dumps(SINGLE_DOC, indent=2)})
    for name in ("a.jsonl", "b.txt.json"):
        assert [f.name for f in registry.formats() if f.matches(FileSample.read(client / name))] == ["otel_genai_spans"]
        assert detect(FileSample.read(client / name), registry.formats()).name == "otel_genai_spans"


def test_cli(client):
    write_files(client, {"traces.json": json.dumps(SINGLE_DOC)})
    out = ingest_json(client)
    f = file_entry(out, "traces.json")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("otel_genai_spans", 4, 3, 1)
    assert f["note"].startswith("3 non-model spans not loaded")
    assert out["tables"]["calls"]["input_tokens"] == 4542


def test_a_model_span_without_its_token_counts_is_rejected_not_priced_as_free(ingest):
    model = [a("gen_ai.operation.name", "chat"), a("gen_ai.provider.name", "openai"),
             a("gen_ai.request.model", "gpt-4o")]
    doc = request("svc", [
        span("c000000000000001", model + [a("gen_ai.usage.output_tokens", 5)]),          # no input tokens
        span("c000000000000002", model + [a("gen_ai.usage.input_tokens", 10)]),         # no output tokens
        span("c000000000000003", model, status={"code": 2, "message": "timeout"}),     # failed: no usage is fine
        span("c000000000000004", [a("gen_ai.operation.name", "embeddings"), a("gen_ai.provider.name", "openai"),
                                  a("gen_ai.request.model", "text-embedding-3-small"),
                                  a("gen_ai.usage.input_tokens", 10)]),                  # an embedding has no output
    ])
    report, con = ingest({"otel.json": json.dumps(doc)})
    f = file_entry(report, "otel.json")
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (4, 2, 2)
    assert sorted(r for (r,) in con.execute("SELECT reason FROM rejects").fetchall()) == [
        "missing gen_ai.usage.input_tokens", "missing gen_ai.usage.output_tokens"]
    assert con.execute("SELECT request_id, status FROM calls ORDER BY request_id").fetchall() == [
        ("c000000000000003", "error"), ("c000000000000004", "success")]


def test_openllmetry_cache_attribute_names_are_read(ingest):
    # OpenLLMetry (and semconv before v1.40) names the cache counts cache_read_input_tokens and
    # cache_creation_input_tokens; prompt_tokens already includes them
    doc = request("devportal-api", [
        span("d000000000000001", [a("llm.request.type", "chat"), a("gen_ai.system", "Anthropic"),
                                  a("gen_ai.request.model", "claude-sonnet-4-5"),
                                  a("gen_ai.usage.prompt_tokens", 5000), a("gen_ai.usage.completion_tokens", 100),
                                  a("gen_ai.usage.cache_read_input_tokens", 3000),
                                  a("gen_ai.usage.cache_creation_input_tokens", 1200)]),
        span("d000000000000002", [a("llm.request.type", "chat"), a("gen_ai.system", "openai"),
                                  a("gen_ai.request.model", "gpt-4o"), a("gen_ai.usage.prompt_tokens", 50),
                                  a("gen_ai.usage.completion_tokens", 5),
                                  a("gen_ai.usage.cache_read_input_tokens", "many")])])
    report, con = ingest({"otel.json": json.dumps(doc)})
    assert con.execute("SELECT input_tokens, cached_input_tokens, cache_write_tokens FROM calls").fetchall() == [
        (5000, 3000, 1200)]
    assert con.execute("SELECT reason FROM rejects").fetchall() == [
        ("gen_ai.usage.cache_read_input_tokens is not a whole number: 'many'",)]


def test_real_pydantic_ai_span_with_genai_prices_cache_names(client):
    # A Pydantic AI chat span with Anthropic prompt caching (tests/data/real/README.md): the usage attributes as
    # langfuse/langfuse #12306 gives them. Pydantic AI (through genai-prices) writes the semconv-inclusive
    # gen_ai.usage.input_tokens 130213 = 5 uncached + 128955 read + 1253 written, and names the cache counts
    # gen_ai.usage.cache_read_tokens / cache_write_tokens: they were not read, so all 130213 tokens were priced at
    # the full input rate ($0.398319 below, 7.8x)
    import duckdb
    from conftest import ingest_and_price, real_sample

    report, cost = ingest_and_price(client, {"otel/traces.json": real_sample("otel_pydantic_ai_anthropic_cache.json")})
    f = file_entry(report, "otel/traces.json")
    assert (f["format"], f["rows_loaded"], f["rows_rejected"]) == ("otel_genai_spans", 1, 0)
    with duckdb.connect(report["db"], read_only=True) as con:
        assert con.execute("""SELECT strftime(ts, '%Y-%m-%d %H:%M:%S'), provider, model, input_tokens,
                                     cached_input_tokens, cache_write_tokens, output_tokens FROM calls""").fetchall() == [
            ("2026-02-19 12:00:00", "anthropic", "claude-sonnet-4-5-20250929", 130213, 128955, 1253, 512)]
    # claude-sonnet-4-5 ($3 in, $0.30 cache read, $3.75 cache write, $15 out per MTok):
    # 5 x 3 + 128955 x 0.30 + 1253 x 3.75 + 512 x 15 = 15 + 38686.5 + 4698.75 + 7680 = 51080.25 µ$
    # (before: 130213 x 3 + 512 x 15 = 398319 µ$)
    assert cost == {"$.resourceSpans[0].scopeSpans[0].spans[0]": 0.05108025}

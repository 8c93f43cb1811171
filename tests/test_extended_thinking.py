"""Claude's extended thinking, recognised from the request where the export keeps it.

Anthropic and Bedrock count thinking inside output_tokens, so a Claude call with thinking reports no reasoning tokens;
the request's ``thinking: {"type": "enabled", "budget_tokens": N}`` (platform.claude.com, "Extended thinking") is the
evidence. It marks the model as reasoning for routing.json, whose max_tokens must stay above the budget.
"""
from __future__ import annotations

import json

import duckdb
import pytest

from conftest import run_cli, write_files
from test_format_bedrock_invocation_log import ANTHROPIC_BODY, CONVERSE_BODY, record
from test_format_langfuse_observations import generation
from test_format_litellm import HEADER as LITELLM_HEADER
from test_format_litellm import _csv_quote, _row
from test_format_otel_genai_spans import a, request, span

ENABLED = {"type": "enabled", "budget_tokens": 16000}


def _litellm_row(rid, model, body):
    # _row writes the columns of HEADER; proxy_server_request (the request body, with store_prompts_in_spend_logs) is
    # one more column at the end
    return _row(rid, "0.01", "500", "900", "2026-09-01 12:00:00+00", model=model, provider="anthropic") + "," + \
        _csv_quote(json.dumps(body))


def _thinking_by_request(con):
    return dict(con.execute("SELECT request_id, thinking_budget_tokens FROM calls").fetchall())


def test_litellm_proxy_server_request(ingest):
    text = "\n".join([LITELLM_HEADER + ",proxy_server_request",
                      _litellm_row("t1", "claude-sonnet-4-5", {"model": "claude-sonnet-4-5", "thinking": ENABLED}),
                      _litellm_row("t2", "claude-sonnet-4-5", {"thinking": {"type": "disabled"}}),
                      _litellm_row("t3", "claude-sonnet-4-5", {"max_tokens": 100})]) + "\n"
    _, con = ingest({"spend.csv": text})
    assert _thinking_by_request(con) == {"t1": 16000, "t2": None, "t3": None}


def test_langfuse_model_parameters(ingest):
    usage = {"input": 100, "output": 900}
    observations = [
        generation("o1", "claude-sonnet-4-5", usage, modelParameters={"thinking": ENABLED}),
        # Langfuse keeps parameter values as strings: the object's JSON text
        generation("o2", "claude-sonnet-4-5", usage, modelParameters={"thinking": json.dumps(ENABLED),
                                                                      "max_tokens": "20000"}),
        # adaptive thinking: Claude sets its own budget, still a call that reasons
        generation("o3", "claude-opus-4-6", usage, modelParameters={"thinking": '{"type": "adaptive"}'}),
        generation("o4", "claude-sonnet-4-5", usage, modelParameters={"temperature": 0}),
    ]
    _, con = ingest({"obs.jsonl": "".join(json.dumps(o) + "\n" for o in observations)})
    assert _thinking_by_request(con) == {"o1": 16000, "o2": 16000, "o3": 0, "o4": None}


def test_bedrock_invoke_model_and_converse_bodies(ingest):
    counts = {"inputTokenCount": 100}
    records = [
        record("b1", "anthropic.claude-sonnet-4-5-20250929-v1:0", counts, 900, body={**ANTHROPIC_BODY,
                                                                                      "thinking": ENABLED}),
        record("b2", "anthropic.claude-sonnet-4-5-20250929-v1:0", counts, 900, operation="Converse",
               body={**CONVERSE_BODY, "additionalModelRequestFields": {"thinking": {"type": "enabled",
                                                                                    "budget_tokens": 4096}}}),
        record("b3", "anthropic.claude-sonnet-4-5-20250929-v1:0", counts, 900, body=ANTHROPIC_BODY),
    ]
    _, con = ingest({"bedrock.jsonl": "".join(json.dumps(r) + "\n" for r in records)})
    assert _thinking_by_request(con) == {"b1": 16000, "b2": 4096, "b3": None}


def test_otel_attributes(ingest):
    base = [a("gen_ai.operation.name", "chat"), a("gen_ai.provider.name", "anthropic"),
            a("gen_ai.request.model", "claude-sonnet-4-5"), a("gen_ai.usage.input_tokens", 100),
            a("gen_ai.usage.output_tokens", 900)]
    doc = request("svc", [
        span("aaaaaaaaaaaaaaa1", base + [a("sigil.gen_ai.request.thinking.budget_tokens", 2048)]),
        # OpenInference records the request's parameters as JSON
        span("aaaaaaaaaaaaaaa2", base + [a("llm.invocation_parameters", json.dumps({"max_tokens": 20000,
                                                                                     "thinking": ENABLED}))]),
        span("aaaaaaaaaaaaaaa3", base),
    ])
    _, con = ingest({"trace.json": json.dumps(doc)})
    assert _thinking_by_request(con) == {"aaaaaaaaaaaaaaa1": 2048, "aaaaaaaaaaaaaaa2": 16000,
                                         "aaaaaaaaaaaaaaa3": None}


def test_thinking_in_the_logs_makes_the_route_room_for_it(tmp_path):
    """End to end: LiteLLM logs of Claude asking for a 40,000-token thinking budget, no reasoning tokens reported →
    the model reasons, and its limit is above the budget: 40,001 → 2^16 = 65,536 (the 25,000 reserve alone would give
    32,768, which Anthropic refuses with a 40,000 budget)."""
    from routekit.exports import routing_inputs, routing_table

    body = {"thinking": {"type": "enabled", "budget_tokens": 40000}}
    rows = [LITELLM_HEADER + ",proxy_server_request",
            *(_litellm_row(f"t{i}", "claude-sonnet-4-5", body) for i in range(3)),
            _litellm_row("n1", "gpt-4o", {})]
    client = write_files(tmp_path / "c", {"litellm.csv": "\n".join(rows) + "\n"})
    db = tmp_path / "c.duckdb"
    run_cli("simulate", str(client), "--db", str(db))
    with duckdb.connect(str(db), read_only=True) as con:
        inputs = routing_inputs(con)
    why = "extended thinking requested in the client's logs (3 calls, budget up to 40,000 tokens)"
    assert inputs.reasoning == {"claude-sonnet-4-5": why}
    assert inputs.thinking == {"claude-sonnet-4-5": 40000}
    mix = {"qa": {"<1k": {"budget": 1.0}}}
    segments = [{"task_type": "qa", "len_in": "<1k", "requests_per_month": 10.0}]
    [route] = routing_table(mix, {}, {"budget": "claude-sonnet-4-5", "flagship": "gpt-4o"}, {"qa": 900}, 900,
                            segments, inputs.reasoning, thinking=inputs.thinking)["routes"]
    assert (route["max_tokens"], route["max_tokens_parameter"], route["reasoning"]) == (65536, "max_tokens", why)


@pytest.mark.parametrize("budget, expected", [
    (10_000, 32768),     # below the reserve: max(900, 25,000, 10,001) = 25,000 → 2^15
    (32_768, 65536),     # the budget must be below max_tokens: 32,769 → 2^16
    (0, 32768),          # adaptive thinking: the reserve
])
def test_the_limit_is_above_the_thinking_budget(budget, expected):
    from routekit.output_limits import route_limit
    from routekit.prices import PriceCatalog
    from routekit.tiers import TierMap

    why = {"claude-sonnet-4-5": "extended thinking requested in the client's logs (1 calls)"}
    got = route_limit("claude-sonnet-4-5", "anthropic", 900, why, TierMap.default(), PriceCatalog(),
                      {"claude-sonnet-4-5": budget})
    assert got["max_tokens"] == expected


def test_helicone_request_body(ingest):
    from test_format_helicone_requests import RECORDS

    with_thinking = dict(RECORDS[1], request_id="h1",
                         request_body={**RECORDS[1].get("request_body", {}), "thinking": ENABLED})
    without = dict(RECORDS[1], request_id="h2")
    _, con = ingest({"output.jsonl": json.dumps(with_thinking) + "\n" + json.dumps(without) + "\n"})
    assert _thinking_by_request(con) == {"h1": 16000, "h2": None}

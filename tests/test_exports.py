"""Exports of a routing mix (routekit/exports.py): the routing table, the LiteLLM router config and the policy file,
from hand-built inputs and end to end from the tier explorer (checked with the real CLI and the audit's own files)."""
from __future__ import annotations

import json

import pytest
import yaml

from conftest import run_cli, write_files
from test_simulate import _client

TIERS = {"budget": "gpt-5-nano", "mid": "gpt-5-mini", "flagship": "gpt-4o"}
PROVIDERS = {"budget": "openai", "mid": "openai", "flagship": "openai"}
# qa: 100 requests under 1k tokens (70 % budget, 30 % mid) and 100 of 1k-4k kept on today's models (75 on gpt-4o,
# 25 on claude-sonnet-4-5); chat: 50 requests, all flagship.
MIX = {"qa": {"<1k": {"budget": 0.7, "mid": 0.3}, "1k-4k": {"current": 1.0}}, "chat": {"<1k": {"flagship": 1.0}}}
SEGMENTS = [{"task_type": "qa", "len_in": "<1k", "len_out": "<250", "requests_per_month": 60.0},
            {"task_type": "qa", "len_in": "<1k", "len_out": "250-1k", "requests_per_month": 40.0},
            {"task_type": "qa", "len_in": "1k-4k", "len_out": "<250", "requests_per_month": 100.0},
            {"task_type": "chat", "len_in": "<1k", "len_out": "<250", "requests_per_month": 50.0}]
CURRENT = {("qa", "<1k"): {"tiers": {"flagship": 3.0}, "models": {"gpt-4o": 3.0},
                           "requests": {("openai", "gpt-4o"): 100.0}},
           ("qa", "1k-4k"): {"tiers": {"flagship": 9.0}, "models": {"gpt-4o": 6.0, "claude-sonnet-4-5": 3.0},
                             "requests": {("openai", "gpt-4o"): 75.0, ("anthropic", "claude-sonnet-4-5"): 25.0}},
           ("chat", "<1k"): {"tiers": {"mid": 1.0}, "models": {"gpt-5-mini": 1.0},
                             "requests": {("openai", "gpt-5-mini"): 50.0}}}


def _groups(config: dict) -> dict[str, dict[str, float]]:
    out: dict = {}
    for d in config["model_list"]:
        out.setdefault(d["model_name"], {})[d["litellm_params"]["model"]] = d["litellm_params"]["weight"]
    return out


def test_litellm_config_by_hand():
    from routekit.exports import litellm_config

    config = litellm_config(MIX, CURRENT, TIERS, PROVIDERS, SEGMENTS)
    assert config["router_settings"] == {"routing_strategy": "simple-shuffle"}
    # qa: 70 of 200 requests to budget (0.35), 30 to mid (0.15), 100 kept: 75 gpt-4o (0.375), 25 sonnet (0.125)
    assert _groups(config) == {
        "routekit-qa": {"openai/gpt-5-nano": 0.35, "openai/gpt-5-mini": 0.15, "openai/gpt-4o": 0.375,
                        "anthropic/claude-sonnet-4-5": 0.125},
        "routekit-chat": {"openai/gpt-4o": 1.0},
        "routekit-default": {"openai/gpt-4o": 1.0}}


def test_litellm_model_names_the_provider():
    from routekit.exports import litellm_model

    assert litellm_model("gpt-4o", "openai") == "openai/gpt-4o"
    assert litellm_model("gemini-2.5-flash", "google") == "gemini/gemini-2.5-flash"
    assert litellm_model("anthropic.claude-3-haiku-20240307-v1:0", "aws.bedrock") == \
        "bedrock/anthropic.claude-3-haiku-20240307-v1:0"
    assert litellm_model("openrouter/anthropic/claude-3-haiku", "openrouter") == "openrouter/anthropic/claude-3-haiku"


def test_routing_table_by_hand():
    from routekit.exports import routing_table

    table = routing_table(MIX, CURRENT, TIERS, {"qa": 300, "chat": 9}, 1500, SEGMENTS)
    qa, chat = sorted(table["routes"], key=lambda r: r["task_type"], reverse=True)
    # qa: current 100 requests > budget 70 > mid 30: kept on today's models, the dearest of which is gpt-4o ($9)
    # max_tokens: 300 → 512; OpenAI's Chat Completions name the limit max_completion_tokens; gpt-4o does not reason
    # models: each model the mix sends qa requests to has its own limit: the budget and mid representatives
    # (gpt-5-nano, gpt-5-mini) reason by default, so 25,000 → 32,768 whatever the task's 300; today's two models
    # answer within 512, Anthropic's API naming the limit max_tokens
    reasons = "reasons by default (model_tiers.yaml reasons_by_default)"
    assert qa == {"task_type": "qa", "tier": "current", "model": "gpt-4o", "max_tokens": 512,
                  "max_tokens_parameter": "max_completion_tokens", "reasoning": None,
                  "models": {
                      "claude-sonnet-4-5": {"max_tokens": 512, "max_tokens_parameter": "max_tokens", "reasoning": None},
                      "gpt-4o": {"max_tokens": 512, "max_tokens_parameter": "max_completion_tokens", "reasoning": None},
                      "gpt-5-mini": {"max_tokens": 32768, "max_tokens_parameter": "max_completion_tokens",
                                     "reasoning": reasons},
                      "gpt-5-nano": {"max_tokens": 32768, "max_tokens_parameter": "max_completion_tokens",
                                     "reasoning": reasons}},
                  "by_input_length": {"1k-4k": {"current": 1.0}, "<1k": {"budget": 0.7, "mid": 0.3}}}
    assert chat["models"] == {"gpt-4o": {"max_tokens": 16, "max_tokens_parameter": "max_completion_tokens",
                                         "reasoning": None}}
    assert chat["tier"] == "flagship" and chat["model"] == "gpt-4o" and chat["max_tokens"] == 16   # at least 16
    assert table["default"] == {"tier": "flagship", "model": "gpt-4o", "max_tokens": 2048,
                                "max_tokens_parameter": "max_completion_tokens", "reasoning": None}


def test_a_reasoning_model_in_part_of_a_routes_mix_gets_its_own_limit():
    """brightside's audit: extraction mostly kept on gpt-4o (its 99th percentile, 300 tokens here → 512), its
    4k-16k inputs sent to the reasoning tier (o3). The route's one limit was gpt-4o's 512, which the client would
    give o3 too: not room to reason and answer. o3 gets the reasoning reserve, 25,000 → 32,768."""
    from routekit.exports import routing_table

    mix = {"extraction": {"1k-4k": {"current": 1.0}, "4k-16k": {"reasoning": 1.0}}}
    current = {("extraction", "1k-4k"): {"tiers": {"flagship": 5.0}, "models": {"gpt-4o": 5.0},
                                         "requests": {("openai", "gpt-4o"): 80.0}},
               ("extraction", "4k-16k"): {"tiers": {"flagship": 2.0}, "models": {"gpt-4o": 2.0},
                                          "requests": {("openai", "gpt-4o"): 20.0}}}
    segments = [{"task_type": "extraction", "len_in": "1k-4k", "requests_per_month": 80.0},
                {"task_type": "extraction", "len_in": "4k-16k", "requests_per_month": 20.0}]
    [route] = routing_table(mix, current, {**TIERS, "reasoning": "o3"}, {"extraction": 300}, 300,
                            segments)["routes"]
    assert (route["tier"], route["model"], route["max_tokens"]) == ("current", "gpt-4o", 512)
    assert route["models"] == {
        "gpt-4o": {"max_tokens": 512, "max_tokens_parameter": "max_completion_tokens", "reasoning": None},
        "o3": {"max_tokens": 32768, "max_tokens_parameter": "max_completion_tokens",
               "reasoning": "a reasoning-tier model"}}
    # a cascade sends each request to its first tier and its escalations to the second: both models need a limit
    from decimal import Decimal

    from routekit.scenario import Cascade

    cascade = Cascade("budget", "flagship", Decimal("0.8"), Decimal("0.05"))
    [route] = routing_table({"summarization": {"<1k": {"cascade": 1.0}}}, {}, TIERS, {"summarization": 300}, 300,
                            [{"task_type": "summarization", "len_in": "<1k", "requests_per_month": 10.0}],
                            cascades={"summarization": cascade})["routes"]
    assert (route["tier"], route["model"]) == ("cascade", "gpt-5-nano")
    assert {m: v["max_tokens"] for m, v in route["models"].items()} == {"gpt-5-nano": 32768, "gpt-4o": 512}


@pytest.mark.parametrize("tiers, reasoning, p99, expected", [
    # gpt-5-nano reasons by default: the 25,000-token reserve, rounded up to a power of 2 = 2^15 = 32,768
    ({"budget": "gpt-5-nano"}, {}, 20,
     (32768, "max_completion_tokens", "reasons by default (model_tiers.yaml reasons_by_default)")),
    ({"budget": "o4-mini"}, {}, 20, (32768, "max_completion_tokens", "a reasoning-tier model")),
    # answers longer than the reserve: their own 99th percentile, 40,000 → 2^16 = 65,536
    ({"budget": "o3"}, {}, 40_000, (65536, "max_completion_tokens", "a reasoning-tier model")),
    # Claude thinks only when asked: the client's logs show it did; Anthropic's limit is max_tokens
    ({"budget": "claude-haiku-4-5"}, {"claude-haiku-4-5": "reasoning tokens in the client's logs (3 calls)"}, 20,
     (32768, "max_tokens", "reasoning tokens in the client's logs (3 calls)")),
    ({"budget": "claude-haiku-4-5"}, {}, 20, (32, "max_tokens", None)),
    ({"budget": "gemini-2.5-flash"}, {}, 20,
     (32768, "generationConfig.maxOutputTokens", "reasons by default (model_tiers.yaml reasons_by_default)")),
    ({"budget": "gemini-2.5-flash-lite"}, {}, 20, (32, "generationConfig.maxOutputTokens", None)),
    ({"budget": "gpt-4.1-nano"}, {}, 20, (32, "max_completion_tokens", None)),   # 20 → 32, no reasoning
])
def test_a_reasoning_model_gets_room_to_reason(tiers, reasoning, p99, expected):
    """A classification task answers in ~20 tokens, but a reasoning model spends its reasoning out of the same
    limit: 32 tokens would leave it no room to answer."""
    from routekit.exports import routing_table

    mix = {"classification": {"<1k": {"budget": 1.0}}}
    segments = [{"task_type": "classification", "len_in": "<1k", "requests_per_month": 10.0}]
    table = routing_table(mix, {}, {**tiers, "flagship": "gpt-4o"}, {"classification": p99}, p99, segments,
                          reasoning)
    [route] = table["routes"]
    assert (route["max_tokens"], route["max_tokens_parameter"], route["reasoning"]) == expected
    assert "25,000" in table["max_tokens_method"]


def test_reasoning_tokens_in_the_logs_mark_a_model_as_reasoning(tmp_path):
    """End to end: a LiteLLM log whose claude calls report reasoning tokens (extended thinking) → routing_inputs."""
    import duckdb

    from routekit.exports import routing_inputs
    from test_format_litellm import HEADER, _row

    md = {"usage_object": {"completion_tokens_details": {"reasoning_tokens": 700}}}
    rows = [HEADER, *(_row(f"t{i}", "0", "500", "900", "2026-09-01 12:00:00+00", model="claude-sonnet-4-5", md=md)
                      for i in range(3)),
            _row("n1", "0", "500", "20", "2026-09-01 12:00:00+00", model="gpt-4o")]
    client = write_files(tmp_path / "c", {"litellm.csv": "\n".join(rows) + "\n"})
    db = tmp_path / "c.duckdb"
    run_cli("simulate", str(client), "--db", str(db))
    with duckdb.connect(str(db), read_only=True) as con:
        inputs = routing_inputs(con)
    assert inputs.reasoning == {"claude-sonnet-4-5": "reasoning tokens in the client's logs (3 calls)"}


def test_policy_mix_names_every_segment():
    from decimal import Decimal

    from routekit.exports import policy_mix
    from routekit.scenario import Policy

    policy = Policy(mix={"qa": {"budget": Decimal("0.25"), "mid": Decimal("0.75")}})
    assert policy_mix(policy, [("qa", "<1k"), ("chat", "<1k")]) == {
        "qa": {"<1k": {"budget": 0.25, "mid": 0.75}}, "chat": {"<1k": {"current": 1.0}}}
    assert policy_mix(None, [("qa", "<1k")]) == {"qa": {"<1k": {"current": 1.0}}}


def test_explorer_exports_read_back_by_simulate_and_litellm(tmp_path):
    from routekit.exports import DEFAULT_ROUTE
    from routekit.widgets import TierExplorer

    client = _client(tmp_path)
    x = TierExplorer(client)
    x.rep_menus["mid"].value = "gpt-4.1-mini"
    x.batch_slider.value = 40.0
    x.sliders["other"]["mid"].value = 60.0   # budget 25 % → 10 %, flagship 75 % → 30 % (kept in proportion)
    assert x.values("other") == {"budget": 100, "mid": 600, "flagship": 300}
    x.export_dir.value = str(tmp_path / "out")
    x.export_button.click()
    paths = {k: tmp_path / "out" / name for k, name in
             (("policy", "policy.yaml"), ("routing", "routing.json"), ("litellm", "litellm_config.yaml"))}
    assert all(str(p) in x.export_html.value for p in paths.values())
    # the policy file: simulate prints the explorer's figures
    cli = json.loads(run_cli("simulate", str(client), "--policy", str(paths["policy"]), "--json").stdout)
    for key in ("monthly_cost_usd", "savings_usd", "cost_range_usd", "cost_per_success_usd", "risk"):
        assert cli[key] == x.result[key], key
    assert cli["tiers"]["mid"] == "gpt-4.1-mini"
    # the LiteLLM config: weights are the sliders' shares, deployments the representatives
    config = yaml.safe_load(paths["litellm"].read_text())
    assert _groups(config) == {"routekit-other": {"openai/gpt-4.1-mini": 0.6, "openai/gpt-4o": 0.3,
                                                  "openai/gpt-5-nano": 0.1},
                               DEFAULT_ROUTE: {"openai/gpt-4o": 1.0}}
    routing = json.loads(paths["routing"].read_text())
    assert routing["routes"][0]["tier"] == "mid" and routing["routes"][0]["model"] == "gpt-4.1-mini"
    # the default folder
    default = x.export()
    assert default["policy"] == client / ".routekit" / "exports" / "policy.yaml" and default["policy"].is_file()


def test_explorer_routing_table_equals_the_audits(tmp_path):
    """The audit's recommended policy, shown in the explorer and exported, gives the audit's own routing.json."""
    from routekit import report
    from routekit.widgets import TierExplorer

    client = _client(tmp_path)
    written = report.write_outputs(report.run_audit(client, risk_budget=0.01), tmp_path / "audit")
    x = TierExplorer(client)
    x.load_policy(written["policy"])
    paths = x.export(tmp_path / "explorer")
    assert paths["routing"].read_bytes() == (tmp_path / "audit" / "routing.json").read_bytes()
    assert yaml.safe_load(paths["policy"].read_text()) == yaml.safe_load(open(written["policy"]).read())
    audit = json.loads((tmp_path / "audit" / "findings.json").read_text())["summary"]
    assert x.result["monthly_cost_usd"] == pytest.approx(audit["recommended_monthly_usd"], abs=0.005)


def test_exports_hold_no_prompt_text(tmp_path):
    """Prompts are client secrets: a log whose prompts carry a marker exports files without it."""
    from conftest import write_files
    from test_format_litellm import HEADER, _row

    from routekit.widgets import TierExplorer

    secret = "ZQXSECRET7731"
    rows = [HEADER] + [_row(f"r{i}", "0", "1200", "300", "2026-09-01 12:00:00+00", messages=[
        {"role": "system", "content": f"You label tickets for {secret}."},
        {"role": "user", "content": f"Classify ticket {i}: {secret} invoice wrong"}]) for i in range(40)]
    client = tmp_path / "secret_client"
    write_files(client, {"litellm.csv": "\n".join(rows) + "\n"})
    x = TierExplorer(client)
    x.apply_preset("all mid")
    for path in x.export(tmp_path / "out").values():
        assert secret not in path.read_text(), path


def test_a_model_the_client_puts_in_the_reasoning_tier_gets_room_to_reason(tmp_path):
    """routekit.yaml's tier models are the client's word: a model it lists as reasoning (here an in-house fine-tune
    the shipped map does not know) gets the reasoning reserve, 25,000 → 2^15 = 32,768, not its answers' 20 → 32."""
    from routekit.config import load_config
    from routekit.exports import routing_table
    from routekit.tiers import TierMap

    (tmp_path / "routekit.yaml").write_text("tiers:\n  models:\n    acme-thinker-v2: reasoning\n")
    mix = {"classification": {"<1k": {"budget": 1.0}}}
    segments = [{"task_type": "classification", "len_in": "<1k", "requests_per_month": 10.0}]
    tiers = {"budget": "acme-thinker-v2", "flagship": "gpt-4o"}
    shipped = routing_table(mix, {}, tiers, {"classification": 20}, 20, segments)
    client = routing_table(mix, {}, tiers, {"classification": 20}, 20, segments,
                           tier_map=TierMap.for_config(load_config(tmp_path)))
    assert shipped["routes"][0]["max_tokens"] == 32 and shipped["routes"][0]["reasoning"] is None
    assert (client["routes"][0]["max_tokens"], client["routes"][0]["reasoning"]) == (32768, "a reasoning-tier model")


def test_the_output_limit_is_taken_from_answered_calls(tmp_path):
    """An outage logged 500 failed calls (no output) beside 5 answered ones (100 output tokens each) of one task
    type. Counted, the failures made the task's 99th percentile output 0 tokens, so its route's max_tokens would
    have been the floor of 16 and cut every answer short; the answers alone give 100."""
    from routekit.engine import open_built
    from routekit.exports import routing_inputs
    from test_format_litellm import HEADER, _row

    md = {"spend_logs_metadata": {"feature": "ticket-labeler"}}
    rows = [_row(f"ok-{i}", "0.001", "500", "100", f"2026-09-01 10:00:0{i}+00", md=md) for i in range(5)]
    rows += [_row(f"down-{i}", "0", "0", "0", f"2026-09-01 11:{i // 60:02d}:{i % 60:02d}+00", md=md,
                  status="failure") for i in range(500)]
    client = write_files(tmp_path / "acme", {
        "spend.csv": "\n".join([HEADER, *rows]) + "\n",
        "routekit.yaml": "classify:\n  mappings:\n    feature:\n      ticket-labeler: classification\n"})
    con, _, _, _ = open_built(client)
    try:
        inputs = routing_inputs(con)
    finally:
        con.close()
    assert inputs.max_tokens == {"classification": 100}
    assert inputs.overall == 100

"""A cascade's validator has a price: an LLM judge at a tier's representative, or a flat price per request.

The client: 1,000 calls a month (September 2026, a whole calendar month: monthly = total) of 800 input / 200 output
tokens on gpt-4o, task type `other`, sent through a budget → flagship cascade. Prices per million tokens, from
OpenAI's pricing page (and genai-prices' copy, which routekit quotes on 2026-09-15): gpt-5-nano $0.05 in / $0.40 out
(batch: half), gpt-5-mini $0.25 / $2.00, gpt-4o $2.50 / $10.

Without a validator (as before the key): every request at gpt-5-nano, 1,000 × (800 × 0.05 + 200 × 0.40) / 1e6 =
$0.12, plus escalation × gpt-4o's 1,000 × (800 × 2.50 + 200 × 10) / 1e6 = $4.00.
"""
from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest
import yaml

from conftest import run_cli, sample_client, write_files
from test_format_litellm import HEADER, _row

CASCADE = "{from: budget, to: flagship, detection_rate: 0.8, false_alarm_rate: 0.05"
POLICIES = {
    "free.yaml": f"cascade: {{other: {CASCADE}}}}}\n",
    # the judge at budget (gpt-5-nano) reads the request and the answer: (800 + 200) × 1,000 = 1,000,000 tokens
    # × $0.05 / 1e6 = $0.05; it writes 5 tokens (the default) × 1,000 = 5,000 × $0.40 / 1e6 = $0.002 → $0.052
    "judge.yaml": f"cascade: {{other: {CASCADE}, validator: {{tier: budget}}}}}}\n",
    # at mid (gpt-5-mini) reading the answer alone with a 300-token rubric: (200 + 300) × 1,000 = 500,000 tokens
    # × $0.25 / 1e6 = $0.125; 10 tokens written × 1,000 × $2.00 / 1e6 = $0.02 → $0.145
    "rubric.yaml": f"cascade: {{other: {CASCADE}, validator: {{tier: mid, reads: answer, instruction_tokens: 300, "
                   "output_tokens: 10}}}\n",
    # a check with a known price: 1,000 × $0.0002 = $0.20
    "flat.yaml": f"cascade: {{other: {CASCADE}, validator: {{cost_per_request_usd: 0.0002, latency_ms: 40}}}}}}\n",
    # all through batch APIs: the judge at gpt-5-nano's batch prices, half of $0.052 = $0.026
    "batch.yaml": f"batch_share: {{other: 1.0}}\ncascade: {{other: {CASCADE}, validator: {{tier: budget}}}}}}\n",
    "batch_free.yaml": f"batch_share: {{other: 1.0}}\ncascade: {{other: {CASCADE}}}}}\n",
}
DATE = "2026-09-15"


def _client(tmp_path):
    return _gpt4o_client(tmp_path / "client", [(800, 200)] * 1000, POLICIES, "gpt-4o",
                         "quality:\n  latency_ms: {budget: 300, flagship: 900}\n")


def _gpt4o_client(client, sizes, policies, flagship, more_config=""):
    """September 2026 on gpt-4o, one call per (input, output) in ``sizes``, spread over days 1 to 30 (a whole
    calendar month: monthly = total), with the policy files and budget / mid / flagship representatives."""
    rows = [HEADER] + [_row(f"v-{k}", "0", str(i), str(o), f"2026-09-{1 + k % 30:02d} 12:00:00+00", model="gpt-4o")
                       for k, (i, o) in enumerate(sizes)]
    write_files(client, {"litellm.csv": "\n".join(rows) + "\n", **policies,
                         "routekit.yaml": "tiers:\n  representatives: {budget: gpt-5-nano, mid: gpt-5-mini, "
                                          f"flagship: {flagship}}}\n{more_config}"})
    return client


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    from routekit.workspace import Workspace

    tmp = tmp_path_factory.mktemp("validator")
    client = _client(tmp)
    return client, Workspace(client, db=str(tmp / "v.duckdb"), date=DATE)


def _policy(client, name):
    from routekit.scenario import Policy

    return Policy.parse(yaml.safe_load((client / name).read_text()), name)


def _cost(ws, policy) -> Decimal:
    """The policy's monthly cost, unrounded (Simulator.segment_costs: Decimal, summed once)."""
    return sum(cost for _, cost in ws.sim.segment_costs(policy, escalation=ws.quality.escalation).values())


@pytest.mark.parametrize("name, checks", [("judge.yaml", Decimal("0.052")), ("rubric.yaml", Decimal("0.145")),
                                          ("flat.yaml", Decimal("0.20"))])
def test_simulate_adds_the_validators_monthly_cost(workspace, name, checks):
    client, ws = workspace
    free = _cost(ws, _policy(client, "free.yaml"))
    assert _cost(ws, _policy(client, name)) - free == checks   # exact: the escalation is the same in both
    result, _, _ = ws.evaluate(_policy(client, name))
    [c] = result["cascades"]
    assert c["validator_cost_usd"] == float(round(checks, 2)) and c["validator_note"] is None
    # before: 0.12 + escalation × 4.00; the cascade's own line says what its escalations add
    assert float(free) == pytest.approx(0.12 + c["escalation_rate"] * 4.00, abs=1e-6)
    assert result["monthly_cost_usd"] == float(round(free + checks, 2))


def test_the_judge_is_priced_at_the_batch_share(workspace):
    client, ws = workspace
    assert _cost(ws, _policy(client, "batch.yaml")) - _cost(ws, _policy(client, "batch_free.yaml")) == \
        Decimal("0.026")


def test_without_a_validator_the_output_says_it_is_free(workspace):
    client, ws = workspace
    result, _, _ = ws.evaluate(_policy(client, "free.yaml"))
    [c] = result["cascades"]
    assert c["validator"] is None and c["validator_cost_usd"] == 0
    assert c["validator_note"] == ("none given: its checks are counted as free (set cascade.other.validator to price "
                                   "them)")


def test_latency_adds_the_check_to_every_cascaded_request(workspace):
    client, ws = workspace
    [judge] = ws.evaluate(_policy(client, "judge.yaml"))[0]["cascades"]
    # escalation × flagship's 900 ms + the judge's budget tier, 300 ms, on every request
    assert judge["validator_latency_ms"] == 300
    assert judge["added_latency_ms"] == pytest.approx(judge["escalation_rate"] * 900 + 300, abs=0.1)
    [flat] = ws.evaluate(_policy(client, "flat.yaml"))[0]["cascades"]
    assert flat["added_latency_ms"] == pytest.approx(flat["escalation_rate"] * 900 + 40, abs=0.1)
    assert "validator.latency_ms" in flat["latency_source"]


def test_the_cube_prices_the_validator_as_simulate_does(workspace):
    """The risk engine and the optimizer work on the cube's floats: the same $0.052 and $0.145."""
    client, ws = workspace
    cube = ws.sim.cost_cube()
    for name, checks in (("judge.yaml", 0.052), ("rubric.yaml", 0.145), ("flat.yaml", 0.20)):
        assert cube.validator_cost(_policy(client, name).cascade["other"]).sum() == pytest.approx(checks, rel=1e-12)


def test_the_optimizer_sees_the_validator(workspace):
    """A perfect validator (detection 1, no false alarms) makes the cascade as safe as flagship (correlation 1:
    residual = min(q1, q2) = q2) and far cheaper: $0.12 + q1 × $4.00. At $0.005 a request ($5.00 a month) the check
    alone costs more than flagship's $4.00: the optimizer must then keep the traffic on gpt-4o."""
    from routekit.optimize import OPTIONS, optimize, options
    from routekit.quality import RiskEngine
    from routekit.scenario import Policy

    client, ws = workspace
    perfect = "{from: budget, to: flagship, detection_rate: 1, false_alarm_rate: 0"
    cheap = Policy.parse(yaml.safe_load(f"cascade: {{other: {perfect}}}}}"), "cheap")
    dear = Policy.parse(yaml.safe_load(f"cascade: {{other: {perfect}, validator: {{cost_per_request_usd: 0.005}}}}}}"),
                        "dear")
    engine = RiskEngine(ws.sim.cost_cube(cheap), ws.quality)
    at = OPTIONS.index("cascade")
    cost_free, _ = options(engine, cheap.cascade)
    cost_dear, _ = options(engine, dear.cascade)
    assert cost_dear[0, at] - cost_free[0, at] == pytest.approx(5.00, rel=1e-12)
    assert optimize(engine, 0.0, cheap.cascade).shares[0, at] == 1.0
    plan = optimize(engine, 0.0, dear.cascade)
    assert plan.shares[0, at] == 0.0 and plan.cost == pytest.approx(4.00, rel=1e-9)


def test_a_judge_on_a_cube_from_plain_arrays_is_refused():
    from routekit.scenario import Cascade, CostCube, Validator

    cube = CostCube.from_arrays([("other", "<1k", "<1k")], [10.0], [[1.0, 2.0, 3.0, 4.0]], [[0, 0, 10, 0]])
    flat = Cascade("budget", "flagship", Decimal("0.8"), Decimal("0.1"), validator=Validator(Decimal("0.01")))
    assert cube.validator_cost(flat) == pytest.approx([0.1])
    with pytest.raises(ValueError, match="no judge prices"):
        cube.validator_cost(Cascade("budget", "flagship", Decimal("0.8"), Decimal("0.1"),
                                    validator=Validator(tier="budget")))


def test_a_validator_round_trips_through_the_policy_file():
    from routekit.scenario import Policy

    for raw in ({"tier": "mid", "reads": "answer", "instruction_tokens": 300, "output_tokens": 10, "latency_ms": 250.0},
                {"cost_per_request_usd": 0.0002}):
        text = {"cascade": {"other": {"from": "budget", "to": "flagship", "detection_rate": 0.8,
                                      "false_alarm_rate": 0.05, "correlation": 1.0, "validator": raw}}}
        policy = Policy.parse(text)
        again = Policy.parse(yaml.safe_load(yaml.safe_dump(policy.to_yaml())))
        assert again.cascade == policy.cascade
        assert {k: v for k, v in policy.to_yaml()["cascade"]["other"]["validator"].items() if k in raw} == raw


BAD = "bad.yaml: cascade.other.validator"


@pytest.mark.parametrize("validator, message", [
    ("0.0002", f"{BAD}: expected {{cost_per_request_usd: USD}}"),
    ("{}", f"{BAD}: expected {{cost_per_request_usd: USD}}"),
    ("{price: 0.001}", f"{BAD}: unknown key(s) price"),
    ("{reads: answer}", f"{BAD}: expected {{cost_per_request_usd: USD}}"),   # a judge with no tier
    ("{cost_per_request_usd: -0.001}", f"{BAD}.cost_per_request_usd: cannot be negative, got -0.001"),
    ("{cost_per_request_usd: .nan}", f"{BAD}.cost_per_request_usd: not a finite number: nan"),
    ("{cost_per_request_usd: cheap}", f"{BAD}.cost_per_request_usd: not a number: 'cheap'"),
    ("{cost_per_request_usd: 0.001, tier: budget}", f"{BAD}: cost_per_request_usd and tier cannot go together"),
    ("{tier: budgett}", f"{BAD}.tier: unknown tier 'budgett'; did you mean 'budget'?"),
    ("{tier: budget, reads: prompt}", f"{BAD}.reads: expected request+answer or answer, got 'prompt'"),
    ("{tier: budget, output_tokens: 2.5}", f"{BAD}.output_tokens: expected a whole number of tokens >= 0, got 2.5"),
    ("{tier: budget, output_tokens: -1}", f"{BAD}.output_tokens: expected a whole number of tokens >= 0, got -1"),
    ("{tier: budget, instruction_tokens: yes}",
     f"{BAD}.instruction_tokens: expected a whole number of tokens >= 0, got True"),
    ("{tier: budget, latency_ms: -5}", f"{BAD}.latency_ms: cannot be negative, got -5"),
    ("{cost_per_request_usd: 0.001, latency_ms: soon}", f"{BAD}.latency_ms: not a number: 'soon'"),
])
def test_bad_validators_are_one_clear_line(tmp_path, validator, message):
    client = _client(tmp_path)
    (client / "bad.yaml").write_text(f"cascade: {{other: {CASCADE}, validator: {validator}}}}}\n")
    proc = run_cli("simulate", str(client), "--policy", str(client / "bad.yaml"), check=False)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_an_unpriced_judge_is_refused(tmp_path):
    client = _client(tmp_path)
    (client / "bad.yaml").write_text(f"tiers: {{reasoning: nosuchmodel}}\n"
                                     f"cascade: {{other: {CASCADE}, validator: {{tier: reasoning}}}}}}\n")
    proc = run_cli("simulate", str(client), "--policy", str(client / "bad.yaml"), "--db", str(tmp_path / "b.duckdb"),
                   check=False)
    assert proc.returncode == 2 and "tier reasoning's model nosuchmodel has no price" in proc.stderr, proc.stderr


def test_simulate_on_a_sample_client_prices_the_check(tmp_path):
    """routekit simulate --policy end to end on a copy of the agency sample: a flat $0.001 check on its
    summarization cascade costs $0.001 × the cascaded requests a month, and the monthly cost grows by as much."""
    client = sample_client("brightside_agency", tmp_path / "brightside")
    cascade = "{summarization: {from: budget, to: mid, detection_rate: 0.8, false_alarm_rate: 0.05"
    write_files(client, {"free.yaml": f"cascade: {cascade}}}}}\n",
                         "checked.yaml": f"cascade: {cascade}, validator: {{cost_per_request_usd: 0.001}}}}}}\n"})
    db = str(tmp_path / "b.duckdb")
    run = lambda name, *a: run_cli("simulate", str(client), "--db", db, "--date", "2026-11-01",   # noqa: E731
                                   "--policy", str(client / name), *a).stdout
    free, checked = (json.loads(run(name, "--json")) for name in ("free.yaml", "checked.yaml"))
    [c] = checked["cascades"]
    assert c["validator_cost_usd"] == round(c["requests_per_month"] * 0.001, 2) > 0
    assert checked["monthly_cost_usd"] == pytest.approx(free["monthly_cost_usd"] + c["validator_cost_usd"], abs=0.011)
    assert free["cascades"][0]["validator_cost_usd"] == 0
    text = run("free.yaml")
    assert ("  validator: none given: its checks are counted as free (set cascade.summarization.validator to price "
            "them)") in text
    assert f"  validator: flat $0.001 a request: +${c['validator_cost_usd']:,.2f}/month (every cascaded request)" in \
        run("checked.yaml")


def test_routing_json_describes_the_cascade_and_its_validator():
    from routekit.exports import routing_table
    from routekit.scenario import Policy

    policy = Policy.parse({"cascade": {"qa": {"from": "budget", "to": "flagship", "detection_rate": 0.8,
                                              "false_alarm_rate": 0.05, "validator": {"tier": "budget"}}}})
    mix = {"qa": {"<1k": {"cascade": 1.0}}}
    segments = [{"task_type": "qa", "len_in": "<1k", "requests_per_month": 100.0}]
    tiers = {"budget": "gpt-5-nano", "flagship": "gpt-4o"}
    table = routing_table(mix, {}, tiers, {"qa": 100}, 100, segments, cascades=policy.cascade)
    [route] = table["routes"]
    # the cascaded requests go to the first tier's model (they were routed to today's model under "current")
    assert (route["tier"], route["model"]) == ("cascade", "gpt-5-nano")
    assert table["cascades"]["qa"]["validator"]["tier"] == "budget"
    assert (table["cascades"]["qa"]["from_model"], table["cascades"]["qa"]["to_model"],
            table["cascades"]["qa"]["validator_model"]) == ("gpt-5-nano", "gpt-4o", "gpt-5-nano")
    assert np.isclose(table["cascades"]["qa"]["detection_rate"], 0.8)


def test_the_audit_report_states_what_the_validator_costs(tmp_path):
    """audit --policy with a perfect, flat-priced check: the cascade is as safe as flagship and cheaper, so the
    recommended mix uses it; the report's table, findings.json and routing.json carry the validator and its cost:
    1,000 × $0.0002 = $0.20 a month."""
    import html as html_lib
    import re

    client = _client(tmp_path)
    (client / "perfect.yaml").write_text("cascade: {other: {from: budget, to: flagship, detection_rate: 1, "
                                         "false_alarm_rate: 0, validator: {cost_per_request_usd: 0.0002}}}\n")
    out = tmp_path / "reports"
    run_cli("audit", str(client), "--policy", str(client / "perfect.yaml"), "--risk-budget", "0", "--date", DATE,
            "--out", str(out))
    folder = next(out.iterdir())
    findings = json.loads((folder / "findings.json").read_text())
    [c] = findings["cascades"]
    assert c["validator_cost_usd"] == 0.20 and c["validator"] == "flat $0.0002 a request"
    assert findings["mix"] == {"other": {"<1k": {"cascade": 1.0}}}
    routing = json.loads((folder / "routing.json").read_text())
    assert routing["cascades"]["other"]["validator"] == {"cost_per_request_usd": 0.0002}
    text = (folder / "audit.html").read_text()
    section = text[text.index("Cascades in the recommended mix"):]
    [row] = [" | ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td\b[^>]*>(.*?)</td>", r))
             for r in re.findall(r"<tr>(.*?)</tr>", section) if "<td" in r][:1]
    assert row.startswith("other | budget | flagship | ") and row.endswith(" | flat $0.0002 a request | $0.20")


def test_the_readme_policy_example_is_a_valid_policy():
    """The README's policy file shows both validator forms; it must read as it says (it once gave summarization a
    mix and a cascade, which the parser refuses)."""
    from conftest import ROOT
    from routekit.scenario import Policy

    text = (ROOT / "README.md").read_text().split("The policy file:\n\n```yaml\n", 1)[1].split("```", 1)[0]
    policy = Policy.parse(yaml.safe_load(text), "README")
    assert policy.cascade["chat"].validator.tier == "budget"
    assert policy.cascade["extraction"].validator.cost_per_request_usd == Decimal("0.0002")
    assert policy.tier_shares("summarization") == {"cascade": Decimal(1)}


# -- a judge on a model with a long-context price cliff ----------------------------------------------------------------
# gemini-2.5-pro (Google's price list, and genai-prices' copy): $1.25 in / $10 out per Mtok for a request of up to
# 200,000 input tokens, $2.50 / $15 past that, every token of the request. The client's September 2026 on gpt-4o, 30
# calls (one a day: monthly = total), task type `other`, through a budget → flagship cascade whose judge runs at
# flagship = gemini-2.5-pro with a 5,000-token rubric, writing 5 tokens; budget's expected output inflation is 1.0:
#   A  10 × 190,000 in / 8,000 out: the request is below the cliff, the judge reads 190,000 + 8,000 + 5,000 = 203,000:
#      past it: 2,030,000 × $2.50 + 50 × $15 = $5.075 + $0.00075 = $5.07575
#   B  10 × 150,000 in / 8,000 out (the same cube row as A: both between the catalog's 128,000 and 199,999 cliffs, in
#      64k+ / 4k+): the judge reads 163,000, below: 1,630,000 × $1.25 + 50 × $10 = $2.0375 + $0.0005 = $2.038
#   C  10 × 250,000 in / 2,000 out, past the cliff by the request alone: 2,570,000 × $2.50 + 50 × $15 = $6.42575
#   → $13.5395 a month. The request's band (the code before) priced A below the cliff: $2.538 instead of $5.07575,
#   $11.00175 in all, $2.54 short. Judging the answer alone (8,000 or 2,000 + 5,000 tokens, all below the cliff):
#   30 calls, (20 × 13,000 + 10 × 7,000) = 330,000 × $1.25 + 150 × $10 = $0.4125 + $0.0015 = $0.414; the request's
#   band priced C past it: 70,000 × $2.50 + 50 × $15 = $0.17575 instead of $0.08800, $0.50175 in all.
CLIFF_CASCADE = "{from: budget, to: flagship, detection_rate: 0.8, false_alarm_rate: 0.05"
CLIFF_POLICIES = {
    "free.yaml": f"cascade: {{other: {CLIFF_CASCADE}}}}}\n",
    "judge.yaml": f"cascade: {{other: {CLIFF_CASCADE}, validator: {{tier: flagship, instruction_tokens: 5000}}}}}}\n",
    "answer.yaml": f"cascade: {{other: {CLIFF_CASCADE}, validator: {{tier: flagship, reads: answer, "
                   "instruction_tokens: 5000}}}\n",
}


def cliff_client(tmp_path):
    sizes = [(190_000, 8_000)] * 10 + [(150_000, 8_000)] * 10 + [(250_000, 2_000)] * 10
    return _gpt4o_client(tmp_path / "cliff", sizes, CLIFF_POLICIES, "gemini-2.5-pro")


@pytest.fixture(scope="module")
def cliff_workspace(tmp_path_factory):
    from routekit.workspace import Workspace

    tmp = tmp_path_factory.mktemp("cliff")
    client = cliff_client(tmp)
    return client, Workspace(client, db=str(tmp / "c.duckdb"), date=DATE)


@pytest.mark.parametrize("name, checks", [("judge.yaml", Decimal("13.5395")), ("answer.yaml", Decimal("0.414"))])
def test_a_judge_is_priced_in_the_band_of_its_own_input(cliff_workspace, name, checks):
    client, ws = cliff_workspace
    assert _cost(ws, _policy(client, name)) - _cost(ws, _policy(client, "free.yaml")) == checks
    [c] = ws.evaluate(_policy(client, name))[0]["cascades"]
    assert c["validator_cost_usd"] == float(round(checks, 2))
    # the cube's floats (risk engine, optimizer, tier explorer) price it the same way
    cube = ws.sim.cost_cube()
    assert cube.validator_cost(_policy(client, name).cascade["other"]).sum() == pytest.approx(float(checks), rel=1e-12)


def test_without_the_calls_a_judge_takes_its_requests_band(cliff_workspace):
    """A simulator on rows alone (no database to ask) keeps the rule it had: the band of the row's requests."""
    from routekit.scenario import Simulator

    client, ws = cliff_workspace
    sim = Simulator(ws.sim.rows, ws.sim.projection, ws.sim.catalog, ws.sim.representatives, on=ws.sim.on)
    cost = lambda name: sum(c for _, c in sim.segment_costs(   # noqa: E731
        _policy(client, name), escalation=ws.quality.escalation).values())
    assert cost("judge.yaml") - cost("free.yaml") == Decimal("11.00175")
    assert cost("answer.yaml") - cost("free.yaml") == Decimal("0.50175")


def test_simulate_prints_the_judge_past_its_cliff(cliff_workspace, tmp_path):
    client, _ = cliff_workspace
    out = json.loads(run_cli("simulate", str(client), "--db", str(tmp_path / "s.duckdb"), "--date", DATE,
                             "--policy", str(client / "judge.yaml"), "--json").stdout)
    assert out["cascades"][0]["validator_cost_usd"] == 13.54

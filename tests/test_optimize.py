"""The optimizer: lower hulls, the greedy walk against brute force and the LP optimum, the frontier, and the written
policy re-simulated through the CLI."""
from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import yaml

from conftest import run_cli, write_files
from routekit.optimize import OPTIONS, lower_hull, optimize, options
from routekit.quality import QualityModel, QualitySettings, RiskEngine, parse_priors
from routekit.scenario import TIERS, CostCube
from test_quality import PRIORS

T = len(TIERS)


def _engine(n_segments: int, rng: np.random.Generator, tasks=("other", "chat")) -> RiskEngine:
    """Random segments, all on flagship today, with random prices per tier (cheaper tiers cheaper)."""
    keys = [(tasks[i % len(tasks)], ["<1k", "16k-64k", "64k+", "1k-4k"][i % 4], f"<250#{i}") for i in range(n_segments)]
    n = rng.uniform(100, 5000, n_segments)
    unit = np.sort(rng.uniform(0.0005, 0.05, (n_segments, T)), axis=1)
    unit[:, 3] = unit[:, 2] * rng.uniform(0.8, 2.0, n_segments)   # reasoning: sometimes cheaper than flagship
    current = np.zeros((n_segments, T))
    current[:, 2] = n
    model = QualityModel(parse_priors(PRIORS, "priors.csv"), {}, QualitySettings())
    # the current routing costs a little less than the flagship representative (an older, cheaper snapshot)
    return RiskEngine(CostCube.from_arrays(keys, n, unit * n[:, None], current,
                                           current_cost=0.9 * unit[:, 2] * n), model, draws=200)


def _lp(cost: np.ndarray, fail: np.ndarray, budget: float) -> float:
    from scipy.optimize import linprog

    ok = ~np.isnan(cost)
    G, K = cost.shape
    c = np.where(ok, cost, 0).ravel()
    a_ub = [np.where(ok, fail, 0).ravel()]
    a_eq = np.zeros((G, G * K))
    for g in range(G):
        a_eq[g, g * K:(g + 1) * K] = ok[g]
    bounds = [(0, None) if o else (0, 0) for o in ok.ravel()]
    res = linprog(c, A_ub=a_ub, b_ub=[budget], A_eq=a_eq, b_eq=np.ones(G), bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


def test_lower_hull_by_hand():
    # (failures, cost): A (1, 10), B (2, 6), C (3, 5), D (4, 1), E (2, 9) dominated by B, F (5, 3) dominated by D.
    # B to C saves 1 per failure, C to D 4: C lies above the chord B-D, so the hull is A, B, D
    # (savings per added failure: A→B 4, B→D 2.5: decreasing).
    fail = np.array([1, 2, 3, 4, 2, 5], dtype=float)
    cost = np.array([10, 6, 5, 1, 9, 3], dtype=float)
    assert lower_hull(cost, fail) == [0, 1, 3]
    # collinear middle points go; NaN options are skipped; ties on failures keep the cheaper
    assert lower_hull(np.array([3.0, 2.0, 1.0, np.nan]), np.array([0.0, 1.0, 2.0, 0.0])) == [0, 2]
    assert lower_hull(np.array([5.0, 4.0]), np.array([1.0, 1.0])) == [1]


@pytest.mark.parametrize("seed", range(40))
def test_greedy_equals_the_lp_optimum(seed):
    rng = np.random.default_rng(seed)
    engine = _engine(int(rng.integers(2, 7)), rng)
    rate = float(rng.choice([0.0, 0.001, 0.01, 0.03, 0.1, 0.5]))
    plan = optimize(engine, rate)
    cost, fail = options(engine)
    budget = float(engine.current_group_failures.sum() + rate * engine.group_requests.sum())
    assert plan.feasible
    assert plan.cost == pytest.approx(_lp(cost, fail, budget), rel=1e-7, abs=1e-9)
    assert plan.extra_failure_rate <= rate + 1e-9
    # the plan's shares are a valid mix that costs what the plan says
    assert np.allclose(plan.shares.sum(1), 1) and (plan.shares >= 0).all()
    assert np.nansum(plan.shares * np.nan_to_num(cost)) == pytest.approx(plan.cost)


def test_greedy_is_never_worse_than_enumeration():
    """2 segments × 3 tiers, every mix on a grid of shares in steps of 0.05."""
    rng = np.random.default_rng(11)
    grid = [(a / 20, b / 20, 1 - (a + b) / 20) for a in range(21) for b in range(21 - a)]
    for _ in range(5):
        engine = _engine(2, rng)
        cost, fail = options(engine)
        cost, fail = cost[:, :3], fail[:, :3]   # budget, mid, flagship only
        engine.cube.cost[:, 3] = np.nan         # take reasoning away
        engine.cube.keep_cost[:] = 1e9          # and make keeping today's models pointless
        n = engine.group_requests.sum()
        for rate in (0.005, 0.02, 0.08):
            budget = float(engine.current_group_failures.sum() + rate * n)
            best = min((sum(np.dot(m, cost[g]) for g, m in enumerate(mixes))
                        for mixes in itertools.product(grid, repeat=2)
                        if sum(np.dot(m, fail[g]) for g, m in enumerate(mixes)) <= budget), default=None)
            plan = optimize(engine, rate)
            assert best is not None and plan.cost <= best + 1e-9


def test_the_frontier_runs_from_the_safest_to_the_cheapest_mix():
    engine = _engine(6, np.random.default_rng(3))
    plan = optimize(engine, 0.02)
    cost, fail = options(engine)
    points = plan.frontier
    costs = [p["monthly_cost_usd"] for p in points]
    extras = [p["extra_failures_per_month"] for p in points]
    assert costs == sorted(costs, reverse=True) and extras == sorted(extras)
    n0, G = float(engine.current_group_failures.sum()), len(engine.groups)
    assert costs[0] == pytest.approx(sum(cost[g, lower_hull(cost[g], fail[g])[0]] for g in range(G)), abs=0.01)
    assert costs[-1] == pytest.approx(np.nanmin(cost, axis=1).sum(), abs=0.01)
    assert extras[-1] == pytest.approx(sum(fail[g, np.nanargmin(cost[g])] for g in range(G)) - n0, abs=0.01)
    # the recommended point lies on the frontier, between two of its points
    i = next(i for i, p in enumerate(points) if p["extra_failure_rate"] > plan.extra_failure_rate)
    assert points[i]["monthly_cost_usd"] - 0.01 <= plan.cost <= points[i - 1]["monthly_cost_usd"] + 0.01


def test_a_zero_budget_never_costs_more_than_today_and_an_impossible_one_says_so():
    engine = _engine(5, np.random.default_rng(4))
    plan = optimize(engine, 0.0)
    assert plan.feasible and plan.cost <= engine.cube.keep_cost.sum() + 1e-9
    assert plan.extra_failures <= 1e-9
    # today on the reasoning tier, which fails least; neither it nor today's models can be priced as options:
    # even the safest mix fails more than today, so the answer is that mix, marked infeasible
    model = QualityModel(parse_priors(PRIORS, "priors.csv"), {}, QualitySettings())
    model.priors[("other", "reasoning")] = model.priors[("other", "reasoning")].__class__(0.01, 100, "t", "t")
    cost = np.array([[1.0, 2.0, 5.0, np.nan]])
    cube = CostCube.from_arrays([("other", "<1k", "<250")], [1000.0], cost, [[0, 0, 0, 1000]],
                                current_cost=[np.nan])
    plan = optimize(RiskEngine(cube, model, draws=100), 0.001)
    assert not plan.feasible and plan.shares[0, TIERS.index("flagship")] == 1.0
    assert plan.extra_failures == pytest.approx(1000 * (0.05 - 0.01))


def test_stakes_weighting_moves_risk_away_from_high_stakes_work():
    # chat and other fail alike and cost alike, chat a little cheaper to move: unweighted, chat moves first;
    # weighted by stakes (chat 3, other 1), other does
    priors = parse_priors(PRIORS, "priors.csv")
    priors.update({("chat", tier): priors[("other", tier)] for tier in TIERS})
    cost = np.array([[1.0, 4.0, 10.0, np.nan], [0.5, 3.5, 10.0, np.nan]])
    cube = CostCube.from_arrays([("other", "<1k", "<250"), ("chat", "<1k", "<250")], [1000.0, 1000.0], cost,
                                [[0, 0, 1000, 0], [0, 0, 1000, 0]])
    engine = RiskEngine(cube, QualityModel(priors, {}, QualitySettings()), draws=100)
    plain, weighted = optimize(engine, 0.01), optimize(engine, 0.01, stakes_weighted=True)
    # 20 extra failures allowed (weighted: 20 weighted ones)
    assert plain.extra_failures == pytest.approx(20) and weighted.extra_failures == pytest.approx(20)
    assert plain.shares[1, TIERS.index("flagship")] < 1 and plain.shares[0, TIERS.index("flagship")] == 1
    assert weighted.shares[1, TIERS.index("flagship")] == 1 and weighted.shares[0, TIERS.index("flagship")] < 1


def test_optimize_works_on_thousands_of_segments():
    """3,000 segments (speed is a benchmark's job, not a unit test's: no clock here)."""
    engine = _engine(3000, np.random.default_rng(2), tasks=("other", "chat", "qa", "extraction", "drafting"))
    plan = optimize(engine, 0.01)
    assert plan.feasible and plan.extra_failure_rate <= 0.01 + 1e-9


# -- end to end -----------------------------------------------------------------------------------------------------
def _client(tmp_path):
    """The hand-built client of test_simulate with its own priors, evals and a cascade policy."""
    from test_simulate import _client as simulate_client

    client = simulate_client(tmp_path)
    with open(client / "routekit.yaml", "a") as fh:
        fh.write("quality:\n  priors: quality_priors.csv\n  latency_ms: {mid: 1200}\n")
    tasks = ["classification", "extraction", "summarization", "qa", "rewrite", "drafting", "chat",
             "code_generation", "code_review", "reasoning", "agentic", "creative", "other"]
    priors = "".join(f"{t},{tier},{q},20,test,test\n" for t in tasks
                     for tier, q in (("budget", 0.2), ("mid", 0.1), ("flagship", 0.05), ("reasoning", 0.05)))
    evals = "".join(f"{t},gpt-4o,200,190\n{t},gpt-5-nano,100,75\n" for t in tasks)
    write_files(client, {"quality_priors.csv": "task_type,tier,failure_rate,strength,source,method\n" + priors,
                         "evals.csv": "task_type,model,n,passed\n" + evals,
                         "cascade.yaml": "tiers: {budget: gpt-5-nano, mid: gpt-5-mini, flagship: gpt-4o}\n"
                                         "cascade:\n" + "".join(
                                             f"  {t}: {{from: budget, to: mid, detection_rate: 0.8, "
                                             "false_alarm_rate: 0.05}\n" for t in tasks)})
    return client


def test_simulate_reports_risk_per_mix_and_segment(tmp_path):
    client = _client(tmp_path)
    db = str(tmp_path / "c.duckdb")
    out = json.loads(run_cli("simulate", str(client), "--db", db, "--json", "--policy",
                             str(client / "policy.yaml")).stdout)
    risk = out["risk"]
    assert set(risk) >= {"expected_failures", "extra_failures_per_month", "interval", "extra_failure_rate",
                         "weighted_extra_failures"}
    # 400 requests; today all on flagship (gpt-4o-mini is budget: 100 requests). Evals: flagship 10 of 200 failed,
    # budget (gpt-5-nano) 25 of 100. Posteriors: flagship (1 + 10) / (20 + 200) = 0.05; budget (4 + 25) / 120
    q_f, q_b, q_m = 11 / 220, 29 / 120, 0.1
    assert risk["expected_failures"] > 0 and risk["interval"][0] < risk["extra_failures_per_month"] < \
        risk["interval"][1]
    # policy: every request half budget, half mid (no long inputs in this client: odds 1)
    assert risk["expected_failures"] == pytest.approx(400 * (0.5 * q_b + 0.5 * q_m), abs=0.01)
    current = 300 * q_f + 100 * q_b
    assert risk["extra_failures_per_month"] == pytest.approx(400 * (0.5 * q_b + 0.5 * q_m) - current, abs=0.01)
    assert out["cost_per_success_usd"] == pytest.approx(0.54 / (400 - risk["expected_failures"]), rel=1e-3)
    for seg in out["segments"]:
        assert {"task_type", "len_in", "tier_shares", "failure_rate", "band", "evidence"} <= set(seg)
        assert seg["band"] in ("green", "amber", "red")
        # budget has client evals, mid does not
        assert seg["evidence"].startswith("client evals (n=") and "priors for mid" in seg["evidence"]
        # the extra failures are against today's routing, whose flagship evals count too
        assert "flagship" in seg["evidence"].split("; priors")[0]
    # the current routing: no extra risk
    now = json.loads(run_cli("simulate", str(client), "--db", db, "--json").stdout)
    assert now["risk"]["extra_failures_per_month"] == 0 and now["risk"]["interval"] == [0, 0]
    assert {s["evidence"].split(" (")[0] for s in now["segments"]} == {"client evals"}


def test_cost_per_success_divides_the_unrounded_cost(tmp_path):
    """The monthly cost is shown in cents, but the cost per successful task divides the exact cost."""
    client = _client(tmp_path)
    (client / "split.yaml").write_text("tiers: {budget: gpt-5-nano, mid: gpt-5-mini, flagship: gpt-4o}\n"
                                       "mix: {other: {budget: 0.3, mid: 0.7}}\n")
    out = json.loads(run_cli("simulate", str(client), "--db", str(tmp_path / "c.duckdb"), "--json", "--policy",
                             str(client / "split.yaml")).stdout)
    # cost: (0.3 × 1,800e-6 + 0.7 × 9,000e-6) × 100 = (540 + 6,300)e-4 = $0.684, shown as $0.68
    assert out["monthly_cost_usd"] == 0.68
    # failures: 400 × (0.3 × 29/120 + 0.7 × 0.1) = 400 × (0.0725 + 0.07) = 57 → 343 successes
    assert out["risk"]["expected_failures"] == pytest.approx(57, abs=1e-9)
    # $0.684 / 343 = $0.00199417…; the cent-rounded $0.68 / 343 would be $0.00198251…
    assert out["cost_per_success_usd"] == pytest.approx(0.684 / 343, rel=1e-8)
    text = run_cli("simulate", str(client), "--db", str(tmp_path / "c.duckdb"), "--policy",
                   str(client / "split.yaml")).stdout
    assert "cost per successful task $0.001994" in text


def test_a_cascade_policy_through_the_cli(tmp_path):
    client = _client(tmp_path)
    out = json.loads(run_cli("simulate", str(client), "--db", str(tmp_path / "c.duckdb"), "--json", "--policy",
                             str(client / "cascade.yaml")).stdout)
    [c] = out["cascades"]
    q1 = 29 / 120   # budget posterior; mid has no evals: 0.1
    assert c["escalation_rate"] == pytest.approx(q1 * 0.8 + (1 - q1) * 0.05, abs=1e-6)
    # by default the tiers fail together as far as they can: mid fails only requests budget fails too (both = 0.1),
    # so a caught budget failure fails again at mid with chance 0.1 / q1 and a false alarm never does:
    # q1 × 0.2 + 0.8 × 0.1 + 0.05 × (0.1 − 0.1) = 0.0483333 + 0.08 = 0.1283333, above mid's own 0.1
    assert c["correlation"] == 1.0
    assert c["residual_failure_rate"] == pytest.approx(q1 * 0.2 + 0.8 * 0.1, abs=1e-6)
    # correlation 0 is DESIGN.md's independent failures: q1 × 0.2 + q1 × 0.8 × 0.1 + (1 − q1) × 0.05 × 0.1
    # = 0.0483333 + 0.0193333 + 0.0037917 = 0.0714583, below mid's 0.1 (a second, independent chance)
    (client / "independent.yaml").write_text((client / "cascade.yaml").read_text().replace(
        "false_alarm_rate: 0.05}", "false_alarm_rate: 0.05, correlation: 0}"))
    [c0] = json.loads(run_cli("simulate", str(client), "--db", str(tmp_path / "c.duckdb"), "--json", "--policy",
                              str(client / "independent.yaml")).stdout)["cascades"]
    assert c0["correlation"] == 0.0 and c0["escalation_rate"] == c["escalation_rate"]
    assert c0["residual_failure_rate"] == pytest.approx(q1 * 0.2 + q1 * 0.8 * 0.1 + (1 - q1) * 0.05 * 0.1, abs=1e-6)
    assert c["added_latency_ms"] == pytest.approx(c["escalation_rate"] * 1200, abs=0.1)
    assert "quality.latency_ms.mid" in c["latency_source"]
    # cost: every request at gpt-5-nano ($1,800e-6 × 100 = $0.18) + escalation × gpt-5-mini ($0.90)
    assert out["monthly_cost_usd"] == pytest.approx(0.18 + c["escalation_rate"] * 0.90, abs=0.006)
    assert c["added_cost_usd"] == pytest.approx(c["escalation_rate"] * 0.90, abs=0.006)
    assert all(s["tier_shares"] == {"cascade": 1.0} for s in out["segments"])


def test_the_written_policy_re_simulates_to_the_optimizers_figures(tmp_path):
    client = _client(tmp_path)
    db = str(tmp_path / "c.duckdb")
    written = tmp_path / "out" / "optimized.yaml"
    out = json.loads(run_cli("optimize", str(client), "--db", db, "--max-extra-failure-rate", "0.05",
                             "--policy", str(client / "cascade.yaml"), "--write-policy", str(written),
                             "--json").stdout)
    assert set(out) >= {"max_extra_failure_rate", "monthly_cost_usd", "baseline_monthly_cost_usd", "savings_usd",
                        "extra_failure_rate", "mix", "frontier"}
    assert out["max_extra_failure_rate"] == 0.05 and out["feasible"]
    assert out["extra_failure_rate"] <= 0.05 + 1e-6
    assert out["monthly_cost_usd"] < out["baseline_monthly_cost_usd"] == 4.72
    assert all(set(p) == {"monthly_cost_usd", "extra_failures_per_month", "extra_failure_rate"}
               for p in out["frontier"])
    policy = yaml.safe_load(written.read_text())
    assert set(policy["mix"]) == set(out["mix"])
    for per_length in out["mix"].values():
        for shares in per_length.values():
            assert set(shares) <= set(OPTIONS) and sum(shares.values()) == pytest.approx(1)
    again = json.loads(run_cli("simulate", str(client), "--db", db, "--policy", str(written), "--json").stdout)
    assert again["monthly_cost_usd"] == out["monthly_cost_usd"]
    assert again["risk"]["extra_failure_rate"] == out["extra_failure_rate"]
    # the text form, and a budget of zero keeps the cost at or below today's
    text = run_cli("optimize", str(client), "--db", db, "--max-extra-failure-rate", "0").stdout
    assert "frontier" in text and "mix per task type and input length" in text
    zero = json.loads(run_cli("optimize", str(client), "--db", db, "--max-extra-failure-rate", "0",
                              "--json").stdout)
    assert zero["monthly_cost_usd"] <= zero["baseline_monthly_cost_usd"] and zero["extra_failure_rate"] <= 1e-6


def test_the_text_names_the_day_whose_prices_it_used(tmp_path):
    """As simulate's first line does (`prices as of ...`): an undated optimize follows the catalog's scheduled
    changes, so its figures are those of the day it ran, and the text says which."""
    import datetime as dt

    from test_simulate import _client as simulate_client

    client = simulate_client(tmp_path)
    db = str(tmp_path / "c.duckdb")
    dated = run_cli("optimize", str(client), "--db", db, "--max-extra-failure-rate", "0.01", "--date", "2026-11-01")
    assert dated.stdout.splitlines()[1] == "prices as of 2026-11-01"
    undated = run_cli("optimize", str(client), "--db", db, "--max-extra-failure-rate", "0.01").stdout.splitlines()
    assert undated[1] == f"prices as of {dt.datetime.now(dt.timezone.utc).date()} (today, UTC)"


@pytest.mark.parametrize("files, args, message", [
    ({"evals.csv": "task_type,model,n,passed\nother,acme-llm,10,5\n"}, [],
     "evals.csv: row 1: model 'acme-llm' maps to no tier"),
    ({}, ["--max-extra-failure-rate", "-0.1"], "--max-extra-failure-rate -0.1: expected a share"),
    ({"bad.yaml": "mix: {other: {budget: 0.5}}"}, ["--max-extra-failure-rate", "0.01", "--policy", "{client}/bad.yaml"],
     "shares must sum to 1"),
])
def test_optimize_errors_are_one_clear_line(tmp_path, files, args, message):
    from test_simulate import _client as simulate_client

    client = simulate_client(tmp_path)
    write_files(client, files)
    args = [a.replace("{client}", str(client)) for a in args] or ["--max-extra-failure-rate", "0.01"]
    proc = run_cli("optimize", str(client), "--db", str(tmp_path / "c.duckdb"), *args, check=False)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_write_policy_into_a_path_through_a_file_is_one_clear_line(tmp_path):
    client = _client(tmp_path)
    (tmp_path / "afile").write_text("x")
    proc = run_cli("optimize", str(client), "--max-extra-failure-rate", "0.05",
                   "--write-policy", str(tmp_path / "afile" / "policy.yaml"), check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith(f"afile/policy.yaml: {tmp_path / 'afile'} is a file, not a folder")


def _client_with_failed_calls(tmp_path):
    """_client plus 100 calls that failed (status failure, no tokens, not billed) on gpt-4o-mini, the budget
    model, in the same month. With no tokens they fall in the <1k input bucket, where no answered call is."""
    from test_format_litellm import _row

    client = _client(tmp_path)
    with open(client / "litellm.csv", "a") as fh:
        fh.write("\n".join(_row(f"f-{k}", "0", "0", "0", "2026-09-15 12:00:00+00", model="gpt-4o-mini",
                                status="failure") for k in range(100)) + "\n")
    return client


def test_failed_calls_are_not_traffic_the_risk_counts_or_the_optimizer_routes(tmp_path):
    # A call that failed had no answer: there is no response whose quality could fail, and routing it elsewhere
    # changes nothing. Counted as requests, the 100 failed calls below added 100 × q to the current failures,
    # 100 to the extra-failure rate's denominator, and let the optimizer "save" 100 × (q_budget - q_flagship)
    # failures by sending them to a safer tier at no cost, and spend those on the answered traffic.
    client = _client_with_failed_calls(tmp_path)
    db = str(tmp_path / "c.duckdb")
    # Posteriors (see test_simulate_reports_risk_per_mix_and_segment): flagship 11/220 = 0.05, budget 29/120,
    # mid 0.1 (prior alone). Answered: 300 requests on gpt-4o (flagship), 100 on gpt-4o-mini (budget).
    q_f, q_b, q_m = 11 / 220, 29 / 120, 0.1
    current = 300 * q_f + 100 * q_b                  # 39.1667 (with the failed calls: + 100 × q_b = 63.3333)
    out = json.loads(run_cli("simulate", str(client), "--db", db, "--json", "--policy",
                             str(client / "policy.yaml")).stdout)
    risk = out["risk"]
    # policy: half budget, half mid for every request of task other: 400 × (0.5 q_b + 0.5 q_m) = 68.3333
    assert risk["current_failures"] == pytest.approx(current, abs=0.01)
    assert risk["expected_failures"] == pytest.approx(400 * (q_b + q_m) / 2, abs=0.01)
    extra = 400 * (q_b + q_m) / 2 - current          # 29.1667
    assert risk["extra_failures_per_month"] == pytest.approx(extra, abs=0.01)
    assert risk["extra_failure_rate"] == pytest.approx(extra / 400, abs=1e-6)   # 0.072917, not 29.1667 / 500
    assert sum(s["requests_per_month"] for s in out["segments"]) == 400
    # the optimizer at a budget of zero: no extra failures on the answered traffic, whatever it does with the
    # failed calls; recounted from its own mix over the answered requests of each input length by hand:
    # 4k-16k: 100 on gpt-4o (10,000 in) + 100 on gpt-4o-mini (4,000 in); 1k-4k: 200 on gpt-4o (2,000 and 1,000 in)
    zero = json.loads(run_cli("optimize", str(client), "--db", db, "--max-extra-failure-rate", "0",
                              "--json").stdout)
    assert "<1k" not in zero["mix"].get("other", {})   # nothing answered there: nothing to route
    q = {"budget": q_b, "mid": q_m, "flagship": q_f, "reasoning": 0.05}
    answered = {"4k-16k": (100 * q_f + 100 * q_b, 200), "1k-4k": (200 * q_f, 200)}
    recount = 0.0
    for len_in, (today, n) in answered.items():
        shares = zero["mix"]["other"][len_in]
        recount += sum(s * (today if t == "current" else n * q[t]) for t, s in shares.items()) - today
    assert recount <= 1e-6
    assert zero["risk"]["extra_failures_per_month"] == pytest.approx(recount, abs=0.01)

"""The tier explorer's fast path: the cube's arrays give Simulator.evaluate's cents for any mix, the vectorised cost
cube and risk-engine mix match a row-by-row Decimal reference, and a figure at a rounding tie goes to the exact path.
No clock here (timings are benchmarks/slider_bench.py's): these check the arithmetic on thousands of random rows."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import numpy as np
import pytest

from routekit.prices import PriceCatalog
from routekit.scenario import TIERS, CubeRow, Policy, Projection, Simulator, rounded, token_cost

MODELS = [("gpt-4o", "openai", "flagship"), ("gpt-4o-mini", "openai", "budget"), ("gpt-5-mini", "openai", "mid"),
          ("claude-sonnet-4-5", "anthropic", "flagship"), ("o3", "openai", "reasoning"),
          ("house-model-x", None, None)]   # unpriced and unmapped: left out of every total
TASKS = ["qa", "chat", "extraction", "summarization", "code_generation"]
LENGTHS = ["<1k", "1k-4k", "4k-16k", "16k-64k"]
OUT = ["<250", "250-1k", "1k-4k"]
REPS = {"budget": "gpt-5-nano", "mid": "gpt-5-mini", "flagship": "gpt-4o", "reasoning": "o3"}


@pytest.fixture(scope="module")
def sim():
    rng = random.Random(7)
    rows = []
    for task in TASKS:
        for len_in in LENGTHS:
            for len_out in OUT:
                for model, provider, tier in MODELS:
                    for batch in (False, True):
                        if rng.random() < 0.8:
                            n = rng.randint(1, 5000)
                            inp = n * rng.randint(100, 60000)
                            cached = rng.randint(0, inp // 2)
                            rows.append(CubeRow(task, len_in, len_out, provider, model, tier, batch, Decimal(n),
                                                Decimal(inp), Decimal(cached), Decimal(rng.randint(0, inp - cached)),
                                                Decimal(n * rng.randint(10, 4000))))
    projection = Projection.of(dt.datetime(2026, 9, 3), dt.datetime(2026, 9, 19))   # 17 days: factor 30.4375/17
    return Simulator(rows, projection, PriceCatalog(), REPS, on=dt.date(2026, 10, 1))


def _random_policy(rng: random.Random) -> Policy:
    mix = {}
    for task in TASKS:
        if rng.random() < 0.7:
            a = rng.randint(0, 1000)
            b = rng.randint(0, 1000 - a)
            mix[task] = {t: Decimal(v) / 1000 for t, v in zip(("budget", "mid", "flagship"), (a, b, 1000 - a - b)) if v}
    by_length = {}
    if rng.random() < 0.4:
        by_length[rng.choice(TASKS)] = {b: {"current": Decimal("0.4"), "reasoning": Decimal("0.6")} for b in LENGTHS}
    tiers = {"budget": rng.choice(["gpt-5-nano", "gpt-4.1-nano", "gemini-2.5-flash-lite"])} if rng.random() < .5 else {}
    batch = {t: Decimal(rng.randint(0, 100)) / 100 for t in TASKS if rng.random() < 0.5}
    return Policy(tiers=tiers, mix=mix, batch_share=batch, name="random", mix_by_length=by_length)


def test_fast_totals_are_evaluates_cents(sim):
    rng = random.Random(3)
    keys = ("monthly_cost_usd", "cost_range_usd", "baseline_monthly_cost_usd", "all_flagship_monthly_cost_usd",
            "savings_usd", "savings_pct", "tiers")
    assert len(sim.rows) > 500
    for _ in range(40):
        policy = _random_policy(rng)
        fast, exact = sim.row_prices().totals(policy), sim.evaluate(policy)
        assert not fast["needs_exact"]   # a tie within 1e-10 is a one-in-a-billion event on random data
        assert {k: fast[k] for k in keys} == {k: exact[k] for k in keys}
        assert sum(fast["cost_by_tier_usd"].values()) == pytest.approx(exact["monthly_cost_usd"], abs=0.006)
    assert sim.row_prices().totals(None)["monthly_cost_usd"] == sim.evaluate(None)["monthly_cost_usd"]


def test_a_rounding_tie_is_left_to_the_exact_path():
    assert rounded(2.4849999999999, 2, 2.485) is None and rounded(2.485, 2, 2.485) is None
    assert rounded(2.48, 2, 2.48) == 2.48 and rounded(-0.004, 2, 0.01) == -0.0


def test_cost_cube_matches_a_decimal_reference(sim):
    policy = Policy(tiers={"mid": "claude-haiku-4-5"}, batch_share={"qa": Decimal("0.3")}, name="p")
    cube = sim.cost_cube(policy)
    reps = {**REPS, **policy.tiers}
    factor = sim.projection.factor
    ref: dict = {}
    for row in sim.rows:   # row by row in Decimal, straight from the cost formula
        std = sim.catalog.quote(row.model, row.provider, on=sim.on)
        if std is None:
            continue
        b = policy.batch_share.get(row.task_type, Decimal(1 if row.is_batch else 0))
        a = ref.setdefault((row.task_type, row.len_in, row.len_out), {"n": Decimal(0), "mid": Decimal(0)})
        a["n"] += row.requests
        mid_std = sim.catalog.quote(reps["mid"], None, on=sim.on)
        mid_batch = sim.catalog.quote(reps["mid"], None, on=sim.on, variant="batch") or mid_std
        a["mid"] += token_cost(row, mid_std) * (1 - b) + token_cost(row, mid_batch) * b
    assert cube.keys == list(ref)
    assert np.allclose(cube.requests, [float(a["n"] * factor) for a in ref.values()], rtol=1e-12)
    assert np.allclose(cube.cost[:, TIERS.index("mid")], [float(a["mid"] * factor) for a in ref.values()], rtol=1e-12)


def test_risk_engine_mix_of_spreads_each_segments_shares(sim):
    from routekit.quality import QualityModel, RiskEngine

    engine = RiskEngine(sim.cost_cube(), QualityModel.load(), draws=200)
    policy = _random_policy(random.Random(11))
    mix = engine.mix_of(policy)
    for i, (task, len_in, _) in enumerate(engine.cube.keys):
        shares = policy.tier_shares(task, len_in) or {"current": Decimal(1)}
        assert mix.keep[i] == float(shares.get("current", 0))
        assert list(mix.shares[i]) == [float(shares.get(t, 0)) for t in TIERS]
    repriced = engine.repriced(sim.cost_cube(Policy(tiers={"budget": "gpt-4.1-nano"})))
    assert repriced.evaluate(mix).to_json() == engine.evaluate(mix).to_json()   # risk depends on requests only
    assert repriced.cost(mix) != engine.cost(mix)

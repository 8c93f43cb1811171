"""The quality-risk engine: Beta posteriors from priors and client evals, long-input odds, stakes, bands, cascades,
the seeded Monte Carlo interval and its calibration. Figures worked by hand in the comments."""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from routekit.config import ConfigError, parse_config
from routekit.quality import (QualityError, QualityModel, QualitySettings, RiskEngine, cascade_rates, load_priors,
                              parse_evals, parse_priors, with_odds)
from routekit.scenario import TIERS, CostCube, Policy, PolicyError

HEADER = "task_type,tier,failure_rate,strength,source,method\n"
# A small table of our own (the tests must not move when the shipped priors are revised).
PRIORS = HEADER + """\
other,budget,0.2,10,test,test
other,mid,0.1,10,test,test
other,flagship,0.05,20,test,test
other,reasoning,0.05,20,test,test
chat,budget,0.3,10,test,test
chat,mid,0.15,10,test,test
chat,flagship,0.1,20,test,test
chat,reasoning,0.1,20,test,test
"""
TIER_OF = {"gpt-4o-mini": "budget", "gpt-5-mini": "mid", "gpt-4o": "flagship"}.get


def _model(evals: str | None = None, settings: QualitySettings | None = None) -> QualityModel:
    evidence = parse_evals(evals, "evals.csv", TIER_OF) if evals else {}
    return QualityModel(parse_priors(PRIORS, "priors.csv"), evidence, settings or QualitySettings())


def _cube() -> CostCube:
    """other <1k: 1,000 requests a month; chat 16k-64k: 500; both on flagship today. Cost per request by tier
    (budget, mid, flagship, reasoning): other 0.001, 0.004, 0.02, 0.03; chat 0.002, 0.01, 0.05, 0.08."""
    per_request = np.array([[0.001, 0.004, 0.02, 0.03], [0.002, 0.01, 0.05, 0.08]])
    n = np.array([1000.0, 500.0])
    return CostCube.from_arrays([("other", "<1k", "<250"), ("chat", "16k-64k", "<250")], n,
                                per_request * n[:, None], [[0, 0, 1000, 0], [0, 0, 500, 0]])


# -- the formulas -------------------------------------------------------------------------------------------------
def test_cascade_formulas_by_hand():
    # q1 = 0.2, d = 0.8, f = 0.05, q2 = 0.05; escalation = 0.2 × 0.8 + 0.8 × 0.05 = 0.16 + 0.04 = 0.2 at any correlation
    # correlation 0 (DESIGN.md's independent failures):
    # residual = 0.2 × 0.2 + 0.2 × 0.8 × 0.05 + 0.8 × 0.05 × 0.05 = 0.04 + 0.008 + 0.002 = 0.05
    assert cascade_rates(0.2, 0.05, 0.8, 0.05, 0.0) == pytest.approx((0.2, 0.05))
    # correlation 1 (the default): both tiers fail min(0.2, 0.05) = 0.05 of requests, so the 0.8 caught failures fail
    # again with 0.05 / 0.2 and false alarms never: 0.2 × 0.2 + 0.8 × 0.05 + 0.05 × (0.05 − 0.05) = 0.04 + 0.04 = 0.08
    assert cascade_rates(0.2, 0.05, 0.8, 0.05) == pytest.approx((0.2, 0.08))
    # correlation 0.5: both = 0.5 × 0.01 + 0.5 × 0.05 = 0.03; 0.04 + 0.8 × 0.03 + 0.05 × (0.05 − 0.03) = 0.065
    assert cascade_rates(0.2, 0.05, 0.8, 0.05, 0.5) == pytest.approx((0.2, 0.065))
    # a perfect validator that never cries wolf: only q1 escalates and fails again at q2 (independent: 0.3 × 0.1),
    # or, failing together, the cascade is exactly as good as its second tier
    assert cascade_rates(0.3, 0.1, 1.0, 0.0, 0.0) == pytest.approx((0.3, 0.03))
    assert cascade_rates(0.3, 0.1, 1.0, 0.0) == pytest.approx((0.3, 0.1))


def test_a_cascade_is_never_scored_safer_than_its_second_tier_by_default():
    """Independent failures let a cascade from a weak tier to a strong one beat the strong tier alone (a failed request
    gets a fresh chance); with the tiers failing together (the default) it cannot: q1(1 − d) + d·q2 ≥ q2 for q1 ≥ q2."""
    rng = np.random.default_rng(5)
    q2 = rng.uniform(0, 0.5, 10_000)
    q1 = q2 + rng.uniform(0, 0.5, 10_000)
    d, f = rng.uniform(0, 1, 10_000), rng.uniform(0, 1, 10_000)
    assert (cascade_rates(q1, q2, d, f)[1] >= q2 - 1e-12).all()
    assert (cascade_rates(q1, q2, d, f, 0.0)[1] < q2).any()   # the independent form does beat it


def test_beta_posterior_arithmetic():
    # prior other × budget: q = 0.2, s = 10 → α₀ = 2 failures, β₀ = 8 passes
    model = _model("task_type,tier,n,passed\nother,budget,50,30\nother,budget,50,50\n")
    # evals summed: n = 100, passed = 80 → α = 2 + 20 = 22, β = 8 + 80 = 88, mean 22 / 110 = 0.2
    assert model.posterior("other", "budget") == (pytest.approx(22), pytest.approx(88))
    assert model.failure_rate("other", "budget") == pytest.approx(0.2)
    # flagship untouched: α = 0.05 × 20 = 1, β = 19
    assert model.posterior("other", "flagship") == (pytest.approx(1), pytest.approx(19))
    # a model column maps through the tier map: gpt-5-mini → mid; 10 of 10 passed → α = 1, β = 9 + 10 = 19
    model = _model("task_type,model,n,passed\nother,gpt-5-mini,10,10\n")
    assert model.failure_rate("other", "mid") == pytest.approx(1 / 20)
    # a task type without a row of its own uses `other`
    assert model.failure_rate("drafting", "budget") == pytest.approx(0.2)


def test_long_input_odds():
    # odds × 2: q = 0.1 → 0.2 / (0.9 + 0.2) = 0.1818…
    assert with_odds(0.1, 2.0) == pytest.approx(0.2 / 1.1)
    s = QualitySettings()
    assert [s.odds("budget", b) for b in ("<1k", "4k-16k", "16k-64k", "64k+", "unknown")] == [1, 1, 1.5, 2.0, 1]
    assert [s.odds("mid", b) for b in ("16k-64k", "64k+")] == [1.2, 1.5]
    assert s.odds("flagship", "64k+") == s.odds("reasoning", "64k+") == 1.0
    assert s.odds("budget", "32k-128k") == 1.5   # a client's own buckets: by their fewest input tokens
    cfg = parse_config({"quality": {"long_input_odds": {"budget": {"16k-64k": 1.3}, "flagship": {"64k+": 1.1}}}})
    s = QualitySettings.from_config(cfg)
    assert (s.odds("budget", "16k-64k"), s.odds("budget", "64k+"), s.odds("flagship", "64k+")) == (1.3, 2.0, 1.1)
    # chat × mid at 16k-64k: 0.15 with odds × 1.2 → 0.18 / (0.85 + 0.18)
    assert _model().failure_rate("chat", "mid", "16k-64k") == pytest.approx(0.18 / 1.03)


def test_band_thresholds_and_their_config():
    s = QualitySettings()
    assert [s.band(r) for r in (-0.2, 0.0, 0.0099, 0.01, 0.0499, 0.05, 0.5)] == \
        ["green", "green", "green", "amber", "amber", "red", "red"]
    s = QualitySettings.from_config(parse_config({"quality": {"bands": {"amber": 0.02, "red": 0.1}}}))
    assert [s.band(r) for r in (0.019, 0.02, 0.099, 0.1)] == ["green", "amber", "amber", "red"]
    with pytest.raises(QualityError, match="amber .* must be below red"):
        QualitySettings.from_config(parse_config({"quality": {"bands": {"amber": 0.06}}}))


def test_documented_stakes_put_customer_facing_work_first():
    s = QualitySettings()
    assert s.stake("chat") > s.stake("classification") and s.stake("drafting") > s.stake("extraction")
    assert s.stake("a_client_task") == 1.0
    s = QualitySettings.from_config(parse_config({"classify": {"task_types": ["a_client_task"]},
                                                  "quality": {"stakes": {"chat": 5, "a_client_task": 2}}}))
    assert (s.stake("chat"), s.stake("a_client_task"), s.stake("drafting")) == (5.0, 2.0, 2.0)


@pytest.mark.parametrize("quality, message", [
    ({"stake": {}}, "quality.stake: unknown key; did you mean 'stakes'"),
    ({"stakes": {"chat": -1}}, "quality.stakes.chat: expected a weight >= 0"),
    ({"long_input_odds": {"cheap": {"64k+": 2}}}, "unknown tier 'cheap'"),
    ({"long_input_odds": {"budget": {"huge": 2}}}, "quality.long_input_odds.budget.huge: unknown input-length"),
    ({"long_input_odds": {"budget": {"64k+": 0}}}, "expected an odds factor > 0"),
    ({"bands": {"red": 2}}, "quality.bands.red: expected an extra-failure rate between 0 and 1"),
    ({"latency_ms": {"mid": "fast"}}, "quality.latency_ms.mid: expected milliseconds > 0"),
    ({"monte_carlo": {"draws": 5}}, "quality.monte_carlo.draws"),
])
def test_bad_quality_settings_name_the_key(quality, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_config({"quality": quality})


# -- the files ----------------------------------------------------------------------------------------------------
def test_the_shipped_priors_load_complete():
    priors = load_priors()
    assert len(priors) == 13 * 4
    assert all(0 < p.failure_rate < 1 and p.strength > 0 and p.source for p in priors.values())


@pytest.mark.parametrize("text, message", [
    ("task_type,tier,failure_rate,strength\nother,budget,0.1,10\n", "expected the columns task_type, tier"),
    (HEADER + "other,budget,1.2,10,s,m\n", "row 1: failure_rate must be between 0 and 1"),
    (HEADER + "other,budget,0.1,10,s,m\nother,cheap,0.1,10,s,m\n", "row 2: unknown tier 'cheap'"),
    (HEADER + "other,budget,0.1,lots,s,m\n", "row 1: strength is not a number: 'lots'"),
    (HEADER + "other,budget,0.1,0,s,m\n", "row 1: strength must be positive"),
    (HEADER + "other,budget,0.1,10,,m\n", "row 1: missing source"),
    (HEADER + "other,budget,0.1,10,s,m\nother,budget,0.2,10,s,m\n", "row 2: a second row for other × budget"),
])
def test_bad_priors_rows_name_file_row_and_reason(text, message):
    with pytest.raises(QualityError, match=f"^priors.csv: {message}"):
        parse_priors(text, "priors.csv")


@pytest.mark.parametrize("text, message", [
    ("task_type,model,runs,passed\nother,gpt-4o,10,5\n", "expected the columns task_type, model (or tier), n, passed"),
    ("task_type,model,tier,n,passed\nother,gpt-4o,flagship,10,5\n", "expected the columns"),
    ("task_type,model,n,passed\nother,gpt-4o,10,5\nother,acme-llm,10,5\n",
     "row 2: model 'acme-llm' maps to no tier"),
    ("task_type,tier,n,passed\nother,cheap,10,5\n", "row 1: unknown tier 'cheap'"),
    ("task_type,tier,n,passed\nother,budget,ten,5\n", "row 1: n is not a whole number >= 0: 'ten'"),
    ("task_type,tier,n,passed\nother,budget,10,-1\n", "row 1: passed is not a whole number >= 0: '-1'"),
    ("task_type,tier,n,passed\nother,budget,10,12\n", "row 1: passed (12) is more than n (10)"),
    # str.isdigit() holds for a superscript two, which int() refuses: it was a bare ValueError naming no file
    ("task_type,tier,n,passed\nother,budget,\u00b2,1\n", "row 1: n is not a whole number >= 0: '\u00b2'"),
    ("task_type,tier,n,passed\nother,budget,0,0\n", "row 1: n is 0"),
    # a misspelt task type gets the same hint as labels.csv and policy files (config.did_you_mean)
    ("task_type,tier,n,passed\nsumarization,budget,10,5\n",
     "row 1: unknown task type 'sumarization'; did you mean 'summarization'?"),
    ("task_type,tier,n,passed\nsentiment,budget,10,5\n",
     "row 1: unknown task type 'sentiment'; known task types (shipped or seen in the traffic): other, summarization"),
    ("task_type,tier,n,passed\nother,budgett,10,5\n", "row 1: unknown tier 'budgett'; did you mean 'budget'?"),
    ("task_type,tier,n,passed\n,budget,10,5\n", "row 1: missing task_type"),
    ("", "empty file"),
])
def test_bad_eval_rows_name_file_row_and_reason(text, message):
    with pytest.raises(QualityError) as exc:
        parse_evals(text, "client/evals.csv", TIER_OF, known_task_types={"other", "summarization"})
    assert str(exc.value).startswith("client/evals.csv: ") and message in str(exc.value)


def test_evals_accept_a_tier_column_bom_blank_lines_and_spaces():
    text = "\ufefftask_type , tier , n , passed\r\n other , Budget , 10 , 7 \r\n\r\n"
    assert parse_evals(text.lstrip("\ufeff"), "e.csv", TIER_OF)[("other", "budget")].failed == 3


# -- a mix on the cube --------------------------------------------------------------------------------------------
def test_expected_and_extra_failures_by_hand():
    model = _model("task_type,tier,n,passed\nother,budget,100,80\n")
    engine = RiskEngine(_cube(), model)
    policy = Policy.parse({"mix": {"other": {"budget": 1.0}, "chat": {"mid": 0.5, "flagship": 0.5}}})
    risk = engine.evaluate(engine.mix_of(policy))
    # current: other 1,000 × 0.05 = 50, chat 500 × 0.1 = 50 → 100
    assert risk.current_failures == pytest.approx(100)
    # mix: other 1,000 × 0.2 = 200; chat (16k-64k: mid odds × 1.2) 500 × (0.5 × 0.174757 + 0.5 × 0.1) = 68.689
    q_mid = 0.18 / 1.03
    assert risk.expected_failures == pytest.approx(200 + 500 * (0.5 * q_mid + 0.05))
    extra_chat = 500 * 0.5 * (q_mid - 0.1)   # 18.689
    assert risk.extra_failures == pytest.approx(150 + extra_chat)
    assert risk.extra_failure_rate == pytest.approx((150 + extra_chat) / 1500)
    # stakes: other 1.0, chat 3.0
    assert risk.weighted_extra_failures == pytest.approx(150 + 3 * extra_chat)
    # bands: other 150 / 1,000 = 0.15 → red; chat 18.689 / 500 = 0.0374 → amber
    assert risk.bands == ["red", "amber"]
    assert risk.segment_failure_rate[0] == pytest.approx(0.2)
    # the extra failures compare budget (client evals) with today's flagship (priors): both are named
    assert risk.evidence == ["client evals (n=100) for budget; priors for flagship", "priors"]
    # the cost of the mix on the cube: other 1,000 × 0.001; chat 500 × (0.5 × 0.01 + 0.5 × 0.05)
    assert risk.cost == pytest.approx(1 + 15)
    lo, hi = risk.interval
    assert lo < risk.extra_failures < hi
    mixed = engine.evaluate(engine.mix_of(Policy.parse({"mix": {"other": {"budget": 0.5, "flagship": 0.5}}})))
    assert mixed.evidence[0] == "client evals (n=100) for budget; priors for flagship"


def test_the_current_routing_has_no_extra_risk_and_a_zero_interval():
    engine = RiskEngine(_cube(), _model())
    risk = engine.evaluate(engine.mix_of(None))
    assert risk.extra_failures == 0 and risk.interval == (0.0, 0.0)
    assert risk.failures_interval[0] < 100 < risk.failures_interval[1]
    assert risk.bands == ["green", "green"] and risk.evidence == ["priors", "priors"]


def test_a_cascade_on_the_cube_by_hand():
    settings = QualitySettings(latency_ms={"mid": 1500.0})
    engine = RiskEngine(_cube(), _model(settings=settings), observed_latency_ms={"flagship": 4000.0})
    policy = Policy.parse({"cascade": {"other": {"from": "budget", "to": "mid", "detection_rate": 0.8,
                                                 "false_alarm_rate": 0.05}}})
    risk = engine.evaluate(engine.mix_of(policy))
    # other <1k: q1 = 0.2, q2 = 0.1: escalation 0.16 + 0.04 = 0.2. The tiers failing together (the default): both fail
    # min(0.2, 0.1) = 0.1, so residual 0.2 × 0.2 + 0.8 × 0.1 + 0.05 × (0.1 − 0.1) = 0.04 + 0.08 = 0.12
    # → 120 failures against 50 today
    assert risk.segment_failure_rate[0] == pytest.approx(0.12)
    assert risk.extra_failures == pytest.approx(70)
    # cost: 1,000 × 0.001 at budget + 0.2 × 1,000 × 0.004 at mid = 1 + 0.8; chat stays on flagship: 25
    assert risk.cost == pytest.approx(1.8 + 25)
    [c] = risk.cascades
    assert (c["escalation_rate"], c["residual_failure_rate"], c["added_cost_usd"]) == (0.2, 0.12, 0.8)
    # independent failures (correlation 0, DESIGN.md's formula): 0.04 + 0.2 × 0.8 × 0.1 + 0.8 × 0.05 × 0.1
    # = 0.04 + 0.016 + 0.004 = 0.06 → 60 failures; the cost does not depend on it
    independent = Policy.parse({"cascade": {"other": {"from": "budget", "to": "mid", "detection_rate": 0.8,
                                                      "false_alarm_rate": 0.05, "correlation": 0}}})
    risk0 = engine.evaluate(engine.mix_of(independent))
    assert risk0.segment_failure_rate[0] == pytest.approx(0.06) and risk0.extra_failures == pytest.approx(10)
    assert risk0.cost == pytest.approx(risk.cost)
    assert c["added_latency_ms"] == 300.0 and "quality.latency_ms.mid" in c["latency_source"]
    # escalating to flagship instead: the observed latency of the flagship tier, and it says so
    policy = Policy.parse({"cascade": {"other": {"from": "budget", "to": "flagship", "detection_rate": 0.8,
                                                 "false_alarm_rate": 0.05}}})
    [c] = engine.evaluate(engine.mix_of(policy)).cascades
    assert c["added_latency_ms"] == 800.0 and "observed average latency" in c["latency_source"]
    # the simulator prices the same escalation in Decimal
    assert engine.model.escalation("other", "<1k", policy.cascade["other"]) == Decimal("0.2")


def test_monte_carlo_is_seeded_and_vectorised():
    model = _model()
    policy = Policy.parse({"mix": {"other": {"budget": 1.0}}})
    a, b = (RiskEngine(_cube(), model, draws=2000, seed=7) for _ in range(2))
    assert a.draws.shape == (2000, 2, len(TIERS))   # draws × quality segments × tiers, drawn at once
    ra, rb = a.evaluate(a.mix_of(policy)), b.evaluate(b.mix_of(policy))
    assert ra.interval == rb.interval
    other = RiskEngine(_cube(), model, draws=2000, seed=8).evaluate(a.mix_of(policy))
    assert other.interval != ra.interval
    # the draws follow the posterior: other × budget is Beta(2, 8), mean 0.2, sd sqrt(2·8 / (10² · 11)) = 0.1206
    p = a.draws[:, 0, 0]
    assert p.mean() == pytest.approx(0.2, abs=0.01) and p.std() == pytest.approx(0.1206, abs=0.01)


def test_one_evaluation_works_on_thousands_of_segments():
    """Vectorised over 3,600 cost rows (speed is a benchmark's job, not a unit test's: no clock here)."""
    rng = np.random.default_rng(1)
    tasks = ["other", "chat", "qa", "extraction", "drafting", "summarization"]
    lens_in, lens_out = ["<1k", "1k-4k", "4k-16k", "16k-64k", "64k+"], ["<250", "250-1k", "1k-4k", "4k+"]
    keys = [(t, li, lo, ) for t in tasks for li in lens_in for lo in lens_out]
    keys = [(t, li, f"{lo}#{k}") for k in range(30) for t, li, lo in keys]   # 3,600 cost rows
    n = rng.uniform(10, 1000, len(keys))
    cost = n[:, None] * np.array([0.001, 0.004, 0.02, 0.03]) * rng.uniform(0.5, 2, (len(keys), 1))
    cube = CostCube.from_arrays(keys, n, cost, np.outer(n, [0, 0, 1, 0]))
    engine = RiskEngine(cube, _model())
    mix = engine.mix_of(Policy.parse({"mix": {t: {"budget": 0.3, "mid": 0.3, "flagship": 0.4} for t in tasks}}))
    risk = engine.evaluate(mix)
    assert len(risk.bands) == len(risk.segment_failure_rate) > 0 and np.isfinite(risk.extra_failures)


# -- calibration --------------------------------------------------------------------------------------------------
def _calibration_run(trial: int, n_evals: int, rng: np.random.Generator) -> tuple[bool, bool, float]:
    """One client whose true failure rates are drawn from the priors; evals drawn from the truth; does the 90 %
    interval contain the true extra failures (all traffic from flagship to budget) and the true failures?"""
    priors = parse_priors(PRIORS, "priors.csv")
    truth = {k: rng.beta(p.alpha, p.beta) for k, p in priors.items()}
    evidence = {}
    if n_evals:
        rows = "".join(f"{task},{tier},{n_evals},{n_evals - rng.binomial(n_evals, q)}\n"
                       for (task, tier), q in truth.items())
        evidence = parse_evals("task_type,tier,n,passed\n" + rows, "evals.csv", TIER_OF)
    cube = CostCube.from_arrays([("other", "<1k", "<250"), ("chat", "<1k", "<250")], [1000.0, 500.0],
                                np.ones((2, 4)), [[0, 0, 1000, 0], [0, 0, 500, 0]])
    engine = RiskEngine(cube, QualityModel(priors, evidence), draws=2000, seed=trial)
    risk = engine.evaluate(engine.mix_of(Policy.parse({"default": {"budget": 1.0}})))
    true_failures = 1000 * truth[("other", "budget")] + 500 * truth[("chat", "budget")]
    true_extra = true_failures - 1000 * truth[("other", "flagship")] - 500 * truth[("chat", "flagship")]
    inside = risk.interval[0] <= true_extra <= risk.interval[1]
    inside_f = risk.failures_interval[0] <= true_failures <= risk.failures_interval[1]
    return inside, inside_f, risk.interval[1] - risk.interval[0]


def test_ninety_percent_intervals_contain_the_truth_nine_times_in_ten():
    rng = np.random.default_rng(20261101)
    trials = 400
    runs = [_calibration_run(t, 40, rng) for t in range(trials)]
    coverage = sum(r[0] for r in runs) / trials
    coverage_f = sum(r[1] for r in runs) / trials
    assert 0.85 <= coverage <= 0.95, coverage
    assert 0.85 <= coverage_f <= 0.95, coverage_f
    # with no evals the intervals rest on the priors alone, and still hold
    runs = [_calibration_run(t, 0, rng) for t in range(trials)]
    assert 0.85 <= sum(r[0] for r in runs) / trials <= 0.95


def test_many_eval_observations_narrow_the_interval():
    rng = np.random.default_rng(5)
    widths = {n: np.median([_calibration_run(t, n, rng)[2] for t in range(40)]) for n in (0, 50, 2000)}
    assert widths[2000] < widths[50] < widths[0]
    assert widths[2000] < widths[0] / 4


# -- the policy format --------------------------------------------------------------------------------------------
def test_policy_per_length_mix_cascade_and_current_shares():
    p = Policy.parse({
        "mix": {"qa": {"<1k": {"budget": 1.0}, "16k-64k": {"current": 0.5, "mid": 0.5}},
                "chat": {"flagship": 1.0}, "summarization": {"1k-4k": {"cascade": 0.6, "mid": 0.4}}},
        "default": {"mid": 1.0},
        "cascade": {"summarization": {"from": "budget", "to": "mid", "detection_rate": 0.8, "false_alarm_rate": 0.05},
                    "drafting": {"from": "mid", "to": "flagship", "detection_rate": 0.9, "false_alarm_rate": 0.1}}})
    assert p.tier_shares("qa", "<1k") == {"budget": 1}
    assert p.tier_shares("qa", "16k-64k") == {"current": Decimal("0.5"), "mid": Decimal("0.5")}
    assert p.tier_shares("qa", "4k-16k") == {"mid": 1}            # a length not listed: the default
    assert p.tier_shares("chat", "64k+") == {"flagship": 1}
    assert p.tier_shares("summarization", "1k-4k") == {"cascade": Decimal("0.6"), "mid": Decimal("0.4")}
    assert p.tier_shares("summarization", "<1k") == {"mid": 1}    # names a cascade share elsewhere: default here
    assert p.tier_shares("drafting", "<1k") == {"cascade": 1}     # a cascade with no share: the whole task
    assert Policy.parse(p.to_yaml()).to_yaml() == p.to_yaml()
    old = Policy.parse({"mix": {"other": {"budget": 0.5, "mid": 0.5}}})   # the original format still reads
    assert old.tier_shares("other") == old.tier_shares("other", "<1k") == {"budget": Decimal("0.5"),
                                                                           "mid": Decimal("0.5")}


@pytest.mark.parametrize("raw, message", [
    ({"mix": {"qa": {"huge": {"budget": 1.0}}}}, "mix.qa: not an input-length bucket: huge"),
    ({"mix": {"qa": {"<1k": {"budget": 0.5}}}}, "mix.qa.<1k: shares must sum to 1"),
    ({"mix": {"qa": {"cascade": 1.0}}}, "mix.qa: a cascade share needs cascade.qa"),
    ({"default": {"cascade": 1.0}}, "default: unknown tier(s) cascade"),
    ({"cascade": {"qa": {"from": "budget", "to": "budget", "detection_rate": 1, "false_alarm_rate": 0}}},
     "cascade.qa: from and to are the same tier"),
    # escalating to a cheaper tier would lower the cost and call it a safety net: tiers run budget < mid <
    # flagship < reasoning, so mid -> budget and reasoning -> flagship are both downward
    ({"cascade": {"qa": {"from": "mid", "to": "budget", "detection_rate": 0.8, "false_alarm_rate": 0.05}}},
     "p.yaml: cascade.qa: escalates from mid to budget, which is not above it; a cascade sends what its first tier "
     "fails to a stronger one (tiers from the cheapest: budget, mid, flagship, reasoning)"),
    ({"cascade": {"qa": {"from": "reasoning", "to": "flagship", "detection_rate": 0.8, "false_alarm_rate": 0.05}}},
     "p.yaml: cascade.qa: escalates from reasoning to flagship, which is not above it"),
    ({"cascade": {"qa": {"from": "budget", "to": "mid", "detection_rate": 1.5, "false_alarm_rate": 0}}},
     "cascade.qa.detection_rate: must be between 0 and 1"),
    ({"cascade": {"qa": {"from": "budget", "to": "mid"}}}, "cascade.qa: missing detection_rate, false_alarm_rate"),
    ({"cascade": {"qa": {"from": "budget", "to": "mid", "detection_rate": 0.8, "false_alarm_rate": 0,
                         "correlation": -0.2}}}, "cascade.qa.correlation: must be between 0 and 1, got -0.2"),
    ({"cascade": {"qa": {"from": "budget", "to": "mid", "detection_rate": 0.8, "false_alarm_rate": 0,
                         "corelation": 1}}}, "cascade.qa: unknown key(s) corelation"),
])
def test_bad_policy_extensions_are_one_clear_line(raw, message):
    with pytest.raises(PolicyError) as exc:
        Policy.parse(raw, "p.yaml")
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_every_upward_cascade_is_accepted():
    """The six pairs (from, to) with to above from, in the order budget < mid < flagship < reasoning."""
    upward = [("budget", "mid"), ("budget", "flagship"), ("budget", "reasoning"), ("mid", "flagship"),
              ("mid", "reasoning"), ("flagship", "reasoning")]
    for low, high in upward:
        p = Policy.parse({"cascade": {"qa": {"from": low, "to": high, "detection_rate": 0.8, "false_alarm_rate": 0}}})
        assert (p.cascade["qa"].from_tier, p.cascade["qa"].to_tier) == (low, high)


# -- a real client, worked by hand ---------------------------------------------------------------------------------
def test_globex_segments_extra_failures_by_hand(tmp_path):
    """globex_devtools (October 2026, one whole month: monthly = the month's calls) under a policy that moves two
    quality segments and keeps the rest where they are, so every extra failure comes from these two.

    Counted from the raw exports below (csv, json, gzip; routekit gives only each call's task type), with the shipped
    priors typed in from routekit/data/quality_priors.csv (no client evals: posterior mean = prior mean):

    summarization 4k-16k, 108 calls: 9 on mistral-small-latest (budget, q 0.112), 98 on gpt-5-mini (mid, 0.086),
      1 on claude-sonnet-4-5 (flagship, 0.060); under 16k tokens no odds factor.
      today 9 × 0.112 + 98 × 0.086 + 1 × 0.060 = 1.008 + 8.428 + 0.060 = 9.496
      mix {budget 0.5, mid 0.5}: 108 × (0.056 + 0.043) = 108 × 0.099 = 10.692 → extra 1.196
    agentic 16k-64k, 458 calls: 397 claude-sonnet-4-5 + 61 claude-opus-4-1, all flagship (q 0.200, odds 1.0)
      mix {mid 1.0}: q 0.344 with the mid odds 1.2 at 16k-64k: 1.2 × 0.344 / (1 − 0.344 + 1.2 × 0.344)
      = 0.4128 / 1.0688 = 0.386228 → extra 458 × (0.386228 − 0.200) = 85.292
    extra failures 86.488 a month; of the 4,328 answered calls (4,414 less 69 failed spans and 17 failed gateway
    rows, which had no answer to fail: 0.019594 when they were counted): rate 0.019983; stakes (summarization 1.0,
    agentic 2.0) weigh them 1.196 + 2 × 85.292 = 171.781."""
    import collections
    import csv
    import gzip
    import json

    import duckdb

    from conftest import run_cli, sample_client

    client = sample_client("globex_devtools", tmp_path / "globex_devtools")
    policy = tmp_path / "p.yaml"
    policy.write_text('mix:\n  summarization: {"4k-16k": {budget: 0.5, mid: 0.5}}\n'
                      '  agentic: {"16k-64k": {mid: 1.0}}\n')
    out = json.loads(run_cli("simulate", str(client), "--policy", str(policy), "--date", "2026-11-23",
                             "--json").stdout)

    # the hand count: input tokens (cache reads and writes included) into buckets, models into tiers
    con = duckdb.connect(str(client / ".routekit" / "routekit.duckdb"), read_only=True)
    task_of = dict(con.execute("SELECT c.request_id, t.task_type FROM int_calls t "
                               "JOIN calls c USING (_source_file, _source_row)").fetchall())
    con.close()
    tier = {"mistral-small-latest": "budget", "gpt-5-mini-2025-08-07": "mid",
            "claude-sonnet-4-5-20250929": "flagship", "claude-opus-4-1-20250805": "flagship"}
    bucket = lambda n: "4k-16k" if 4000 <= n < 16000 else "16k-64k" if 16000 <= n < 64000 else "other"  # noqa: E731
    count = collections.Counter()
    calls = answered = 0
    for line in gzip.open(client / "otel" / "traces-2026-10.jsonl.gz", "rt", encoding="utf-8"):
        for resource in json.loads(line)["resourceSpans"]:
            for scope in resource["scopeSpans"]:
                for span in scope["spans"]:
                    a = {x["key"]: next(iter(x["value"].values())) for x in span["attributes"]}
                    if a.get("gen_ai.operation.name") in ("invoke_agent", "execute_tool"):
                        continue   # agent and tool spans are not model calls
                    calls += 1
                    answered += (span.get("status") or {}).get("code") != 2   # 2: STATUS_CODE_ERROR
                    tokens = int(a.get("gen_ai.usage.input_tokens", a.get("gen_ai.usage.prompt_tokens", 0)))
                    model = a.get("gen_ai.response.model") or a["gen_ai.request.model"]
                    count[task_of[span["spanId"]], bucket(tokens), model] += 1
    with open(client / "gateway" / "requests_2026-10.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            calls += 1
            answered += r["status"] == "ok"
            count[task_of[r["req_id"]], bucket(int(r["tok_in"])), r["llm"]] += 1
    by_tier = lambda task, length: {(tier[m], n) for (t, b, m), n in count.items()  # noqa: E731
                                    if (t, b) == (task, length)}
    assert by_tier("summarization", "4k-16k") == {("budget", 9), ("mid", 98), ("flagship", 1)}
    assert by_tier("agentic", "16k-64k") == {("flagship", 397), ("flagship", 61)}
    assert (calls, answered) == (4414, 4328)

    assert out["projection"]["factor"] == 1.0
    risk = out["risk"]
    assert risk["extra_failures_per_month"] == pytest.approx(86.49, abs=0.005)
    assert risk["expected_failures"] - risk["current_failures"] == pytest.approx(86.488, abs=0.011)
    assert risk["extra_failure_rate"] == pytest.approx(86.488 / 4328, abs=1e-6)   # 0.019983
    assert risk["weighted_extra_failures"] == pytest.approx(171.78, abs=0.005)
    rows = [s for s in out["segments"] if (s["task_type"], s["len_in"]) in (("summarization", "4k-16k"),
                                                                            ("agentic", "16k-64k"))]
    agentic = [s for s in rows if s["task_type"] == "agentic"]
    assert sum(s["requests_per_month"] for s in agentic) == 458
    assert {(s["failure_rate"], s["extra_failure_rate"], s["band"]) for s in agentic} == {(0.386228, 0.186228, "red")}
    summaries = [s for s in rows if s["task_type"] == "summarization"]
    assert sum(s["requests_per_month"] for s in summaries) == 108
    assert {s["failure_rate"] for s in summaries} == {0.099}
    assert sum(s["requests_per_month"] * s["extra_failure_rate"] for s in summaries) == pytest.approx(1.196, abs=1e-3)
    # the segments the policy does not name keep their routing: no extra failures
    assert all(s["extra_failure_rate"] == 0 for s in out["segments"] if s not in rows)

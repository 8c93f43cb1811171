"""The cheapest mix whose extra-failure rate stays within a budget, and the client's whole cost–risk frontier.

The problem. Per quality segment g (task type × input length) the options k are: every tier whose representative
prices all of g, ``current`` (leave g on the models serving it today: cost as observed, failures of its current
tiers) and the task's cascade when the policy configures one. Option k of g costs ``c[g,k]`` per month and fails
``f[g,k] = N_g · q'(g,k)`` requests (a cascade: its residual failure rate, and it costs every request at ``from``
and through the validator, the escalated ones again at ``to``). Choose shares ``x[g,k] ≥ 0`` with
``Σ_k x[g,k] = 1`` that minimise ``Σ c·x`` subject to ``Σ f·x ≤ F_current + R · N`` (the extra failures against the
current routing, divided by all requests, at most R). With ``stakes_weighted`` the failures are weighted by the
task's stakes on both sides.

The method. One coupling constraint makes this a fractional knapsack over convex pieces: its Lagrangian picks, per
segment, the option minimising ``c + λ·f``, which is always a vertex of the segment's lower convex hull in
(failures, cost); lowering λ from ∞ to 0 walks each hull from its fewest-failures vertex to its cheapest one. So:
start every segment at its fewest-failures hull vertex (ties: the cheaper), list every hull edge with its saving per
added failure ``Δcost / Δfailures`` (decreasing along each hull, by convexity), take edges in decreasing order of that
ratio while the failure budget allows, and take the first edge that does not fit fractionally, to spend the budget
exactly. That is the LP optimum (tests compare it with scipy's linprog and with enumeration). The points after each
edge are the frontier: from the safest mix to the cheapest one. If even the safest mix exceeds the budget, the result
is that mix, marked infeasible.

Work: one small hull per segment (at most six options) and one sort of all edges: milliseconds for thousands of
segments. The recommended mix is written as a policy with a mix per task type and input-length bucket; its shares are
rounded to 6 decimals (the riskier side rounded down) and its money re-priced by ``Simulator.evaluate``, so
``routekit simulate --policy`` on the written file gives the same figures.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

import numpy as np

from routekit.quality import RiskEngine, cascade_rates
from routekit.scenario import CASCADE, CURRENT, TIERS, Cascade, Policy

OPTIONS = (*TIERS, CURRENT, CASCADE)
SHARE_PLACES = Decimal("0.000001")


@dataclass
class Plan:
    """The optimizer's answer on a RiskEngine's quality segments."""

    engine: RiskEngine
    max_extra_failure_rate: float
    shares: np.ndarray                 # [G, len(OPTIONS)] share of each segment's requests per option
    failures: np.ndarray               # [G, len(OPTIONS)] expected failures per month of each option (NaN: none)
    cascades: dict[str, Cascade]
    feasible: bool
    cost: float                        # monthly, on the cube (floats)
    extra_failures: float
    frontier: list[dict] = field(default_factory=list)
    stakes_weighted: bool = False

    @property
    def extra_failure_rate(self) -> float:
        n = float(self.engine.group_requests.sum())
        return self.extra_failures / n if n else 0.0

    def mix(self) -> dict[str, dict[str, dict[str, float]]]:
        """{task type: {input length: {option: share}}} (shares rounded to 6 places, as in the written policy)."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        for (task, len_in), shares in self.rounded_shares().items():
            out.setdefault(task, {})[len_in] = {k: float(v) for k, v in shares.items()}
        return out

    def rounded_shares(self) -> dict[tuple[str, str], dict[str, Decimal]]:
        """Per segment, the options with a share, rounded so they sum to exactly 1 and the riskier side rounds down."""
        out = {}
        for g, key in enumerate(self.engine.groups):
            row = self.shares[g]
            used = [k for k in np.flatnonzero(row > 0)]
            if not used:
                continue   # no option could be priced: the segment keeps its current routing
            if len(used) == 1:
                out[key] = {OPTIONS[used[0]]: Decimal(1)}
                continue
            # two adjacent hull vertices: the one with more failures is the fraction the budget allowed
            fails = self.failures[g]
            safe, risky = sorted(used, key=lambda k: fails[k])
            risky_share = Decimal(repr(float(row[risky]))).quantize(SHARE_PLACES, rounding=ROUND_FLOOR)
            shares = {OPTIONS[safe]: Decimal(1) - risky_share}
            if risky_share > 0:
                shares[OPTIONS[risky]] = risky_share
            out[key] = {k: shares[k] for k in OPTIONS if k in shares}
        return out

    def policy(self, base: Policy | None = None, name: str = "optimized") -> Policy:
        """The plan as a policy (tiers, batch shares, output inflation and used cascades from ``base``)."""
        base = base or Policy()
        by_length: dict[str, dict[str, dict[str, Decimal]]] = {}
        for (task, len_in), shares in self.rounded_shares().items():
            by_length.setdefault(task, {})[len_in] = shares
        used = {task for task, per in by_length.items() if any(CASCADE in s for s in per.values())}
        return Policy(tiers=dict(base.tiers), mix={}, default=None, batch_share=dict(base.batch_share),
                      output_inflation=dict(base.output_inflation), name=name, mix_by_length=by_length,
                      cascade={t: c for t, c in base.cascade.items() if t in used})


def options(engine: RiskEngine, cascades: dict[str, Cascade] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Monthly cost and expected failures of every option per quality segment: two [G, len(OPTIONS)] arrays, NaN
    where an option does not exist (an unpriceable tier, no cascade configured)."""
    cube, agg = engine.cube, engine.agg
    G, T = len(engine.groups), len(TIERS)
    cost = np.full((G, len(OPTIONS)), np.nan)
    fail = np.full((G, len(OPTIONS)), np.nan)
    missing = (agg @ np.isnan(cube.cost).astype(float)) > 0
    tier_cost = agg @ np.nan_to_num(cube.cost)
    cost[:, :T] = np.where(missing, np.nan, tier_cost)
    fail[:, :T] = np.where(missing, np.nan, engine.group_requests[:, None] * engine.q)
    cost[:, T] = agg @ cube.keep_cost
    fail[:, T] = engine.current_group_failures
    # the validator checks every cascaded request: left out, a cascade looks cheaper than it is and wins segments
    # a plain tier serves for less
    check_rows = engine.validator_rows(cascades or {})
    checks = agg @ np.nan_to_num(check_rows)
    checks[(agg @ np.isnan(check_rows).astype(float)) > 0] = np.nan   # an unpriced judge: no cascade option
    for g, (task, _) in enumerate(engine.groups):
        c = (cascades or {}).get(task)
        if c is None:
            continue
        a, b = TIERS.index(c.from_tier), TIERS.index(c.to_tier)
        esc, resid = cascade_rates(engine.q[g, a], engine.q[g, b], float(c.detection_rate),
                                   float(c.false_alarm_rate), float(c.correlation))
        cost[g, T + 1] = cost[g, a] + esc * cost[g, b] + checks[g]
        fail[g, T + 1] = engine.group_requests[g] * resid
    # A segment with no requests is usage without request counts (scenario.CubeRow.sized): it stays where it is, so
    # keeping it is its only option (its tiers all cost what it costs today; a written policy must not move it).
    unsized = engine.group_requests == 0
    cost[unsized, :T], fail[unsized, :T] = np.nan, np.nan
    cost[unsized, T + 1:], fail[unsized, T + 1:] = np.nan, np.nan
    return cost, fail


def lower_hull(cost: np.ndarray, fail: np.ndarray) -> list[int]:
    """Indices of the options on the lower convex hull in (failures, cost), from the fewest failures (ties: the
    cheaper) to the cheapest, each step saving money at a smaller rate per added failure than the one before. NaN
    options are skipped."""
    idx = [k for k in range(len(cost)) if not (np.isnan(cost[k]) or np.isnan(fail[k]))]
    idx.sort(key=lambda k: (fail[k], cost[k]))
    pareto: list[int] = []
    for k in idx:   # each kept option strictly cheaper than every option with fewer failures
        if not pareto or cost[k] < cost[pareto[-1]]:
            pareto.append(k)
    hull: list[int] = []
    for k in pareto:
        while len(hull) >= 2:
            o, a = hull[-2], hull[-1]
            cross = (fail[a] - fail[o]) * (cost[k] - cost[o]) - (cost[a] - cost[o]) * (fail[k] - fail[o])
            if cross > 0:
                break
            hull.pop()   # a lies on or above the chord from o to k
        hull.append(k)
    return hull


def optimize(engine: RiskEngine, max_extra_failure_rate: float, cascades: dict[str, Cascade] | None = None, *,
             stakes_weighted: bool = False) -> Plan:
    """The cheapest mix whose extra failures (against the current routing) stay within ``max_extra_failure_rate``
    of all requests, and the cost–risk frontier (see the module docstring)."""
    # the CLI's check, for Python callers too: a rate of 2 (meant as 2 %) or NaN would return a plan without a word
    if not 0 <= max_extra_failure_rate <= 1:
        raise ValueError(f"max_extra_failure_rate {max_extra_failure_rate}: expected a share of requests between 0 "
                         "and 1 (0.01 = one extra failure per hundred requests)")
    cascades = dict(cascades or {})
    cost, fail = options(engine, cascades)
    weight = engine.stakes if stakes_weighted else np.ones(len(engine.groups))
    wfail = fail * weight[:, None]
    G, K = cost.shape
    shares = np.zeros((G, K))
    n_total = float(engine.group_requests.sum())
    budget = float((weight * engine.current_group_failures).sum()) + max_extra_failure_rate * n_total
    start = np.full(G, -1)
    steps = []   # (saving per added failure, g, from option, to option)
    for g in range(G):
        hull = lower_hull(cost[g], wfail[g])
        if not hull:
            continue
        start[g] = hull[0]
        for a, b in zip(hull, hull[1:]):
            steps.append(((cost[g, a] - cost[g, b]) / (wfail[g, b] - wfail[g, a]), g, a, b))
    live = start >= 0
    shares[np.flatnonzero(live), start[live]] = 1.0
    # a segment with no option keeps its current routing, outside the walk
    fixed_cost = float((engine.agg @ engine.cube.keep_cost)[~live].sum())
    fixed_wfail = float((weight * engine.current_group_failures)[~live].sum())
    fixed_fail = float(engine.current_group_failures[~live].sum())
    pos_cost = float(cost[live, start[live]].sum()) + fixed_cost
    pos_wfail = float(wfail[live, start[live]].sum()) + fixed_wfail
    pos_fail = float(fail[live, start[live]].sum()) + fixed_fail
    current_fail = float(engine.current_group_failures.sum())
    order = sorted(range(len(steps)), key=lambda i: -steps[i][0])   # stable: a hull's edges keep their order
    dc = np.array([cost[steps[i][1], steps[i][2]] - cost[steps[i][1], steps[i][3]] for i in order])
    dwf = np.array([wfail[steps[i][1], steps[i][3]] - wfail[steps[i][1], steps[i][2]] for i in order])
    df = np.array([fail[steps[i][1], steps[i][3]] - fail[steps[i][1], steps[i][2]] for i in order])
    frontier_cost = pos_cost - np.concatenate([[0.0], np.cumsum(dc)])
    frontier_fail = pos_fail + np.concatenate([[0.0], np.cumsum(df)])
    frontier_wfail = pos_wfail + np.concatenate([[0.0], np.cumsum(dwf)])
    feasible = pos_wfail <= budget + 1e-9 * max(1.0, abs(budget))
    taken = 0
    if feasible:
        taken = int(np.searchsorted(frontier_wfail[1:], budget, side="right"))   # whole edges within the budget
        for i in order[:taken]:
            _, g, a, b = steps[i]
            shares[g, a], shares[g, b] = 0.0, 1.0
        plan_cost, plan_fail = frontier_cost[taken], frontier_fail[taken]
        if taken < len(order):   # the next edge, as far as the budget goes
            _, g, a, b = steps[order[taken]]
            theta = min(max((budget - frontier_wfail[taken]) / dwf[taken], 0.0), 1.0)
            if theta > 0:
                shares[g, a], shares[g, b] = 1.0 - theta, theta
                plan_cost -= theta * dc[taken]
                plan_fail += theta * df[taken]
    else:
        plan_cost, plan_fail = frontier_cost[0], frontier_fail[0]
    frontier = [{"monthly_cost_usd": round(float(c), 2), "extra_failures_per_month": round(float(f - current_fail), 2),
                 "extra_failure_rate": round(float((f - current_fail) / n_total), 6) if n_total else 0.0}
                for c, f in zip(frontier_cost, frontier_fail)]
    return Plan(engine, max_extra_failure_rate, shares, fail, cascades, bool(feasible), float(plan_cost),
                float(plan_fail - current_fail), frontier, stakes_weighted)

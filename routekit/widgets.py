"""The analyst's tier explorer: sliders per task type over the budget / mid / flagship tiers, priced live.

Every number shown comes from the same path as ``routekit simulate --policy`` (``cli._Scenario.evaluate``): the
sliders are turned into a Policy (a mix per task type, shares in tenths of a percent summing to exactly 1) and
evaluated on the client's cube, so the readout equals what simulate prints for that policy file. A task type whose
sliders were never touched keeps its current routing (it is left out of the policy's mix), as in simulate.

Optimize runs the optimizer (``routekit optimize``) within the risk budget and shows its exact mix (per task type
and input length); the sliders show that mix aggregated per task type by requests. Moving a slider afterwards
switches back to the per-task mix of the sliders.
"""
from __future__ import annotations

import argparse
import html
from decimal import Decimal
from pathlib import Path

import ipywidgets as W
import numpy as np

from routekit.scenario import CASCADE, CURRENT, TIERS, Policy

SLIDER_TIERS = ("budget", "mid", "flagship")
TENTHS = 1000   # shares are held in tenths of a percent: 1000 = 100 %
PRESETS = ("current routing", "all flagship", "all mid", "recommended")


def renormalise(values: dict[str, int], moved: str, new: int) -> dict[str, int]:
    """Shares in tenths of a percent after ``moved`` is set to ``new``: the others are scaled proportionally so
    the group sums to exactly TENTHS (split equally when they were all zero); largest remainders get the rest."""
    new = max(0, min(TENTHS, int(new)))
    others = [t for t in values if t != moved]
    rest = TENTHS - new
    old = {t: max(0, values[t]) for t in others}
    total = sum(old.values())
    if total == 0:
        exact = {t: rest / len(others) for t in others} if others else {}
    else:
        exact = {t: old[t] * rest / total for t in others}
    out = {t: int(np.floor(v)) for t, v in exact.items()}
    short = rest - sum(out.values())
    for t in sorted(others, key=lambda t: (exact[t] - out[t], old.get(t, 0)), reverse=True)[:short]:
        out[t] += 1
    out[moved] = new
    return {t: out[t] for t in values}


class TierExplorer:
    """Sliders per task type → a Policy → the simulator's and risk engine's numbers."""

    def __init__(self, client_dir: Path | str, *, prices: str | None = None, db: str | None = None,
                 date: str | None = None, risk_budget: float = 0.02) -> None:
        from routekit.cli import _Scenario

        self.client_dir = Path(client_dir)
        self.scenario = _Scenario(argparse.Namespace(prices=prices, db=db, date=date), self.client_dir)
        self.sim = self.scenario.sim
        _, self.engine, _ = self.scenario.evaluate(None)   # the cube and risk engine (current routing)
        self.tasks = list(self.engine.tasks)
        self.current_values = self._aggregate_current()
        self.touched: set[str] = set()
        self.exact_policy: Policy | None = None   # the optimizer's per-length policy while it is shown
        self.mode = "current routing"
        self.result: dict | None = None
        self.recomputes = 0
        self._busy = self._pending = self._quiet = False
        self._build()
        self.recompute()

    # -- numbers ---------------------------------------------------------------------------------------------------
    def _aggregate_current(self) -> dict[str, dict[str, int]]:
        """Each task's current requests per tier (unmapped models count as flagship, as in the risk engine;
        reasoning is shown with flagship), in tenths of a percent."""
        cube, out = self.engine.cube, {}
        for task in self.tasks:
            rows = [i for i, k in enumerate(cube.keys) if k[0] == task]
            per = cube.current_requests[rows].sum(0)
            req = {"budget": per[TIERS.index("budget")], "mid": per[TIERS.index("mid")],
                   "flagship": per[TIERS.index("flagship")] + per[TIERS.index("reasoning")] + per[len(TIERS)]}
            out[task] = self._to_tenths(req)
        return out

    @staticmethod
    def _to_tenths(req: dict[str, float]) -> dict[str, int]:
        total = sum(req.values())
        if total <= 0:
            return {"budget": 0, "mid": 0, "flagship": TENTHS}
        vals = {t: int(round(req.get(t, 0) / total * TENTHS)) for t in SLIDER_TIERS}
        vals[max(vals, key=vals.get)] += TENTHS - sum(vals.values())
        return vals

    def values(self, task: str) -> dict[str, int]:
        """The task's shares in tenths of a percent, as last set (by a move or programmatically)."""
        return dict(self._values[task])

    def shares(self, task: str) -> dict[str, Decimal]:
        """The task's slider shares as Decimals summing to exactly 1."""
        return {t: Decimal(v) / TENTHS for t, v in self.values(task).items() if v}

    def policy(self) -> Policy | None:
        """What the readout evaluates: None (current routing), the optimizer's policy, or the sliders' mix for
        every touched task type (untouched ones keep their current routing)."""
        if self.exact_policy is not None:
            return self.exact_policy
        if not self.touched:
            return None
        return Policy(mix={t: self.shares(t) for t in self.tasks if t in self.touched}, name="tier explorer")

    def policy_yaml(self) -> dict:
        policy = self.policy()
        return policy.to_yaml() if policy else {}

    # -- widgets ---------------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.sliders: dict[str, dict[str, W.FloatSlider]] = {}
        self._values = {task: dict(v) for task, v in self.current_values.items()}
        self.groups: dict[str, W.HBox] = {}
        self.status: dict[str, W.HTML] = {}
        rows = []
        for task in self.tasks:
            sl = {}
            for tier in SLIDER_TIERS:
                s = W.FloatSlider(value=self.current_values[task][tier] / 10, min=0, max=100, step=0.1,
                                  description=tier, readout_format=".1f", continuous_update=True,
                                  layout=W.Layout(width="260px"), style={"description_width": "60px"})
                s.add_class(f"rk-tier-{tier}")
                s.observe(lambda ch, task=task, tier=tier: self._on_slider(task, tier, ch), names="value")
                sl[tier] = s
            self.sliders[task] = sl
            label = W.HTML(f"<b>{html.escape(task)}</b>", layout=W.Layout(width="120px"))
            self.status[task] = W.HTML("", layout=W.Layout(width="120px"))
            box = W.HBox([label, *sl.values(), self.status[task]])
            box.add_class(f"rk-task-{task}")
            self.groups[task] = box
            rows.append(box)
        self.preset = W.Dropdown(options=PRESETS, value="current routing", description="preset")
        self.preset.add_class("rk-preset")
        self.preset.observe(lambda ch: self.apply_preset(ch["new"]), names="value")
        self.budget = W.FloatText(value=0.02, step=0.005, description="risk budget",
                                  layout=W.Layout(width="200px"))
        self.budget.add_class("rk-risk-budget")
        self.optimize_button = W.Button(description="Optimize", button_style="primary")
        self.optimize_button.add_class("rk-optimize")
        self.optimize_button.on_click(lambda _: self.optimize())
        self.cost_html, self.savings_html, self.risk_html = W.HTML(), W.HTML(), W.HTML()
        self.cost_html.add_class("rk-monthly-cost")
        self.savings_html.add_class("rk-savings")
        self.risk_html.add_class("rk-risk")
        self.mode_html = W.HTML()
        self.mode_html.add_class("rk-mode")
        controls = W.HBox([self.preset, self.budget, self.optimize_button])
        readouts = W.VBox([self.mode_html, self.cost_html, self.savings_html, self.risk_html])
        self.widget = W.VBox([W.HTML(f"<h3>Tier explorer: {html.escape(self.client_dir.name)}</h3>"), controls,
                              readouts, *rows])
        self.widget.add_class("rk-tier-explorer")

    def show(self):
        from IPython.display import display

        display(self.widget)
        return None

    def _ipython_display_(self):
        self.show()

    # -- events ----------------------------------------------------------------------------------------------------
    def _set_values(self, task: str, values: dict[str, int]) -> None:
        self._values[task] = {t: int(values[t]) for t in SLIDER_TIERS}
        was, self._quiet = self._quiet, True
        try:
            for t in SLIDER_TIERS:
                self.sliders[task][t].value = values[t] / 10
        finally:
            self._quiet = was

    def _on_slider(self, task: str, tier: str, change) -> None:
        if self._quiet:
            return
        new = int(round(change["new"] * 10))
        current = self.values(task)
        if new == current[tier]:
            # the browser echoing a value the kernel set (float noise such as 82.30000000000001): not a move
            self._set_values(task, current)
            return
        self._set_values(task, renormalise(current, tier, new))
        if self.exact_policy is not None:   # leaving the optimizer's exact mix: every task is on its sliders now
            self.exact_policy = None
        self.touched.add(task)
        self.mode = f"sliders (last move: {task} {tier} {change['new']:.1f} %)"
        self.request_recompute()

    def apply_preset(self, name: str) -> None:
        self.exact_policy = None
        if name == "current routing":
            for task in self.tasks:
                self._set_values(task, self.current_values[task])
            self.touched = set()
            self.mode = "current routing"
        elif name in ("all flagship", "all mid"):
            tier = name.split()[1]
            for task in self.tasks:
                self._set_values(task, {t: TENTHS if t == tier else 0 for t in SLIDER_TIERS})
            self.touched = set(self.tasks)
            self.mode = name
        elif name == "recommended":
            self.optimize()
            return
        self.request_recompute()

    def optimize(self) -> None:
        """The optimizer's mix within the risk budget: shown exactly; the sliders show it per task type."""
        from routekit.optimize import OPTIONS, optimize

        rate = float(self.budget.value)
        if not 0 <= rate <= 1:
            self.mode_html.value = "<span style='color:#b00'>risk budget: a share between 0 and 1</span>"
            return
        plan = optimize(self.engine, rate)
        policy = plan.policy(name=f"optimized: extra-failure rate <= {rate:g}")
        policy.tiers = dict(self.sim.representatives)
        # aggregate per task type by requests: kept shares follow the current tiers of those requests
        req = {t: dict.fromkeys(SLIDER_TIERS, 0.0) for t in self.tasks}
        eng = self.engine
        rounded = plan.rounded_shares()
        for i, (task, len_in, _) in enumerate(eng.cube.keys):
            n = float(eng.cube.requests[i])
            shares = rounded.get((task, len_in), {CURRENT: Decimal(1)})
            for opt, share in shares.items():
                share = float(share)
                if opt == CURRENT or opt == CASCADE:
                    cur = eng.current_shares[i]
                    for t, tier in enumerate(TIERS):
                        req[task]["flagship" if tier == "reasoning" else tier] += n * share * cur[t]
                elif opt in OPTIONS:
                    req[task]["flagship" if opt == "reasoning" else opt] += n * share
        for task in self.tasks:
            self._set_values(task, self._to_tenths(req[task]))
        self.touched = set(self.tasks)
        self.exact_policy = policy
        self.plan = plan
        self.mode = f"optimized (risk budget {rate:g}, feasible: {'yes' if plan.feasible else 'no'})"
        self.request_recompute()

    def request_recompute(self) -> None:
        """Coalesces rapid moves: a change arriving while a recompute runs is folded into one more at the end."""
        if self._busy:
            self._pending = True
            return
        self._busy = True
        try:
            while True:
                self._pending = False
                self.recompute()
                if not self._pending:
                    break
        finally:
            self._busy = False

    def recompute(self) -> dict:
        result, _, risk = self.scenario.evaluate(self.policy())
        self.result, self.risk = result, risk
        self.recomputes += 1
        self._render(result)
        return result

    def _render(self, r: dict) -> None:
        money = lambda v: f"${v:,.2f}"   # noqa: E731
        lo, hi = r["cost_range_usd"]
        self.cost_html.value = (f"<b>Monthly cost:</b> <span class='rk-value' data-value='{r['monthly_cost_usd']}'>"
                                f"{money(r['monthly_cost_usd'])}</span> (range {money(lo)} – {money(hi)}; "
                                f"current routing {money(r['baseline_monthly_cost_usd'])}, all flagship "
                                f"{money(r['all_flagship_monthly_cost_usd'])})")
        pct = "-" if r["savings_pct"] is None else f"{r['savings_pct']:.1f} %"
        cps = r["cost_per_success_usd"]
        self.savings_html.value = (f"<b>Savings:</b> <span class='rk-value' data-value='{r['savings_usd']}'>"
                                   f"{money(r['savings_usd'])}</span> ({pct}); cost per successful task "
                                   + ("-" if cps is None else f"${cps:,.6f}"))
        k = r["risk"]
        a, b = k["interval"]
        self.risk_html.value = (f"<b>Quality risk:</b> {k['extra_failures_per_month']:+,.1f} extra failures/month "
                                f"(90 % interval {a:+,.1f} to {b:+,.1f}); extra-failure rate "
                                f"<span class='rk-value' data-value='{k['extra_failure_rate']}'>"
                                f"{k['extra_failure_rate']:.2%}</span>")
        self.mode_html.value = f"<i>showing: {html.escape(self.mode)}</i>"
        for task in self.tasks:
            custom = task in self.touched
            self.status[task].value = "custom mix" if custom else "<i>current routing</i>"

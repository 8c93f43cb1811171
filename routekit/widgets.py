"""The analyst's tier explorer: sliders per task type over the budget / mid / flagship tiers, priced live.

Every number shown is ``routekit simulate --policy``'s for the same mix: the controls make a Policy (a mix per task
type, shares in tenths of a percent summing to exactly 1; the tiers' representative models; the batch share) and the
readouts are Simulator.evaluate's figures for it, computed on the cube's arrays (``RowPrices.totals``: a slider move
costs milliseconds whatever the number of calls) and recomputed exactly in Decimal whenever a figure sits at a rounding
tie, and the risk engine's for its mix. A task type whose sliders were never touched keeps its current routing (it is
left out of the policy's mix), as in simulate; so does batch use until the batch share is moved.

Optimize runs the optimizer (``routekit optimize``) within the risk budget and shows its exact mix (per task type
and input length); the sliders show that mix aggregated per task type by requests. Moving a slider afterwards
switches back to the per-task mix of the sliders. Export writes the mix shown as a policy file, a routing table and
a LiteLLM router config (routekit/exports.py, the audit's writer too).

The charts are matplotlib figures built once and drawn by the Agg backend into PNG images (no ipympl, nothing from
the network): a redraw only moves bar heights and marker positions.
"""
from __future__ import annotations

import dataclasses
import html
import io
import re
import time
from decimal import Decimal
from pathlib import Path

import ipywidgets as W
import numpy as np

from routekit import exports, report_text
from routekit.prices import price_day_text
from routekit.scenario import OTHER_TIER, TIERS, Policy, PolicyError

SLIDER_TIERS = ("budget", "mid", "flagship")
TENTHS = 1000   # shares are held in tenths of a percent: 1000 = 100 %
PRESETS = ("current routing", "all flagship", "all mid", "all budget", "recommended")
EXPORT_DIR = Path(".routekit") / "exports"
SLIDER_NAMES_JS = (Path(__file__).parent / "data" / "slider_names.js").read_text(encoding="utf-8")
# Where representative candidates come from besides the client's own models: the model makers' own price lists in
# genai-prices (resellers and hosts list the same models again under other ids).
FIRST_PARTY = ("openai", "anthropic", "google", "mistral", "deepseek", "x-ai", "cohere")
PLAIN_MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]*[a-z0-9]$")   # not fine-tune stubs such as "ft:gpt-4o-mini"
BAND_COLOURS = {"green": "#2e7d32", "amber": "#ef8f00", "red": "#c62828"}
CHART_DPI = 80
# What a chart shows in place of this mix's bars or marker when it has no figure of its own
UNPRICED_NOTE = "this mix cannot be priced\n(see the reason above)"
CASCADE_NOTE = "this mix: a cascade,\nnot split per tier"
# In the widget itself (a <style> in an HTML widget applies to the page), so JupyterLab gets it as Voilà does: the
# readouts stick to the top of the scrolling page, so a slider far down still shows what it does to the figures.
# Sticking needs every box between them and the page's scroller to let its content overflow (widget boxes and
# output areas scroll their own content by default, and a sticky element sticks within its nearest such box).
LAYOUT_CSS = """<style>
.rk-tier-explorer .rk-readouts {position: sticky; top: 0; z-index: 5; padding: 2px 0 4px;
  background: var(--jp-layout-color0, #fff); border-bottom: 1px solid var(--jp-border-color2, #ddd);
  box-shadow: 0 -16px 0 var(--jp-layout-color0, #fff)}
.rk-tier-explorer .rk-readouts .widget-html {margin-top: 0; margin-bottom: 0}
.rk-tier-explorer, .jp-OutputArea:has(.rk-readouts), .jp-OutputArea-child:has(.rk-readouts),
.jp-OutputArea-output:has(.rk-readouts) {overflow: visible !important}
</style>"""


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


def representative_candidates(tier: str, tiermap, quote, extra=()) -> list[str]:
    """Models the tier map puts in ``tier`` that the price catalog prices (``quote(model)`` is not None), one per
    normalised model id (the shortest spelling), cheapest first: the model makers' own price lists in genai-prices
    plus ``extra`` (the client's observed models)."""
    from genai_prices import data_snapshot

    from routekit.tiers import normalise_model

    universe = [m.id for p in data_snapshot.get_snapshot().providers if p.id in FIRST_PARTY for m in p.models
                if PLAIN_MODEL_ID.match(m.id)]
    best: dict[str, str] = {}
    for model in dict.fromkeys([*universe, *extra]):
        found = tiermap.tier_of(model)
        if found is None or found.tier != tier or quote(model) is None:
            continue
        key = normalise_model(model)
        if key not in best or (len(model), model) < (len(best[key]), best[key]):
            best[key] = model
    return sorted(best.values(), key=lambda m: (float(quote(m).input_per_mtok), float(quote(m).output_per_mtok), m))


def cascade_line(c: dict) -> str:
    """A cascade of the mix shown, as simulate's lines give it: what its escalations and its validator add a month
    (a validator not given is said to be counted as free, so the figure is not read as net of the checks)."""
    money = report_text.money
    check = (f"validator {html.escape(c['validator'])}: <span class='rk-validator-cost' "
             f"data-value='{c['validator_cost_usd']}'>+{money(c['validator_cost_usd'])}</span>/month"
             if c["validator"] is not None else f"validator {html.escape(c['validator_note'])}")
    return (f"<b>Cascade {html.escape(c['task_type'])}</b> ({c['from']} → {c['to']}): "
            f"{100 * c['escalation_rate']:.1f} % escalated, +{money(c['added_cost_usd'])}/month; {check}")


class TierExplorer:
    """Controls (tier sliders per task type, batch share, representatives) → a Policy → the simulator's and risk
    engine's numbers, two charts and the exports."""

    def __init__(self, client_dir: Path | str, *, prices: str | None = None, db: str | None = None,
                 date: str | None = None, risk_budget: float = 0.02, policy: Path | str | None = None) -> None:
        from routekit.workspace import Workspace

        self.client_dir = Path(client_dir)
        # the cascades of the policy file shown last (load_policy; `routekit dashboard --policy`): the ones the
        # optimizer may use, as `routekit optimize --policy` does
        self.cascades: dict = {}
        self.db = Path(db) if db else None
        self.scenario = Workspace(self.client_dir, prices=prices, db=db, date=date)
        self.sim = self.scenario.sim
        self.prices = self.sim.row_prices()
        _, self.base_engine, _ = self.scenario.evaluate(None)   # the cube and risk engine (current routing)
        self.engine = self.base_engine
        self.tasks = list(self.engine.tasks)
        eng = self.engine
        per_task = np.bincount(eng.task_of[eng.group_of], weights=eng.cube.requests, minlength=len(self.tasks))
        # a task whose traffic is all usage without request counts: nothing to route, its sliders would move nothing
        self.idle_tasks = {t for t, n in zip(self.tasks, per_task.tolist()) if n <= 0}
        self.current_values = self._aggregate_current()
        self.representatives = dict(self.sim.representatives)
        n = self.prices.requests
        self.current_batch = float((n * self.prices.is_batch).sum() / n.sum()) if n.sum() else 0.0
        self.batch: Decimal | None = None   # None: every call keeps its current batch use
        self.touched: set[str] = set()
        self.exact_policy: Policy | None = None   # the optimizer's (or a loaded) per-length policy while it is shown
        self.plan = None
        self.mode = "current routing"
        self.result: dict | None = None
        self.recomputes = 0
        self.error: str | None = None   # why the mix shown cannot be priced (a tier's model has no price)
        self.timings: dict[str, float] = {}
        self._priced_for = self._planned_for = None
        self._baseline_monthly, self._baseline_by_tier = 0.0, None   # set by the first recompute (current routing)
        self._routing: exports.RoutingInputs | None = None
        self._busy = self._pending = self._quiet = False
        self._build(risk_budget)
        self.recompute()
        if policy:
            self.load_policy(policy)

    # -- numbers ---------------------------------------------------------------------------------------------------
    def _aggregate_current(self) -> dict[str, dict[str, int]]:
        """Each task's current requests per tier (unmapped models count as flagship, as in the risk engine;
        reasoning is shown with flagship), in tenths of a percent."""
        return self._slider_values(self.engine.cube.requests[:, None] * self.engine.current_shares)

    def _slider_values(self, tier_requests: np.ndarray) -> dict[str, dict[str, int]]:
        """Requests per cube row and tier [S, T] → each task's slider values (reasoning shown with flagship)."""
        eng = self.engine
        task = eng.task_of[eng.group_of]
        per = np.stack([np.bincount(task, weights=tier_requests[:, t], minlength=len(self.tasks))
                        for t in range(len(TIERS))], axis=1)
        out = {}
        for k, name in enumerate(self.tasks):
            req = dict(zip(TIERS, per[k]))
            out[name] = self._to_tenths({"budget": req["budget"], "mid": req["mid"],
                                         "flagship": req["flagship"] + req["reasoning"]})
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

    def _batch_shares(self) -> dict[str, Decimal]:
        return {t: self.batch for t in self.tasks} if self.batch is not None else {}

    def pricing(self) -> Policy:
        """The representatives and batch shares in force, without a mix: what the cube and the optimizer price."""
        return Policy(tiers=dict(self.representatives), batch_share=self._batch_shares(), cascade=dict(self.cascades),
                      name="tier explorer")

    def policy(self) -> Policy | None:
        """What the readout evaluates: None (current routing), the optimizer's (or a loaded) policy, or the sliders'
        mix for every touched task type (untouched ones keep their current routing), with the representatives and
        batch share in force."""
        if self.exact_policy is not None:
            return self.exact_policy
        if not self.touched and self.batch is None and self.representatives == self.sim.representatives:
            return None
        return dataclasses.replace(self.pricing(), mix={t: self.shares(t) for t in self.tasks if t in self.touched})

    def policy_yaml(self) -> dict:
        policy = self.policy()
        return policy.to_yaml() if policy else {}

    # -- widgets ---------------------------------------------------------------------------------------------------
    def _build(self, risk_budget: float) -> None:
        self.sliders: dict[str, dict[str, W.FloatSlider]] = {}
        self._values = {task: dict(v) for task, v in self.current_values.items()}
        self.groups: dict[str, W.HBox] = {}
        self.status: dict[str, W.HTML] = {}
        self.bands: dict[str, W.HTML] = {}
        rows = [self._task_row(task) for task in self.tasks]
        self.preset = W.Dropdown(options=PRESETS, value="current routing", description="preset")
        self.preset.add_class("rk-preset")
        self.preset.observe(lambda ch: ch["new"] is not None and self.apply_preset(ch["new"]), names="value")
        self.budget = W.FloatText(value=risk_budget, step=0.005, description="risk budget",
                                  layout=W.Layout(width="200px"))
        self.budget.add_class("rk-risk-budget")
        self.budget.observe(self._on_budget, names="value")
        # the last valid budget, and why the one typed in the field is not (None: it is the field's)
        self._risk_budget, self.budget_error = float(risk_budget), None
        self.optimize_button = W.Button(description="Optimize", button_style="primary")
        self.optimize_button.add_class("rk-optimize")
        self.optimize_button.on_click(lambda _: self._departed() or self.optimize())
        self.batch_slider = W.FloatSlider(value=round(self.current_batch * 100, 1), min=0, max=100, step=0.1,
                                          description="batch %", tooltip="batch share of requests, per cent",
                                          readout_format=".1f", continuous_update=True,
                                          layout=W.Layout(width="300px"), style={"description_width": "60px"})
        self.batch_slider.add_class("rk-batch-share")
        self.batch_slider.observe(self._on_batch, names="value")
        self.rep_menus = {tier: self._rep_menu(tier) for tier in TIERS if tier in self.representatives}
        self.export_dir = W.Text(placeholder=str(self.client_dir / EXPORT_DIR), description="export to",
                                 layout=W.Layout(width="460px"))
        self.export_dir.add_class("rk-export-dir")
        self.export_button = W.Button(description="Export", icon="download")
        self.export_button.add_class("rk-export")
        self.export_button.on_click(lambda _: self._export_clicked())
        self.export_html = W.HTML()
        self.export_html.add_class("rk-export-paths")
        self.cost_html, self.savings_html, self.risk_html = W.HTML(), W.HTML(), W.HTML()
        self.cost_html.add_class("rk-monthly-cost")
        self.savings_html.add_class("rk-savings")
        self.risk_html.add_class("rk-risk")
        self.mode_html = W.HTML()
        self.mode_html.add_class("rk-mode")
        self.cost_chart, self.frontier_chart = CostChart(), FrontierChart()
        controls = W.VBox([W.HBox([self.preset, self.budget, self.optimize_button]),
                           W.HBox([self.batch_slider, W.HTML("<i>of requests through the providers' batch APIs</i>")]),
                           W.HBox(list(self.rep_menus.values()), layout=W.Layout(flex_flow="row wrap")),
                           W.HBox([self.export_dir, self.export_button]), self.export_html])
        self.cascades_html = W.HTML()
        self.cascades_html.add_class("rk-cascades")
        readouts = W.VBox([self.mode_html, self.cost_html, self.savings_html, self.risk_html, self.cascades_html])
        readouts.add_class("rk-readouts")
        charts = W.VBox([self.cost_chart.image, self.frontier_chart.image])
        # the sliders and the charts side by side where the screen is wide enough (1920 px), the charts under the
        # sliders where it is not (1280 px); the readouts stay in view while the sliders scroll (LAYOUT_CSS)
        body = W.HBox([W.VBox(rows), charts], layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))
        self.basis_html = W.HTML(self._basis())
        self.basis_html.add_class("rk-basis")
        self.widget = W.VBox([W.HTML(LAYOUT_CSS), W.HTML(f"<h3>Tier explorer: {html.escape(self.client_dir.name)}</h3>"),
                              self.basis_html, readouts, controls, body])
        self.widget.add_class("rk-tier-explorer")

    def _basis(self) -> str:
        """What every figure rests on, as simulate's first lines say it: the price date, the price sources (a
        prices.csv of negotiated rates first) and how the logs' period is projected to a month."""
        sim = self.sim
        projection = sim.projection.to_json()["method"] if sim.projection else None
        return (f"<i>prices as of {price_day_text(sim.on)} ({html.escape(', '.join(sim.catalog.sources))})"
                + (f"; projection: {html.escape(projection)}" if projection else "") + "</i>")

    def _task_row(self, task: str) -> W.HBox:
        sl = {}
        for tier in SLIDER_TIERS:
            s = W.FloatSlider(value=self.current_values[task][tier] / 10, min=0, max=100, step=0.1,
                              description=tier, tooltip=f"{task}: {tier} tier share, per cent",
                              readout_format=".1f", continuous_update=True,
                              layout=W.Layout(width="230px"), style={"description_width": "60px"})
            s.add_class(f"rk-tier-{tier}")
            s.disabled = task in self.idle_tasks
            s.observe(lambda ch, task=task, tier=tier: self._on_slider(task, tier, ch), names="value")
            sl[tier] = s
        self.sliders[task] = sl
        label = W.HTML(f"<b>{html.escape(task)}</b>", layout=W.Layout(width="120px"))
        self.status[task] = W.HTML("", layout=W.Layout(width="120px"))
        self.bands[task] = W.HTML("", layout=W.Layout(width="220px"))
        self.bands[task].add_class("rk-band")
        box = W.HBox([label, *sl.values(), self.status[task], self.bands[task]])
        box.add_class(f"rk-task-{task}")
        self.groups[task] = box
        return box

    def _tier_map(self):
        """The client's tier map (routekit.yaml's tier models and representatives), read once."""
        from routekit.config import load_config
        from routekit.tiers import TierMap

        if not hasattr(self, "_tiermap"):
            self._tiermap = TierMap.for_config(load_config(self.client_dir))
        return self._tiermap

    def _rep_menu(self, tier: str) -> W.Dropdown:
        quote = lambda m: self.sim.catalog.quote(m, None, on=self.sim.on)   # noqa: E731  (never marks unpriced)
        observed = [m["model"] for m in self.scenario.models if m.get("model")]
        models = representative_candidates(tier, self._tier_map(), quote, observed)
        current = self.representatives[tier]
        if current not in models:
            models.insert(0, current)

        def label(model: str) -> str:
            q = quote(model)
            return f"{model} (no price)" if q is None else \
                f"{model} (${float(q.input_per_mtok):g} / ${float(q.output_per_mtok):g})"

        menu = W.Dropdown(options=[(label(m), m) for m in models], value=current, description=tier,
                          layout=W.Layout(width="340px"), style={"description_width": "72px"})
        menu.add_class(f"rk-rep-{tier}")
        menu.observe(lambda ch, tier=tier: self._departed() or self.set_representative(tier, ch["new"]),
                     names="value")
        return menu

    def show(self):
        from IPython.display import Javascript, display

        display(self.widget)
        display(Javascript(SLIDER_NAMES_JS))   # names the slider handles for screen readers (slider_names.js)
        return None

    def _ipython_display_(self):
        self.show()

    # -- events ----------------------------------------------------------------------------------------------------
    def _set_values(self, task: str, values: dict[str, int], moved: str | None = None) -> None:
        """The task's shares, and its sliders to show them; not the ``moved`` one, which the browser is moving: the
        kernel writing it back (74.6 for the browser's 74.60000000000001) could land after the browser's next
        keypress and pull the handle back a step, which then priced a mix the user had left (seen under load)."""
        self._values[task] = {t: int(values[t]) for t in SLIDER_TIERS}
        was, self._quiet = self._quiet, True
        try:
            for t in SLIDER_TIERS:
                if t != moved:
                    self.sliders[task][t].value = values[t] / 10
        finally:
            self._quiet = was

    def _on_slider(self, task: str, tier: str, change) -> None:
        if self._quiet:
            return
        new = int(round(change["new"] * 10))
        current = self.values(task)
        if new == current[tier]:
            # the browser echoing a value the kernel set (float noise such as 82.30000000000001): not a move, and
            # nothing to write back (the shares are held in tenths of a percent, not in the slider)
            return
        self._set_values(task, renormalise(current, tier, new), moved=tier)
        if self.exact_policy is not None:   # leaving the optimizer's exact mix: every task is on its sliders now
            self.exact_policy = None
        self.touched.add(task)
        self._departed()
        self.mode = f"sliders (last move: {task} {tier} {change['new']:.1f} %)"
        self.request_recompute()

    def _on_batch(self, change) -> None:
        if self._quiet:
            return
        share = Decimal(int(round(change["new"] * 10))) / TENTHS
        if self.batch is None and abs(float(share) - self.current_batch) < 0.0005:
            return   # the browser echoing the starting value: each call still keeps its own batch use
        self._departed()
        self.set_batch_share(share)

    def set_batch_share(self, share: Decimal | float | None) -> None:
        """Send this share of every task's requests through the batch APIs (None: each call's current batch use)."""
        self.batch = None if share is None else Decimal(str(share))
        self._set_quietly(self.batch_slider, round((self.current_batch if share is None else float(share)) * 100, 1))
        if self.exact_policy is not None:
            self.exact_policy = dataclasses.replace(self.exact_policy, batch_share=self._batch_shares())
        self.request_recompute()

    def set_representative(self, tier: str, model: str) -> None:
        """Price ``tier`` at ``model`` (Policy.tiers, as a policy file's ``tiers:`` does)."""
        if self.representatives.get(tier) == model:
            return
        self.representatives[tier] = model
        if tier in self.rep_menus and self.rep_menus[tier].value != model:
            options = [v for _, v in self.rep_menus[tier].options]
            if model not in options:
                self.rep_menus[tier].options = [(model, model), *self.rep_menus[tier].options]
            self._set_quietly(self.rep_menus[tier], model)
        if self.exact_policy is not None:
            self.exact_policy = dataclasses.replace(self.exact_policy, tiers=dict(self.representatives))
        self.request_recompute()

    def _departed(self) -> None:
        """A control other than the preset menu moved: the menu goes blank, so that choosing the preset it showed
        (current routing, to start over) is a change the menu reports and is applied again."""
        self._set_quietly(self.preset, None)

    def _set_quietly(self, widget, value) -> None:
        was, self._quiet = self._quiet, True
        try:
            widget.value = value
        finally:
            self._quiet = was

    def apply_preset(self, name: str) -> None:
        self.exact_policy = None
        if name == "current routing":
            for task in self.tasks:
                self._set_values(task, self.current_values[task])
            self.touched = set()
            self.batch = None
            self._set_quietly(self.batch_slider, round(self.current_batch * 100, 1))
            self.mode = "current routing"
        elif name in ("all flagship", "all mid", "all budget"):
            tier = name.split()[1]
            for task in self.tasks:
                self._set_values(task, {t: TENTHS if t == tier else 0 for t in SLIDER_TIERS})
            self.touched = set(self.tasks)
            self.mode = name
        elif name == "recommended":
            self.optimize()
            return
        self.request_recompute()

    def _on_budget(self, change) -> None:
        """A risk budget typed in: checked as --risk-budget is (report.check_risk_budget); a bad one is said beside
        the mode and changes nothing (the frontier and Optimize keep the last good one, rather than one held to
        0..1 without a word)."""
        from routekit.report import AuditError, check_risk_budget

        self._departed()
        try:
            check_risk_budget(change["new"], "risk budget")
        except AuditError as exc:
            self.budget_error = f"{exc}; the frontier and Optimize keep {self._risk_budget:g}"
            self.mode_html.value = self._mode_line()
            return
        self._risk_budget, self.budget_error = float(change["new"]), None
        self.request_recompute()

    def _mode_line(self) -> str:
        line = f"<i>showing: {html.escape(self.mode)}</i>"
        if self.budget_error:
            line += f"<br><span class='rk-error' style='color:#b00'>{html.escape(self.budget_error)}</span>"
        return line

    def optimize(self) -> None:
        """The optimizer's mix within the risk budget: shown exactly; the sliders show it per task type."""
        if self.budget_error:   # the budget typed is not a share: say so rather than optimize for another one
            self.mode_html.value = self._mode_line()
            return
        rate = self._risk_budget
        self._reprice()
        plan = self._plan()
        policy = plan.policy(self.pricing(), name=f"optimized: extra-failure rate <= {rate:g}")
        policy.tiers = {**self.sim.representatives, **policy.tiers}
        self.show_policy(policy, f"optimized (risk budget {rate:g}, feasible: {'yes' if plan.feasible else 'no'})")

    def load_policy(self, path: Path | str) -> None:
        """Show a policy file (``routekit optimize --write-policy``, the audit's policy.yaml, an export) exactly."""
        policy = Policy.load(path)
        if policy.cascade != self.cascades:
            self.cascades, self._planned_for = dict(policy.cascade), None
        shares = {policy.batch_share.get(t) for t in self.tasks}
        self.representatives = {**self.sim.representatives, **policy.tiers}
        for tier, menu in self.rep_menus.items():
            if menu.value != self.representatives[tier]:
                if self.representatives[tier] not in [v for _, v in menu.options]:
                    menu.options = [(self.representatives[tier], self.representatives[tier]), *menu.options]
                self._set_quietly(menu, self.representatives[tier])
        self.batch = shares.pop() if len(shares) == 1 else None
        self._set_quietly(self.batch_slider, round((self.current_batch if self.batch is None
                                                    else float(self.batch)) * 100, 1))
        self.show_policy(policy, f"policy file {Path(path).name}")

    def show_policy(self, policy: Policy, mode: str) -> None:
        """Evaluate ``policy`` exactly (per length, cascades and all); the sliders show it per task by requests."""
        mix = self.engine.mix_of(policy)
        # kept (and cascaded) requests are counted at the tiers serving them today
        per_tier = self.engine.cube.requests[:, None] * (
            mix.shares + (mix.keep + mix.cascade)[:, None] * self.engine.current_shares)
        for task, values in self._slider_values(per_tier).items():
            self._set_values(task, values)
        self.touched = set(self.tasks)
        self.exact_policy = policy
        self.mode = mode
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

    # -- recompute -------------------------------------------------------------------------------------------------
    def _reprice(self) -> None:
        """The cube and the risk engine at the representatives and batch share in force (cost only: requests,
        failure rates and Monte Carlo draws are shared), redone only when those change."""
        key = (tuple(sorted(self.representatives.items())), self.batch)
        if key != self._priced_for:
            self.engine = self.base_engine.repriced(self.sim.cost_cube(self.pricing()))
            self._priced_for = key

    def _budget(self) -> float:
        """The risk budget as a share of requests: the last valid one typed (or given at opening)."""
        return self._risk_budget

    def _plan(self):
        """The optimizer at the risk budget on the cube in force (its frontier too), redone when either changes."""
        from routekit.optimize import optimize

        key = (self._priced_for, self._budget())
        if key != self._planned_for:
            self.plan = optimize(self.engine, self._budget(), self.cascades or None)
            self._planned_for = key
        return self.plan

    def evaluate(self, policy: Policy | None) -> dict:
        """Simulator.evaluate's figures for the policy (from the cube's arrays; exactly in Decimal when a figure is
        at a rounding tie or the mix uses a cascade), with the risk, cost per successful task and band per task."""
        result = self.prices.totals(policy)
        if result is None or result["needs_exact"]:
            exact = self.sim.evaluate(policy, escalation=self.scenario.quality.escalation)
            result = {**(result or {}), **{k: exact[k] for k in exact if k != "segments"}}
        risk = self.engine.evaluate(self.engine.mix_of(policy))
        result["risk"] = risk.to_json()
        result["cost_per_success_usd"] = risk.cost_per_success()
        result["bands"] = self.engine.task_bands(risk)
        result["cascades"] = risk.cascades   # what each cascade's escalations and validator add (simulate's lines)
        self.risk = risk
        return result

    def recompute(self) -> dict:
        start = time.perf_counter()
        self._reprice()
        plan = self._plan()
        try:
            result = self.evaluate(self.policy())
        except PolicyError as exc:
            # e.g. a tier whose representative has no price gets traffic: no figure is right, so none is shown
            self.error, self.result = str(exc), None
            self.recomputes += 1
            self._render_error()
            # the charts say so too, rather than keep the previous mix's bars and marker beside "-" readouts;
            # the current routing and the frontier (the optimizer leaves unpriced tiers out) are still right
            self.cost_chart.update(self._baseline_by_tier, None, note=UNPRICED_NOTE)
            self.frontier_chart.update(plan, None, self._baseline_monthly, self._budget(), note=UNPRICED_NOTE)
            return None
        self.error = None
        self.result = result
        # the current routing's figures do not depend on the mix: kept for a mix without them (cascade, unpriced)
        self._baseline_monthly = result["baseline_monthly_cost_usd"]
        self._baseline_by_tier = result.get("baseline_by_tier_usd") or self._baseline_by_tier
        self.recomputes += 1
        mid = time.perf_counter()
        self._render(result)
        drawn = time.perf_counter()
        by_tier = result.get("cost_by_tier_usd")
        self.cost_chart.update(self._baseline_by_tier, by_tier, note=None if by_tier is not None else CASCADE_NOTE)
        self.frontier_chart.update(plan, (100 * result["risk"]["extra_failure_rate"], result["monthly_cost_usd"]),
                                   result["baseline_monthly_cost_usd"], self._budget())
        end = time.perf_counter()
        self.timings = {"evaluate_ms": 1000 * (mid - start), "readouts_ms": 1000 * (drawn - mid),
                        "charts_ms": 1000 * (end - drawn), "total_ms": 1000 * (end - start)}
        return result

    def _render_error(self) -> None:
        self.mode_html.value = (f"{self._mode_line()}<br><span class='rk-error' "
                                f"style='color:#b00'>cannot price this mix: {html.escape(self.error)}</span>")
        for widget, name in ((self.cost_html, "Monthly cost"), (self.savings_html, "Savings"),
                             (self.risk_html, "Quality risk")):
            widget.value = f"<b>{name}:</b> -"
        self.cascades_html.value = ""
        for task in self.tasks:
            self.bands[task].value = ""

    def _render(self, r: dict) -> None:
        money = report_text.money   # -$249.55, not $-249.55
        lo, hi = r["cost_range_usd"]
        self.cost_html.value = (f"<b>Monthly cost:</b> <span class='rk-value' data-value='{r['monthly_cost_usd']}'>"
                                f"{money(r['monthly_cost_usd'])}</span> (range {money(lo)} – {money(hi)}; "
                                f"current routing {money(r['baseline_monthly_cost_usd'])}, all flagship "
                                f"{money(r['all_flagship_monthly_cost_usd'])})")
        pct = "-" if r["savings_pct"] is None else f"{r['savings_pct']:.1f} %"
        cps = r["cost_per_success_usd"]
        self.savings_html.value = (f"<b>Savings:</b> <span class='rk-value' data-value='{r['savings_usd']}'>"
                                   f"{money(r['savings_usd'])}</span> ({pct}); cost per successful task "
                                   + ("-" if cps is None else f"${cps:,.6f}")
                                   + (f"; {money(r['unsized_usage_monthly_cost_usd'])} of usage without request "
                                      "counts kept as it is" if r.get("unsized_usage_monthly_cost_usd") else ""))
        k = r["risk"]
        a, b = k["interval"]
        extra, a, b = (report_text.shown(v, 1) for v in (k["extra_failures_per_month"], a, b))
        self.risk_html.value = (f"<b>Quality risk:</b> {extra:+,.1f} extra failures/month "
                                f"(90 % interval {a:+,.1f} to {b:+,.1f}); extra-failure rate "
                                f"<span class='rk-value' data-value='{k['extra_failure_rate']}'>"
                                f"{report_text.shown(k['extra_failure_rate'], 4):.2%}</span>")
        self.cascades_html.value = "<br>".join(cascade_line(c) for c in r.get("cascades") or [])
        self.mode_html.value = self._mode_line()
        for task in self.tasks:
            if task in self.idle_tasks:
                self.status[task].value = "<i>no requests to route</i>"
                self.bands[task].value = "<span title='usage without request counts is kept as it is'>-</span>"
                continue
            custom = task in self.touched
            self.status[task].value = "custom mix" if custom else "<i>current routing</i>"
            rate, band = r["bands"][task]
            self.bands[task].value = (f"<span class='rk-band-value' data-band='{band}' style='color:"
                                      f"{BAND_COLOURS[band]}'>&#9679; {band}</span> "
                                      f"{report_text.shown(rate, 4):+.2%} extra failures")

    # -- exports ---------------------------------------------------------------------------------------------------
    def _routing_inputs(self) -> exports.RoutingInputs:
        from routekit.db import connect, default_db_path

        if self._routing is None:
            con = connect(self.db or default_db_path(self.client_dir), read_only=True)
            try:
                self._routing = exports.routing_inputs(con)
            finally:
                con.close()
        return self._routing

    def export_folder(self, path: Path | str | None) -> Path:
        """Where an export goes: ``CLIENT_DIR/.routekit/exports`` by default, a relative folder inside the client's
        folder (the Export box, ``export(path)`` and the notebook's export_dir alike): the kernel's working folder
        is, for the dashboard, its temporary copy of the notebook, deleted when the dashboard stops."""
        typed = str(path).strip() if path is not None else ""
        return self.client_dir / Path(typed).expanduser() if typed else self.client_dir / EXPORT_DIR

    def export(self, path: Path | str | None = None) -> dict[str, Path]:
        """Write the mix shown as policy.yaml (a ``routekit simulate --policy`` file), routing.json (the audit's
        routing table) and litellm_config.yaml (a LiteLLM router config) into ``path`` (default
        ``CLIENT_DIR/.routekit/exports``; a relative path inside the client's folder); returns their paths."""
        folder = self.export_folder(path)
        policy = self.policy() or dataclasses.replace(self.pricing(), name="current routing")
        exact = self.sim.evaluate(policy, escalation=self.scenario.quality.escalation)
        inputs = self._routing_inputs()
        mix = exports.policy_mix(policy, self.engine.groups)
        tiers = {**self.sim.representatives, **policy.tiers}
        providers = {t: q.provider for t, m in tiers.items() if (q := self.sim.catalog.quote(m, None, on=self.sim.on))}
        rate = self.evaluate(policy)["risk"]["extra_failure_rate"]
        about = (f"{self.client_dir.name}, {self.mode}\n# monthly cost ${exact['monthly_cost_usd']:,.2f} (current "
                 f"routing ${exact['baseline_monthly_cost_usd']:,.2f}), extra-failure rate {rate:.4%}\n")
        return exports.write_exports(
            folder, policy_yaml=policy.to_yaml(),
            policy_header=f"# routekit tier explorer: {about}{exports.check_line('policy.yaml', exact['prices_as_of'])}",
            routing=exports.routing_table(mix, inputs.current, tiers, inputs.max_tokens, inputs.overall,
                                          exact["segments"], inputs.reasoning, thinking=inputs.thinking,
                                          tier_map=self._tier_map(),
                                          catalog=self.sim.catalog, cascades=policy.cascade),
            litellm=exports.litellm_config(mix, inputs.current, tiers, providers, exact["segments"], policy.cascade),
            litellm_header=(f"# LiteLLM router config from the routekit tier explorer: {about}"
                            "# call model routekit-<task_type> (routekit-default otherwise); simple-shuffle picks a "
                            "deployment with probability weight / total weight\n# API keys come from the providers' "
                            "usual environment variables; batch shares are not a router setting (send that share "
                            "through the providers' batch APIs)\n"))

    def _export_clicked(self) -> None:
        from routekit.arguments import UsageError, writable_folder

        typed = self.export_dir.value.strip()
        folder = self.export_folder(typed)
        try:
            writable_folder("export to", typed or str(folder), folder)   # the CLI's check of an --out folder
            paths = self.export(folder)
        except (OSError, PolicyError, UsageError) as exc:
            self.export_html.value = f"<span style='color:#b00'>export failed: {html.escape(str(exc))}</span>"
            return
        self.export_html.value = "written: " + ", ".join(f"<code>{html.escape(str(p))}</code>"
                                                        for p in paths.values())


# -- charts ------------------------------------------------------------------------------------------------------
# A move redraws only what moved: the axes, ticks, labels and legend are drawn once into an Agg buffer and kept; a
# move restores that buffer, draws the moving artists (``animated``: left out of full draws) over it and encodes PNG
# at the fastest zlib level. Limits change only when a value leaves them (or shrinks far inside), with a full draw.
def _figure(width: float, height: float):
    """A matplotlib Figure on its own Agg canvas: no pyplot state, no GUI backend, no ipympl."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=CHART_DPI)
    FigureCanvasAgg(fig)
    return fig


def _dollars(value, _pos=None) -> str:
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"${value / size:g}{suffix}"
    return f"${value:g}"


class _Chart:
    """A figure whose moving artists are blitted over a cached background, shown as a PNG ipywidgets.Image."""

    def __init__(self, css_class: str) -> None:
        from matplotlib.ticker import FuncFormatter

        self.fig = _figure(5.0, 3.0)
        self.ax = self.fig.add_subplot()
        self.ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
        self.ax.tick_params(labelsize=8)
        self.image = W.Image(format="png")
        self.image.add_class(css_class)
        # said over the plot where this mix has no figure to draw (unpriced, or a cascade on the cost chart)
        self.note = self.ax.text(0.5, 0.55, "", transform=self.ax.transAxes, ha="center", va="center", fontsize=10,
                                 color="#b00", animated=True, visible=False,
                                 bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "#b00", "boxstyle": "round"})
        self.moving: list = [self.note]
        self._background = None

    def _set_note(self, note: str | None) -> None:
        self.note.set_text(note or "")
        self.note.set_visible(bool(note))

    def redraw_all(self) -> None:
        """Draw the still parts (new limits, a new frontier) and keep them as the background."""
        self.fig.canvas.draw()
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)

    def render(self) -> None:
        from PIL import Image

        canvas = self.fig.canvas
        if self._background is None:
            self.redraw_all()
        canvas.restore_region(self._background)
        for artist in self.moving:
            self.ax.draw_artist(artist)
        buf = io.BytesIO()
        Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).save(
            buf, format="png", compress_level=1)
        self.image.value = buf.getvalue()


def _limits(current: tuple[float, float], lo: float, hi: float, *, floor: float | None = None,
            fresh: bool = False) -> tuple | None:
    """New axis limits when [lo, hi] leaves the current ones or fills under a quarter of them (or ``fresh``: the
    data changed wholesale); else None."""
    span = hi - lo
    pad = span * 0.1 or max(abs(hi), 1.0) * 0.05
    a, b = current
    if not fresh and a <= lo and hi <= b and (b - a) * 0.25 <= span + 2 * pad:
        return None
    return (lo - pad if floor is None else floor, hi + pad)


class CostChart(_Chart):
    """Monthly cost per tier: the current routing and this mix side by side (kept traffic counts at the tier of
    the models serving it today)."""

    CATEGORIES = (*TIERS, OTHER_TIER)

    def __init__(self) -> None:
        from matplotlib.patches import Patch

        super().__init__("rk-chart-cost")
        ax = self.ax
        x, w = np.arange(len(self.CATEGORIES)), 0.38
        zeros = np.zeros(len(x))
        self.current = ax.bar(x - w / 2, zeros, w, color="#9e9e9e", animated=True)
        self.mix = ax.bar(x + w / 2, zeros, w, color="#1f77b4", animated=True)
        self.moving = [*self.current, *self.mix, self.note]
        ax.set_xticks(x, self.CATEGORIES, fontsize=8)
        ax.set_title("Monthly cost by tier", fontsize=10)
        ax.legend(handles=[Patch(color="#9e9e9e", label="current routing"), Patch(color="#1f77b4", label="this mix")],
                  fontsize=8, loc="upper left")
        ax.set_ylim(0, 1)
        self.fig.subplots_adjust(left=0.14, right=0.98, top=0.9, bottom=0.12)

    def update(self, current: dict | None, mix: dict | None, note: str | None = None) -> None:
        """``mix`` None: no bars for this mix, ``note`` says why (unpriced, or a cascade not split per tier)."""
        cur = [(current or {}).get(c, 0.0) for c in self.CATEGORIES]
        new = [(mix or {}).get(c, 0.0) for c in self.CATEGORIES]
        for bars, values in ((self.current, cur), (self.mix, new)):
            for bar, v in zip(bars, values):
                bar.set_height(v)
        for bar in self.mix:
            bar.set_visible(mix is not None)
        self._set_note(note)
        limits = _limits(self.ax.get_ylim(), 0.0, max(max(cur), max(new), 1e-6), floor=0.0)
        if limits is not None:
            self.ax.set_ylim(*limits)
            self.redraw_all()
        self.render()


class FrontierChart(_Chart):
    """The optimizer's cost–risk frontier with the current routing, the recommended mix (optimizer at the risk
    budget) and this mix."""

    def __init__(self) -> None:
        super().__init__("rk-chart-frontier")
        ax = self.ax
        (self.line,) = ax.plot([], [], "-o", ms=2, lw=1.2, color="#1f77b4", label="frontier")
        (self.current,) = ax.plot([], [], "s", ms=7, color="black", label="current routing")
        (self.recommended,) = ax.plot([], [], "*", ms=12, color="#d62728", label="recommended")
        (self.this,) = ax.plot([], [], "o", ms=9, mfc="none", mew=2, color="#ff7f0e", label="this mix",
                               animated=True)
        self.budget = ax.axvline(0, ls="--", lw=1, color="grey", label="risk budget")
        self.moving = [self.this, self.note]
        ax.set_xlabel("extra-failure rate vs current routing (%)", fontsize=8)
        ax.set_title("Cost–risk frontier", fontsize=10)
        ax.legend(fontsize=7, loc="upper right")
        self.fig.subplots_adjust(left=0.14, right=0.98, top=0.9, bottom=0.16)
        self._drawn_for = None

    def update(self, plan, this: tuple[float, float] | None, baseline: float, budget: float,
               note: str | None = None) -> None:
        """``this``: (extra-failure rate in %, monthly cost) of the mix shown; None: no marker, ``note`` says why."""
        self.this.set_visible(this is not None)
        if this is not None:
            self.this.set_data([this[0]], [this[1]])
        self._set_note(note)
        still = (id(plan), budget, baseline)
        if still != self._drawn_for:   # the frontier moves only with the representatives, batch share or budget
            self.line.set_data([100 * p["extra_failure_rate"] for p in plan.frontier],
                               [p["monthly_cost_usd"] for p in plan.frontier])
            self.recommended.set_data([100 * plan.extra_failure_rate], [plan.cost])
            self.current.set_data([0.0], [baseline])
            self.budget.set_xdata([100 * budget] * 2)
            self._drawn_for = still
            fresh = True
        else:
            fresh = False
        shown = [this] if this is not None else []
        xs = [*self.line.get_xdata(), 0.0, *(x for x, _ in shown), 100 * budget, 100 * plan.extra_failure_rate]
        ys = [*self.line.get_ydata(), baseline, *(y for _, y in shown), plan.cost]
        x_new = _limits(self.ax.get_xlim(), min(xs), max(xs), fresh=fresh)
        y_new = _limits(self.ax.get_ylim(), min(ys), max(ys), fresh=fresh)
        if x_new or y_new:
            self.ax.set_xlim(*(x_new or self.ax.get_xlim()))
            self.ax.set_ylim(*(y_new or self.ax.get_ylim()))
            self.redraw_all()
        self.render()

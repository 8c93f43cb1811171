"""The tier explorer: sliders that keep summing to 100 %, readouts equal to `routekit simulate --policy`, and the
live widget in a real browser (Voilà + Playwright with Debian's chromium)."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import ROOT, run_cli
from test_simulate import _client

CHROMIUM = Path("/usr/bin/chromium")
BAND_NAMES = ("green", "amber", "red")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_renormalise_keeps_the_group_at_100_percent():
    from routekit.widgets import TENTHS, renormalise

    out = renormalise({"budget": 200, "mid": 300, "flagship": 500}, "flagship", 100)
    assert out["flagship"] == 100 and sum(out.values()) == TENTHS
    assert out["mid"] / out["budget"] == pytest.approx(1.5, abs=0.01)   # proportional
    out = renormalise({"budget": 0, "mid": 0, "flagship": 1000}, "flagship", 401)
    assert out["flagship"] == 401 and sum(out.values()) == TENTHS and {out["budget"], out["mid"]} == {299, 300}
    assert sum(renormalise({"budget": 333, "mid": 333, "flagship": 334}, "mid", 7).values()) == TENTHS


def test_moving_a_slider_prices_the_mix_as_simulate_does(tmp_path):
    from routekit.scenario import Policy
    from routekit.widgets import SLIDER_TIERS, TierExplorer

    client = _client(tmp_path)
    x = TierExplorer(client)
    assert x.policy() is None and x.result["monthly_cost_usd"] == 4.72   # the current routing (test_simulate)
    task = x.tasks[0]
    x.sliders[task]["flagship"].value = 40.0
    values = x.values(task)
    assert values["flagship"] == 400 and sum(values.values()) == 1000
    assert sum(x.sliders[task][t].value for t in SLIDER_TIERS) == pytest.approx(100.0)
    shares = {t: Decimal(v) / 1000 for t, v in values.items() if v}
    policy = Policy(mix={task: shares}, name="same mix")
    direct = x.sim.evaluate(policy, escalation=x.scenario.quality.escalation)
    assert x.result["monthly_cost_usd"] == direct["monthly_cost_usd"]
    assert x.result["cost_range_usd"] == direct["cost_range_usd"]
    assert x.result["savings_usd"] == direct["savings_usd"]
    # and the command line, on the same mix written as a policy file
    path = tmp_path / "mix.yaml"
    path.write_text(yaml.safe_dump(x.policy_yaml()))
    cli = json.loads(run_cli("simulate", str(client), "--policy", str(path), "--json").stdout)
    for key in ("monthly_cost_usd", "savings_usd", "savings_pct", "cost_range_usd", "cost_per_success_usd"):
        assert x.result[key] == cli[key], key
    assert x.result["risk"] == cli["risk"]
    assert f"${cli['monthly_cost_usd']:,.2f}" in x.cost_html.value
    # presets and the optimizer
    x.preset.value = "all flagship"
    assert x.result["monthly_cost_usd"] == 6.60 and x.values(task)["flagship"] == 1000
    x.budget.value = 0.01
    x.optimize()
    assert x.risk.extra_failure_rate <= 0.01 + 1e-9
    assert sum(x.values(task).values()) == 1000
    x.preset.value = "current routing"
    assert x.policy() is None and x.result["monthly_cost_usd"] == 4.72


def test_batch_share_and_representatives_price_as_simulate(tmp_path):
    """The batch share and a tier's representative are Policy fields (batch_share, tiers): the readout is simulate's
    for the same file. Batch prices (genai-prices): gpt-4o 1.25 in, 1.25 cached, 5 out; gpt-4o-mini 0.075 / 0.075 /
    0.30; gpt-4.1-nano 0.05 / 0.025 / 0.20 per million tokens."""
    from routekit.widgets import TierExplorer

    client = _client(tmp_path)
    x = TierExplorer(client)
    assert x.batch_slider.value == 0.0 and x.policy() is None   # no batch use in the logs
    x.batch_slider.value = 100.0
    # all through batch: r1 (8,000 + 2,000) × 1.25 + 1,000 × 5 = 17,500e-6; r2 2,500 + 2,500 = 5,000e-6;
    # r3 (mini) 300 + 300 = 600e-6; r4 1,250 + 500 = 1,750e-6 → 24,850e-6 × 100 = $2.485: a tie, half up → $2.49
    assert x.result["monthly_cost_usd"] == 2.49 and x.result["baseline_monthly_cost_usd"] == 4.72
    x.rep_menus["budget"].value = "gpt-4.1-nano"
    assert x.result["monthly_cost_usd"] == 2.49   # no traffic on the budget tier yet
    x.sliders["other"]["budget"].value = 50.0
    x.sliders["other"]["flagship"].value = 50.0
    assert x.values("other") == {"budget": 500, "mid": 0, "flagship": 500}
    # budget at gpt-4.1-nano batch: 650 + 200 + 400 + 70 = 1,320e-6; flagship (gpt-4o batch) r3 at gpt-4o:
    # 4,000 × 1.25 + 1,000 × 5 = 10,000e-6 → 17,500 + 5,000 + 10,000 + 1,750 = 34,250e-6;
    # half each: 17,785e-6 × 100 = $1.7785 → $1.78
    assert x.result["monthly_cost_usd"] == 1.78
    policy = x.policy_yaml()
    assert policy["tiers"]["budget"] == "gpt-4.1-nano" and policy["batch_share"] == {"other": 1.0}
    path = tmp_path / "mix.yaml"
    path.write_text(yaml.safe_dump(policy))
    cli = json.loads(run_cli("simulate", str(client), "--policy", str(path), "--json").stdout)
    for key in ("monthly_cost_usd", "savings_usd", "savings_pct", "cost_range_usd", "cost_per_success_usd",
                "all_flagship_monthly_cost_usd", "risk"):
        assert x.result[key] == cli[key], key
    x.apply_preset("current routing")   # each call keeps its own batch use again
    assert x.policy() is None or x.policy().batch_share == {}
    assert x.result["monthly_cost_usd"] == 4.72


def test_representative_candidates_are_priced_models_of_the_tier():
    from routekit.prices import PriceCatalog
    from routekit.tiers import TierMap
    from routekit.widgets import representative_candidates

    tiers, catalog = TierMap.default(), PriceCatalog()
    quote = lambda m: catalog.quote(m)   # noqa: E731
    budget = representative_candidates("budget", tiers, quote, extra=["my-unknown-model"])
    assert {"gpt-5-nano", "gpt-4o-mini", "claude-3-haiku"} <= set(budget)
    assert "gpt-4o" not in budget and "my-unknown-model" not in budget and not any(":" in m for m in budget)
    assert all(tiers.tier_of(m).tier == "budget" and quote(m) is not None for m in budget)
    prices = [float(quote(m).input_per_mtok) for m in budget]
    assert prices == sorted(prices)
    assert "o3" in representative_candidates("reasoning", tiers, quote)


def test_bands_per_task_and_charts(tmp_path):
    from routekit.widgets import TierExplorer

    x = TierExplorer(_client(tmp_path))
    assert x.result["bands"] == {"other": (0.0, "green")}   # the current routing adds no failures
    assert "green" in x.bands["other"].value
    before = (bytes(x.cost_chart.image.value), bytes(x.frontier_chart.image.value))
    assert all(png.startswith(b"\x89PNG") for png in before)
    x.sliders["other"]["budget"].value = 100.0
    # all on the budget tier: the extra-failure rate is the request-weighted q(budget) - q(today's tiers), from the
    # engine's posterior means; bands: amber from 1 %, red from 5 % (quality.bands defaults)
    eng = x.engine
    q = eng.q[eng.group_of]
    n = eng.cube.requests
    rate = float((n * (q[:, 0] - (eng.current_shares * q).sum(1))).sum() / n.sum())
    got_rate, band = x.result["bands"]["other"]
    assert got_rate == pytest.approx(rate)
    assert band == ("green" if rate < 0.01 else "amber" if rate < 0.05 else "red")
    assert f"data-band='{band}'" in x.bands["other"].value
    after = (bytes(x.cost_chart.image.value), bytes(x.frontier_chart.image.value))
    assert after[0] != before[0] and after[1] != before[1]   # bars and the "this mix" marker moved
    # the cost chart's bars are the mix's cost per tier: all of it on budget now
    heights = {c: b.get_height() for c, b in zip(x.cost_chart.CATEGORIES, x.cost_chart.mix)}
    assert heights["budget"] == pytest.approx(x.result["monthly_cost_usd"], abs=0.006)
    assert heights["mid"] == heights["flagship"] == 0
    current = {c: b.get_height() for c, b in zip(x.cost_chart.CATEGORIES, x.cost_chart.current)}
    # today: gpt-4o (flagship) $4.60, gpt-4o-mini (budget) r3 $0.12 (test_simulate's figures)
    assert current["flagship"] == pytest.approx(4.60) and current["budget"] == pytest.approx(0.12)
    frontier = x.frontier_chart
    assert list(frontier.line.get_ydata()) == [p["monthly_cost_usd"] for p in x.plan.frontier]
    assert list(frontier.this.get_ydata()) == [x.result["monthly_cost_usd"]]


def test_rapid_moves_are_coalesced(tmp_path):
    from routekit.widgets import TierExplorer

    x = TierExplorer(_client(tmp_path))
    task = x.tasks[0]
    x._busy = True   # a recompute is running: moves arriving now only mark one pending
    before = x.recomputes
    for v in (70.0, 60.0, 50.0):
        x.sliders[task]["flagship"].value = v
    assert x.recomputes == before and x._pending
    x._busy = False
    x.sliders[task]["flagship"].value = 45.0
    assert x.recomputes == before + 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def engine_cost(explorer, task: str, values: dict[str, int]) -> float:
    """The engine's monthly cost with ``task`` at these shares (tenths of a percent), the other tasks untouched."""
    explorer._set_values(task, values)
    explorer.touched = {task}
    return explorer.recompute()["monthly_cost_usd"]


def move_flagship_left(page, task: str, explorer, presses: int = 5) -> tuple[dict[str, int], float]:
    """Press ArrowLeft on the task's flagship handle, then wait out the kernel round trip: the page's monthly cost
    settles on the engine's figure for the mix the page's sliders show. Returns (that mix, the cost shown)."""
    from routekit.widgets import SLIDER_TIERS

    start = explorer.current_values[task]
    handle = page.locator(f".rk-task-{task} .rk-tier-flagship .noUi-handle")
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(presses):
        page.keyboard.press("ArrowLeft")
    cost = page.locator(".rk-monthly-cost")
    deadline = time.monotonic() + 15
    while True:
        values = {t: int(round(float(page.locator(f".rk-task-{task} .rk-tier-{t} .widget-readout").inner_text())
                               * 10)) for t in SLIDER_TIERS}
        shown = _money(cost.inner_text())
        want = engine_cost(explorer, task, values)
        if sum(values.values()) == 1000 and values != start and shown == want:
            return values, shown
        assert time.monotonic() < deadline, (task, values, shown, want)
        page.wait_for_timeout(200)


def _money(text: str) -> float:
    return float(re.search(r"\$([\d,]+\.\d\d)", text).group(1).replace(",", ""))


def test_live_widget_in_a_real_browser(tmp_path):
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is missing: the browser test cannot run under CI")
        pytest.skip("/usr/bin/chromium is missing (install Debian's chromium to run the live-widget test)")
    from routekit.widgets import TierExplorer

    client = _client(tmp_path)
    expected = TierExplorer(client)   # builds the client's database once; the engine the test checks against
    task = expected.tasks[0]
    with _Dashboard(client, tmp_path) as dash, _page(dash, timeout_ms=30_000) as page:
        cost = page.locator(".rk-monthly-cost")
        assert _money(cost.inner_text()) == expected.result["monthly_cost_usd"]

        values, shown = move_flagship_left(page, task, expected)
        want = expected.result["monthly_cost_usd"]
        assert values["flagship"] < expected.current_values[task]["flagship"]
        assert shown != _money(f"${expected.result['baseline_monthly_cost_usd']:,.2f}") or \
            want == expected.result["baseline_monthly_cost_usd"]

        # a budget representative and the batch share, from the page: the engine's figure for that state
        labels = dict(expected.rep_menus["budget"].options)   # the page's options carry the labels
        page.locator(".rk-rep-budget select").select_option(
            label=next(k for k, v in labels.items() if v == "gpt-4.1-nano"))
        page.locator(".rk-batch-share .noUi-handle").focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        deadline = time.monotonic() + 15
        while True:
            batch = float(page.locator(".rk-batch-share .widget-readout").inner_text())
            expected.set_representative("budget", labels[page.locator(".rk-rep-budget select")
                                                         .evaluate("e => e.options[e.selectedIndex].text")
                                                         .replace("\xa0", " ")])   # the page's spaces
            expected.set_batch_share(Decimal(int(round(batch * 10))) / 1000)
            want = expected.result["monthly_cost_usd"]
            shown = _money(cost.inner_text())
            if batch > 0 and expected.representatives["budget"] == "gpt-4.1-nano" and shown == want:
                break
            assert time.monotonic() < deadline, (batch, shown, want)
            time.sleep(0.2)
        for chart in ("rk-chart-cost", "rk-chart-frontier"):   # drawn PNGs, no plotting library in the page
            assert page.locator(f"img.{chart}").evaluate("e => e.naturalWidth") > 100
        assert page.locator(f".rk-task-{task} .rk-band-value").get_attribute("data-band") in BAND_NAMES

        page.locator(".rk-risk-budget input").fill("0.01")
        page.locator(".rk-risk-budget input").press("Enter")
        page.locator("button.rk-optimize").click()
        try:
            page.wait_for_function("document.querySelector('.rk-mode').innerText.includes('optimized')",
                                   timeout=10_000)
        except Exception:
            raise AssertionError(page.locator(".rk-mode").inner_text()) from None
        risk = page.locator(".rk-risk .rk-value")
        rate = float(risk.get_attribute("data-value"))
        assert rate <= 0.01 + 1e-9, (risk.inner_text(), page.locator(".rk-mode").inner_text())
        shot = tmp_path / "tier_explorer.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")


def test_tier_explorer_notebook_runs_with_papermill(tmp_path):
    import papermill as pm

    client = _client(tmp_path)
    out = tmp_path / "tier_explorer.out.ipynb"
    # a relative export_dir goes inside the client's folder, as the Export box's does, not into the kernel's
    # working folder (for the dashboard, a temporary copy of the notebook deleted when it stops)
    cwd = tmp_path / "kernel-cwd"
    cwd.mkdir()
    pm.execute_notebook(str(ROOT / "notebooks" / "tier_explorer.ipynb"), str(out), cwd=str(cwd),
                        parameters={"client_dir": str(client), "export_dir": "exports"},
                        kernel_name="python3", progress_bar=False)
    assert not (cwd / "exports").exists()
    exported = client / "exports"
    text = out.read_text()
    assert "application/vnd.jupyter.widget-view+json" in text   # the explorer was displayed
    # with the script that names its slider handles (an HTML export of this notebook runs it as JupyterLab does)
    assert "application/javascript" in text and "routekitSliderNames" in text
    assert "monthly cost $4.72" in text                          # on the client's traffic (test_simulate)
    # the exports of the opening mix (the current routing): simulate reads the policy back to the same cost
    policy = exported / "policy.yaml"
    assert json.loads(run_cli("simulate", str(client), "--policy", str(policy), "--json").stdout)[
        "monthly_cost_usd"] == 4.72
    config = yaml.safe_load((exported / "litellm_config.yaml").read_text())
    # today: 300 of 400 requests on gpt-4o, 100 on gpt-4o-mini
    assert {d["litellm_params"]["model"]: d["litellm_params"]["weight"] for d in config["model_list"]
            if d["model_name"] == "routekit-other"} == {"openai/gpt-4o": 0.75, "openai/gpt-4o-mini": 0.25}
    assert json.loads((exported / "routing.json").read_text())["routes"][0]["tier"] == "current"


def test_dashboard_serves_the_explorer(tmp_path):
    """`routekit dashboard` starts Voila on 127.0.0.1 in the foreground and prints the URL with its token."""
    port = _free_port()
    log = (tmp_path / "stderr.txt").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "routekit.cli", "dashboard", str(_client(tmp_path)),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=log,
                            text=True, start_new_session=True)
    try:
        line = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:(\d+)/\?token=(\S+))", line)
        assert match and int(match.group(2)) == port, line
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/kernels?token={match.group(3)}", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "voila did not start"
                time.sleep(0.3)
        assert proc.poll() is None   # still in the foreground
        # the page runs the notebook in a kernel; it is reached over Unix sockets, so ipykernel has no plain-TCP
        # warning to print (cli.cmd_dashboard)
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/?token={match.group(3)}", timeout=90).read()
        assert b"tier explorer" in page.lower()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()
    stderr = (tmp_path / "stderr.txt").read_text()
    assert "Traceback" not in stderr and "without encryption" not in stderr, stderr[-2000:]


def test_dashboard_refuses_a_port_in_use(tmp_path):
    """Voilà would move to the next port by itself, so the printed address would lead to whatever holds this one."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "routekit.cli", "dashboard", str(_client(tmp_path)),
                               "--port", str(port)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == f"routekit dashboard: --port {port}: in use by another program; choose another port"


def test_choosing_current_routing_again_resets_after_a_move(tmp_path):
    """The preset menu still read "current routing" after a slider move, so choosing it did nothing (a select
    reports no change for the option it already shows): the analyst had no way back. Any other control now blanks
    the menu, and choosing a preset applies it."""
    from routekit.widgets import TierExplorer

    x = TierExplorer(_client(tmp_path))
    x.sliders["other"]["budget"].value = 100.0
    assert x.preset.value is None and x.result["monthly_cost_usd"] != 4.72
    x.preset.value = "current routing"
    assert x.policy() is None and x.result["monthly_cost_usd"] == 4.72   # test_simulate's current routing, by hand
    assert x.values("other") == x.current_values["other"]
    x.batch_slider.value = 100.0   # the batch share departs from the preset too
    assert x.preset.value is None and x.result["monthly_cost_usd"] == 2.49   # all batch (see the batch test)
    x.preset.value = "current routing"
    assert x.result["monthly_cost_usd"] == 4.72 and x.batch is None
    x.preset.value = "all flagship"
    x.sliders["other"]["mid"].value = 10.0
    x.preset.value = "all flagship"   # chosen again after a move: applied again
    assert x.values("other")["flagship"] == 1000 and x.result["monthly_cost_usd"] == 6.60   # test_simulate
    # the cheapest edge too: every request on gpt-5-nano (0.05 in / 0.005 cached / 0.40 out): r1 8,000 × 0.05 +
    # 2,000 × 0.005 + 1,000 × 0.40 = 810e-6; r2 100 + 200 = 300e-6; r3 200 + 400 = 600e-6; r4 50 + 40 = 90e-6
    # → 1,800e-6 × 100 = $0.18
    x.preset.value = "all budget"
    assert x.values("other")["budget"] == 1000 and x.result["monthly_cost_usd"] == 0.18


def test_an_unpriced_representative_shows_why_instead_of_stale_figures(tmp_path):
    """routekit.yaml names a budget model no price list knows: a move that sends traffic to budget cannot be priced.
    The slider callback raised (the page kept the previous mix's figures beside the new sliders); now the readouts
    say why and show no figure, and the next priced mix shows figures again."""
    from routekit.widgets import TierExplorer

    client = _client(tmp_path)
    (client / "routekit.yaml").write_text("tiers:\n  representatives: {budget: nosuchmodel-1, mid: gpt-5-mini, "
                                          "flagship: gpt-4o}\n  models: {nosuchmodel-1: budget}\n")
    x = TierExplorer(client)
    assert x.result["monthly_cost_usd"] == 4.72
    assert x.rep_menus["budget"].options[0] == ("nosuchmodel-1 (no price)", "nosuchmodel-1")
    x.sliders["other"]["budget"].value = 50.0
    assert x.result is None and "nosuchmodel-1 has no price" in x.error
    assert "nosuchmodel-1 has no price" in x.mode_html.value and "$" not in x.cost_html.value
    x._export_clicked()   # the Export button says why too, rather than raising in the callback
    assert "export failed" in x.export_html.value and "no price" in x.export_html.value
    x.rep_menus["budget"].value = "gpt-5-nano"
    # budget 50 % took its share from today's 25 % budget / 75 % flagship: the mix is half budget, half flagship.
    # All on gpt-5-nano (0.05 in / 0.005 cached / 0.40 out): r1 8,000 × 0.05 + 2,000 × 0.005 + 1,000 × 0.40 =
    # 810e-6; r2 100 + 200 = 300e-6; r3 200 + 400 = 600e-6; r4 50 + 40 = 90e-6 → 1,800e-6 × 100 = $0.18.
    # All on gpt-4o: $6.60 (test_simulate). Half each: $0.09 + $3.30 = $3.39
    assert x.values("other") == {"budget": 500, "mid": 0, "flagship": 500}
    assert x.error is None and x.result["monthly_cost_usd"] == 3.39


def test_a_task_without_requests_has_no_sliders_to_move(tmp_path):
    """Anthropic's console usage CSV has tokens but no request counts: that traffic is kept as it is (README,
    simulate). Its task used to show live sliders that moved nothing and a green "+0.00 %" band."""
    import shutil

    from routekit.widgets import SLIDER_TIERS, TierExplorer

    client = tmp_path / "usage-only"
    client.mkdir()
    shutil.copy(ROOT / "sample_data" / "northwind_support" / "anthropic" / "claude_api_tokens_2026_10.csv", client)
    x = TierExplorer(client)
    assert x.idle_tasks == set(x.tasks) == {"other"}
    assert all(x.sliders["other"][t].disabled for t in SLIDER_TIERS)
    assert "no requests to route" in x.status["other"].value and "green" not in x.bands["other"].value
    # the usage kept as it is: $130.24, the figure README gives for northwind_support's Anthropic console usage
    assert x.result["monthly_cost_usd"] == x.result["unsized_usage_monthly_cost_usd"] == 130.24


class _Dashboard:
    """`routekit dashboard CLIENT --port P [OPTION...]` in its own process group: its URL, stopped by pid on exit."""

    def __init__(self, client: Path, tmp_path: Path, *options: str) -> None:
        self.port = _free_port()
        self.log = (tmp_path / "dashboard.log").open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "routekit.cli", "dashboard", str(client), "--port",
                                      str(self.port), *options], cwd=ROOT, stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, start_new_session=True)
        line = self.proc.stdout.readline()
        self.url = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", line).group(1)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and self.proc.poll() is None, "voila did not start"
                time.sleep(0.3)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except ProcessLookupError:   # the test stopped it already, group and all
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        self.log.close()


def test_dashboard_of_a_client_with_invoices_only_says_why(tmp_path):
    """The page showed only Voilà's "There was an error when executing cell [2]. Please run Voilà with
    --show_tracebacks=True…": nothing an analyst can act on."""
    import shutil

    client = tmp_path / "invoices-only"
    (client / "openai").mkdir(parents=True)
    shutil.copy(ROOT / "sample_data" / "brightside_agency" / "openai" / "cost_2026-07-01_2026-09-30.csv",
                client / "openai")
    with _Dashboard(client, tmp_path) as dash:
        page = urllib.request.urlopen(dash.url, timeout=90).read().decode()
    assert "no call logs or usage exports to simulate on (invoices alone say what was billed" in page
    assert "show_tracebacks" not in page and "Traceback" not in page


def _require_chromium() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is missing: the browser test cannot run under CI")
        pytest.skip("/usr/bin/chromium is missing (install Debian's chromium to run the browser tests)")


@contextmanager
def _page(dash, timeout_ms: int = 60_000):
    """The dashboard open in headless chromium at 1400×900, its monthly cost drawn."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(timeout_ms)
            page.goto(dash.url)
            page.wait_for_selector(".rk-monthly-cost .rk-value")
            yield page
        finally:
            browser.close()


def test_dashboard_page_offline_labelled_and_laid_out(tmp_path):
    """`routekit dashboard` in chromium at 1280×800 and 1920×1080, as an analyst uses it:
    - nothing is fetched from outside 127.0.0.1 (Voilà's lab page linked Font Awesome from cdn.jsdelivr.net);
    - every slider handle has a name a screen reader reads ("other: budget tier share, per cent"; it had none) and
      its value as the readout shows it;
    - the page is no wider than the window, and the monthly cost stays in view while the last task's slider is
      moved with the keyboard, far down the page at 1280×800 (the readouts scrolled away with the page);
    - "current routing" chosen after the move restores it, and Export writes its three files."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    client = _client(tmp_path)
    TierExplorer_cost = 4.72   # test_simulate's current routing, by hand
    with _Dashboard(client, tmp_path) as dash, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS)
        try:
            for width, height in ((1280, 800), (1920, 1080)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.set_default_timeout(60_000)
                requests = []
                page.on("request", lambda r: requests.append(r.url))
                page.goto(dash.url)
                page.wait_for_selector(".rk-monthly-cost .rk-value")
                page.wait_for_function("document.querySelectorAll('.noUi-handle[aria-label]').length >= 4")
                assert [u for u in requests if not u.startswith(f"http://127.0.0.1:{dash.port}/")
                        and not u.startswith(("data:", "blob:"))] == []
                handles = page.evaluate("""() => Array.from(document.querySelectorAll('.noUi-handle')).map(
                    h => [h.getAttribute('aria-label'), h.getAttribute('aria-valuetext')])""")
                # the batch share, then the only task's three tiers: today 25 % gpt-4o-mini (budget), 75 % gpt-4o
                assert handles == [["batch share of requests, per cent", "0.0 %"],
                                   ["other: budget tier share, per cent", "25.0 %"],
                                   ["other: mid tier share, per cent", "0.0 %"],
                                   ["other: flagship tier share, per cent", "75.0 %"]]
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(tmp_path / f"dashboard-{width}.png"), full_page=True)

                cost = page.locator(".rk-monthly-cost")
                assert _money(cost.inner_text()) == TierExplorer_cost
                handle = page.locator(".rk-task-other .rk-tier-flagship .noUi-handle")
                handle.scroll_into_view_if_needed()
                handle.focus()
                for _ in range(5):   # 75.0 → 74.5 %: the freed 0.5 % goes to budget (mid is at 0)
                    page.keyboard.press("ArrowLeft")
                page.wait_for_function("document.querySelector('.rk-task-other .rk-tier-flagship "
                                       ".noUi-handle').getAttribute('aria-valuetext') === '74.5 %'")
                # a moved task takes the sliders' mix at the tiers' representatives (routekit.yaml: budget
                # gpt-5-nano, flagship gpt-4o): 25.5 % of every request on gpt-5-nano, 74.5 % on gpt-4o.
                # All on gpt-4o: $6.60 (test_simulate); all on gpt-5-nano: $0.18 (the unpriced-representative test);
                # 0.745 × 6.60 + 0.255 × 0.18 = 4.917 + 0.0459 = $4.9629 → $4.96
                page.wait_for_function("document.querySelector('.rk-monthly-cost').innerText.includes('$4.96 ')")
                box = page.locator(".rk-readouts").bounding_box()
                assert 0 <= box["y"] and box["y"] + box["height"] <= height, box   # still in view
                page.locator(".rk-preset select").select_option("current routing")
                page.wait_for_function("document.querySelector('.rk-monthly-cost').innerText.includes('$4.72 ')")
                out = tmp_path / f"exports-{width}"
                page.locator(".rk-export-dir input").fill(str(out))
                page.locator("button.rk-export").click()
                page.wait_for_function("document.querySelector('.rk-export-paths').innerText.includes('written')")
                assert sorted(f.name for f in out.iterdir()) == ["litellm_config.yaml", "policy.yaml", "routing.json"]
                page.close()
        finally:
            browser.close()


# Negotiated gpt-4o rates with two dated periods (USD per million tokens: input, output, cached input). Outside the
# client folder, so only --prices brings them in.
DATED_PRICES = ("model,input_per_mtok,output_per_mtok,cached_input_per_mtok,valid_from\n"
                "gpt-4o,5.00,20.00,2.50,2026-01-01\n"
                "gpt-4o,2.00,8.00,1.00,2026-06-01\n")


def test_dashboard_takes_prices_date_and_risk_budget_as_simulate_does(tmp_path):
    """`routekit dashboard --prices F --date D --risk-budget R`: the page prices at the prices.csv's rates in force on
    D, as `routekit simulate --prices F --date D` does, and the optimizer's budget starts at R. The dashboard took
    none of them: its figures could not be set to the date or rates of the audit they illustrate."""
    _require_chromium()
    client = _client(tmp_path)
    prices = tmp_path / "negotiated.csv"
    prices.write_text(DATED_PRICES)
    policy = tmp_path / "all_flagship.yaml"
    policy.write_text("tiers: {flagship: gpt-4o}\nmix:\n  other: {flagship: 1.0}\n")
    pricing = ("--prices", str(prices), "--date", "2026-03-01")

    def simulate(*args: str) -> float:
        return json.loads(run_cli("simulate", str(client), *pricing, *args, "--json").stdout)["monthly_cost_usd"]

    # on 2026-03-01 gpt-4o is at 5.00 in / 2.50 cached / 20.00 out (the first period); gpt-4o-mini at list price:
    #   r1 (8,000 × 5 + 2,000 × 2.50 + 1,000 × 20) / 1e6 = 0.065; r2 (2,000 × 5 + 500 × 20) / 1e6 = 0.020;
    #   r3 gpt-4o-mini 0.0012 (test_simulate); r4 (1,000 × 5 + 100 × 20) / 1e6 = 0.007 → 0.0932 × 100 = $9.32
    # (at the latest prices, 2.00 / 1.00 / 8.00, it is 0.026 + 0.008 + 0.0012 + 0.0028 = 0.038 → $3.80)
    # all on gpt-4o: r3 (4,000 × 5 + 1,000 × 20) / 1e6 = 0.040 → 0.065 + 0.020 + 0.040 + 0.007 = 0.132 → $13.20
    assert simulate() == 9.32 and simulate("--policy", str(policy)) == 13.20
    with _Dashboard(client, tmp_path, *pricing, "--risk-budget", "0.01") as dash, _page(dash) as page:
        assert _money(page.locator(".rk-monthly-cost").inner_text()) == 9.32
        basis = page.locator(".rk-basis").inner_text()   # what the figures rest on, as simulate's first line
        assert basis.startswith("prices as of 2026-03-01 (prices.csv ") and str(prices) in basis, basis
        assert float(page.locator(".rk-risk-budget input").input_value()) == 0.01
        page.locator(".rk-preset select").select_option("all flagship")
        page.wait_for_function("document.querySelector('.rk-monthly-cost').innerText.includes('$13.20 ')")


@pytest.mark.parametrize("options, message", [
    (("--date", "2026-02-30"), "--date 2026-02-30: expected YYYY-MM-DD"),
    (("--risk-budget", "1.5"), "--risk-budget 1.5: expected a share of requests between 0 and 1"),
    (("--prices", "no-such-prices.csv"), "--prices no-such-prices.csv: no such file"),
    (("--policy", "no-such-policy.yaml"), "--policy no-such-policy.yaml: no such file"),
])
def test_dashboard_refuses_a_bad_option_before_voila_starts(tmp_path, options, message):
    """The same checks and words as simulate and audit, one line and exit 2, and no URL printed (Voilà never ran)."""
    proc = subprocess.run([sys.executable, "-m", "routekit.cli", "dashboard", str(_client(tmp_path)), "--port",
                           str(_free_port()), *options], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", f"routekit dashboard: {message}\n")


def test_dashboard_refuses_a_prices_file_or_config_that_does_not_parse(tmp_path):
    """--prices, the client's own prices.csv and its routekit.yaml are read before Voilà starts, as simulate reads
    them: the page used to be the first to say (after a kernel start) what the command line says in one line."""
    client = _client(tmp_path)
    bad = tmp_path / "prices.csv"
    bad.write_text("model,input_per_mtok,output_per_mtok\ngpt-4o,2.50,ten\n")

    def dashboard(*options: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "routekit.cli", "dashboard", str(client), "--port",
                               str(_free_port()), *options], cwd=ROOT, capture_output=True, text=True, timeout=60)

    for options, where in ((("--prices", str(bad)), bad), ((), client / "prices.csv")):
        if not options:
            (client / "prices.csv").write_text(bad.read_text())   # the client's own, read without --prices
        proc = dashboard(*options)
        assert proc.returncode == 2 and proc.stdout == "" and len(proc.stderr.splitlines()) == 1, proc.stderr
        assert str(where) in proc.stderr and "output_per_mtok" in proc.stderr, proc.stderr
    (client / "prices.csv").unlink()
    (client / "routekit.yaml").write_text("tiers:\n  representativs: {budget: gpt-5-nano}\n")
    proc = dashboard()
    assert proc.returncode == 2 and proc.stdout == "" and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert "representativs" in proc.stderr and "representatives" in proc.stderr, proc.stderr


def _pixels(chart, rgb: tuple[int, int, int], tolerance: int = 24) -> int:
    """How many pixels of the chart's PNG (as the page shows it) are within ``tolerance`` of this colour in each
    channel, outside its legend (whose swatches carry the same colours)."""
    import io

    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(bytes(chart.image.value))).convert("RGB")).astype(int)
    hit = (np.abs(img - np.array(rgb)) <= tolerance).all(axis=2)
    box = chart.ax.get_legend().get_window_extent()   # display pixels, origin at the bottom left
    height = img.shape[0]
    hit[max(0, int(height - box.y1) - 1):int(height - box.y0) + 1, max(0, int(box.x0) - 1):int(box.x1) + 1] = False
    return int(hit.sum())


THIS_MIX_BARS, THIS_MIX_MARKER, NOTE_RED = (0x1f, 0x77, 0xb4), (0xff, 0x7f, 0x0e), (0xbb, 0x00, 0x00)


def test_an_unpriced_mix_leaves_no_stale_bars_or_marker_in_the_charts(tmp_path):
    """The readouts said "cannot price this mix" while the charts still drew the previous mix's bars and marker, as
    if they were this mix's. Now the charts drop them and say so over the plot, and a priced mix brings them back.
    Checked on the PNGs the page shows: the blue "this mix" bars, the orange "this mix" ring, the red note."""
    from routekit.widgets import TierExplorer

    client = _client(tmp_path)
    (client / "routekit.yaml").write_text("tiers:\n  representatives: {budget: nosuchmodel-1, mid: gpt-5-mini, "
                                          "flagship: gpt-4o}\n  models: {nosuchmodel-1: budget}\n")
    x = TierExplorer(client)
    x.sliders["other"]["flagship"].value = 100.0   # priced: all on gpt-4o, $6.60 (test_simulate)
    assert x.result["monthly_cost_usd"] == 6.60
    cost, frontier = x.cost_chart, x.frontier_chart
    assert _pixels(cost, THIS_MIX_BARS) > 100 and _pixels(frontier, THIS_MIX_MARKER) > 10
    assert _pixels(cost, NOTE_RED) == 0 and _pixels(frontier, NOTE_RED) == 0

    x.sliders["other"]["budget"].value = 50.0   # half to the unpriced budget tier: no figure
    assert x.result is None and "$" not in x.cost_html.value
    cost, frontier = x.cost_chart, x.frontier_chart
    assert _pixels(cost, THIS_MIX_BARS) == 0 and _pixels(frontier, THIS_MIX_MARKER) == 0
    assert _pixels(cost, NOTE_RED) > 50 and _pixels(frontier, NOTE_RED) > 50
    assert "cannot be priced" in x.cost_chart.note.get_text() == x.frontier_chart.note.get_text()
    # the current routing's bars stay: today $4.60 on gpt-4o (flagship), $0.12 on gpt-4o-mini (budget)
    current = {c: b.get_height() for c, b in zip(x.cost_chart.CATEGORIES, x.cost_chart.current)}
    assert current["flagship"] == pytest.approx(4.60) and current["budget"] == pytest.approx(0.12)

    x.rep_menus["budget"].value = "gpt-5-nano"   # priced again: $3.39 (the unpriced-representative test)
    assert x.result["monthly_cost_usd"] == 3.39
    cost, frontier = x.cost_chart, x.frontier_chart
    assert _pixels(cost, THIS_MIX_BARS) > 100 and _pixels(frontier, THIS_MIX_MARKER) > 10
    assert _pixels(cost, NOTE_RED) == 0 and _pixels(frontier, NOTE_RED) == 0


def test_every_slider_carries_its_screen_reader_name(tmp_path):
    """The names the page gives the slider handles come from the widgets' tooltips (routekit/data/slider_names.js
    copies each into its handle's aria-label), so JupyterLab, Voilà and an exported notebook name them alike."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from routekit.widgets import SLIDER_TIERS, TierExplorer

    x = TierExplorer(_client(tmp_path))
    assert {t: x.sliders["other"][t].tooltip for t in SLIDER_TIERS} == {
        "budget": "other: budget tier share, per cent", "mid": "other: mid tier share, per cent",
        "flagship": "other: flagship tier share, per cent"}
    assert x.batch_slider.tooltip == "batch share of requests, per cent"
    InteractiveShell.instance()
    with capture_output() as shown:   # what a notebook cell displays: the widget, then the naming script
        x.show()
    kinds = [sorted(o.data) for o in shown.outputs]
    assert "application/vnd.jupyter.widget-view+json" in kinds[0] and "application/javascript" in kinds[1]
    assert "aria-label" in shown.outputs[1].data["application/javascript"]


def test_a_cascade_mix_keeps_the_current_bars_and_says_why_it_has_none(tmp_path):
    """A loaded policy with a cascade has no cost per tier (the exact path prices it): the cost chart drew every bar
    at zero, the current routing's too, as if nothing were spent. Now the current routing's bars stay and a note
    stands in for this mix's."""
    from routekit.widgets import CASCADE_NOTE, TierExplorer

    client = _client(tmp_path)
    policy = tmp_path / "cascade.yaml"
    policy.write_text("mix: {other: {cascade: 1.0}}\n"
                      "cascade: {other: {from: budget, to: flagship, detection_rate: 0.8, false_alarm_rate: 0.05}}\n")
    x = TierExplorer(client)
    x.load_policy(policy)
    assert x.result is not None and "cascade" in x.mode
    chart = x.cost_chart
    current = {c: b.get_height() for c, b in zip(chart.CATEGORIES, chart.current)}
    # today: gpt-4o (flagship) $4.60, gpt-4o-mini (budget) r3 $0.12 (test_simulate's figures)
    assert current["flagship"] == pytest.approx(4.60) and current["budget"] == pytest.approx(0.12)
    assert chart.note.get_visible() and chart.note.get_text() == CASCADE_NOTE
    assert _pixels(chart, THIS_MIX_BARS) == 0 and _pixels(chart, NOTE_RED) > 50
    assert _pixels(chart, (0x9e, 0x9e, 0x9e), tolerance=4) > 100   # the grey current-routing bars are drawn


def test_readouts_say_what_the_figures_rest_on_and_sign_them_plainly(tmp_path):
    """As an analyst reads them on the sample clients: the page did not say which prices (date, negotiated rates)
    or projection its figures use, which simulate prints first; a mix dearer than today read "Savings: $-1.88"
    (simulate and the report write -$1.88); a task whose mix adds a float-noise sliver of risk read "-0.00%"."""
    from datetime import datetime, timezone

    from routekit.widgets import TierExplorer

    x = TierExplorer(_client(tmp_path))
    today = datetime.now(timezone.utc).date()   # no --date: today's prices, named (it read "latest")
    assert x.basis_html.value == (f"<i>prices as of {today} (today, UTC) (genai-prices " + _genai_version() + "); "
                                  "projection: the "
                                  "logs cover 1 whole calendar month(s), 2026-09-01 to 2026-09-30: monthly = total / "
                                  "1</i>")
    x.preset.value = "all flagship"
    # all on gpt-4o: $6.60 against $4.72 today (test_simulate): savings 4.72 - 6.60 = -1.88
    assert "<b>Savings:</b> <span class='rk-value' data-value='-1.88'>-$1.88</span>" in x.savings_html.value
    # a mix whose extra-failure rate is float noise below zero: shown as nothing added, like simulate's +0.0
    x._render({**x.result, "bands": {"other": (-1e-12, "green")},
               "risk": {**x.result["risk"], "extra_failures_per_month": -1e-9, "interval": [-1e-9, 2.0],
                        "extra_failure_rate": -1e-12}})
    assert "+0.00% extra failures" in x.bands["other"].value
    assert "+0.0 extra failures/month (90 % interval +0.0 to +2.0)" in x.risk_html.value
    assert "-0.00" not in x.risk_html.value and "-0.0 " not in x.risk_html.value


def _genai_version() -> str:
    from importlib.metadata import version

    return version("genai-prices")


def test_a_risk_budget_typed_outside_0_to_1_is_refused_not_held_to_it(tmp_path):
    """Typing 5 in the risk budget moved the frontier chart's budget line to 100 % without a word (the value was
    held to 0..1) while Optimize refused it; the next move wiped Optimize's message. Now the field is checked as
    --risk-budget is, the refusal stays beside the mode, and nothing runs on a budget nobody typed."""
    from routekit.widgets import TierExplorer

    x = TierExplorer(_client(tmp_path), risk_budget=0.01)
    plan = x.plan
    x.budget.value = 5.0
    want = "risk budget 5.0: expected a share of requests between 0 and 1; the frontier and Optimize keep 0.01"
    assert x.budget_error == want and want in x.mode_html.value
    assert x._budget() == 0.01 and x.plan is plan   # the frontier was not redrawn for another budget
    assert list(x.frontier_chart.budget.get_xdata()) == [1.0, 1.0]   # 0.01 → 1 %
    x.optimize_button.click()
    assert x.mode == "current routing" and want in x.mode_html.value   # Optimize did not run
    x.sliders["other"]["budget"].value = 30.0
    assert want in x.mode_html.value and "last move: other budget 30.0" in x.mode_html.value
    x.budget.value = 0.02   # a good one again: taken, the refusal gone
    assert x.budget_error is None and x._budget() == 0.02 and "expected a share" not in x.mode_html.value
    assert list(x.frontier_chart.budget.get_xdata()) == [2.0, 2.0]


def test_export_box_names_a_file_in_the_way_and_keeps_relative_folders_in_the_client(tmp_path):
    """Export to a file's path said "[Errno 17] File exists"; a relative folder went to the kernel's working
    directory, which for the dashboard is its temporary copy of the notebook, gone when the dashboard stops."""
    from routekit.widgets import TierExplorer

    client = _client(tmp_path)
    x = TierExplorer(client)
    (tmp_path / "a-file").write_text("")
    x.export_dir.value = str(tmp_path / "a-file")
    x._export_clicked()
    assert x.export_html.value == (f"<span style='color:#b00'>export failed: export to {tmp_path / 'a-file'}: "
                                   f"{tmp_path / 'a-file'} is a file, not a folder</span>")
    x.export_dir.value = "for-the-client"
    x._export_clicked()
    assert sorted(f.name for f in (client / "for-the-client").iterdir()) == [
        "litellm_config.yaml", "policy.yaml", "routing.json"]
    assert str(client / "for-the-client" / "policy.yaml") in x.export_html.value
    # from code, the same rule: a relative folder inside the client's, an absolute one where it says
    assert x.export("from-code")["policy"] == client / "from-code" / "policy.yaml"
    assert x.export(tmp_path / "abs")["policy"] == tmp_path / "abs" / "policy.yaml"


def test_a_relative_export_dir_of_a_relative_client_dir_is_written_inside_it_once(tmp_path):
    """README: `papermill notebooks/tier_explorer.ipynb out.ipynb -p client_dir PATH -p export_dir exports`, both
    relative to the folder papermill runs in (the kernel's): the exports go to PATH/exports. They went to
    PATH/PATH/exports, the client folder joined twice (by the parameter check and again by explorer.export)."""
    import papermill as pm

    client = _client(tmp_path / "clients")
    relative = client.relative_to(tmp_path)                     # clients/client
    pm.execute_notebook(str(ROOT / "notebooks" / "tier_explorer.ipynb"), str(tmp_path / "out.ipynb"),
                        cwd=str(tmp_path), parameters={"client_dir": str(relative), "export_dir": "exports"},
                        kernel_name="python3", progress_bar=False)
    assert sorted(p.name for p in (client / "exports").iterdir()) == ["litellm_config.yaml", "policy.yaml",
                                                                        "routing.json"]
    assert not (client / relative).exists()


def test_the_export_dir_parameter_is_checked_inside_the_client_folder(tmp_path):
    from routekit.nbparams import ParameterError, optional_output

    client = tmp_path / "client"
    client.mkdir()
    (client / "a-file").write_text("")
    assert optional_output("out", "export_dir", folder=True, inside=client) == str(client / "out")
    # made absolute, since explorer.export would join a relative one to the client folder again
    assert optional_output("out", "export_dir", folder=True, inside=Path("clients") / "acme") == str(
        Path.cwd() / "clients" / "acme" / "out")
    assert optional_output(str(tmp_path / "abs"), "export_dir", folder=True, inside=client) == str(tmp_path / "abs")
    with pytest.raises(ParameterError) as exc:
        optional_output("a-file", "export_dir", folder=True, inside=client)
    assert str(exc.value) == f"export_dir a-file: {client / 'a-file'} is a file; give a folder"


def test_dashboard_stopped_by_sigterm_stops_voila_and_removes_its_copy(tmp_path):
    """Only Ctrl-C stopped Voilà: `kill PID`, a closed terminal or `timeout` ended routekit and left Voilà and its
    kernel serving the client's figures on the port (and, since the dashboard serves a parameterised copy of the
    notebook, that copy in the temporary folder)."""
    import psutil

    dash = _Dashboard(_client(tmp_path), tmp_path)
    try:
        voila = [c for c in psutil.Process(dash.proc.pid).children() if "voila" in " ".join(c.cmdline())]
        assert len(voila) == 1, [c.cmdline() for c in psutil.Process(dash.proc.pid).children()]
        copy = Path(next(a for a in voila[0].cmdline() if a.endswith(".ipynb"))).parent
        assert copy.is_dir() and copy.name.startswith("routekit-dashboard-")
        os.kill(dash.proc.pid, signal.SIGTERM)   # routekit alone, as `kill PID` does
        dash.proc.wait(timeout=20)
        psutil.wait_procs(voila, timeout=10)
        assert not voila[0].is_running() and not copy.exists()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", dash.port), timeout=1).close()
    finally:
        dash.__exit__(None, None, None)


def test_dashboard_with_a_policy_prices_its_cascade_and_judge_as_the_slider_moves(tmp_path):
    """`routekit dashboard --policy FILE` opens on the policy's mix, its cascade and the cascade's LLM judge priced
    (the explorer had no way to show a validator's cost: a cascade reached it only from Python), and keeps them as
    the batch-share slider moves. The client is test_scenario_validator's cliff client (30 gpt-4o calls in September
    2026: 10 of 190,000 in / 8,000 out, 10 of 150,000 / 8,000, 10 of 250,000 / 2,000); the policy sends everything
    through budget (gpt-5-nano) → flagship (gemini-2.5-pro) with a validator that flags every answer (detection and
    false-alarm rates 1: every request escalated, so no quality prior enters the cost) and a judge at flagship
    reading request and answer with a 5,000-token rubric. A month, by hand (USD per Mtok: gpt-5-nano 0.05 / 0.40,
    batch half; gemini-2.5-pro 1.25 / 10 up to 200,000 input tokens, 2.50 / 15 past them, no batch price):
      budget, every request: 5,900,000 × 0.05 + 180,000 × 0.40 = $0.295 + $0.072 = $0.367 (batch: $0.1835)
      flagship, every request: 10 × (190,000 × 1.25 + 8,000 × 10) = $3.175, 10 × (150,000 × 1.25 + 8,000 × 10) =
        $2.675, 10 × (250,000 × 2.50 + 2,000 × 15) = $6.55 → $12.40
      the judge: $13.5395 (test_scenario_validator: 203,000-token reads of the 190k calls are past the cliff)
    → $26.3065, shown $26.31; with the batch slider at 100 %: $0.1835 + $12.40 + $13.5395 = $26.123, shown $26.12."""
    _require_chromium()
    from test_scenario_validator import DATE, cliff_client

    client = cliff_client(tmp_path)
    policy = tmp_path / "flag_all.yaml"
    policy.write_text("cascade: {other: {from: budget, to: flagship, detection_rate: 1, false_alarm_rate: 1, "
                      "validator: {tier: flagship, instruction_tokens: 5000}}}\n")
    with _Dashboard(client, tmp_path, "--policy", str(policy), "--date", DATE) as dash, _page(dash) as page:
        page.wait_for_function("document.querySelector('.rk-mode').innerText.includes('flag_all.yaml')")
        cost, cascades = page.locator(".rk-monthly-cost"), page.locator(".rk-cascades")
        assert _money(cost.inner_text()) == 26.31
        line = cascades.inner_text()
        assert line.startswith("Cascade other (budget → flagship): 100.0 % escalated, +$12.40/month; validator "
                               "LLM judge at flagship (gemini-2.5-pro) reading the request and the answer + 5,000 "
                               "instruction tokens, writing 5 tokens: +$13.54/month"), line
        handle = page.locator(".rk-batch-share .noUi-handle")
        handle.focus()
        page.keyboard.press("End")   # noUiSlider's keyboard: the handle to its maximum, 100 %
        page.wait_for_function("document.querySelector('.rk-monthly-cost').innerText.includes('$26.12 ')")
        assert float(page.locator(".rk-batch-share .widget-readout").inner_text()) == 100.0
        assert "policy file flag_all.yaml" in page.locator(".rk-mode").inner_text()   # still the policy's mix
        assert "+$13.54/month" in cascades.inner_text()   # no batch price for gemini-2.5-pro: the judge's stays

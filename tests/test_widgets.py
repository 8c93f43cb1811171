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
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli
from test_simulate import _client

CHROMIUM = Path("/usr/bin/chromium")
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


def _money(text: str) -> float:
    return float(re.search(r"\$([\d,]+\.\d\d)", text).group(1).replace(",", ""))


def test_live_widget_in_a_real_browser(tmp_path):
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is missing: the browser test cannot run under CI")
        pytest.skip("/usr/bin/chromium is missing (install Debian's chromium to run the live-widget test)")
    from playwright.sync_api import sync_playwright

    from routekit.widgets import SLIDER_TIERS, TierExplorer

    client = _client(tmp_path)
    expected = TierExplorer(client)   # builds the client's database once; the engine the test checks against
    task = expected.tasks[0]
    port, token = _free_port(), "rk-test-token"
    env = {**os.environ, "ROUTEKIT_CLIENT_DIR": str(client)}
    log = open(tmp_path / "voila.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "voila", str(ROOT / "notebooks" / "tier_explorer.ipynb"),
                             "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1", f"--token={token}"],
                            cwd=ROOT / "notebooks", env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/?token={token}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/kernels?token={token}", timeout=2)
                break
            except urllib.error.HTTPError:   # any HTTP answer: the server is up
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("voila did not start:\n" + (tmp_path / "voila.log").read_text())
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.set_default_timeout(30_000)
                page.goto(url)
                page.wait_for_selector(".rk-monthly-cost .rk-value")
                cost = page.locator(".rk-monthly-cost")
                assert _money(cost.inner_text()) == expected.result["monthly_cost_usd"]

                def readouts() -> dict[str, int]:
                    return {t: int(round(float(page.locator(f".rk-task-{task} .rk-tier-{t} .widget-readout")
                                               .inner_text()) * 10)) for t in SLIDER_TIERS}

                handle = page.locator(f".rk-task-{task} .rk-tier-flagship .noUi-handle")
                handle.focus()
                for _ in range(5):
                    page.keyboard.press("ArrowLeft")
                # wait for the kernel round trip: the DOM readout settles on the engine's number for the DOM mix
                deadline = time.monotonic() + 15
                while True:
                    values = readouts()
                    expected._set_values(task, values)
                    expected.touched = {task}
                    want = expected.recompute()["monthly_cost_usd"]
                    shown = _money(cost.inner_text())
                    if sum(values.values()) == 1000 and shown == want and values != expected.current_values[task]:
                        break
                    assert time.monotonic() < deadline, (values, shown, want)
                    time.sleep(0.2)
                assert values["flagship"] < expected.current_values[task]["flagship"]
                assert shown != _money(f"${expected.result['baseline_monthly_cost_usd']:,.2f}") or \
                    want == expected.result["baseline_monthly_cost_usd"]

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
            finally:
                browser.close()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()


def test_tier_explorer_notebook_runs_with_papermill(tmp_path, monkeypatch):
    import papermill as pm

    client = _client(tmp_path)
    out = tmp_path / "tier_explorer.out.ipynb"
    monkeypatch.delenv("ROUTEKIT_CLIENT_DIR", raising=False)   # the parameter decides, not the dashboard's variable
    pm.execute_notebook(str(ROOT / "notebooks" / "tier_explorer.ipynb"), str(out), cwd=str(ROOT / "notebooks"),
                        parameters={"client_dir": str(client)}, kernel_name="python3", progress_bar=False)
    text = out.read_text()
    assert "application/vnd.jupyter.widget-view+json" in text   # the explorer was displayed
    assert "monthly cost $4.72" in text                          # on the client's traffic (test_simulate)


def test_dashboard_serves_the_explorer(tmp_path):
    """`routekit dashboard` starts Voila on 127.0.0.1 in the foreground and prints the URL with its token."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "routekit.cli", "dashboard", str(_client(tmp_path)),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
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
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

"""The tier explorer notebook in a real JupyterLab, the way an analyst uses it: open the notebook, Run All Cells,
move a flagship slider with the keyboard, and read a monthly cost equal to the engine's for the mix on the page.

JupyterLab runs in a subprocess on 127.0.0.1 with a token, isolated from the user's Jupyter config, data, runtime
and lab settings (the venv's kernelspec and lab extensions, the ipywidgets manager among them, still load); the
browser is Debian's headless chromium driven by Playwright (never a downloaded browser)."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, sample_client
from test_widgets import BROWSER_ARGS, CHROMIUM, _free_port, _money, engine_cost, move_flagship_left

TOKEN = "rk-lab-test-token"
NOTEBOOK = "tier_explorer.ipynb"
# A fresh lab asks "Would you like to get notified about official Jupyter news?" in a toast over the notebook's
# bottom-right corner (--LabApp.news_url=None does not stop the question; only this setting does). No update check,
# and no toasts at all. Written to the app settings dir of this lab only (overrides.json).
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False,
                                                     "doNotDisturbMode": True},
}

KERNEL_IDLE = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const name = panel?.querySelector('.jp-Toolbar-kernelName')?.innerText.trim();
    const status = panel?.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status;
    return !!name && name !== 'No Kernel' && status === 'idle';
}"""

ALL_CELLS_RAN = """() => {
    const prompts = Array.from(document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt'));
    return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.innerText.trim()));
}"""


def _require_chromium() -> None:
    """The Voila test's rule: skip locally without Debian's chromium; under CI the browser tests must run."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is missing: the JupyterLab browser test cannot run under CI")
        pytest.skip("/usr/bin/chromium is missing (install Debian's chromium to run the JupyterLab test)")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server: SIGTERM to its process group (it shuts its kernels down), SIGKILL if it hangs. Kernels run
    in sessions of their own (jupyter_client starts them with start_new_session), so any that outlive the server
    are killed by pid."""
    import psutil

    try:
        kernels = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        kernels = []
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    _, alive = psutil.wait_procs(kernels, timeout=5)
    for child in alive:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=5)


@pytest.fixture
def start_lab(tmp_path):
    """start_lab() -> (notebook URL, client folder, server log): a JupyterLab serving a tmp copy of the tier explorer
    whose parameter cell points at a tmp copy of the sample client. A factory, so the test decides to skip (or fail)
    before anything starts; the finaliser stops the server whether the test passed or not."""
    procs: list[subprocess.Popen] = []
    logs = []

    def start() -> tuple[str, Path, Path]:
        client = tmp_path / "brightside_agency"
        sample_client("brightside_agency", client)   # a fresh database, built from the exports
        work = tmp_path / "lab"
        work.mkdir()
        nb = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())
        params = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(params) == 1, "the notebook's parameters cell"
        # edit the client_dir line as an analyst would, leaving the other parameters as they are
        source, n = re.subn(r"^client_dir\s*=.*$", f"client_dir = {str(client)!r}  # a copy of the sample client",
                            "".join(params[0]["source"]), flags=re.M)
        assert n == 1, f"one client_dir = line in the parameters cell: {params[0]['source']!r}"
        params[0]["source"] = source
        (work / NOTEBOOK).write_text(json.dumps(nb, indent=1))

        jupyter = {name: tmp_path / "jupyter" / name for name in ("config", "data", "runtime", "app-settings")}
        for path in jupyter.values():
            path.mkdir(parents=True)
        (jupyter["app-settings"] / "overrides.json").write_text(json.dumps(LAB_OVERRIDES))
        env = {k: v for k, v in os.environ.items()
               if k not in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTER_PREFER_ENV_PATH",
                            "JUPYTERLAB_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR")}
        env.update(JUPYTER_CONFIG_DIR=str(jupyter["config"]), JUPYTER_DATA_DIR=str(jupyter["data"]),
                   JUPYTER_RUNTIME_DIR=str(jupyter["runtime"]),
                   JUPYTERLAB_SETTINGS_DIR=str(jupyter["config"] / "lab" / "user-settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(jupyter["config"] / "lab" / "workspaces"))
        port = _free_port()
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
               f"--ServerApp.root_dir={work}", f"--LabApp.app_settings_dir={jupyter['app-settings']}",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--ServerApp.terminals_enabled=False", "--LanguageServerManager.autodetect=False"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        log_path = tmp_path / "jupyterlab.log"
        log = open(log_path, "w")
        logs.append(log)
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        procs.append(proc)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=2) as r:
                    if r.status == 200:
                        break
            except urllib.error.HTTPError as err:   # not ready yet: an error page (closed, not left to the GC)
                err.close()
            except OSError:   # refused while starting
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise AssertionError("jupyter lab did not start:\n" + log_path.read_text())
            time.sleep(0.3)
        return f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}?token={TOKEN}", client, log_path

    yield start
    for proc in procs:
        _stop(proc)
    for log in logs:
        log.close()


@pytest.mark.timeout(60)
def test_tier_explorer_in_jupyterlab(start_lab, tmp_path):
    _require_chromium()
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from routekit.widgets import SLIDER_TIERS, TierExplorer

    url, client, log_path = start_lab()
    expected = TierExplorer(client)   # the engine the page is checked against (builds the client's database)
    baseline = expected.result["monthly_cost_usd"]

    # the slider to move: a task with a flagship share to give away, the one whose mix moves the bill most, so that
    # a few key presses change the readout
    probe = {"budget": 5, "mid": 5, "flagship": 990}
    candidates = [t for t in expected.tasks if expected.current_values[t]["flagship"] >= 10]
    assert candidates, expected.current_values
    task = max(candidates, key=lambda t: abs(engine_cost(expected, t, probe) - baseline))
    start = expected.current_values[task]

    shot = tmp_path / "jupyterlab_tier_explorer.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1700})
        page.set_default_timeout(30_000)
        try:
            page.goto(url)
            # the notebook is open and its kernel is up. The execution indicator says "idle" already while the
            # notebook has no kernel yet ("No Kernel | Initializing"): Run All then starts a second kernel racing
            # the automatic one. So wait for a kernel name in the toolbar as well.
            page.wait_for_function(KERNEL_IDLE)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            cost = page.locator(".rk-monthly-cost")
            page.wait_for_function(
                "() => /\\$[\\d,]+\\.\\d\\d/.test(document.querySelector('.rk-monthly-cost')?.innerText || '')")
            shown_before = _money(cost.inner_text())
            assert shown_before == baseline, (cost.inner_text(), baseline)
            # every code cell ran (Run All stops at a cell that raises) and none printed a traceback
            try:
                page.wait_for_function(ALL_CELLS_RAN, timeout=20_000)
            except PlaywrightTimeout:
                raise AssertionError(page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()) from None
            tracebacks = [t for t in page.locator(".jp-OutputArea-output").all_inner_texts()
                          if "Traceback (most recent call last)" in t]
            assert not tracebacks, tracebacks[0]

            readouts = {t: int(round(float(page.locator(f".rk-task-{task} .rk-tier-{t} .widget-readout")
                                           .inner_text()) * 10)) for t in SLIDER_TIERS}
            assert readouts == start
            # every slider handle is named for screen readers, as in the dashboard (the names and values were set
            # only by the dashboard's Voilà template: in JupyterLab a screen reader heard "slider" eighteen times)
            names = [["batch share of requests, per cent"]] + [
                [f"{t}: {tier} tier share, per cent" for tier in SLIDER_TIERS] for t in expected.tasks]
            want = [name for row in names for name in row]
            try:
                page.wait_for_function("n => Array.from(document.querySelectorAll('.rk-tier-explorer .noUi-handle'))"
                                       ".filter(h => h.getAttribute('aria-label')).length === n", arg=len(want),
                                       timeout=10_000)
            except PlaywrightTimeout:
                pass   # the comparison below says which are missing
            handles = page.evaluate("""() => Array.from(document.querySelectorAll('.rk-tier-explorer .noUi-handle'))
                .map(h => [h.getAttribute('aria-label'), h.getAttribute('aria-valuetext')])""")
            assert [label for label, _ in handles] == want
            flagship = f"{task}: flagship tier share, per cent"
            assert dict(handles)[flagship] == f"{start['flagship'] / 10:.1f} %"

            values, shown = move_flagship_left(page, task, expected)
            assert values["flagship"] < start["flagship"], values
            assert shown != shown_before, (shown, shown_before)
            # the moved handle reads its new value as the readout shows it
            page.wait_for_function("([name, text]) => document.querySelector(`.noUi-handle[aria-label='${name}']`)"
                                   "?.getAttribute('aria-valuetext') === text",
                                   arg=[flagship, f"{values['flagship'] / 10:.1f} %"], timeout=10_000)
            cost.scroll_into_view_if_needed()
        finally:
            try:
                page.screenshot(path=str(shot))
                print(f"screenshot: {shot}\nserver log: {log_path}")
            finally:
                browser.close()

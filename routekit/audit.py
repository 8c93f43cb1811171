"""`routekit audit` and `routekit batch`: run notebooks/audit.ipynb with papermill, export it, index the clients.

Per client, into OUT/CLIENT_NAME/: audit.ipynb (executed), audit.html (no code cells, figures embedded as base64 PNG,
no external script, stylesheet or font), audit.pdf with --pdf (nbconvert webpdf on the system chromium),
findings.json, policy.yaml and routing.json (written by the notebook through routekit.report.write_outputs).
"""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from routekit.arguments import EXIT_NO_DATA
from routekit.config import load_config
from routekit.db import default_db_path, out_of_memory_text, wait_until_free

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "audit.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
EXTERNAL = re.compile(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//[^>]*>(\s*</script>)?""",
                      re.IGNORECASE)


NO_DATA = "no data"   # status of a client whose folder held nothing loadable (its report says what was found)


class AuditFailed(RuntimeError):
    """The notebook failed for this client: the message is the error, one line."""


def execute(client_dir: Path, out_dir: Path, *, policy=None, risk_budget=0.02, price_date=None,
            include_prompts=False, db=None) -> Path:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "audit.ipynb"
    params = {"client_dir": str(client_dir.resolve()), "output_dir": str(out_dir.resolve()),
              "policy": str(Path(policy).resolve()) if policy else None, "risk_budget": float(risk_budget),
              "price_date": price_date, "include_prompts": bool(include_prompts),
              "db": str(Path(db).resolve()) if db else None}
    # absolute: papermill runs the notebook inside out_dir (it changes the process's folder), and the kernel's log
    # is opened while it does, so a relative out_dir (`make audit`'s default `reports`) would be looked for twice deep
    kernel_log = out_dir.resolve() / KERNEL_LOG
    kernel_log.unlink(missing_ok=True)
    # the kernel waits for a database another process holds, but says so in a cell's output, unseen: wait here first,
    # where the line reaches the terminal as every other command's does (DatabaseBusy, exit 4, after the wait)
    wait_until_free(Path(db) if db else default_db_path(client_dir))
    try:
        pm.execute_notebook(str(NOTEBOOK), str(target), parameters=params, kernel_name="python3",
                            cwd=str(out_dir.resolve()), progress_bar=False, log_output=False,
                            kernel_manager_class=local_kernel_manager(kernel_log))
    except PapermillExecutionError as exc:
        kernel_log.unlink(missing_ok=True)   # the cell's error is the story; the kernel itself was fine
        if exc.ename == "OutOfMemoryException":   # DuckDB's, raised in the kernel: its advice is SET statements
            raise AuditFailed(out_of_memory_text(exc.evalue)) from None
        if exc.ename == "DatabaseBusy":   # another process holds the database: exit 4 as every command, not 1
            from routekit.db import DatabaseBusy
            raise DatabaseBusy(exc.evalue) from None
        raise AuditFailed(f"{exc.ename}: {exc.evalue}".splitlines()[0]) from None
    except Exception as exc:   # the kernel died or did not start: what it said is kept for whoever looks into it
        said = kernel_log.is_file() and kernel_log.stat().st_size > 0
        if not said:
            kernel_log.unlink(missing_ok=True)
        raise AuditFailed(f"{type(exc).__name__}: {exc}".splitlines()[0]
                          + (f" (the kernel's own messages: {kernel_log})" if said else "")) from None
    kernel_log.unlink(missing_ok=True)
    return target


# The audit kernel's own stderr (not its cells' output, which the notebook keeps), while it runs.
KERNEL_LOG = "kernel.log"


def local_kernel_manager(log: Path | None = None):
    """The kernel manager papermill starts the audit's kernel with: over Unix sockets where there are any, its own
    stderr into ``log`` when one is given.

    The kernel receives the client's data (prompts included with --include-prompts). By default Jupyter talks to it
    over plain TCP on localhost, which ipykernel warns about on every run ("Kernel is running over TCP without
    encryption"); IPC sockets sit in the user's own runtime folder (mode 0700) instead. Windows has no IPC transport.

    The kernel process's stderr holds ipykernel's own log, never a cell's output (that goes to the notebook). While
    it shuts down on a loaded machine, ipykernel can log races between its threads and the closing sockets
    ("ZMQError: Socket operation on non-socket" in dispatch_control; jupyter_client's interrupt, below): a finished
    audit is not the place for them, so they go to ``log``, which the audit keeps only when the kernel failed.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class LocalKernelManager(AsyncKernelManager):
        @default("transport")
        def _transport_default(self) -> str:
            return "ipc" if os.name == "posix" else "tcp"

        async def _async_launch_kernel(self, kernel_cmd, **kw) -> None:
            if log is None:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            with open(log, "ab") as sink:   # the kernel holds its own copy of the descriptor
                return await super()._async_launch_kernel(kernel_cmd, **{**kw, "stderr": sink})

        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrupts (SIGINT) every kernel it shuts down, even one that ran the whole notebook and
            # sits idle; on a busy machine the signal lands while ipykernel is leaving and it prints "[IPKernelApp]
            # ERROR | KeyboardInterrupt caught in kernel." on the user's stderr (1 run in 5 with five audits on two
            # cores). The shutdown request that follows is enough (then SIGTERM, SIGKILL if it hangs); an interrupt
            # outside shutdown (a cell's timeout) still goes through.
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    return LocalKernelManager


def html_exporter(cls=None):
    """An HTML exporter with no code cells, no prompts, and no external resources."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    cls = cls or HTMLExporter
    exporter = cls(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    # the notebook's own introduction (how it is run) is for whoever opens the notebook, not for the client: the
    # report starts with its title (and, with --include-prompts, the confidentiality banner)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"notebook-only"}), enabled=True)
    return exporter


def self_contained(text: str) -> str:
    """Drop every script / stylesheet / image / frame that would load from the network (require.js, MathJax, fonts
    from CDNs): the report's figures are embedded PNGs and its styles inline, so nothing is lost."""
    text = EXTERNAL.sub("", text)
    # inline scripts that fetch from the network at run time (the lab template's mermaid loader imports from a CDN)
    text = re.sub(r"<script\b[^>]*>(?:(?!</script>).)*?(?:import\(|src\s*=|url\s*=)\s*[\"'`]?https?://(?:(?!</script>).)*"
                  r"</script>", "", text, flags=re.DOTALL | re.IGNORECASE)
    text = re.sub(r"<script\b[^>]*>(?:(?!</script>).)*?https?://cdn(?:(?!</script>).)*</script>", "", text,
                  flags=re.DOTALL | re.IGNORECASE)
    # comments citing web pages (in the template's CSS): harmless, but a grep for URLs should find nothing
    text = re.sub(r"/\*(?:(?!\*/).)*?https?://(?:(?!\*/).)*?\*/", "", text, flags=re.DOTALL)
    text = re.sub(r"@import\s+url\(\s*['\"]?https?://[^)]*\)\s*;?", "", text)
    return text


def _report_notebook(notebook: Path, client: str | None):
    """The executed notebook, titled for the client: the HTML's <title> (and the PDF's) would read "Notebook"."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    if client:
        nb.metadata["title"] = f"routekit audit — {client}"
    return nb


def to_html(notebook: Path, target: Path, client: str | None = None) -> Path:
    body, _ = html_exporter().from_notebook_node(_report_notebook(notebook, client))
    target.write_text(self_contained(body), encoding="utf-8")
    return target


def _pdf_exporter_class():
    from nbconvert.exporters.webpdf import WebPDFExporter

    class ChromiumPDFExporter(WebPDFExporter):
        """webpdf on the system chromium (playwright cannot download a browser here)."""

        def run_playwright(self, html_text):
            import asyncio
            import concurrent.futures
            import tempfile

            async def main(path):
                from playwright.async_api import async_playwright

                pw = await async_playwright().start()
                try:
                    browser = await pw.chromium.launch(
                        executable_path=str(CHROMIUM), handle_sigint=False, handle_sigterm=False,
                        handle_sighup=False,
                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                              "--disable-component-update", "--disable-sync", "--no-first-run"])
                    page = await browser.new_page()
                    await page.emulate_media(media="print")
                    await page.goto(f"file://{path}", wait_until="load")
                    await page.wait_for_timeout(200)
                    pdf = await page.pdf(print_background=True)
                    await browser.close()
                    return pdf
                finally:
                    await pw.stop()

            with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False, encoding="utf-8") as tmp:
                tmp.write(self_contained(html_text))
            try:
                with concurrent.futures.ThreadPoolExecutor(1) as pool:
                    return pool.submit(asyncio.run, main(tmp.name)).result()
            finally:
                os.unlink(tmp.name)

    return ChromiumPDFExporter


def to_pdf(notebook: Path, target: Path, client: str | None = None) -> Path:
    if not CHROMIUM.exists():
        raise AuditFailed(f"--pdf needs {CHROMIUM} (apt-get install chromium)")
    data, _ = html_exporter(_pdf_exporter_class()).from_notebook_node(_report_notebook(notebook, client))
    target.write_bytes(data)
    return target


def audit_client(client_dir, out_root, *, pdf=False, **params) -> dict:
    """Run one client's audit end to end; return {client, status, out, files, summary}."""
    from routekit.prices import checked_price_date
    from routekit.report import check_risk_budget

    client = Path(client_dir)
    # run_audit checks these too, but inside the notebook, after a kernel started: a Python caller learns at once
    checked_price_date(params.get("price_date"))
    check_risk_budget(params.get("risk_budget", 0.02))
    out_dir = Path(out_root) / client.name
    notebook = execute(client, out_dir, **params)
    title = load_config(client).display_name(client)   # the report's title: routekit.yaml's `client:` or the folder
    files = {"notebook": notebook.name, "html": to_html(notebook, out_dir / "audit.html", title).name}
    if pdf:
        files["pdf"] = to_pdf(notebook, out_dir / "audit.pdf", title).name
    files.update({"findings": "findings.json", "policy": "policy.yaml", "routing": "routing.json"})
    findings = json.loads((out_dir / "findings.json").read_text())
    reason = findings["summary"].get("no_data_reason")
    # a report saying "nothing to audit" is not an audit: batch must not count it with the audited clients
    result = {"client": client.name, "name": title, "status": NO_DATA if reason else "ok", "out": str(out_dir),
              "files": files,
              "summary": findings["summary"], "findings": len(findings["findings"])}
    if reason:
        result["reason"] = reason
    return result


# -- batch ------------------------------------------------------------------------------------------------------
def client_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _run_one(client: Path, out: Path, pdf: bool, risk_budget: float, price_date) -> dict:
    """One client in its own process (its own kernel, its own DuckDB); the error, not a traceback, when it fails."""
    cmd = [sys.executable, "-m", "routekit.cli", "audit", str(client), "--out", str(out), "--json",
           "--risk-budget", str(risk_budget), "--date", str(price_date)] + (["--pdf"] if pdf else [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode == 0:
        try:
            return json.loads(proc.stdout)
        except json.JSONDecodeError:
            pass
    lines = [ln for ln in (proc.stderr or proc.stdout).strip().splitlines() if ln.strip()]
    ours = [ln for ln in lines if ln.startswith("routekit ")]   # the command's own one-line error, not kernel noise
    lines = ours or lines
    return {"client": client.name, "status": "failed", "error": lines[-1] if lines else f"exit {proc.returncode}",
            "out": str(out / client.name), "files": {}, "summary": {}}


def batch(root: Path, out: Path, *, jobs: int = 1, pdf: bool = False, risk_budget: float = 0.02,
          price_date=None, progress: bool = True) -> list[dict]:
    from tqdm import tqdm

    from routekit.prices import checked_price_date, price_day
    from routekit.report import check_risk_budget

    check_risk_budget(risk_budget)   # not once per client as each one's failure
    # one price list for the whole batch: without a date each client took the day its own audit started, so a batch
    # running past midnight UTC put its clients at two days' prices (and the catalog schedules changes ahead)
    price_date = price_day(checked_price_date(price_date))
    if jobs < 1:
        raise ValueError(f"jobs {jobs}: expected 1 or more")
    clients = client_folders(root)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    with ThreadPoolExecutor(jobs) as pool, \
            tqdm(total=len(clients), desc="audit", unit="client", file=sys.stderr, disable=not progress) as bar:
        futures = {pool.submit(_run_one, c, out, pdf, risk_budget, price_date): c for c in clients}
        for fut in as_completed(futures):
            client = futures[fut]
            try:
                results[client.name] = fut.result()
            except Exception as exc:   # noqa: BLE001 - one client's failure never stops the others
                results[client.name] = {"client": client.name, "status": "failed", "error": str(exc),
                                        "files": {}, "summary": {}}
            bar.set_postfix_str(f"{client.name}: {results[client.name]['status']}")
            bar.update()
    ordered = [results[c.name] for c in clients]
    write_index(ordered, out)
    return ordered


def status_text(result: dict) -> str:
    """The status as batch shows it: ok, "no data: <why>" or "failed: <error>"."""
    if result["status"] == NO_DATA:
        return f"{NO_DATA}: {result.get('reason', '')}"
    return result["status"] if result["status"] == "ok" else f"failed: {result.get('error', '')}"


def batch_summary(results: list[dict]) -> str:
    """One line counting each status apart: '1 of 3 clients audited; 1 with no data (empty); 1 failed (broken).'"""
    def named(status):
        return [r["client"] for r in results if r["status"] == status]

    line = f"{len(named('ok'))} of {len(results)} clients audited"
    for status, label in ((NO_DATA, "with no data"), ("failed", "failed")):
        if named(status):
            line += f"; {len(named(status))} {label} ({', '.join(named(status))})"
    return line + "."


def batch_exit_code(results: list[dict]) -> int:
    """1 when a client failed, EXIT_NO_DATA when none failed but some had no data, else 0."""
    statuses = {r["status"] for r in results}
    return 1 if "failed" in statuses else EXIT_NO_DATA if NO_DATA in statuses else 0


def write_index(results: list[dict], out: Path) -> Path:
    from routekit.report_text import money   # -$0.01, not $-0.01

    rows = []
    for r in results:
        s = r.get("summary") or {}
        links = " ".join(f'<a href="{html.escape(r["client"])}/{html.escape(f)}">{html.escape(k)}</a>'
                         for k, f in (r.get("files") or {}).items())
        # the current routing at one day's list prices (the report's headline), not the month's spend at each
        # call's own date: the column said "current monthly spend" ($172.57 where the report's month reads $172.51)
        current = money(s.get("current_monthly_usd"))
        if s.get("current_monthly_usd") is None and s.get("invoice_monthly_usd") is not None:
            current = f"{money(s['invoice_monthly_usd'])} invoiced"   # invoices only: nothing to route
        risk = s.get("extra_failure_rate")
        status = status_text(r)
        # the name its reports are titled with (routekit.yaml's `client:`), and the folder the links lead into
        name = html.escape(r.get("name") or r["client"])
        if name != html.escape(r["client"]):
            name += f' <span class="folder">({html.escape(r["client"])})</span>'
        rows.append(f"<tr class=\"{html.escape(r['status'].replace(' ', '-'))}\"><td>{name}</td>"
                    f"<td>{html.escape(status)}</td><td>{html.escape(current)}</td>"
                    f"<td>{html.escape(s.get('prices_as_of') or '-')}</td>"
                    f"<td>{money(s.get('savings_usd'))}</td>"
                    f"<td>{'-' if risk is None else f'{risk:.2%}'}</td><td>{links}</td></tr>")
    page = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>routekit audits</title><style>"
            "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
            "padding:4px 8px;text-align:left}tr.failed{background:#fdd}tr.no-data{background:#ffe9b3}.folder{color:#666}</style>"
            f"</head><body><h1>routekit audits</h1><p>{html.escape(batch_summary(results))}</p>"
            "<table><tr><th>client</th><th>status</th><th>current routing a month</th><th>at the list prices of</th>"
            "<th>savings at the recommended mix</th><th>extra-failure rate</th><th>reports</th></tr>"
            + "".join(rows) + "</table></body></html>\n")
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path

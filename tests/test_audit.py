"""`routekit audit` and `routekit batch`: the audit notebook really executed with papermill on real kernels.

Kept to a few runs (each ~7-12 s): one sample client, one invoice-only client, one batch of two tiny clients (one
broken, one holding planted secrets in prompts, API key and e-mail fields).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli, sample_client, write_files
from test_format_litellm import HEADER, _row

MARKER = "ZQXSECRET7731"
EXTERNAL_REF = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def northwind_client(tmp_path_factory) -> Path:
    return sample_client("northwind_support", tmp_path_factory.mktemp("client") / "northwind_support")


@pytest.fixture(scope="module")
def northwind(northwind_client, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    proc = run_cli("audit", str(northwind_client), "--out", str(out), "--json")
    return out / "northwind_support", json.loads(proc.stdout), proc.stderr


def test_audit_writes_every_output(northwind):
    folder, result, _ = northwind
    assert result["status"] == "ok"
    for name in ("audit.ipynb", "audit.html", "findings.json", "policy.yaml", "routing.json"):
        assert (folder / name).is_file(), name
    findings = json.loads((folder / "findings.json").read_text())
    s = findings["summary"]
    assert s["current_monthly_usd"] > 0 and s["savings_usd"] > 0
    assert s["extra_failure_rate"] <= 0.02 + 1e-9
    routing = [f for f in findings["findings"] if f["kind"] == "routing"]
    assert routing and all(f["risk_band"] in ("green", "amber", "red") and f["evidence"] for f in routing)
    impacts = [abs(f["monthly_usd"]) for f in findings["findings"]]
    assert impacts == sorted(impacts, reverse=True)
    table = json.loads((folder / "routing.json").read_text())
    assert table["routes"] and {"model", "max_tokens", "task_type"} <= set(table["routes"][0])
    assert table["default"]["model"]


def test_audit_prints_no_kernel_warnings(northwind):
    """The kernel is reached over Unix sockets (audit.local_kernel_manager): over TCP, ipykernel printed a warning
    that the client's data went unencrypted on every run."""
    _, _, stderr = northwind
    assert stderr.strip() == ""


def test_audit_html_has_no_code_and_no_external_resources(northwind):
    folder, _, _ = northwind
    text = (folder / "audit.html").read_text()
    assert "data:image/png;base64" in text          # matplotlib figures embedded
    assert not EXTERNAL_REF.search(text), EXTERNAL_REF.search(text)
    assert "http://" not in text and "https://" not in text
    assert "report.run_audit(" not in text           # no code cells
    assert "Findings, by dollar impact" in text and "Cost–risk frontier" in text
    # northwind's logs hold failed calls: shown apart, and the mix leaves out what holds nothing else; its cancelled
    # OpenRouter generations used tokens and were billed (test_report_figures), so the table is not "not billed"
    assert "<h3>Failed calls</h3>" in text and "which hold failed calls only (not billed)" in text


# Letter paper less the report's 12 mm margins, in CSS px (96 per inch):
# 8.5 in × 96 − 2 × 12 mm × 96 / 25.4 = 816 − 90.7 = 725 px upright;
# 11 in × 96 − 90.7 = 965 px on its side (the pages wide tables are printed on)
PORTRAIT_PX, LANDSCAPE_PX = 725, 965


def _table_extents(html_file: Path) -> dict[str, list[dict]]:
    """Every table's right edge when the report is laid out for print at the printable width of its page."""
    from playwright.sync_api import sync_playwright

    from test_widgets import BROWSER_ARGS, CHROMIUM

    script = """(landscape) => Array.from(document.querySelectorAll('table'))
        .filter(t => !!t.closest('.rk-wide') === landscape)
        .map(t => ({right: t.getBoundingClientRect().right, scroll: t.scrollWidth, width: t.clientWidth,
                    last: t.querySelector('th:last-child').textContent}))"""
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS)
        try:
            for name, width in (("portrait", PORTRAIT_PX), ("landscape", LANDSCAPE_PX)):
                page = browser.new_page(viewport={"width": width, "height": 1000})
                page.emulate_media(media="print")
                page.goto(html_file.as_uri())
                out[name] = page.evaluate(script, name == "landscape")
                page.close()
        finally:
            browser.close()
    return out


def test_every_report_table_fits_the_printed_page(northwind):
    """The PDF is chromium printing the HTML: a table wider than the printable width lost its last columns
    (reconciliation's log coverage and likely causes, the files and models tables ran 200-260 px off the page)."""
    from test_jupyterlab import _require_chromium

    _require_chromium()
    folder, _, _ = northwind
    extents = _table_extents(folder / "audit.html")
    assert len(extents["portrait"]) >= 6 and len(extents["landscape"]) >= 3, extents
    for name, limit in (("portrait", PORTRAIT_PX), ("landscape", LANDSCAPE_PX)):
        for t in extents[name]:
            assert t["right"] <= limit and t["scroll"] <= t["width"] + 1, (name, t)
    # the wide ones, with their last columns, are those printed on their side
    assert {"Likely causes", "Note", "Price source"} <= {t["last"] for t in extents["landscape"]}


def test_report_cells_read_as_a_person_writes_them():
    from routekit.report_tables import cell, header

    assert cell("gap_usd", -0.01) == "-$0.01"               # not $-0.01
    assert cell("billed_usd", 1234.5) == "$1,234.50"
    assert cell("log_coverage", 0.483508) == "48.4%"         # 0.483508 × 100 = 48.35 → 48.4
    assert cell("priced", True) == "yes" and cell("priced", False) == "no"
    assert cell("requests_per_month", 13433.0) == "13,433"
    assert cell("month", "2026-09-01") == "2026-09"
    assert cell("likely_causes", ["batch traffic", "non-token charges"]) == "batch traffic; non-token charges"
    assert cell("billed_usd", None) == "-" and cell("calls", float("nan")) == "-"
    assert header("log_coverage") == "Log coverage" and header("priced_usd") == "Priced traffic"
    assert header("some_new_column") == "Some new column"


def test_report_tables_have_human_headers_and_formatted_values(northwind):
    import html as html_lib

    folder, _, _ = northwind
    text = (folder / "audit.html").read_text()
    tables = re.findall(r'<table class="rk-table">(.*?)</table>', text, re.DOTALL)
    assert len(tables) >= 9
    cells = lambda tag: [html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip()   # noqa: E731
                         for t in tables for c in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", t, re.DOTALL)]
    heads, values = cells("th"), cells("td")
    assert not [h for h in heads if "_" in h or h != h[:1].upper() + h[1:]], heads   # no raw column names
    assert "Log coverage" in heads and "Likely causes" in heads and "Cost / month" in heads
    assert not [v for v in values if v in ("True", "False", "None", "nan") or "$-" in v]
    assert not [v for v in values if re.fullmatch(r"-?\d+\.\d{3,}", v)]      # no raw fractions like 0.483508
    money_cells = [v for v in values if v.startswith(("$", "-$"))]   # amounts, not sentences quoting one
    assert money_cells and all(re.fullmatch(r"-?\$\d{1,3}(,\d{3})*\.\d\d", v) for v in money_cells), money_cells
    # the machine-readable outputs keep their raw names and numbers
    findings = json.loads((folder / "findings.json").read_text())
    assert {"billed_usd", "coverage"} <= set(findings["log_coverage"])


def test_recommended_policy_is_a_valid_simulate_policy(northwind, northwind_client):
    folder, result, _ = northwind
    sim = json.loads(run_cli("simulate", str(northwind_client), "--policy",
                             str(folder / "policy.yaml"), "--json").stdout)
    assert sim["monthly_cost_usd"] == pytest.approx(result["summary"]["recommended_monthly_usd"], abs=0.01)


def test_findings_are_deterministic(northwind, northwind_client, tmp_path):
    """A second run of the same inputs (here in-process) writes a byte-identical findings.json."""
    from routekit import report

    folder, _, _ = northwind
    report.write_outputs(report.run_audit(northwind_client), tmp_path)
    assert (tmp_path / "findings.json").read_bytes() == (folder / "findings.json").read_bytes()
    assert (tmp_path / "policy.yaml").read_bytes() == (folder / "policy.yaml").read_bytes()
    assert (tmp_path / "routing.json").read_bytes() == (folder / "routing.json").read_bytes()


def test_the_committed_audit_notebook_is_thin():
    nb = json.loads((ROOT / "notebooks" / "audit.ipynb").read_text())
    params = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    src = "".join(params["source"])
    for name in ("client_dir", "output_dir", "policy", "risk_budget", "price_date", "include_prompts = False"):
        assert name in src, name
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(len("".join(c["source"]).splitlines()) <= 8 for c in code)


def test_invoice_only_client_still_gets_a_report(tmp_path):
    client = tmp_path / "invoice_only"
    client.mkdir()
    shutil.copy(ROOT / "sample_data" / "brightside_agency" / "openai" / "cost_2026-07-01_2026-09-30.csv", client)
    out = tmp_path / "out"
    result = json.loads(run_cli("audit", str(client), "--out", str(out), "--json").stdout)
    folder = out / "invoice_only"
    findings = json.loads((folder / "findings.json").read_text())
    assert findings["summary"]["traffic"] == "invoices only"
    assert findings["summary"]["invoice_total_usd"] == 3200.0
    assert any("call logs" in c for c in findings["coverage"])          # which exports would sharpen it
    assert findings["findings"] and findings["findings"][0]["kind"] == "invoice_spend"
    html = (folder / "audit.html").read_text()
    assert "Only invoices" in html
    assert yaml.safe_load((folder / "policy.yaml").read_text()) == {"default": {"current": 1.0}}
    assert result["status"] == "ok"
    # The Findings section introduced its findings as routing findings ("Each routing finding moves one task type ×
    # input length to a cheaper tier ... its band is its own extra-failure rate") and labelled the bill [billing],
    # with no traffic to route. The export bills gpt-4o-2024-08-06 alone: $3,200.00 over July-September, so
    # $3,200.00 / 3 = $1,066.67 a month, all of the invoices.
    findings_text = _section(html, "Findings, by dollar impact")
    assert findings_text.startswith("Findings, by dollar impact Invoices only: there is no traffic to route, so each "
                                    "finding is one model's share of the invoices, largest first: where call logs "
                                    "or usage exports would pay off first. $1,066.67/month [invoice] "
                                    "gpt-4o-2024-08-06 (openai) is billed $1,066.67 a month (100% of the invoices)")
    assert "routing finding" not in findings_text and "risk budget" not in findings_text
    assert "extra-failure" not in findings_text and "[billing]" not in findings_text


def _section(page: str, heading: str) -> str:
    """The text of a report section (its heading up to the next h2), tags dropped and white space collapsed."""
    import html as html_lib

    start = page.index(f">{heading}")
    end = page.find("<h2", start)
    text = re.sub(r"<img[^>]*>|<[^>]+>", " ", page[start + 1:end if end > 0 else None])
    return re.sub(r"\s+", " ", html_lib.unescape(text)).replace(" ¶", "").strip()


def _secret_client(folder: Path) -> Path:
    messages = [{"role": "system", "content": f"You summarise notes. {MARKER}-system"},
                {"role": "user", "content": f"Summarise this: {MARKER}-prompt"}]
    md = {"user_api_key_alias": f"{MARKER}-alias", "user_api_key_user_email": f"{MARKER.lower()}@example.com",
          "spend_logs_metadata": {"feature": "notes"}}
    rows = [HEADER] + [
        _row(f"r{i}", "0.01", str(500 + 900 * i), str(100 + 10 * i), f"2026-09-{1 + i:02d} 10:00:00+00",
             md=md, messages=messages).replace("88ab" * 16, f"sk-{MARKER}-key")
        for i in range(12)]
    # two rows whose columns slipped: prompt text where the spend and the start time belong. They are rejected, and
    # the reasons the report and the log print must not quote them.
    rows += [_row("r12", f"Summarise {MARKER} board notes", "500", "100", "2026-09-20 10:00:00+00", md=md),
             _row("r13", "0.01", "500", "100", f"{MARKER}: the merger plan", md=md)]
    return write_files(folder, {"spend.csv": "\n".join(rows) + "\n"})


def test_batch_isolates_failures_and_keeps_secrets_out(tmp_path):
    clients = tmp_path / "clients"
    _secret_client(clients / "acme")
    write_files(clients / "broken", {"routekit.yaml": "tiers: [not, a, mapping\n", "x.csv": "a,b\n1,2\n"})
    write_files(clients / "notes", {"notes.txt": "call Bob about the invoice\n"})   # nothing loadable: "no data"
    out = tmp_path / "reports"
    proc = run_cli("batch", str(clients), "--out", str(out), "--jobs", "2", check=False)
    assert proc.returncode == 1   # a failed client outranks one with no data
    assert "broken" in proc.stdout and "failed" in proc.stdout
    assert re.search(r"^notes +no data ", proc.stdout, re.MULTILINE)   # not "ok"
    assert "  no data: no usable export: notes.txt (not read: a .txt file;" in proc.stdout
    summary = "1 of 3 clients audited; 1 with no data (notes); 1 failed (broken)."
    assert proc.stdout.strip().splitlines()[-1] == summary
    index = (out / "index.html").read_text()
    assert "acme" in index and "broken" in index and "failed" in index
    assert summary in index and '<tr class="no-data"><td>notes</td><td>no data: no usable export: notes.txt' in index
    assert 'href="acme/audit.html"' in index
    assert not EXTERNAL_REF.search(index)
    findings = json.loads((out / "acme" / "findings.json").read_text())
    assert findings["summary"]["current_monthly_usd"] is not None
    assert "spend is not a number: a text of 35 characters (not shown: it may be prompt text)" in \
        (out / "acme" / "audit.html").read_text()
    # no output file, nor what the commands printed, holds a prompt, an API key or an e-mail address
    outputs = [p for p in out.rglob("*") if p.is_file()]
    assert len(outputs) >= 6
    for path in outputs:
        assert MARKER.lower() not in path.read_bytes().decode("utf-8", "replace").lower(), path
    assert MARKER.lower() not in (proc.stdout + proc.stderr).lower()
    # the marker really is in the client's own database (the test plants what it claims to)
    import duckdb
    con = duckdb.connect(str(clients / "acme" / ".routekit" / "routekit.duckdb"), read_only=True)
    assert con.execute(f"SELECT count(*) FROM calls WHERE user_prompt LIKE '%{MARKER}%'").fetchone()[0] == 12
    assert con.execute(f"SELECT count(*) FROM calls WHERE api_key LIKE '%{MARKER}%'").fetchone()[0] == 12
    con.close()


def test_audit_pdf(tmp_path):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI=true but /usr/bin/chromium is missing: .ci/run installs it with apt when run as root")
        pytest.skip("PDF needs /usr/bin/chromium (apt-get install chromium); not installed on this machine")
    client = tmp_path / "invoice_only"
    client.mkdir()
    shutil.copy(ROOT / "sample_data" / "brightside_agency" / "openai" / "cost_2026-07-01_2026-09-30.csv", client)
    run_cli("audit", str(client), "--out", str(tmp_path / "out"), "--pdf")
    pdf = (tmp_path / "out" / "invoice_only" / "audit.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    # Letter upright (612 × 792 pt) and, for the wide tables (reconciliation, files, models), on its side
    pages = re.findall(rb"/MediaBox \[0 0 (\d+) (\d+)\]", pdf)
    assert (b"612", b"792") in pages and (b"792", b"612") in pages, pages


def test_no_printed_section_heading_is_parted_from_what_it_introduces(tmp_path):
    """northwind's PDF left "Data appendix" alone on a portrait page before the landscape "Files read", "Cost–risk
    frontier" and its intro at the foot of a page with the chart on the next, and "Findings, by dollar impact" at
    the foot of page 1 with every finding on page 2."""
    import subprocess

    if not Path("/usr/bin/chromium").exists() or not shutil.which("pdftotext") or not shutil.which("pdfimages"):
        pytest.skip("needs /usr/bin/chromium and poppler's pdftotext and pdfimages")
    client = tmp_path / "northwind_support"
    sample_client("northwind_support", client)
    run_cli("audit", str(client), "--out", str(tmp_path / "out"), "--pdf", "--date", "2026-11-23")
    pdf = str(tmp_path / "out" / "northwind_support" / "audit.pdf")
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True, check=True).stdout
    pages = [[line.strip() for line in page.splitlines() if line.strip()] for page in text.split("\f")]
    page_of = lambda start: next(n for n, lines in enumerate(pages, 1)   # noqa: E731
                                 if any(line.startswith(start) for line in lines))
    images = subprocess.run(["pdfimages", "-list", pdf], capture_output=True, text=True, check=True).stdout
    image_pages = {int(line.split()[0]) for line in images.splitlines()[2:]}
    assert page_of("Data appendix") == page_of("Files read")
    assert page_of("Findings, by dollar impact") == page_of("1. $")
    assert page_of("Cost–risk frontier") in image_pages   # its chart (the only image after the spend charts)


def test_a_misspelt_policy_stops_the_audit_before_the_notebook_runs(tmp_path):
    client = write_files(tmp_path / "acme", {
        "spend.csv": "\n".join([HEADER, _row("r1", "0.01", "10", "1", "2026-09-01 00:00:00+00")]) + "\n",
        "policy.yaml": "mix: {clasification: {budget: 1.0}}\n"})
    out = tmp_path / "reports"
    proc = run_cli("audit", str(client), "--policy", str(client / "policy.yaml"), "--out", str(out), check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "mix.clasification: unknown task type; did you mean 'classification'?" in proc.stderr
    assert not out.exists()


def test_a_file_that_failed_to_load_is_named_in_the_report(tmp_path):
    from routekit.report import run_audit

    client = write_files(tmp_path / "acme", {
        "spend.csv": "\n".join([HEADER, _row("r1", "0.01", "10", "1", "2026-09-01 00:00:00+00")]) + "\n",
        "usage.json": '{"object": "page", "data": [{"object": "bucket", "start_time": 1790553600,'})  # cut off
    audit = run_audit(client)
    assert audit.appendix["failed_files"] == [
        {"path": "usage.json", "reason": audit.appendix["failed_files"][0]["reason"]}]
    assert audit.appendix["failed_files"][0]["reason"].startswith("truncated or malformed JSON")
    assert any(c.startswith("1 file(s) could not be loaded and are not in these figures: usage.json")
               for c in audit.coverage)
    # once the file is fixed, the next run no longer lists it
    (client / "usage.json").unlink()
    assert run_audit(client).appendix["failed_files"] == []


def test_a_gz_file_cut_short_is_named_in_the_report(tmp_path):
    """A .gz cut short loads up to the cut (its last rows are missing): the report says which file, and where."""
    import zlib

    from routekit.report import run_audit

    rows = [_row(f"r{i}", "0.01", "10", "1", "2026-09-01 00:00:00+00") for i in range(1, 301)]
    text = "\n".join([HEADER, *rows]) + "\n"
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    # 200 whole rows and 5 characters of the 201st: header line 1, rows on lines 2-201, the cut in line 202
    cut = z.compress(text[:len(HEADER) + 1 + sum(len(r) + 1 for r in rows[:200]) + 5].encode()) + \
        z.flush(zlib.Z_FULL_FLUSH)
    client = tmp_path / "acme"
    client.mkdir()
    (client / "spend.csv.gz").write_bytes(cut)
    audit = run_audit(client)
    assert audit.data["calls"] == 200
    assert audit.appendix["cut_files"] == [{"path": "spend.csv.gz", "cut_at": "line 202"}]
    assert "1 file(s) were cut short (an interrupted download or copy) and are in these figures only up to the " \
           "cut: spend.csv.gz (ends in line 202); copy them again." in audit.coverage


def test_a_folder_with_no_usable_export_says_so(tmp_path):
    from routekit.report import run_audit

    client = write_files(tmp_path / "acme", {"notes.txt": "call Bob about the invoice\n"})
    audit = run_audit(client)
    assert audit.summary["traffic"] == "no usable export"
    assert audit.coverage[-1] == "No usable export was found in the folder: see the data appendix for what was read."
    assert [f["path"] for f in audit.appendix["files"]] == ["notes.txt"]


@pytest.mark.parametrize("policy", [
    "tiers: {budget: nosuchmodel}\nmix: {other: {budget: 1.0}}\n",   # the mix sends traffic there (simulate refuses)
    "tiers: {budget: nosuchmodel}\n",   # named only: the audit's optimizer may send traffic to any tier
])
def test_audit_refuses_a_policy_tier_without_a_price_as_simulate_does(tmp_path, policy):
    client = write_files(tmp_path / "acme", {
        "spend.csv": "\n".join([HEADER, _row("r1", "0.01", "10", "1", "2026-09-01 00:00:00+00")]) + "\n",
        "policy.yaml": policy})
    out = tmp_path / "reports"
    proc = run_cli("audit", str(client), "--policy", str(client / "policy.yaml"), "--out", str(out), check=False)
    message = ("tier budget's model nosuchmodel has no price in the catalog; choose a priced model or add it to the "
               "client's prices.csv")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [f"routekit audit: {client / 'policy.yaml'}: {message}"]
    assert not out.exists()   # refused before the notebook ran
    # the notebook's own path (run top to bottom by hand) refuses it too, with the same words
    from routekit.report import run_audit
    from routekit.scenario import PolicyError
    with pytest.raises(PolicyError, match=re.escape(message)):
        run_audit(client, policy=client / "policy.yaml")


def test_batch_of_clients_without_data_exits_3_and_says_why(tmp_path):
    clients = tmp_path / "clients"
    (clients / "empty").mkdir(parents=True)
    proc = run_cli("batch", str(clients), "--out", str(tmp_path / "reports"), check=False)
    assert proc.returncode == 3, proc.stdout + proc.stderr   # nothing failed, but nothing was audited either
    assert re.search(r"^empty +no data ", proc.stdout, re.MULTILINE)
    assert "  no data: no files in the folder" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "0 of 1 clients audited; 1 with no data (empty)."
    # the single-client command says the same in its JSON (and still writes the report saying so)
    result = json.loads(run_cli("audit", str(clients / "empty"), "--out", str(tmp_path / "one"), "--json").stdout)
    assert (result["status"], result["reason"]) == ("no data", "no files in the folder")


def test_no_data_reason_names_each_file_and_what_became_of_it(tmp_path):
    from routekit.report import run_audit

    client = write_files(tmp_path / "acme", {
        "spend.csv": "\n".join([HEADER, _row("r1", "0.01", "abc", "1", "2026-09-01 00:00:00+00")]) + "\n",
        "usage.json": '{"object": "page", "data": [{"object": "bucket",'})   # cut off
    reason = run_audit(client).summary["no_data_reason"]
    assert reason.startswith("no usable export: usage.json could not be loaded (truncated or malformed JSON")
    assert reason.endswith("; spend.csv: all 1 row(s) rejected (prompt_tokens is not a whole number: 'abc')")


COST_HEADER = ("start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,quantity_unit,"
               "line_item,user_id,api_key_id,project_id,organization_id,project_name,organization_name,user_email,"
               "api_source")


def _cost_line(day: str, usd: str, item: str) -> str:
    """One line of OpenAI's cost export (the console's CSV) for a day."""
    start = dt.datetime.fromisoformat(day + "T00:00:00+00:00")
    end = start + dt.timedelta(days=1)
    return (f"{int(start.timestamp())},{int(end.timestamp())},{start.isoformat()},{end.isoformat()},{usd},usd,1,"
            f'tokens,"gpt-4o-2024-08-06, {item}",,,proj_1,org-1,LiteLLM proxy,Acme,,')


def test_log_coverage_compares_only_the_months_the_logs_cover(tmp_path):
    """One month of logs against a three-month invoice read as 14.9 % (1.40 / 9.40); over September alone the
    logs explain all of it, and July and August are named as billed without logs."""
    from routekit.report import _log_coverage_text, run_audit

    # 4 calls × (100,000 input × $2.50/M + 10,000 output × $10/M) = 4 × ($0.25 + $0.10) = $1.40 at list price
    logs = [HEADER] + [_row(f"r{i}", "0.35", "100000", "10000", f"2026-09-{10 + i:02d} 10:00:00+00",
                            model="gpt-4o-2024-08-06") for i in range(4)]
    # billed: July $5.00, August $3.00, September $1.00 input + $0.40 output = $1.40
    invoice = [COST_HEADER, _cost_line("2026-07-15", "5.00", "input"), _cost_line("2026-08-15", "3.00", "input"),
               _cost_line("2026-09-12", "1.00", "input"), _cost_line("2026-09-12", "0.40", "output")]
    client = write_files(tmp_path / "acme", {"spend.csv": "\n".join(logs) + "\n",
                                             "cost.csv": "\n".join(invoice) + "\n"})
    cov = run_audit(client).appendix["log_coverage"]
    # the logs run 10-13 September and the invoice is by day: September's bill is that of those days (12 September)
    assert cov == {"months_compared": ["openai 2026-09"], "billed_usd": 1.40, "logs_priced_usd_where_billed": 1.40,
                   "coverage": 1.0, "billed_months_without_logs": ["openai 2026-07", "openai 2026-08"],
                   "billed_usd_without_logs": 8.00,   # $5.00 + $3.00
                   "days_compared": "2026-09-10 to 2026-09-13", "billed_usd_on_days_without_logs": 0.0,
                   "months_logged_in_part": []}
    assert _log_coverage_text(cov) == (
        "100.0% over the days the logs cover (2026-09-10 to 2026-09-13; openai 2026-09): $1.40 of logs at list price "
        "against $1.40 billed on those days; $0.00 billed on the other days of those months; not compared: openai "
        "2026-07, openai 2026-08, billed $8.00 with no call logs")


@pytest.mark.parametrize("by_day", [True, False])
def test_logs_of_some_days_against_a_months_bill(by_day, tmp_path):
    """Four days of logs (10-13 September, $1.40 at list price, as above) and a September bill of $3.40: $1.40 on
    12 September and $2.00 on the 20th, a day without logs. Month against month that read as 41.2 % (1.40 / 3.40)
    and blamed traffic the logs miss. Billed by day, the logs' own days are compared: 100 %. Billed as one line for
    the month ($3.40, 1 September to 1 October), the bill cannot be cut, and the report says the logs cover 4 of
    September's 30 days."""
    from routekit.report import _log_coverage_text, run_audit

    logs = [HEADER] + [_row(f"r{i}", "0.35", "100000", "10000", f"2026-09-{10 + i:02d} 10:00:00+00",
                            model="gpt-4o-2024-08-06") for i in range(4)]
    if by_day:
        invoice = [_cost_line("2026-09-12", "1.00", "input"), _cost_line("2026-09-12", "0.40", "output"),
                   _cost_line("2026-09-20", "2.00", "input")]
    else:
        start, end = dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc), dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc)
        invoice = [f"{int(start.timestamp())},{int(end.timestamp())},{start.isoformat()},{end.isoformat()},3.40,usd,"
                   f'1,tokens,"gpt-4o-2024-08-06, input",,,proj_1,org-1,LiteLLM proxy,Acme,,']
    client = write_files(tmp_path / "acme", {"spend.csv": "\n".join(logs) + "\n",
                                             "cost.csv": "\n".join([COST_HEADER, *invoice]) + "\n"})
    audit = run_audit(client)
    cov = audit.appendix["log_coverage"]
    said = [c for c in audit.coverage if c.startswith("The call logs explain")]
    if by_day:
        assert (cov["coverage"], cov["billed_usd"], cov["billed_usd_on_days_without_logs"]) == (1.0, 1.40, 2.00)
        assert cov["days_compared"] == "2026-09-10 to 2026-09-13" and cov["months_logged_in_part"] == []
        assert "$1.40 billed on those days; $2.00 billed on the other days of those months" in _log_coverage_text(cov)
        assert said == []   # 100 %: nothing to explain
        # billed only on days without logs: nothing to compare, and it says so (not "no invoice")
        assert _log_coverage_text({**cov, "coverage": None, "billed_usd": 0.0,
                                   "billed_usd_on_days_without_logs": 3.40}).startswith(
            "no invoice line for the days the logs cover (2026-09-10 to 2026-09-13; openai 2026-09); $3.40 billed on "
            "the other days of those months")
    else:
        assert (cov["coverage"], cov["billed_usd"], cov["days_compared"]) == (0.4118, 3.40, None)   # 1.40 / 3.40
        assert cov["months_logged_in_part"] == ["2026-09 (4 of 30 days)"]
        assert _log_coverage_text(cov).endswith(
            "$1.40 of logs at list price against $3.40 billed, though the logs cover only part of 2026-09 (4 of 30 "
            "days) and the invoice bills whole months")
        assert len(said) == 1 and "they cover only part of 2026-09 (4 of 30 days) and the invoice bills whole " \
            "months, so the days without logs explain much of the difference" in said[0]


def test_failed_calls_are_counted_apart_not_shown_as_a_model_at_zero_dollars(tmp_path):
    from routekit.report import mix_rows, run_audit

    # 4 answered calls on gpt-4o; 3 calls on gpt-4o-mini that all failed (no tokens, no cost)
    rows = [HEADER] + [_row(f"ok{i}", "0.35", "100000", "10000", f"2026-09-{10 + i:02d} 10:00:00+00",
                            model="gpt-4o-2024-08-06") for i in range(4)] \
        + [_row(f"bad{i}", "0", "0", "0", f"2026-09-{10 + i:02d} 11:00:00+00", model="gpt-4o-mini",
                status="failure") for i in range(3)]
    audit = run_audit(write_files(tmp_path / "acme", {"spend.csv": "\n".join(rows) + "\n"}))
    assert audit.data["failed_calls"] == 3
    by_model = audit.spend["by_model"]
    assert [r["model"] for r in by_model] == ["gpt-4o-2024-08-06"]   # no gpt-4o-mini row at $0.00
    assert by_model[0]["failed_calls_per_month"] == 0
    (failed,) = audit.spend["failed_calls"]
    assert (failed["model"], failed["share_of_calls"], failed["monthly_usd"]) == ("gpt-4o-mini", 1.0, 0.0)  # 3 of 3
    # the same projection scales both: 3 failed against 4 answered calls
    assert failed["failed_calls_per_month"] == pytest.approx(by_model[0]["requests_per_month"] * 3 / 4, abs=0.1)
    # answered calls only in the request counts: 4 in September
    assert [(r["month"][:7], r["requests"]) for r in audit.spend["by_month"]] == [("2026-09", 4)]
    # the failures (0 input tokens: '<1k') make a segment of their own with nothing billed: not a mix row
    assert [b for _, b in audit.failed_only_segments] == ["<1k"]
    rows, left_out = mix_rows(audit)
    assert rows and all(r["input_length"] != "<1k" for r in rows) and left_out == [" ".join(
        audit.failed_only_segments[0])]
    failed_models = {m["model"]: m["failed_calls"] for m in audit.appendix["models"]}
    assert failed_models == {"gpt-4o-2024-08-06": 0, "gpt-4o-mini": 3}


def test_report_is_titled_for_the_client_and_every_chart_says_what_it_shows(northwind, northwind_client):
    import html as html_lib

    folder, _, _ = northwind
    text = (folder / "audit.html").read_text()
    # titled by routekit.yaml's `client: Northwind Support` (documented; the folder's name was used instead)
    assert re.findall(r"<title>(.*?)</title>", text) == ["routekit audit — Northwind Support"]
    assert "this notebook only calls and displays" not in text   # the notebook's own introduction stays in it
    alts = [html_lib.unescape(a) for a in re.findall(r'<img\b[^>]*\balt="([^"]*)"', text)]
    assert len(alts) == len(re.findall(r"<img\b", text)) >= 6    # the month chart, 4 spend charts, the frontier
    assert all(a.startswith(("Bar chart: ", "Cost–risk frontier: ")) for a in alts), alts
    assert any(a.startswith("Bar chart: monthly spend by model") for a in alts)
    # names and dollar figures, never prompt text: the Northwind bot's system prompt is in the database, not here
    import duckdb
    con = duckdb.connect(str(northwind_client / ".routekit" / "routekit.duckdb"), read_only=True)
    prompts = [p for (p,) in con.execute("SELECT DISTINCT system_prompt FROM calls WHERE system_prompt IS NOT NULL "
                                         "LIMIT 5").fetchall()]
    con.close()
    assert prompts and not [p for p in prompts for a in alts if p[:40] in a]
    assert '<div class="rk-banner"' not in text   # no confidentiality banner without --include-prompts


def test_include_prompts_puts_a_confidentiality_banner_at_the_top(tmp_path):
    client = _secret_client(tmp_path / "acme")
    out = tmp_path / "reports"
    run_cli("audit", str(client), "--out", str(out), "--include-prompts")
    text = (out / "acme" / "audit.html").read_text()
    banner = text.find('<div class="rk-banner" role="alert">Confidential: this report contains client prompt text')
    assert banner != -1 and "Do not share it outside acme.</div>" in text
    assert banner < text.find("LLM spend audit: acme") < text.find(MARKER)   # above the title and any prompt


def test_audit_restates_the_policy_it_was_given(tmp_path):
    import html as html_lib

    client = write_files(tmp_path / "acme", {
        "spend.csv": "\n".join([HEADER] + [_row(f"r{i}", "0.01", "1200", "100", f"2026-09-{1 + i:02d} 10:00:00+00")
                                           for i in range(6)]) + "\n",
        "policy.yaml": "tiers: {budget: gpt-5-nano}\n"
                       "mix: {other: {budget: 0.7, mid: 0.3}}\n"
                       "batch_share: {other: 0.5}\n"
                       "output_inflation: {budget: [1.0, 1.15, 1.4]}\n"
                       "cascade: {summarization: {from: budget, to: flagship, detection_rate: 0.8,"
                       " false_alarm_rate: 0.1},"
                       " chat: {from: budget, to: mid, detection_rate: 0.9, false_alarm_rate: 0.05,"
                       " correlation: 0.5}}\n"})
    out = tmp_path / "reports"
    run_cli("audit", str(client), "--policy", str(client / "policy.yaml"), "--out", str(out))
    given = json.loads((out / "acme" / "findings.json").read_text())["policy_given"]
    assert given == {"tiers": {"budget": "gpt-5-nano"}, "mix": {"other": {"budget": 0.7, "mid": 0.3}},
                     "batch_share": {"other": 0.5}, "output_inflation": {"budget": [1.0, 1.15, 1.4]},
                     "cascade": {"summarization": {"from": "budget", "to": "flagship", "detection_rate": 0.8,
                                                   "false_alarm_rate": 0.1, "correlation": 1.0},   # its default
                                 "chat": {"from": "budget", "to": "mid", "detection_rate": 0.9,
                                          "false_alarm_rate": 0.05, "correlation": 0.5}}}
    text = (out / "acme" / "audit.html").read_text()
    section = text[text.index("The policy given (policy.yaml)"):text.index("Cost–risk frontier")]
    rows = [" | ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td\b[^>]*>(.*?)</td>", r))
            for r in re.findall(r"<tr>(.*?)</tr>", section) if "<td" in r]
    assert rows == ["budget | gpt-5-nano",
                    "other | all | budget 70.0%, mid 30.0%",
                    "other | 50.0%",                                           # batch share 0.5
                    # detection 0.8, false alarms 0.1, correlation its default 1 (how far the tiers fail the
                    # same requests: it moves the residual failures, so the reader is told), and no validator:
                    # its checks are counted as free
                    "summarization | budget | flagship | 80.0% | 10.0% | 1 | none: counted as free",
                    "chat | budget | mid | 90.0% | 5.0% | 0.5 | none: counted as free",
                    "budget | ×1 | ×1.15 | ×1.4"]


def test_batch_index_writes_money_as_a_person_does(tmp_path):
    from routekit.audit import write_index

    result = {"client": "acme", "name": "Acme & Sons", "status": "ok", "files": {}, "summary": {
        "current_monthly_usd": 1234.5, "prices_as_of": "2026-11-23", "savings_usd": -0.01, "extra_failure_rate": 0.0}}
    invoices = {"client": "globex", "status": "ok", "files": {}, "summary": {"invoice_monthly_usd": 99.0}}
    text = write_index([result, invoices], tmp_path).read_text()
    assert "<td>$1,234.50</td><td>2026-11-23</td><td>-$0.01</td>" in text and "$-" not in text
    # the current routing at one day's prices is not "current monthly spend"; an invoice-only client's figure is
    # what it was billed, and says so
    assert "<th>current routing a month</th><th>at the list prices of</th>" in text
    assert "current monthly spend" not in text and "<td>$99.00 invoiced</td><td>-</td>" in text
    # a client is listed under the name its report is titled with, beside the folder its links lead into
    assert '<td>Acme &amp; Sons <span class="folder">(acme)</span></td>' in text
    assert "<td>globex</td>" in text   # no `client:` name (or a failed client): the folder alone


def test_logs_that_miss_part_of_the_invoice_are_said_up_front(tmp_path):
    """globex_devtools: its OpenAI usage export holds a nightly Batch API job no span logs, so the logs explain
    $64.72 of the $85.65 billed over October (sonnet 41.97 + opus 12.84 + gpt-5 4.58 + o3 2.97 + gpt-5-mini 2.32 +
    gpt-5-nano 0.04 = 64.72 at list price, the billed models only; 64.72 / 85.65 = 75.6 %; gpt-5 $4.58 of $9.47 =
    48 %, gpt-5-mini $2.32 of $16.93 = 14 %). The headline figures come from the logs; only the data appendix said how much they miss."""
    from routekit.report import run_audit

    client = tmp_path / "globex_devtools"
    sample_client("globex_devtools", client)
    audit = run_audit(client, price_date="2026-11-23")
    assert audit.coverage[0] == (
        "The call logs explain 75.6% of the invoice over the months they cover ($64.72 at list price against $85.65 "
        "billed; under 90 % for openai gpt-5, openai gpt-5-mini): billed traffic the logs miss (a batch job, a service "
        "that does not log) is not in the spend, the current routing or the recommended mix; see the reconciliation.")


def test_failed_calls_count_the_model_under_all_its_ids(tmp_path):
    """globex's failed OTel spans name the model asked for (gpt-5-mini), the answered ones the snapshot
    (gpt-5-mini-2025-08-07, 1,305 answered calls): its 30 failures are 30 / (1,305 + 30) = 2.2 % of its calls, not
    the "100.0 %" the table showed."""
    from routekit.report import run_audit

    client = tmp_path / "globex_devtools"
    sample_client("globex_devtools", client)
    audit = run_audit(client, price_date="2026-11-23")
    failed = {r["model"]: r for r in audit.spend["failed_calls"]}
    answered = {r["model"]: r["requests_per_month"] for r in audit.spend["by_model"]}
    assert answered["gpt-5-mini-2025-08-07"] == 1305 and failed["gpt-5-mini"]["failed_calls_per_month"] == 30
    assert failed["gpt-5-mini"]["share_of_calls"] == round(30 / 1335, 6)
    assert all(r["share_of_calls"] < 0.05 for r in failed.values())
    # and the by-model table counts them on that model's row, so its failed calls add up as the other tables' do:
    # 27 + 3 + 1 + 2 + 30 + 2 + 10 + 5 + 6 = 86 (17 before: only the ids with answered calls of their own)
    by_model = {r["model"]: r["failed_calls_per_month"] for r in audit.spend["by_model"]}
    assert by_model["gpt-5-mini-2025-08-07"] == 30 and sum(by_model.values()) == 86
    assert sum(r["failed_calls_per_month"] for r in audit.spend["by_provider"]) == 86


def test_audit_with_a_relative_out_folder_as_make_audit_runs_it(tmp_path):
    """`make audit` is `routekit batch sample_data` with the default `--out reports`, a folder relative to where the
    command runs. papermill runs the notebook inside its output folder (os.chdir), so a kernel log opened by a path
    relative to the caller's folder was looked for under reports/CLIENT/reports/CLIENT/: every client failed with
    'FileNotFoundError: ... reports/CLIENT/kernel.log'. Every other test passed absolute paths."""
    import subprocess
    import sys

    logs = [HEADER] + [_row(f"r{i}", "0.35", "100000", "10000", f"2026-09-{10 + i:02d} 10:00:00+00",
                            model="gpt-4o-2024-08-06") for i in range(4)]
    write_files(tmp_path / "clients" / "acme", {"spend.csv": "\n".join(logs) + "\n"})
    proc = subprocess.run([sys.executable, "-m", "routekit.cli", "batch", "clients"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "1 of 1 clients audited."
    assert (tmp_path / "reports" / "acme" / "findings.json").is_file()
    assert not (tmp_path / "reports" / "acme" / "kernel.log").exists()


def test_batch_prices_every_client_at_one_date(tmp_path):
    """`routekit audit` took --date and `batch` did not: a consultant's batch could not be put at a fixed price list,
    and each client took the day its own audit started (a batch running past midnight UTC mixed two days' prices).
    Now the batch fixes one date, --date or today's, and hands it to every client."""
    from datetime import datetime, timezone

    logs = [HEADER] + [_row(f"r{i}", "0.35", "100000", "10000", f"2026-09-{10 + i:02d} 10:00:00+00",
                            model="gpt-4o-2024-08-06") for i in range(4)]
    for name in ("acme", "zeta"):
        write_files(tmp_path / "clients" / name, {"spend.csv": "\n".join(logs) + "\n"})
    out = tmp_path / "reports"
    run_cli("batch", str(tmp_path / "clients"), "--out", str(out), "--jobs", "2", "--date", "2026-10-01")
    for name in ("acme", "zeta"):
        summary = json.loads((out / name / "findings.json").read_text())["summary"]
        assert summary["prices_as_of"] == "2026-10-01"
        # 4 calls × (100,000 × $2.50 + 10,000 × $10) / 1e6 = $1.40 over 4 days (Sept 10-13), projected to a month
        # × 30.4375 / 4 = $10.653125 → $10.65
        assert summary["current_monthly_usd"] == 10.65
    assert "2026-10-01" in (out / "index.html").read_text()
    proc = run_cli("batch", str(tmp_path / "clients"), "--out", str(out), "--date", "2026-02-30", check=False)
    assert proc.returncode == 2 and proc.stderr.strip() == "routekit batch: --date 2026-02-30: expected YYYY-MM-DD"
    today = datetime.now(timezone.utc).date().isoformat()
    run_cli("batch", str(tmp_path / "clients"), "--out", str(out), "--jobs", "2")
    assert {json.loads((out / n / "findings.json").read_text())["summary"]["prices_as_of"]
            for n in ("acme", "zeta")} == {today}


def test_a_finding_names_every_tier_serving_its_traffic():
    """globex's summaries of 4k-16k tokens are served by gpt-5-mini (mid) and claude-sonnet-4-5 (flagship):
    the finding read "on a mid model (gpt-5-mini-2025-08-07, claude-sonnet-4-5-20250929)", a flagship model called
    mid, and its reasoning tasks "on a flagship model (gpt-5-2025-08-07, o3-2025-04-16)" named o3, a reasoning model.
    The tiers of the models named are given, in the models' order; one model alone keeps "a <tier> model"."""
    from decimal import Decimal

    from routekit.quality import QualitySettings
    from routekit.report import _routing_findings

    segments = [{"task_type": "summarization", "len_in": "4k-16k", "len_out": "<250", "requests_per_month": 100.0,
                 "extra_failure_rate": 0.0, "evidence": "priors"},
                {"task_type": "qa", "len_in": "<1k", "len_out": "<250", "requests_per_month": 100.0,
                 "extra_failure_rate": 0.0, "evidence": "priors"}]
    mix = {"summarization": {"4k-16k": {"budget": 1.0}}, "qa": {"<1k": {"budget": 1.0}}}
    current = {("summarization", "4k-16k"): {"tiers": {"mid": 0.30, "flagship": 0.20},
                                             "models": {"gpt-5-mini": 0.30, "claude-sonnet-4-5": 0.20},
                                             "model_tiers": {"gpt-5-mini": "mid", "claude-sonnet-4-5": "flagship"}},
               ("qa", "<1k"): {"tiers": {"flagship": 2.0}, "models": {"gpt-4o": 2.0},
                               "model_tiers": {"gpt-4o": "flagship"}}}
    exact = {("summarization", "4k-16k", "<250"): (Decimal("0.50"), Decimal("0.05")),
             ("qa", "<1k", "<250"): (Decimal("2.00"), Decimal("0.10"))}
    found = {f["task_type"]: f["text"] for f in _routing_findings(segments, mix, current, QualitySettings(),
                                                                    {"budget": "gpt-5-nano"}, exact)}
    assert found["summarization"].startswith(
        "Summaries of 4k-16k tokens on mid and flagship models (gpt-5-mini, claude-sonnet-4-5) cost $0.50 a month; "
        "routing all to the budget tier (gpt-5-nano) saves $0.45 a month")
    assert found["qa"].startswith("Question answering under 1k tokens on a flagship model (gpt-4o) cost $2.00")


def test_a_billing_finding_is_introduced_beside_the_routing_ones(tmp_path):
    """With traffic, the Findings intro speaks of routing findings, and of billing findings when one is listed (it
    said nothing of the [billing] entries)."""
    from routekit.report import findings_intro, run_audit

    # ten gpt-4o calls of 1,200 input and 100 output tokens in September: at $2.50 / $10 per million, 10 × $0.004
    # = $0.04 at list price, against $5.00 invoiced for gpt-4o that month: a gap of $4.96, over $1 and 2 %
    rows = [_row(f"r{i}", "0.004", "1200", "100", f"2026-09-{1 + i:02d} 10:00:00+00") for i in range(10)]
    invoice = ("start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,quantity_unit,"
               "line_item,user_id,api_key_id,project_id,organization_id,project_name,organization_name,user_email,"
               "api_source\n1788220800,1788307200,2026-09-01T00:00:00+00:00,2026-09-02T00:00:00+00:00,5.00,usd,"
               "10000,tokens,\"gpt-4o-2024-08-06, input\",,,proj_x,org_x,p,o,,\n")
    client = write_files(tmp_path / "c", {"spend.csv": "\n".join([HEADER, *rows]) + "\n", "cost.csv": invoice})
    audit = run_audit(client, price_date="2026-11-01")
    billing = [f for f in audit.findings if f["kind"] == "billing_gap"]
    assert [f["monthly_usd"] for f in billing] == [4.96]
    intro = findings_intro(audit)
    assert intro.startswith("Each routing finding moves one task type × input length to a cheaper tier")
    assert intro.endswith("A billing finding is a provider's invoice gap that the usage exports and logs do not "
                          "explain at list prices (see the reconciliation).")

"""Notebooks run top to bottom, headless, through papermill on a real kernel; committed without outputs."""
from __future__ import annotations

import json
from pathlib import Path

import papermill as pm
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "globex_devtools"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_notebooks_are_committed_without_outputs():
    assert NOTEBOOKS
    for nb in NOTEBOOKS:
        cells = json.loads(nb.read_text())["cells"]
        assert not any(c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code"), nb
        assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in cells), f"{nb}: no parameters cell"


def test_ingest_notebook_runs_on_a_sample_client(tmp_path):
    out = tmp_path / "01_ingest.out.ipynb"
    db = tmp_path / "client.duckdb"
    pm.execute_notebook(str(ROOT / "notebooks" / "01_ingest.ipynb"), str(out), cwd=str(ROOT / "notebooks"),
                        parameters={"client_dir": str(ROOT / "sample_data" / "northwind_support"), "db": str(db)},
                        kernel_name="python3", progress_bar=False)
    text = out.read_text()
    # the per-file table shows every Bedrock log object, and the monthly cell ran (invoice total $130.29)
    assert text.count("bedrock_invocation_log") >= 5
    assert "130.29" in text
    # prompts stay in the database: a system prompt of the Northwind support bot never reaches the output
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    prompt = con.execute("SELECT system_prompt FROM calls WHERE system_prompt IS NOT NULL LIMIT 1").fetchone()[0]
    assert prompt and prompt not in text


def _error_of(notebook: str, tmp_path, **parameters):
    """Run the notebook with these parameters; the error papermill reports and the failed cell's error output."""
    out = tmp_path / f"{notebook}.out.ipynb"
    try:
        pm.execute_notebook(str(ROOT / "notebooks" / notebook), str(out), cwd=str(ROOT / "notebooks"),
                            parameters=parameters, kernel_name="python3", progress_bar=False)
    except pm.PapermillExecutionError as exc:
        errors = [o for c in json.loads(out.read_text())["cells"] for o in c.get("outputs", [])
                  if o["output_type"] == "error"]
        return exc, errors
    raise AssertionError(f"{notebook} ran with {parameters}")


@pytest.mark.parametrize("notebook, parameters, expected", [
    ("01_ingest.ipynb", {"client_dir": "/no/such/client"},
     "ParameterError: client_dir /no/such/client: no such client folder"),
    ("tier_explorer.ipynb", {"client_dir": "/no/such/client"},
     "ParameterError: client_dir /no/such/client: no such client folder"),
    ("tier_explorer.ipynb", {"client_dir": str(SAMPLE), "risk_budget": 5},
     "ParameterError: risk_budget 5: expected a share of requests between 0 and 1 (0.02 = two extra failures per "
     "hundred requests)"),
    ("tier_explorer.ipynb", {"client_dir": str(SAMPLE), "price_date": "2026-13-01"},
     "ParameterError: price_date '2026-13-01': expected None or a date as \"YYYY-MM-DD\""),
    ("audit.ipynb", {"client_dir": str(SAMPLE), "policy": "/no/such/policy.yaml"},
     "ParameterError: policy '/no/such/policy.yaml': no such file"),
    ("audit.ipynb", {"client_dir": str(SAMPLE), "include_prompts": "yes"},
     "ParameterError: include_prompts 'yes': expected True or False"),
])
def test_a_wrong_parameter_is_one_line_not_a_traceback(tmp_path, notebook, parameters, expected):
    """Checked before any work, as the command line checks its arguments; the notebook's error output is that one
    line (it was a FileNotFoundError raised in routekit/ingest.py under a page of frames)."""
    exc, errors = _error_of(notebook, tmp_path, **parameters)
    assert f"{exc.ename}: {exc.evalue}" == expected
    assert [e["traceback"] for e in errors] == [[expected]]


def test_a_client_with_invoices_only_is_one_line_in_the_tier_explorer(tmp_path):
    """Invoices say what was billed, not which traffic: nothing to route. The message (simulate's) is the cell's
    error, in one line, and is displayed as its output too, for Voilà, which strips error outputs from its page."""
    import shutil

    client = tmp_path / "invoices-only"
    (client / "openai").mkdir(parents=True)
    shutil.copy(ROOT / "sample_data" / "brightside_agency" / "openai" / "cost_2026-07-01_2026-09-30.csv",
                client / "openai")
    exc, errors = _error_of("tier_explorer.ipynb", tmp_path, client_dir=str(client))
    reason = "no call logs or usage exports to simulate on (invoices alone say what was billed, not which traffic)"
    assert exc.ename == "UsageError" and exc.evalue == f"{client}: {reason}"
    assert [e["traceback"] for e in errors] == [[f"UsageError: {client}: {reason}"]]
    out = json.loads((tmp_path / "tier_explorer.ipynb.out.ipynb").read_text())
    shown = [o["data"]["text/html"] for c in out["cells"] for o in c.get("outputs", []) if "data" in o]
    assert any(reason in "".join(h) and "rk-error" in "".join(h) for h in shown)

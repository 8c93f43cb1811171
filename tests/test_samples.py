"""The committed sample clients: regenerated identically, ingested cleanly, labelled completely."""
from __future__ import annotations

import csv
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLES, ingest_json, run_cli, sample_client
from routekit.config import load_config
from routekit.ingest import discover, formats_for
from routekit.sources import FileSample, registry

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = sorted(p for p in SAMPLES.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".routekit" not in p.parts}


def test_there_are_at_least_three_clients_under_5_mb():
    assert len(CLIENTS) >= 3
    size = sum(p.stat().st_size for c in CLIENTS for p in c.rglob("*") if p.is_file() and ".routekit" not in p.parts)
    assert size < 5 * 2**20


def test_generator_is_deterministic_and_matches_the_committed_files(tmp_path):
    subprocess.run([sys.executable, str(SAMPLES / "generate.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True, timeout=600)
    for client in CLIENTS:
        assert _digest(tmp_path / client.name) == _digest(client), f"{client.name} differs from a fresh generation"


@pytest.mark.parametrize("client", CLIENTS, ids=lambda p: p.name)
def test_each_sample_file_is_exactly_one_format(client):
    config = load_config(client)
    formats = formats_for(config)
    for path, rel in discover(client, config):
        sample = FileSample.read(path)
        hits = [f.name for f in formats if f.matches(sample)]
        assert len(hits) == 1, f"{rel}: {hits}"


def test_every_format_is_exercised_by_some_sample_or_other_formats_ignore_it():
    """Each registered format recognises none of the sample files meant for another format."""
    seen = {}
    for client in CLIENTS:
        config = load_config(client)
        for path, rel in discover(client, config):
            sample = FileSample.read(path)
            seen[rel] = [f.name for f in registry.formats() if f.matches(sample)]
    assert all(len(v) <= 1 for v in seen.values()), seen


@pytest.mark.parametrize("client", CLIENTS, ids=lambda p: p.name)
def test_sample_client_ingests_cleanly_and_labels_cover_its_calls(client, tmp_path):
    db = tmp_path / "client.duckdb"
    report = ingest_json(client, "--db", str(db))
    for f in report["files"]:
        assert f["status"] == "loaded", f
        assert f["rows_rejected"] == 0 and f["rows_read"] == f["rows_loaded"] > 0, f
    con = duckdb.connect(str(db), read_only=True)
    ids = {r[0] for r in con.execute("SELECT request_id FROM calls").fetchall()}
    with open(client / "truth" / "labels.csv", newline="") as fh:
        labels = {row["request_id"]: row["task_type"] for row in csv.DictReader(fh)}
    assert ids == set(labels), "labels.csv must cover every call exactly"
    taxonomy = {"classification", "extraction", "summarization", "qa", "rewrite", "drafting", "chat",
                "code_generation", "code_review", "reasoning", "agentic", "creative", "other"}
    assert set(labels.values()) <= taxonomy
    # realistic shape: several providers or models, cache use, some failed calls, a month of data
    n_models, cached, errors, days = con.execute("""
        SELECT count(DISTINCT model), sum(cached_input_tokens), count(*) FILTER (status = 'error'),
               date_diff('day', min(ts), max(ts)) FROM calls""").fetchone()
    assert cached > 0 and errors > 0 and days >= 27
    # lopsided: a few features dominate, and most calls are short (a long tail pulls the mean far above the median)
    shares = [r[0] for r in con.execute("""SELECT count(*) * 1.0 / sum(count(*)) OVER () FROM calls
                                           GROUP BY feature ORDER BY 1 DESC""").fetchall()]
    assert sum(shares[:3]) >= 0.4
    median, mean = con.execute("SELECT median(input_tokens), avg(input_tokens) FROM calls").fetchone()
    assert mean > 1.5 * median


def test_the_agency_mirrors_the_published_case(tmp_path):
    """12-person agency, every workflow on GPT-4o, about $3,200 a quarter."""
    db = tmp_path / "agency.duckdb"
    ingest_json(SAMPLES / "brightside_agency", "--db", str(db))
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT list(DISTINCT model) FROM calls").fetchone()[0] == ["gpt-4o-2024-08-06"] or \
        {m for (m,) in con.execute("SELECT DISTINCT model FROM calls").fetchall()} <= {"gpt-4o-2024-08-06", "gpt-4o"}
    quarter = float(con.execute("SELECT sum(billed_usd) FROM invoice").fetchone()[0])
    assert 2900 <= quarter <= 3500
    # the logged month's own reported spend agrees with September's invoice within a few percent
    logged = float(con.execute("SELECT sum(reported_cost_usd) FROM calls").fetchone()[0])
    september = float(con.execute("""SELECT sum(billed_usd) FROM invoice
                                     WHERE charge_period_start >= '2026-09-01'""").fetchone()[0])
    assert abs(logged - september) / september < 0.05


def test_make_audit_runs_every_sample_client(tmp_path):
    """`make audit` is `routekit batch sample_data`: every sample client gets its report and a line in the index.
    (On a copy of sample_data: its clients' databases are built here, not in the repository.)"""
    for client in CLIENTS:
        sample_client(client.name, tmp_path / "sample_data" / client.name)
    out = tmp_path / "reports"
    proc = run_cli("batch", str(tmp_path / "sample_data"), "--out", str(out), "--jobs", "2")
    for client in CLIENTS:
        assert re.search(rf"^{client.name}\s+ok\b", proc.stdout, re.M), proc.stdout
        assert (out / client.name / "audit.html").is_file()
    assert "failed" not in proc.stdout
    index = (out / "index.html").read_text()
    assert all(f'href="{c.name}/audit.html"' in index for c in CLIENTS)
    # listed by the name each report is titled with (routekit.yaml's `client:`), its folder beside it
    assert '<td>Northwind Support <span class="folder">(northwind_support)</span></td>' in index

"""Shared fixtures: a client folder built from file contents, ingested into a real DuckDB file."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
sys.path.insert(0, str(ROOT))


def write_files(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write {relative path: content}; a path ending in .gz is gzip-compressed."""
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        if rel.endswith(".gz"):
            data = gzip.compress(data, mtime=0)
        path.write_bytes(data)
    return folder


def sample_client(name: str, dest: Path) -> Path:
    """A copy of sample_data/<name> at dest, without its built database (.routekit). Tests never build into the
    repository's own sample folders: tests running side by side (pytest -n) would share one DuckDB file, and a
    database left there by an older routekit could decide a result."""
    shutil.copytree(SAMPLES / name, dest, ignore=shutil.ignore_patterns(".routekit"))
    return dest


def run_cli(*args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real `routekit` command in a subprocess, as a user runs it (``env``: variables set on top of ours)."""
    proc = subprocess.run([sys.executable, "-m", "routekit.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, env={**os.environ, **env} if env else None)
    if check and proc.returncode != 0:
        raise AssertionError(f"routekit {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def ingest_json(client: Path, *extra: str) -> dict:
    return json.loads(run_cli("ingest", str(client), "--json", *extra).stdout)


@pytest.fixture
def client(tmp_path: Path) -> Path:
    folder = tmp_path / "client"
    folder.mkdir()
    return folder


@pytest.fixture
def ingest(client: Path):
    """ingest(files) -> (report dict, read-only DuckDB connection); files are written into the client folder."""
    from routekit.ingest import ingest as run_ingest

    cons = []

    def _ingest(files: dict[str, str | bytes] | None = None, **kwargs):
        # DuckDB refuses a writer while this process holds a reader on the file: close the earlier ones
        while cons:
            cons.pop().close()
        if files:
            write_files(client, files)
        report = run_ingest(client, **kwargs).to_json()
        con = duckdb.connect(report["db"], read_only=True)
        cons.append(con)
        return report, con

    yield _ingest
    for con in cons:
        con.close()


def ingest_and_price(client: Path, files: dict[str, str]) -> tuple[dict, dict[str, float]]:
    """Write the files, run `routekit ingest` as a user does, build the client: (the ingest report as JSON, the
    priced cost of each call by its _source_row)."""
    from routekit.db import connect
    from routekit.engine import build

    write_files(client, files)
    report = ingest_json(client)
    con = connect(client / ".routekit" / "routekit.duckdb")
    try:
        build(con, client)
        rows = con.execute("SELECT _source_row, cost_usd FROM int_calls").fetchall()
    finally:
        con.close()
    return report, {row: float(cost) for row, cost in rows}


def detected_format(folder: Path, name: str, text: str) -> str | None:
    """The format ingest picks for a file of this content (by content alone, never by its name)."""
    from routekit.sources import FileSample, detect, registry

    (folder / name).write_text(text, encoding="utf-8")
    found = detect(FileSample.read(folder / name), registry.formats())
    return found.name if found else None


REAL_SAMPLES = ROOT / "tests" / "data" / "real"


def real_sample(name: str) -> str:
    """A real export sample (tests/data/real, its README names each one's source) as text."""
    return (REAL_SAMPLES / name).read_text(encoding="utf-8")


def file_entry(report: dict, path: str) -> dict:
    return next(f for f in report["files"] if f["path"] == path)

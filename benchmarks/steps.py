"""One benchmark step in this process: `python benchmarks/steps.py STEP CLIENT_DIR DB [--memory-limit SIZE]`.

benchmarks/run.py starts each step in a fresh interpreter so that its wall time and peak resident memory are its own
(memory cannot be given back between steps of one process, and a warm cache would flatter the later ones). The last
line printed is JSON: rows handled, peak RSS in MB, CPU seconds, and the step's own figures.

Steps, in pipeline order (each expects the ones before it to have run on the same DB):
  duckdb_read  DuckDB alone reading the client's CSV into a table: the floor any ingest is measured against
  ingest       routekit ingest of the client folder (detect, stage, validate, rejects, manifest)
  classify     the task classifier over every call (rules, mapping-free: the costliest case)
  cube         prices, tiers, priced calls, the cube and the other marts (what `routekit` builds after classify)
  slider       the tier explorer opened on the built client, then seeded slider moves (recompute and redraw)
  pandas       the hand-written pandas pipeline on the CSV (benchmarks/pandas_baseline.py)
  audit        `routekit audit` end to end from the bare folder (a fresh CLIENT_DIR/.routekit database), HTML
  build        ingest, classify and cube in this one process on a fresh DB (engine.open_built): what every command
               that reads a client (classify, simulate, optimize, reconcile, the notebooks) runs first
"""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def step_duckdb_read(client: Path, db: Path, memory_limit: str | None) -> dict:
    import duckdb

    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(client / "spendlogs.csv")])
    return {"rows": con.execute("SELECT count(*) FROM t").fetchone()[0]}


def step_ingest(client: Path, db: Path, memory_limit: str | None) -> dict:
    from routekit.ingest import ingest

    report = ingest(client, db, memory_limit=memory_limit)
    return {"rows": sum(f.rows_loaded for f in report.files),
            "rejected": sum(f.rows_rejected for f in report.files)}


def step_classify(client: Path, db: Path, memory_limit: str | None) -> dict:
    from routekit.classify import classify_calls, settings_for
    from routekit.config import load_config
    from routekit.db import connect

    con = connect(db, memory_limit=memory_limit)
    info = classify_calls(con, client, settings_for(load_config(client)), force=True)
    tasks = dict(con.execute("SELECT task_type, count(*) FROM call_task_types GROUP BY ALL").fetchall())
    return {"rows": info.calls, "task_types": len(tasks), "other_share": round(tasks.get("other", 0) / info.calls, 4),
            "calls_per_task": tasks}


def step_cube(client: Path, db: Path, memory_limit: str | None) -> dict:
    from routekit.db import connect
    from routekit.engine import build

    con = connect(db, memory_limit=memory_limit)
    # classification is up to date (its fingerprint matches): skipped here; the rest is rebuilt even if it was built
    info = build(con, client, force=True)
    assert info.classify.skipped, "classify step did not run first"
    rows, cube_rows, cost = con.execute(
        "SELECT sum(calls), count(*), sum(cost_usd) FROM mart_cube").fetchone()
    return {"rows": int(rows), "cube_rows": cube_rows, "cost_usd": float(cost)}


def step_slider(client: Path, db: Path, memory_limit: str | None) -> dict:
    from slider_bench import measure

    out = measure(client, db=db, moves=200, seed=0)
    return {"rows": out.get("calls"), **out}


def step_pandas(client: Path, db: Path, memory_limit: str | None) -> dict:
    from pandas_baseline import pipeline

    return pipeline(client / "spendlogs.csv")


def step_audit(client: Path, db: Path, memory_limit: str | None) -> dict:
    import subprocess

    out = db.parent / "audit_reports"
    cmd = [sys.executable, "-m", "routekit.cli", "audit", str(client), "--out", str(out)]   # its own database
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"routekit audit failed:\n{proc.stdout}\n{proc.stderr}")
    return {"rows": None}   # it runs in child processes (CLI, notebook kernel): main() counts them


def step_build(client: Path, db: Path, memory_limit: str | None) -> dict:
    import os

    from routekit.engine import open_built

    if memory_limit:   # open_built connects with the default limit unless told otherwise
        os.environ["ROUTEKIT_MEMORY_LIMIT"] = memory_limit
    con, info, _, _ = open_built(client, db)
    try:
        assert not info.skipped and not info.classify.skipped, "the build step needs a fresh database"
        rows, cost = con.execute("SELECT sum(calls), sum(cost_usd) FROM mart_cube").fetchone()
    finally:
        con.close()
    return {"rows": int(rows), "cost_usd": float(cost)}


def main() -> None:
    step, client, db = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    memory_limit = sys.argv[sys.argv.index("--memory-limit") + 1] if "--memory-limit" in sys.argv else None
    start = time.perf_counter()
    out = globals()[f"step_{step}"](client, db, memory_limit)
    out["inner_seconds"] = round(time.perf_counter() - start, 3)
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    # a step's children (the audit's CLI and notebook kernel) are part of it: the larger peak is what the machine sees
    out["peak_rss_mb"] = round(max(own.ru_maxrss, children.ru_maxrss) / 1024)
    # CPU time (user + system) of this process and the ones it waited for, imports included: with the wall time it
    # shows how many cores a step kept busy, and it compares work done with the single-threaded pandas pipeline.
    out["cpu_seconds"] = round(own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime, 2)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()

"""Classifier benchmark: `python benchmarks/classify_bench.py [--rows N] [--learned] [--record]`.

Generates N calls with prompt text in DuckDB from the row number alone (a few dozen prompt templates over the task
types, in several languages, with numbers and names varied by hashing the row number, 8 % of them with no rule cue
so the learned model has work), then times the classifier over the whole table: the default rules (mapping-free),
and with --learned a model trained on a labelled sample of the same templates, scored in SQL on what the rules leave.
Prints calls per second; --record appends the figures to benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from workload import NAMES, TEMPLATES, WORK  # noqa: E402  (shared with the end-to-end suite)


def generate(con, rows: int) -> None:
    """Fill `calls` with `rows` calls, their text chosen and varied by hashing the row number."""

    t_tasks = [t for t, _, _ in TEMPLATES]
    t_sys = [s for _, s, _ in TEMPLATES]
    t_usr = [u for _, _, u in TEMPLATES]
    con.execute("DELETE FROM calls")
    con.execute("""
        INSERT INTO calls (request_id, ts, provider, model, requests, input_tokens, output_tokens,
                           system_prompt, user_prompt, n_messages, has_tools, json_mode, _format, _source_file,
                           _source_row)
        WITH base AS (
            SELECT i, CAST(hash(i, 't') % $k AS INTEGER) + 1 AS t, CAST(hash(i, 'n') % 997 AS INTEGER) AS n,
                   $names[CAST(hash(i, 'p') % len($names) AS INTEGER) + 1] AS name
            FROM range($rows) r(i)
        )
        SELECT 'req-' || i, TIMESTAMP '2026-10-01' + to_seconds(i % 2592000), 'openai', 'gpt-4o', 1,
               200 + n * 7, 50 + n,
               nullif($sys[t], ''),
               replace(replace($usr[t], '{n}', CAST(n AS VARCHAR)), '{name}', name),
               2, $tasks[t] = 'agentic' AND n % 2 = 0, false, 'bench', 'bench.csv', CAST(i AS VARCHAR)
        FROM base""", {"rows": rows, "k": len(TEMPLATES), "names": NAMES, "sys": t_sys, "usr": t_usr,
                       "tasks": t_tasks})


def train_model(con, path: Path) -> None:
    """A model trained on 20,000 generated calls labelled by their template (what --train does from a CSV)."""
    from routekit.classify import LinearTaskModel

    rows = con.execute("SELECT system_prompt, user_prompt, request_id FROM calls LIMIT 20000").fetchall()
    labels = dict(con.execute("""
        WITH base AS (SELECT 'req-' || i AS request_id, CAST(hash(i, 't') % $k AS INTEGER) + 1 AS t
                      FROM range(20000) r(i))
        SELECT request_id, $tasks[t] FROM base""", {"k": len(TEMPLATES),
                                                    "tasks": [t for t, _, _ in TEMPLATES]}).fetchall())
    model = LinearTaskModel.fit([(s, u) for s, u, _ in rows], [labels[r] for _, _, r in rows])
    model.save(path)


def bench(rows: int, learned: bool) -> list[dict]:
    from routekit.classify import classify_calls, default_settings
    from routekit.db import connect

    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / f"classify_{rows}.duckdb"
    for f in (db, db.with_suffix(".duckdb.wal")):
        if f.exists():
            f.unlink()
    con = connect(db)
    start = time.perf_counter()
    generate(con, rows)
    print(f"generated {rows:,} calls in {time.perf_counter() - start:.1f}s", flush=True)
    results = []
    runs = [("rules", None)]
    if learned:
        model = WORK / "bench_task_model.json"
        train_model(con, model)
        runs.append(("rules + learned model", model))
    for label, model in runs:
        info = classify_calls(con, None, default_settings(), force=True, model=model)
        decided = dict(con.execute("SELECT decided_by, count(*) FROM call_task_types GROUP BY ALL").fetchall())
        results.append({"step": label, "rows": rows, "seconds": info.seconds, "per_second": rows / info.seconds,
                        "learned_calls": info.learned_calls, "decided": decided})
        print(f"{label:24} {info.seconds:8.1f}s  {rows / info.seconds:12,.0f} calls/s  decided by {decided}",
              flush=True)
    con.close()
    return results


def record(results: list[dict]) -> None:
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"## {when} — classifier, {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
             f"Python {platform.python_version()}", "",
             "| step | calls | seconds | calls per second | decided by the learned model |",
             "|---|---:|---:|---:|---:|"]
    lines += [f"| {r['step']} | {r['rows']:,} | {r['seconds']:.1f} | {r['per_second']:,.0f} | {r['learned_calls']:,} |"
              for r in results]
    from run import write_results

    write_results(lines + [""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000],
                        help="calls to generate (several: one run each)")
    parser.add_argument("--learned", action="store_true", help="also time the learned model on what the rules leave")
    parser.add_argument("--record", action="store_true", help="append the figures to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    results = []
    for rows in args.rows:
        results += bench(rows, args.learned)
    if args.record:
        record(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

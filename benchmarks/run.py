"""routekit benchmark suite: `make bench`, or `python benchmarks/run.py [--rows 1000000 10000000] [--memory-limit 2GB]`.

For each size, generates a seeded LiteLLM SpendLogs CSV (benchmarks/workload.py; cached in benchmarks/.work/), then
runs each step in its own process (benchmarks/steps.py) and records wall time, CPU time and that process's peak memory:
DuckDB alone reading the file (the floor: read right before and right after the pipeline, their mean counts),
routekit ingest, classify, cube build, slider recompute (p50/p95), and on the smallest size the hand-written pandas
pipeline (benchmarks/pandas_baseline.py) and `routekit audit` end to end.
Checks the targets and puts the results at the top of benchmarks/RESULTS.md (earlier runs stay below).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"
sys.path.insert(0, str(HERE))

from workload import WORK, generate_litellm_csv  # noqa: E402

from routekit.classify import default_settings  # noqa: E402

PIPELINE = ("ingest", "classify", "cube")
# A limit far below what 1 M calls take at 2 GB (about 600 MB): the build must finish by spilling to disk, with the
# same cube, rather than fail for memory
SPILL_LIMIT = "256MB"
LABELS = {
    "duckdb_read": "DuckDB alone: read_csv into a table (the floor)",
    "ingest": "routekit ingest (detect, stage, validate, rejects, manifest)",
    "classify": f"classify ({len(default_settings().rules)} shipped rules in SQL, no client mappings)",
    "cube": "price, tier, cube and marts",
    "slider": "tier explorer: open, then 200 slider moves",
    "pandas": "pandas by hand: read_csv, per-row Python classify, price, groupby",
    "audit": "`routekit audit` end to end (fresh database, HTML)",
    "build": "routekit in one process: ingest, classify, cube (fresh database)",
    "spill": f"the same under a {SPILL_LIMIT} memory limit (DuckDB spills to disk)",
}
TARGETS = {"pipeline_vs_read": 2.5, "pandas_speedup": 20.0, "peak_mb": 3 * 1024, "slider_p95_ms": 100.0}


def run_step(step: str, client: Path, db: Path, memory_limit: str | None) -> dict:
    cmd = [sys.executable, str(HERE / "steps.py"), step, str(client), str(db)]
    cmd += ["--memory-limit", memory_limit] if memory_limit and step != "duckdb_read" else []
    # The step before wrote gigabytes (databases, spill files) that the kernel is still writing back: flushed here, so
    # that no step pays for another's writes (the floor's read right after the 1 M steps took 35-39 s against 29 s
    # after the pipeline, which flattered the ratio)
    os.sync()
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step {step} failed:\n{proc.stdout}\n{proc.stderr}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {step:12} {seconds:8.2f} s  CPU {out['cpu_seconds']:8.2f} s  peak {out['peak_rss_mb']:>6,} MB  "
          + json.dumps({k: v for k, v in out.items() if k not in ("peak_rss_mb", "cpu_seconds", "calls_per_task")}),
          flush=True)
    return {"step": step, "seconds": seconds, **out}


def fresh(*paths: Path) -> None:
    for p in paths:
        if p.is_dir():
            shutil.rmtree(p)
        else:
            for q in (p, p.with_name(p.name + ".wal")):
                q.unlink(missing_ok=True)


def warm(path: Path) -> None:
    """Read the file once, untimed, so that the floor and routekit alike read it from the page cache: the first
    timed read would otherwise be the only one to pay the disk."""
    with path.open("rb") as f:
        while f.read(8 << 20):
            pass


def bench_size(rows: int, memory_limit: str | None, baselines: bool) -> dict:
    t0 = time.perf_counter()
    data = generate_litellm_csv(rows)
    print(f"{rows:,} calls: {data} ({data.stat().st_size / 2**20:,.0f} MB; generated or reused in "
          f"{time.perf_counter() - t0:.1f} s)", flush=True)
    client = data.parent
    db = WORK / f"bench_{rows}.duckdb"
    floor_db = WORK / f"floor_{rows}.duckdb"
    fresh(db, floor_db, db.parent / "tmp")
    res = {"rows": rows, "mb": data.stat().st_size / 2**20, "steps": {}}
    warm(data)
    # The floor is read twice, right before and right after the pipeline, and their mean is the figure: this VM's
    # speed drifts by up to a third within minutes, and a floor taken at one end alone would tilt the ratio.
    reads = [run_step("duckdb_read", client, floor_db, None)]
    fresh(floor_db)
    for step in PIPELINE:
        res["steps"][step] = run_step(step, client, db, memory_limit)
    reads.append(run_step("duckdb_read", client, floor_db, None))
    fresh(floor_db)
    floor = {**reads[1], "seconds": sum(r["seconds"] for r in reads) / 2, "reads": [r["seconds"] for r in reads],
             "cpu_seconds": sum(r["cpu_seconds"] for r in reads) / 2, "peak_rss_mb": max(r["peak_rss_mb"] for r in reads)}
    res["steps"] = {"duckdb_read": floor, **res["steps"]}
    res["steps"]["slider"] = run_step("slider", client, db, memory_limit)
    if baselines:
        res["steps"]["pandas"] = run_step("pandas", client, db, None)
        fresh(client / ".routekit")
        res["steps"]["audit"] = run_step("audit", client, client / ".routekit" / "routekit.duckdb", memory_limit)
        # The pipeline as a user runs it: one command, one process (what pandas is too), so the imports and the
        # connection are paid once rather than once per step
        fresh(db)
        res["steps"]["build"] = run_step("build", client, db, memory_limit)
        fresh(db, db.parent / "tmp")
        res["steps"]["spill"] = run_step("build", client, db, SPILL_LIMIT)
    fresh(db)
    return res


def verdict(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


def report(results: list[dict], memory_limit: str | None, cores: int | None = None) -> list[str]:
    cores = cores or os.cpu_count()
    lines = [f"## {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC — suite, {machine()}", "",
             "Generated LiteLLM SpendLogs CSV (benchmarks/workload.py), each step in its own process "
             f"(benchmarks/steps.py), the file read once untimed and earlier steps' writes flushed (os.sync) before "
             f"each; routekit's DuckDB memory limit: {memory_limit or 'DuckDB default'}.", "",
             "| calls | step | seconds | CPU seconds | peak memory (MB) | notes |", "|---:|---|---:|---:|---:|---|"]
    checks = []
    for r in results:
        s = r["steps"]
        for step, out in s.items():
            note = ""
            if step == "slider":
                note = (f"opened in {out['open_s']:.2f} s; recompute + redraw p50 {out['p50_ms']:.1f} ms, "
                        f"p95 {out['p95_ms']:.1f} ms, max {out['max_ms']:.1f} ms; cube {out['cube_rows']:,} rows")
            elif step == "classify":
                note = f"{out['task_types']} task types, {out['other_share']:.1%} other"
            elif step == "cube":
                note = f"{out['cube_rows']:,} cube rows, ${out['cost_usd']:,.2f}"
            elif step == "pandas":
                note = (f"read {out['read_seconds']} s, classify {out['classify_seconds']} s; "
                        f"{out['cube_rows']:,} cube rows, ${out['cost_usd']:,.2f}")
            elif step == "build":
                note = f"${out['cost_usd']:,.2f}; the same work as the three steps above, {out['cpu_seconds']:.2f} CPU s"
            elif step == "spill":
                note = f"${out['cost_usd']:,.2f}"
            elif step == "duckdb_read":
                before, after = out["reads"]
                note = f"{r['mb']:,.0f} MB file; mean of the reads before ({before:.2f} s) and after ({after:.2f} s) the pipeline"
            lines.append(f"| {r['rows']:,} | {LABELS[step]} | {out['seconds']:.2f} | {out['cpu_seconds']:.2f} | "
                         f"{out['peak_rss_mb']:,} | {note} |")
        pipeline = sum(s[k]["seconds"] for k in PIPELINE)
        pipeline_cpu = sum(s[k]["cpu_seconds"] for k in PIPELINE)
        ratio = pipeline / s["duckdb_read"]["seconds"]
        lines.append(f"| {r['rows']:,} | **ingest + classify + cube** | **{pipeline:.2f}** | {pipeline_cpu:.2f} | "
                     f"{max(s[k]['peak_rss_mb'] for k in PIPELINE):,} | {ratio:.2f}× DuckDB's read; "
                     f"{pipeline_cpu / pipeline:.2f} of {cores} cores busy |")
        r.update(pipeline=pipeline, pipeline_cpu=pipeline_cpu, ratio=ratio)
    big, small = max(results, key=lambda r: r["rows"]), min(results, key=lambda r: r["rows"])
    peak = max(o["peak_rss_mb"] for o in big["steps"].values())
    checks.append(f"ingest + classify + cube of {big['rows']:,} calls = {big['ratio']:.2f}× DuckDB's read of the same "
                  f"file (target ≤ {TARGETS['pipeline_vs_read']}×): {verdict(big['ratio'] <= TARGETS['pipeline_vs_read'])}")
    for r in results:   # say so when the machine's speed moved under a measurement
        reads = r["steps"]["duckdb_read"].get("reads")
        if reads and max(reads) > 1.15 * min(reads):
            checks.append(f"the machine's speed drifted during this run: DuckDB's read of {r['rows']:,} calls took "
                          f"{reads[0]:.2f} s before the pipeline and {reads[1]:.2f} s after it; against the faster "
                          f"read the ratio is {r['pipeline'] / min(reads):.2f}×")
    if "pandas" in small["steps"]:
        pandas = small["steps"]["pandas"]
        speedup = pandas["seconds"] / small["pipeline"]
        checks.append(f"pandas by hand / routekit on {small['rows']:,} calls = {speedup:.1f}× (target ≥ "
                      f"{TARGETS['pandas_speedup']:.0f}×): {verdict(speedup >= TARGETS['pandas_speedup'])}")
        if "build" in small["steps"]:   # one process against one process
            one = pandas["seconds"] / small["steps"]["build"]["seconds"]
            checks.append(f"pandas by hand / routekit in one process on {small['rows']:,} calls = {one:.1f}× "
                          f"(target ≥ {TARGETS['pandas_speedup']:.0f}×): {verdict(one >= TARGETS['pandas_speedup'])}")
        # What the CPU time allows: routekit's steps cannot finish sooner than their CPU seconds spread over every
        # core, so pandas's wall time over that is the largest speed-up this much work could show on this machine.
        bound = pandas["seconds"] * cores / small["pipeline_cpu"]
        checks.append(f"CPU time on {small['rows']:,} calls: pandas {pandas['cpu_seconds']:.1f} s, routekit "
                      f"{small['pipeline_cpu']:.1f} s, a ratio of {pandas['cpu_seconds'] / small['pipeline_cpu']:.1f}; "
                      f"spread over all {cores} cores, routekit's CPU time allows at most {bound:.1f}× pandas's wall "
                      f"time")
        agree = agreement(small)
        if agree is not None:
            checks.append(f"the pandas pipeline and routekit agree on the task type count of {agree:.2%} of calls")
    checks.append(f"peak memory of any step at {big['rows']:,} calls = {peak:,} MB (target < "
                  f"{TARGETS['peak_mb']:,} MB): {verdict(peak < TARGETS['peak_mb'])}")
    p95 = big["steps"]["slider"]["p95_ms"]
    checks.append(f"slider recompute + redraw p95 at {big['rows']:,} calls = {p95:.1f} ms (target < "
                  f"{TARGETS['slider_p95_ms']:.0f} ms): {verdict(p95 < TARGETS['slider_p95_ms'])}")
    if "spill" in small["steps"]:
        spill, build = small["steps"]["spill"], small["steps"]["build"]
        same = round(spill["cost_usd"], 2) == round(build["cost_usd"], 2)
        checks.append(f"under a {SPILL_LIMIT} memory limit, {small['rows']:,} calls build in {spill['seconds']:.1f} s "
                      f"with a peak of {spill['peak_rss_mb']:,} MB to ${spill['cost_usd']:,.2f} (at {memory_limit}: "
                      f"${build['cost_usd']:,.2f}); no out-of-memory failure: {verdict(same)}")
    if "audit" in small["steps"]:
        checks.append(f"`routekit audit` of {small['rows']:,} calls = {small['steps']['audit']['seconds']:.1f} s "
                      f"(target < 60 s): {verdict(small['steps']['audit']['seconds'] < 60)}")
    return lines + [""] + [f"- {c}" for c in checks] + [""]


def agreement(res: dict) -> float | None:
    """Share of calls on which the pandas pipeline's task counts match routekit's (1 - half the L1 distance)."""
    pandas = res["steps"]["pandas"].get("calls_per_task")
    ours = res["steps"]["classify"].get("calls_per_task")
    if not pandas or not ours:
        return None
    total = sum(ours.values())
    diff = sum(abs(pandas.get(k, 0) - ours.get(k, 0)) for k in set(pandas) | set(ours))
    return 1 - diff / 2 / total


def machine() -> str:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem_gb:.1f} GiB memory, {platform.system()} {platform.machine()}, " \
           f"Python {platform.python_version()}"


MARKER = "<!-- runs: newest first -->\n"


def write_results(sections: list[str], results: Path = RESULTS) -> None:
    """Put one run's lines at the top of RESULTS.md; earlier runs stay below for comparison."""
    previous = results.read_text() if results.exists() else ""
    head = "# routekit benchmark results\n\nWritten by `make bench` (benchmarks/*.py). " \
           "Each step runs in its own process; time is wall-clock, memory is that process's peak RSS.\n\n" + MARKER
    older = previous.split(MARKER, 1)[1] if MARKER in previous else ""
    results.write_text(head + "\n".join(sections) + "\n" + older)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000],
                        help="calls per generated client (the smallest also runs the pandas baseline and the audit)")
    parser.add_argument("--memory-limit", default="2GB", help="routekit's DuckDB memory limit (default 2GB)")
    parser.add_argument("--no-record", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to record (default benchmarks/RESULTS.md)")
    args = parser.parse_args()
    sizes = sorted(args.rows)
    results = [bench_size(rows, args.memory_limit, baselines=(rows == sizes[0])) for rows in sizes]
    lines = report(results, args.memory_limit)
    print("\n".join(lines))
    if not args.no_record:
        write_results(lines, args.results)
        print(f"results written to {args.results}")


if __name__ == "__main__":
    main()

"""Benchmark (not a test): `routekit audit` end to end on a generated 1-million-call LiteLLM client.

    .venv/bin/python benchmarks/audit_bench.py [--rows 1000000] [--pdf]

Generates the client with benchmarks/run.py's LiteLLM generator (cached in benchmarks/.work/), then times the audit
twice in a fresh process: cold (the client's database is built from scratch: ingest, classify, price, cube) and warm
(ingest finds the file unchanged). Reports go to benchmarks/.work/reports/.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import WORK, generate_litellm_csv, machine, write_results  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pdf", action="store_true")
    parser.add_argument("--record", action="store_true", help="put the figures at the top of benchmarks/RESULTS.md")
    args = parser.parse_args()
    timings = {}
    start = time.perf_counter()
    data = generate_litellm_csv(args.rows)
    print(f"client: {data.parent} ({args.rows:,} calls, {data.stat().st_size / 1e6:,.0f} MB; "
          f"generated or reused in {time.perf_counter() - start:.1f} s)")
    shutil.rmtree(data.parent / ".routekit", ignore_errors=True)
    out = WORK / "reports"
    for label in ("cold", "warm"):
        cmd = [sys.executable, "-m", "routekit.cli", "audit", str(data.parent), "--out", str(out)]
        cmd += ["--pdf"] if args.pdf else []
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, sep="\n")
            return 1
        print(f"routekit audit ({label}): {seconds:.1f} s")
        timings[label] = seconds
        print("  " + proc.stdout.strip().replace("\n", "\n  "))
    if args.record:
        import datetime as dt

        write_results([
            f"## {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC — audit, {machine()}", "",
            f"`routekit audit` end to end on a generated LiteLLM client of {args.rows:,} calls"
            f"{' with PDF' if args.pdf else ''} (target under 60 s).", "",
            "| run | seconds |", "|---|---:|",
            f"| cold: ingest, classify, price, cube, optimize, notebook, HTML | {timings['cold']:.1f} |",
            f"| warm: the same file again (ingest finds it unchanged) | {timings['warm']:.1f} |", ""])
    return 0


if __name__ == "__main__":
    sys.exit(main())

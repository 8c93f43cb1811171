"""How fast the tier explorer answers a slider move: `python benchmarks/slider_bench.py CLIENT_DIR [--moves N] [--json]`.

Opens a TierExplorer on a client folder (ingested and built as `routekit dashboard` would), then makes seeded random
tier-slider moves through the handler the browser triggers (setting a slider's ``value``): each move renormalises the
task's sliders, evaluates the mix (cost figures, risk, bands) and redraws both charts. Times are per move, wall clock,
in milliseconds. A few batch-share moves are timed apart: they also reprice the cube and rerun the optimizer.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

BATCH_MOVES = 20


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def _summary(times: list[float]) -> dict:
    return {"p50_ms": round(_percentile(times, 50), 2), "p95_ms": round(_percentile(times, 95), 2),
            "max_ms": round(max(times), 2)}


def measure(client_dir, db=None, moves: int = 200, seed: int = 0) -> dict:
    """Open the explorer on the built client and time ``moves`` seeded random slider moves (recompute and redraw)."""
    from routekit.widgets import SLIDER_TIERS, TierExplorer

    start = time.perf_counter()
    explorer = TierExplorer(client_dir, db=str(db) if db else None)
    opened = time.perf_counter() - start
    rng = random.Random(seed)
    times, charts, evaluate = [], [], []
    for _ in range(moves):
        task, tier = rng.choice(explorer.tasks), rng.choice(SLIDER_TIERS)
        value = rng.randrange(0, 1001) / 10
        t0 = time.perf_counter()
        explorer.sliders[task][tier].value = value
        times.append(1000 * (time.perf_counter() - t0))
        charts.append(explorer.timings.get("charts_ms", 0.0))
        evaluate.append(explorer.timings.get("evaluate_ms", 0.0))
    batch = []
    for _ in range(BATCH_MOVES):
        t0 = time.perf_counter()
        explorer.batch_slider.value = rng.randrange(0, 1001) / 10
        batch.append(1000 * (time.perf_counter() - t0))
    rows = explorer.sim.rows
    return {**_summary(times), "moves": moves, "cube_rows": len(rows), "segments": len(explorer.engine.cube.keys),
            "calls": int(sum(r.requests for r in rows)), "open_s": round(opened, 2),
            "evaluate_p50_ms": round(_percentile(evaluate, 50), 2), "charts_p50_ms": round(_percentile(charts, 50), 2),
            "charts_p95_ms": round(_percentile(charts, 95), 2),
            "batch_share_p50_ms": _summary(batch)["p50_ms"], "batch_share_p95_ms": _summary(batch)["p95_ms"],
            "recomputes": explorer.recomputes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("client_dir", metavar="CLIENT_DIR")
    parser.add_argument("--db", help="the client's database (default CLIENT_DIR/.routekit/routekit.duckdb)")
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="one JSON object only (the default prints it indented)")
    args = parser.parse_args(argv)
    if not Path(args.client_dir).is_dir():
        parser.error(f"{args.client_dir}: no such client folder")
    if args.moves < 1:
        parser.error("--moves must be at least 1")
    out = measure(args.client_dir, db=args.db, moves=args.moves, seed=args.seed)
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

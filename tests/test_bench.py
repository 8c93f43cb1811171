"""The benchmark suite (`make bench`): run end to end at a small size in a temporary folder, and its arithmetic
checked on hand-made figures. No timing is asserted here (timings are what the suite records, not what tests
check); what is checked is that every step runs and is recorded, that routekit and the independent pandas pipeline
agree, that the generator is seeded, that earlier results are kept, and that the targets are judged correctly."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

import run as bench  # noqa: E402  (benchmarks/run.py)

EARLIER = "## 2026-01-01 00:00 UTC — suite, an earlier run\n\n| calls | step | seconds |\n|---:|---|---:|\n| 1 | x | 1.00 |\n"


def _table(section: str) -> dict[tuple[int, str], list[str]]:
    """{(calls, step label): the row's other cells} of a suite section's table."""
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0].replace(",", "").isdigit():
            rows[(int(cells[0].replace(",", "")), cells[1])] = cells[2:]
    return rows


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    results = tmp / "RESULTS.md"
    results.write_text(f"# routekit benchmark results\n\n{bench.MARKER}{EARLIER}")
    env = {**os.environ, "ROUTEKIT_BENCH_WORK": str(tmp / "work")}
    proc = subprocess.run([sys.executable, str(BENCH / "run.py"), "--rows", "2000", "5000", "--results", str(results)],
                          env=env, capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return tmp, results.read_text(), proc.stdout


def test_every_step_runs_in_its_own_process_and_is_recorded(small_run):
    tmp, text, stdout = small_run
    new, old = text.split(bench.MARKER)[1].split(EARLIER[:30])
    assert old.startswith(EARLIER[30:]), "the earlier run must stay below the new one"
    assert f"{os.cpu_count()} cores" in new and "GiB memory" in new
    table = _table(new)
    for calls in (2000, 5000):
        for step in ("duckdb_read", "ingest", "classify", "cube", "slider"):
            seconds, cpu, peak, _note = table[(calls, bench.LABELS[step])]
            assert float(seconds) > 0 and float(cpu) > 0 and int(peak.replace(",", "")) > 0
        parts = [float(table[(calls, bench.LABELS[s])][0]) for s in bench.PIPELINE]
        total = table[(calls, "**ingest + classify + cube**")]
        assert float(total[0].strip("*")) == pytest.approx(sum(parts), abs=0.015)
        assert float(total[1]) == pytest.approx(sum(float(table[(calls, bench.LABELS[s])][1]) for s in bench.PIPELINE),
                                                abs=0.015)
    # the baselines that need the 1 M file (pandas, the audit) run on the smallest size only
    assert (2000, bench.LABELS["pandas"]) in table and (2000, bench.LABELS["audit"]) in table
    assert (5000, bench.LABELS["pandas"]) not in table and (5000, bench.LABELS["audit"]) not in table
    assert (2000, bench.LABELS["build"]) in table and (5000, bench.LABELS["build"]) not in table
    assert (2000, bench.LABELS["spill"]) in table and (5000, bench.LABELS["spill"]) not in table
    # every call is loaded and classified, none rejected (the steps' own JSON, as printed)
    outs = {}
    for line in stdout.splitlines():
        m = re.match(r"\s+(\w+)\s+[\d.]+ s .*?(\{.*\})$", line)
        if m:
            outs.setdefault(m.group(1), []).append(json.loads(m.group(2)))
    assert [o["rows"] for o in outs["ingest"]] == [2000, 5000] and [o["rejected"] for o in outs["ingest"]] == [0, 0]
    assert [o["rows"] for o in outs["classify"]] == [2000, 5000]
    assert [o["rows"] for o in outs["cube"]] == [2000, 5000]
    assert [o["rows"] for o in outs["duckdb_read"]] == [2000, 2000, 5000, 5000]
    assert [o["rows"] for o in outs["build"]] == [2000, 2000]   # one process, fresh database to cube; then spilling
    assert (tmp / "work" / "litellm_2000" / ".routekit" / "audit_reports").is_dir()


def test_routekit_and_the_hand_written_pandas_pipeline_agree(small_run):
    _tmp, text, _stdout = small_run
    table = _table(text.split(EARLIER[:30])[0])
    cube_note = table[(2000, bench.LABELS["cube"])][3]
    pandas_note = table[(2000, bench.LABELS["pandas"])][3]
    # pandas prices and groups on its own (Python re, its own price lookup): the same cube and the same dollars
    assert re.search(r"(\d+) cube rows, \$([\d,.]+)", cube_note).groups() == \
        re.search(r"(\d+) cube rows, \$([\d,.]+)", pandas_note).groups()
    # the one-process pipeline builds the same cube as the three steps
    assert table[(2000, bench.LABELS["build"])][3].split(";")[0] == "$" + re.search(r"\$([\d,.]+)", cube_note).group(1)
    assert table[(2000, bench.LABELS["spill"])][3] == "$" + re.search(r"\$([\d,.]+)", cube_note).group(1)
    assert "agree on the task type count of 100.00% of calls" in text


def test_targets_are_each_judged(small_run):
    _tmp, text, _stdout = small_run
    new = text.split(EARLIER[:30])[0]
    for start in ("- ingest + classify + cube of 5,000 calls = ", "- pandas by hand / routekit on 2,000 calls = ",
                  "- CPU time on 2,000 calls: pandas ", "- peak memory of any step at 5,000 calls = ",
                  "- slider recompute + redraw p95 at 5,000 calls = ", "- `routekit audit` of 2,000 calls = "):
        assert start in new, start
    assert re.search(r"slider recompute \+ redraw p95 at 5,000 calls = [\d.]+ ms \(target < 100 ms\): met", new)
    assert re.search(r"peak memory of any step at 5,000 calls = [\d,]+ MB \(target < 3,072 MB\): met", new)


def test_the_generator_is_seeded(small_run, tmp_path):
    tmp, _text, _stdout = small_run
    env = {**os.environ, "ROUTEKIT_BENCH_WORK": str(tmp_path)}
    code = "from workload import generate_litellm_csv; print(generate_litellm_csv(2000))"
    again = Path(subprocess.run([sys.executable, "-c", code], env=env, cwd=BENCH, capture_output=True, text=True,
                                check=True).stdout.strip())
    first = tmp / "work" / "litellm_2000" / "spendlogs.csv"
    assert again != first and again.read_bytes() == first.read_bytes()
    lines = first.read_text().count("\n")
    assert lines >= 2001   # a header and 2,000 calls (a prompt may hold escaped newlines, never fewer lines)


def _step(seconds, cpu, peak, **extra):
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak, **extra}


def test_report_arithmetic_worked_by_hand():
    small = {"rows": 1000, "mb": 1.0, "steps": {
        "duckdb_read": _step(2.0, 3.0, 100, reads=[1.5, 2.5]),
        "ingest": _step(4.0, 6.0, 200), "classify": _step(2.0, 3.5, 150, task_types=13, other_share=0.1),
        "cube": _step(1.0, 1.5, 120, cube_rows=10, cost_usd=12.5),
        "slider": _step(3.0, 3.0, 130, open_s=1.5, p50_ms=5.0, p95_ms=9.0, max_ms=20.0, cube_rows=10),
        "pandas": _step(150.0, 149.0, 500, read_seconds=1.0, classify_seconds=140.0, cube_rows=10, cost_usd=12.5),
        "audit": _step(20.0, 25.0, 600), "build": _step(6.0, 10.0, 210, cost_usd=12.5),
        "spill": _step(9.0, 10.5, 190, cost_usd=12.5)}}
    big = {"rows": 10000, "mb": 10.0, "steps": {
        "duckdb_read": _step(10.25, 15.0, 900, reads=[10.0, 10.5]),
        "ingest": _step(12.0, 20.0, 2500), "classify": _step(6.0, 11.0, 800, task_types=13, other_share=0.1),
        "cube": _step(4.0, 6.0, 700, cube_rows=10, cost_usd=125.0),
        "slider": _step(3.0, 3.0, 300, open_s=1.25, p50_ms=40.0, p95_ms=120.0, max_ms=150.0, cube_rows=10)}}
    lines = bench.report([small, big], "2GB", cores=2)
    text = "\n".join(lines)
    # 1,000 calls: 4 + 2 + 1 = 7 s over the mean read of (1.5 + 2.5) / 2 = 2 s; CPU 6 + 3.5 + 1.5 = 11 s, 11 / 7 cores
    assert "| 1,000 | **ingest + classify + cube** | **7.00** | 11.00 | 200 | 3.50× DuckDB's read; 1.57 of 2 cores busy |" \
        in lines
    # 10,000 calls: 12 + 6 + 4 = 22 s over 10.25 s = 2.15× (target 2.5×); the reads differ by 5 %: no drift line
    assert "- ingest + classify + cube of 10,000 calls = 2.15× DuckDB's read of the same file (target ≤ 2.5×): met" \
        in lines
    # 2.5 s against 1.5 s is a drift of 67 %: said, with 7 / 1.5 = 4.67× against the faster read
    assert any("read of 1,000 calls took 1.50 s before the pipeline and 2.50 s after it" in x and "4.67×" in x
               for x in lines)
    assert "read of 10,000 calls" not in text
    # pandas 150 s / 7 s = 21.4×; CPU 149 / 11 = 13.5; 150 s × 2 cores / 11 s = 27.3× at most
    assert "- pandas by hand / routekit on 1,000 calls = 21.4× (target ≥ 20×): met" in lines
    # one process against one process: 150 s / 6 s = 25.0×
    assert "- pandas by hand / routekit in one process on 1,000 calls = 25.0× (target ≥ 20×): met" in lines
    assert any(x.startswith("| 1,000 | routekit in one process") and "| 6.00 | 10.00 | 210 | $12.50;" in x for x in lines)
    assert ("- CPU time on 1,000 calls: pandas 149.0 s, routekit 11.0 s, a ratio of 13.5; spread over all 2 cores, "
            "routekit's CPU time allows at most 27.3× pandas's wall time") in lines
    # the largest size's peak (2,500 MB, the ingest) and slider p95 (120 ms, over the 100 ms target)
    assert "- peak memory of any step at 10,000 calls = 2,500 MB (target < 3,072 MB): met" in lines
    assert "- slider recompute + redraw p95 at 10,000 calls = 120.0 ms (target < 100 ms): **NOT met**" in lines
    assert "- `routekit audit` of 1,000 calls = 20.0 s (target < 60 s): met" in lines
    assert (f"- under a {bench.SPILL_LIMIT} memory limit, 1,000 calls build in 9.0 s with a peak of 190 MB to $12.50 "
            "(at 2GB: $12.50); no out-of-memory failure: met") in lines
    # a spilled build that priced differently would be wrong, not merely slow
    small["steps"]["spill"]["cost_usd"] = 12.49
    assert any(x.startswith(f"- under a {bench.SPILL_LIMIT} memory limit") and x.endswith("**NOT met**")
               for x in bench.report([small, big], "2GB", cores=2))
    assert any(x.startswith("| 10,000 | tier explorer") and "opened in 1.25 s; recompute + redraw p50 40.0 ms, p95 "
               "120.0 ms, max 150.0 ms; cube 10 rows" in x for x in lines)


def test_agreement_worked_by_hand():
    res = {"steps": {"pandas": {"calls_per_task": {"a": 60, "b": 40}},
                     "classify": {"calls_per_task": {"a": 50, "b": 40, "c": 10}}}}
    # 100 calls; |60 - 50| + |40 - 40| + |0 - 10| = 20 calls counted differently, i.e. 10 calls moved: 90 % agree
    assert bench.agreement(res) == pytest.approx(0.90)
    res["steps"]["pandas"]["calls_per_task"] = {"a": 50, "b": 40, "c": 10}
    assert bench.agreement(res) == 1.0


def test_write_results_keeps_earlier_runs(tmp_path):
    results = tmp_path / "RESULTS.md"
    bench.write_results(["## first"], results)
    bench.write_results(["## second"], results)
    text = results.read_text()
    assert text.startswith("# routekit benchmark results") and text.count(bench.MARKER) == 1
    assert text.index("## second") < text.index("## first")

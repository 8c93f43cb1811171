"""The shipped quality priors: one row per task type × tier, numbers that follow the public evidence, every source
documented in docs/quality_priors.md."""
from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "quality_priors.md").read_text(encoding="utf-8")

COLUMNS = ["task_type", "tier", "failure_rate", "strength", "source", "method"]
TASK_TYPES = ["classification", "extraction", "summarization", "qa", "rewrite", "drafting", "chat",
              "code_generation", "code_review", "reasoning", "agentic", "creative", "other"]
TIERS = ["budget", "mid", "flagship", "reasoning"]
# Where the evidence says the cheaper tiers lose most, and where they lose almost nothing.
HARD = ["reasoning", "code_generation", "agentic"]
EASY = ["classification", "rewrite", "drafting"]
CAPABILITY = ["reasoning", "code_generation", "code_review", "agentic"]


def _rows() -> list[dict[str, str]]:
    text = resources.files("routekit").joinpath("data/quality_priors.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(text.splitlines())
    assert reader.fieldnames == COLUMNS
    return list(reader)


ROWS = _rows()
RATE = {(r["task_type"], r["tier"]): float(r["failure_rate"]) for r in ROWS}


def _source_parts(source: str) -> list[tuple[str, list[str]]]:
    """'Name: bench a, bench b (models); Name2: ...' → [(name, [bench, ...]), ...]."""
    parts = []
    for part in source.split("; "):
        assert ": " in part, f"source part without 'Name: benchmarks (models)': {part!r}"
        name, rest = part.split(": ", 1)
        parts.append((name.strip(), [b.strip() for b in rest.split(" (", 1)[0].split(", ")]))
    return parts


def test_installed_package_ships_the_priors():
    assert resources.files("routekit").joinpath("data/quality_priors.csv").is_file()


def test_one_row_per_task_type_and_tier():
    keys = [(r["task_type"], r["tier"]) for r in ROWS]
    assert len(ROWS) == 52
    assert len(set(keys)) == len(keys), "a task × tier appears twice"
    assert set(keys) == {(t, tier) for t in TASK_TYPES for tier in TIERS}


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['task_type']}-{r['tier']}")
def test_row_is_a_usable_beta_prior(row):
    rate, strength = float(row["failure_rate"]), float(row["strength"])
    assert 0 < rate < 1
    assert strength > 0
    # Weak enough that a client's eval (n in the hundreds) dominates.
    assert strength <= 60
    assert row["source"].strip() and row["method"].strip()


@pytest.mark.parametrize("hard", HARD)
@pytest.mark.parametrize("easy", EASY)
def test_budget_gap_is_largest_where_the_evidence_says(hard, easy):
    gap_hard = RATE[hard, "budget"] - RATE[hard, "flagship"]
    gap_easy = RATE[easy, "budget"] - RATE[easy, "flagship"]
    assert gap_easy >= 0
    assert gap_hard >= 3 * gap_easy, f"{hard} gap {gap_hard:.3f} < 3 × {easy} gap {gap_easy:.3f}"


@pytest.mark.parametrize("task", TASK_TYPES)
def test_failure_never_falls_going_down_the_tiers(task):
    assert RATE[task, "budget"] >= RATE[task, "mid"] >= RATE[task, "flagship"]
    # The reasoning tier is at least as good as flagship everywhere (equal where thinking is not known to help).
    assert RATE[task, "reasoning"] <= RATE[task, "flagship"]


@pytest.mark.parametrize("task", CAPABILITY)
def test_reasoning_tier_is_better_on_reasoning_code_and_agentic_work(task):
    assert RATE[task, "reasoning"] < RATE[task, "flagship"]


def test_every_source_and_benchmark_in_the_csv_is_in_the_doc():
    missing = set()
    for row in ROWS:
        for name, benches in _source_parts(row["source"]):
            missing |= {x for x in [name, *benches] if x not in DOC}
    assert not missing, f"docs/quality_priors.md does not mention: {sorted(missing)}"


def test_doc_covers_every_task_type_the_cautions_and_the_update_rule():
    for task in TASK_TYPES:
        assert f"`{task}`" in DOC, task
    for caution in ("SUSPECT", "self-preference", "vintage", "production"):
        assert caution in DOC, caution
    for term in ("α₀ = q·s", "β₀ = (1 − q)·s", "α = α₀ + (n − passed)", "β = β₀ + passed", "evals.csv"):
        assert term in DOC, term

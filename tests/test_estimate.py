"""routekit estimate: the calculator for a workload described by numbers alone. Figures worked by hand."""
from __future__ import annotations

import json

import pytest

from conftest import run_cli


def _estimate(*args) -> dict:
    return json.loads(run_cli("estimate", *args, "--json").stdout)


def test_the_worked_example_with_an_override_file(tmp_path):
    prices = tmp_path / "prices.csv"
    prices.write_text("model,input_per_mtok,output_per_mtok\nsmall-co-model,0.40,1.60\nbig-co-model,3.00,15.00\n")
    out = _estimate("--requests", "2000000", "--input-tokens", "800", "--output-tokens", "250",
                    "--mix", "small-co-model=0.6,big-co-model=0.4", "--prices", str(prices))
    # 1,200,000 × (800 × 0.40 + 250 × 1.60) / 1e6 = 1,200,000 × 0.00072 = $864.00
    #   800,000 × (800 × 3.00 + 250 × 15.00) / 1e6 =   800,000 × 0.00615 = $4,920.00   → $5,784.00
    assert out["monthly_cost_usd"] == 5784.00
    assert out["per_request_cost_usd"] == pytest.approx(0.002892)
    assert [(m["model"], m["requests"], m["cost_usd"]) for m in out["models"]] == [
        ("small-co-model", 1_200_000, 864.00), ("big-co-model", 800_000, 4920.00)]
    assert all(m["price_source"].startswith("prices.csv") for m in out["models"])


def test_the_worked_example_from_genai_prices():
    # the same prices are OpenAI's and Anthropic's published list prices: gpt-4.1-mini $0.40/$1.60,
    # claude-sonnet-4-5 $3/$15 per million tokens
    out = _estimate("--requests", "2000000", "--input-tokens", "800", "--output-tokens", "250",
                    "--mix", "gpt-4.1-mini=0.6,claude-sonnet-4-5=0.4")
    assert out["monthly_cost_usd"] == 5784.00
    assert all(m["price_source"].startswith("genai-prices") for m in out["models"])


def test_cached_tokens_are_priced_at_the_cache_read_price():
    # gpt-4o: $2.50 input, $1.25 cached input, $10 output per million.
    # per request (2,000 × 2.50 + 8,000 × 1.25 + 500 × 10) / 1e6 = $0.02; × 1,000 requests = $20.00
    out = _estimate("--requests", "1000", "--input-tokens", "10000", "--cached-input-tokens", "8000",
                    "--output-tokens", "500", "--mix", "gpt-4o=1")
    assert out["monthly_cost_usd"] == 20.00


def test_a_date_on_each_side_of_a_price_change():
    # o3 was $10 / $40 per million until 2025-06-10, then $2 / $8 (genai-prices' dated price, OpenAI's announced cut)
    args = ["--requests", "1000", "--input-tokens", "1000", "--output-tokens", "1000", "--mix", "o3=1"]
    before = _estimate(*args, "--date", "2025-06-01")
    after = _estimate(*args, "--date", "2025-07-01")
    assert before["monthly_cost_usd"] == 50.00   # 1,000 × (1,000 × 10 + 1,000 × 40) / 1e6
    assert after["monthly_cost_usd"] == 10.00    # 1,000 × (1,000 × 2 + 1,000 × 8) / 1e6


def test_the_table_names_the_day_whose_prices_it_used():
    """The README promises every priced command names its price day: the catalog holds changes scheduled ahead, so
    an undated estimate run again next week can print another cost, and the table must say which day it was."""
    import datetime as dt

    args = ["--requests", "1000", "--input-tokens", "1000", "--output-tokens", "1000", "--mix", "o3=1"]
    dated = run_cli("estimate", *args, "--date", "2025-06-01").stdout.splitlines()
    assert dated[0] == "prices as of 2025-06-01"
    assert dated[-1] == "monthly cost: $50.00  ($0.050000 per request)"   # o3 at $10 / $40 then, as above
    today = dt.datetime.now(dt.timezone.utc).date()
    assert run_cli("estimate", *args).stdout.splitlines()[0] == f"prices as of {today} (today, UTC)"


def test_an_unknown_model_is_unpriced_never_free_and_the_exit_code_says_so(tmp_path):
    """A mix naming a model no source prices has no monthly cost. The command exited 0 with `monthly_cost_usd: null`,
    so a script or a papermill run took the estimate as made; now it prints what it could (the JSON object, or the
    table) and exits 2, as simulate refuses a tier without a price, with one line naming the model and the fix."""
    proc = run_cli("estimate", "--requests", "10", "--input-tokens", "1", "--output-tokens", "1",
                   "--mix", "gpt-4o=0.5,acme-secret-model-9=0.5", "--date", "2026-11-01", "--json", check=False)
    assert proc.returncode == 2
    out = json.loads(proc.stdout)
    assert out["monthly_cost_usd"] is None and out["unpriced_models"] == ["acme-secret-model-9"]
    assert out["models"][1]["cost_usd"] is None
    # gpt-4o at $2.50 / $10 per million: 5 requests × (1 × 2.50 + 1 × 10) / 1e6 = $0.0000625, $0.00 to the cent
    assert out["models"][0]["cost_usd"] == 0.0 and out["models"][0]["price_source"].startswith("genai-prices")
    assert proc.stderr.splitlines() == [
        "routekit estimate: no price for acme-secret-model-9 on 2026-11-01, so the monthly cost is unknown; give its "
        "rates in a prices.csv (model,input_per_mtok,output_per_mtok) with --prices FILE"]
    # with --prices, the line names that file; the text output still shows the table before it
    prices = tmp_path / "prices.csv"
    prices.write_text("model,input_per_mtok,output_per_mtok\nsmall-co-model,0.40,1.60\n")
    proc = run_cli("estimate", "--requests", "10", "--input-tokens", "1", "--output-tokens", "1", "--mix",
                   "small-co-model=0.5,big-co-model=0.5", "--prices", str(prices), "--date", "2026-11-01", check=False)
    assert proc.returncode == 2
    assert "monthly cost: unknown (unpriced: big-co-model)" in proc.stdout
    assert proc.stderr.splitlines() == [
        f"routekit estimate: no price for big-co-model on 2026-11-01, so the monthly cost is unknown; add its rates "
        f"to {prices}"]
    # once both are priced, exit 0: 5 × (1 × 0.40 + 1 × 1.60) / 1e6 + 5 × (1 × 3 + 1 × 15) / 1e6 = $0.0001, $0.00
    prices.write_text("model,input_per_mtok,output_per_mtok\nsmall-co-model,0.40,1.60\nbig-co-model,3,15\n")
    out = _estimate("--requests", "10", "--input-tokens", "1", "--output-tokens", "1", "--mix",
                    "small-co-model=0.5,big-co-model=0.5", "--prices", str(prices))
    assert out["monthly_cost_usd"] == 0.0 and out["unpriced_models"] == []


def test_a_misspelt_model_is_named_with_the_closest_known_one():
    """claude-sonet-4-5 (one 'n' short of claude-sonnet-4-5) read only as 'no price source knows this model', the
    cost 'unknown', with nothing pointing at the typo; a name close to no model gets no guess."""
    proc = run_cli("estimate", "--requests", "10", "--input-tokens", "1", "--output-tokens", "1",
                   "--mix", "claude-sonet-4-5=0.5,acme-secret-model-9=0.5", "--date", "2026-11-01", check=False)
    assert proc.returncode == 2
    assert "monthly cost: unknown (unpriced: claude-sonet-4-5, acme-secret-model-9)" in proc.stdout
    assert proc.stderr.splitlines() == [
        "routekit estimate: no price for claude-sonet-4-5 (did you mean 'claude-sonnet-4-5'?), acme-secret-model-9 "
        "on 2026-11-01, so the monthly cost is unknown; correct the name, or give their rates in a prices.csv "
        "(model,input_per_mtok,output_per_mtok) with --prices FILE"]
    # prices answers the question it was asked (which price applies: none), so it lists the model and exits 0
    proc = run_cli("prices", "gpt-4oo", "gpt-4o", "--date", "2026-11-01")
    assert "unpriced (no source knows them): gpt-4oo" in proc.stdout
    assert proc.stderr.splitlines() == ["note: routekit prices: no price source knows gpt-4oo; did you mean 'gpt-4o'?"]


@pytest.mark.parametrize("mix, message", [
    ("gpt-4o=0.6,gpt-4o-mini=0.3", "shares must sum to 1, they sum to 0.9"),
    ("gpt-4o", "is not MODEL=SHARE"),
    ("gpt-4o=lots", "not a number"),
])
def test_bad_mixes_are_one_clear_line(mix, message):
    proc = run_cli("estimate", "--requests", "1", "--input-tokens", "1", "--output-tokens", "1", "--mix", mix,
                   check=False)
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_without_a_date_the_output_names_the_day_whose_prices_it_used():
    """Without --date a quote is at the prices in force today (UTC), not the newest the catalog holds: gemini-4-argon
    costs $2 / $10 per million until a change genai-prices 0.2.3 schedules for 2026-12-01, $4 / $20 from then on
    (`routekit prices gemini-4-argon --date ...`). The output said "prices_as_of": "latest", so the same command
    a week apart gave $3,000.00 and $6,000.00 under the same label."""
    from datetime import datetime, timezone

    today = datetime.now(timezone.utc).date().isoformat()
    args = ("--requests", "1000000", "--input-tokens", "1000", "--output-tokens", "100", "--mix", "gemini-4-argon=1")
    out = _estimate(*args)
    assert out["prices_as_of"] == today
    # 1,000,000 × (1,000 × 2 + 100 × 10) / 1e6 = $3,000.00 before 2026-12-01; × (1,000 × 4 + 100 × 20) = $6,000.00
    assert out["monthly_cost_usd"] == (3000.00 if today < "2026-12-01" else 6000.00)
    assert _estimate(*args, "--date", "2026-12-01")["monthly_cost_usd"] == 6000.00

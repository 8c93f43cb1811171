"""routekit simulate on a small hand-built log, priced at published list prices (OpenAI's pricing page):
gpt-4o $2.50 in / $1.25 cached / $10 out; gpt-4o-mini $0.15 / $0.075 / $0.60;
gpt-5-mini $0.25 / $0.025 / $2.00; gpt-5-nano $0.05 / $0.005 / $0.40 per million tokens; batch = half."""
from __future__ import annotations

import json

import pytest

from conftest import run_cli, sample_client, write_files
from test_format_litellm import HEADER, _row

# (model, input tokens, of which cached, output tokens, day); each pattern occurs 100 times.
PATTERNS = [("gpt-4o", 10_000, 2_000, 1_000, "2026-09-01"),
            ("gpt-4o", 2_000, 0, 500, "2026-09-10"),
            ("gpt-4o-mini", 4_000, 0, 1_000, "2026-09-20"),
            ("gpt-4o", 1_000, 0, 100, "2026-09-30")]
# cost per pattern, by hand:
#   gpt-4o      r1 (8,000 × 2.50 + 2,000 × 1.25 + 1,000 × 10) / 1e6 = 0.0325
#               r2 (2,000 × 2.50 + 500 × 10) / 1e6                   = 0.0100
#   gpt-4o-mini r3 (4,000 × 0.15 + 1,000 × 0.60) / 1e6               = 0.0012
#   gpt-4o      r4 (1,000 × 2.50 + 100 × 10) / 1e6                   = 0.0035   → 0.0472 × 100 = $4.72
# The log spans 2026-09-01 to 2026-09-30, a whole calendar month: monthly = total.
POLICY = """
tiers: {budget: gpt-5-nano, mid: gpt-5-mini, flagship: gpt-4o}
mix:
  other: {budget: 0.5, mid: 0.5}
"""


def _client(tmp_path):
    rows = [HEADER]
    for i, (model, prompt, cached, completion, day) in enumerate(PATTERNS):
        for k in range(100):
            md = {"usage_object": {"prompt_tokens_details": {"cached_tokens": cached}}}
            rows.append(_row(f"p{i}-{k}", "0", str(prompt), str(completion), f"{day} 12:00:00+00", model=model,
                             md=md))
    client = tmp_path / "client"
    # the client's own representatives (routekit.yaml) make gpt-4o its flagship for the all-flagship figure
    write_files(client, {"litellm.csv": "\n".join(rows) + "\n", "policy.yaml": POLICY,
                         "routekit.yaml": "tiers:\n  representatives: {budget: gpt-5-nano, mid: gpt-5-mini, "
                                          "flagship: gpt-4o}\n"})
    return client


def _simulate(client, *args) -> dict:
    return json.loads(run_cli("simulate", str(client), "--json", *args).stdout)


def test_current_routing_and_all_flagship(tmp_path):
    out = _simulate(_client(tmp_path))
    assert out["baseline_monthly_cost_usd"] == 4.72
    assert out["monthly_cost_usd"] == 4.72 and out["savings_usd"] == 0
    # all on gpt-4o: r3 becomes (4,000 × 2.50 + 1,000 × 10) / 1e6 = 0.02 → (0.0325 + 0.01 + 0.02 + 0.0035) × 100
    assert out["all_flagship_monthly_cost_usd"] == 6.60
    assert out["projection"]["days"] == 30 and "whole calendar month" in out["projection"]["method"]
    assert out["unpriced_models"] == []


def test_a_policy_moving_traffic_to_budget_and_mid(tmp_path):
    client = _client(tmp_path)
    out = _simulate(client, "--policy", str(client / "policy.yaml"))
    # gpt-5-nano: r1 (8,000 × 0.05 + 2,000 × 0.005 + 1,000 × 0.40) = 810e-6; r2 (100 + 200) = 300e-6;
    #             r3 (200 + 400) = 600e-6; r4 (50 + 40) = 90e-6                          → 1,800e-6
    # gpt-5-mini: r1 (2,000 + 50 + 2,000) = 4,050e-6; r2 (500 + 1,000) = 1,500e-6;
    #             r3 (1,000 + 2,000) = 3,000e-6; r4 (250 + 200) = 450e-6                 → 9,000e-6
    # half each: (1,800 + 9,000) / 2 × 1e-6 × 100 = $0.54
    assert out["monthly_cost_usd"] == 0.54
    assert out["savings_usd"] == 4.18 and out["savings_pct"] == pytest.approx(88.56, abs=0.01)
    # high end: budget output × 1.2, mid × 1.15; output parts nano 1,040e-6, mini 5,200e-6
    # → (1,800 + 208 + 9,000 + 780) / 2 × 1e-6 × 100 = 0.5894 → $0.59
    assert out["cost_range_usd"] == [0.54, 0.59]
    seg = out["segments"]
    assert sum(s["requests_per_month"] for s in seg) == 400
    assert all(s["tier_shares"] == {"budget": 0.5, "mid": 0.5} for s in seg)


def test_batch_share_halves_the_price(tmp_path):
    client = _client(tmp_path)
    (client / "batch.yaml").write_text("tiers: {budget: gpt-5-nano}\nmix: {other: {budget: 1.0}}\n"
                                       "batch_share: {other: 1.0}\n")
    out = _simulate(client, "--policy", str(client / "batch.yaml"))
    # all on gpt-5-nano through batch: 1,800e-6 × 100 × 0.5 = $0.09
    assert out["monthly_cost_usd"] == 0.09


def test_unknown_models_are_listed_not_free(tmp_path):
    client = _client(tmp_path)
    with open(client / "litellm.csv", "a") as fh:
        fh.write(_row("x-1", "0.5", "1000", "100", "2026-09-15 00:00:00+00", model="acme-private-llm") + "\n")
    out = _simulate(client)
    assert out["unpriced_models"] == ["acme-private-llm"]
    assert out["baseline_monthly_cost_usd"] == 4.72   # the unpriced call is excluded, and said to be


@pytest.mark.parametrize("policy, message", [
    ("mix: {other: {budget: 0.7, mid: 0.2}}", "mix.other: shares must sum to 1, they sum to 0.9"),
    ("mix: {other: {cheap: 1.0}}", "unknown tier(s) cheap"),
    # a misspelt tier in a mix is named with the closest, as under routekit.yaml's tiers and a validator's tier
    ("mix: {other: {budgte: 1.0}}", "mix.other: unknown tier(s) budgte; did you mean 'budget'? tiers are budget, "
                                    "mid, flagship, reasoning (or current or cascade)"),
    ("mix: {other: {curent: 1.0}}", "did you mean 'current'?"),
    ("batch_share: {other: 2}", "must be between 0 and 1"),
    # a misspelt task type or bucket would otherwise keep that traffic where it is and report $0.00 saved
    ("mix: {clasification: {budget: 1.0}}", "mix.clasification: unknown task type; did you mean 'classification'?"),
    ("mix: {qa: {'<2k': {budget: 1.0}}}", "mix.qa.<2k: unknown input-length bucket; did you mean '<1k'?"),
    ("batch_share: {sumarization: 1.0}", "batch_share.sumarization: unknown task type"),
    # an unpriced representative would drop its traffic from both totals: $0.00 saved, without a word
    ("tiers: {budget: nosuchmodel}\nmix: {other: {budget: 1.0}}",
     "tier budget's model nosuchmodel has no price in the catalog; choose a priced model or add it to the client's "
     "prices.csv"),
    # a budget model standing for flagship would be priced as budget and judged by flagship failure rates
    ("tiers: {flagship: gpt-5-nano}", "tiers.flagship: gpt-5-nano is a budget model in the tier map, so it cannot "
     "stand for the flagship tier"),
    ("tiers: {budget: null}", "tiers.budget: expected a model id, got None"),
    ("mix: {other: {budget: .nan, mid: 0}}", "mix.other.budget: not a finite number: nan"),
    ("batch_share: {other: .nan}", "batch_share.other: not a finite number: nan"),
    # the cascade would take all of it and the mix would be silently ignored
    ("mix: {other: {flagship: 1.0}}\ncascade: {other: {from: budget, to: mid, detection_rate: 0.8, "
     "false_alarm_rate: 0.05}}", "mix.other: cascade.other is set but this mix gives it no cascade share"),
    # a cascade down to a cheaper tier lowered the cost and was accepted without a word
    ("cascade: {other: {from: mid, to: budget, detection_rate: 0.8, false_alarm_rate: 0.05}}",
     "bad.yaml: cascade.other: escalates from mid to budget, which is not above it"),
])
def test_bad_policies_are_one_clear_line(tmp_path, policy, message):
    client = _client(tmp_path)
    (client / "bad.yaml").write_text(policy)
    proc = run_cli("simulate", str(client), "--policy", str(client / "bad.yaml"), check=False)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_reconciliation_of_the_agency_sample(tmp_path):
    """September's invoice, usage export and logs agree; July and August are billed with no logs."""
    from conftest import ROOT
    from routekit.db import connect
    from routekit.engine import build
    from routekit.ingest import ingest

    client = ROOT / "sample_data" / "brightside_agency"
    db = tmp_path / "b.duckdb"
    ingest(client, db)
    con = connect(db)
    build(con, client)
    rows = con.execute("""SELECT strftime(month, '%Y-%m'), billed_usd, logs_priced_usd, usage_priced_usd,
                                 log_coverage, likely_causes FROM mart_reconcile ORDER BY month""").fetchall()
    months = {r[0]: r for r in rows}
    assert set(months) == {"2026-07", "2026-08", "2026-09"}
    sep = months["2026-09"]
    # the generator billed September at list price from the same calls: logs, usage and invoice agree to the cent
    assert float(sep[1]) == pytest.approx(float(sep[2]), abs=0.01)
    assert float(sep[3]) == pytest.approx(float(sep[2]), abs=0.01)
    assert sep[4] == pytest.approx(1.0, abs=0.001)
    assert months["2026-07"][2] is None and any("neither logs nor usage" in c for c in months["2026-07"][5])


def test_every_observed_model_shows_its_tier_and_price(tmp_path):
    client = _client(tmp_path)
    with open(client / "litellm.csv", "a") as fh:
        fh.write(_row("x-1", "0.5", "1000", "100", "2026-09-15 00:00:00+00", model="acme-private-llm") + "\n")
    models = {m["model"]: m for m in _simulate(client)["models"]}
    assert set(models) == {"gpt-4o", "gpt-4o-mini", "acme-private-llm"}
    assert (models["gpt-4o"]["tier"], models["gpt-4o-mini"]["tier"]) == ("flagship", "budget")
    assert models["acme-private-llm"]["tier"] is None and models["acme-private-llm"]["priced"] is False
    # gpt-4o: 100 × (0.0325 + 0.01 + 0.0035) = $4.60 in the logs at list price
    assert models["gpt-4o"]["calls_cost_usd"] == 4.60


def test_reconcile_command_on_the_agency_sample(tmp_path):
    from conftest import ROOT

    out = json.loads(run_cli("reconcile", str(ROOT / "sample_data" / "brightside_agency"),
                             "--db", str(tmp_path / "b.duckdb"), "--json").stdout)
    by_month = {r["month"][:7]: r for r in out["rows"]}
    # July was billed $1,123.68 with no logs or usage export for it: the whole bill is unexplained
    assert by_month["2026-07"]["gap_usd"] == by_month["2026-07"]["billed_usd"] == 1123.68
    assert by_month["2026-09"]["gap_usd"] == 0.0


def test_a_client_with_only_aggregated_usage_is_simulated_on_it(tmp_path):
    # one OpenAI Usage API page: 1,000 gpt-4o requests, 2,000,000 input tokens (500,000 cached), 300,000 output,
    # over the whole of September. At list price: (1.5M × 2.50 + 0.5M × 1.25 + 0.3M × 10) / 1e6 = $7.375
    page = {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": 1788220800, "end_time": 1790812800,   # 2026-09-01 → 2026-10-01
         "results": [{"object": "organization.usage.completions.result", "input_tokens": 2_000_000,
                      "input_cached_tokens": 500_000, "output_tokens": 300_000, "num_model_requests": 1000,
                      "model": "gpt-4o-2024-08-06"}]}]}
    client = tmp_path / "usage_only"
    write_files(client, {"usage.json": json.dumps(page)})
    out = _simulate(client)
    assert out["traffic"].startswith("aggregated usage")
    assert out["projection"]["days"] == 30 and "whole calendar month" in out["projection"]["method"]
    assert out["baseline_monthly_cost_usd"] == 7.38   # $7.375 → rounded for display


def _usage_beside_logs(tmp_path):
    """One logged gpt-4o call and Anthropic console usage the logs do not show (that export counts no requests)."""
    from test_engine import TOKENS_HEADER

    return write_files(tmp_path / "client", {
        "spendlogs.csv": "request_id,model,prompt_tokens,completion_tokens,startTime,spend,custom_llm_provider\n"
                         "a,gpt-4o,1000,100,2026-10-15 10:00:00+00,0.0035,openai\n",
        "anthropic/claude_api_tokens_2026-10.csv": TOKENS_HEADER + "\n"
        "2026-10-15,claude-sonnet-4-5-20250929,k,Default,standard,≤ 200k,1000000,0,0,0,100000,0,global,\n"})


def test_usage_without_request_counts_is_kept_as_it_is_by_every_policy(tmp_path):
    """No requests, no failure count: moving that traffic would look risk-free, so no policy and no optimizer moves
    it (a reviewer's case: northwind's console usage went to the budget tier at "0.01 %" risk)."""
    client = _usage_beside_logs(tmp_path)
    policy = write_files(tmp_path / "p", {"all_budget.yaml": "default: {budget: 1.0}\n"}) / "all_budget.yaml"
    out = json.loads(run_cli("simulate", str(client), "--policy", str(policy), "--json").stdout)
    # By hand. The logs cover one day, so a month is 30.4375 of it. Sonnet 4.5 at $3 / $15 per million:
    # 1.0 * 3 + 0.1 * 15 = $4.50 a day -> $136.96875 -> $136.97 a month, kept as it is.
    # gpt-4o at $2.50 / $10: 1000 * 2.5e-6 + 100 * 1e-5 = $0.0035; at the budget tier (gpt-5-nano, $0.05 / $0.40):
    # 1000 * 0.05e-6 + 100 * 0.4e-6 = $0.00009.
    assert out["unsized_usage_monthly_cost_usd"] == 136.97
    assert out["baseline_monthly_cost_usd"] == 137.08            # (4.5 + 0.0035) * 30.4375 = 137.0753
    assert out["monthly_cost_usd"] == 136.97                     # (4.5 + 0.00009) * 30.4375 = 136.9715
    assert [(s["task_type"], s["len_in"]) for s in out["segments"]] == [("other", "1k-4k")]   # the logged call only
    assert out["risk"]["extra_failures_per_month"] > 0           # the one logged request moved
    text = run_cli("simulate", str(client), "--policy", str(policy)).stdout
    assert "kept as it is:       $      136.97   usage exports without request counts" in text
    # the optimizer has nothing to gain from it either, at any risk budget: at most the logged call's $0.1065
    opt = json.loads(run_cli("optimize", str(client), "--max-extra-failure-rate", "1", "--json").stdout)
    assert opt["monthly_cost_usd"] >= 136.97


def test_the_tier_explorer_keeps_unsized_usage_too(tmp_path):
    """The tier explorer prices slider moves with RowPrices.totals, not evaluate(): the same rule, the same cents,
    and its batch slider leaves that usage's batch use alone."""
    from decimal import Decimal

    from routekit.scenario import Policy
    from routekit.widgets import TierExplorer

    client = _usage_beside_logs(tmp_path)
    run_cli("simulate", str(client))   # ingest and build
    explorer = TierExplorer(client)
    fast = explorer.prices.totals(Policy(default={"budget": Decimal(1)}))
    assert fast["unsized_usage_monthly_cost_usd"] == 136.97 and fast["monthly_cost_usd"] == 136.97
    explorer.set_batch_share(1.0)
    # the logged call at gpt-4o's batch price, half the standard one: $0.00175; the usage stays at $4.50:
    # (4.5 + 0.00175) * 30.4375 = 137.0220 (at batch prices the usage would be $68.54)
    assert explorer.result["monthly_cost_usd"] == 137.02


def test_policy_names_without_traffic_are_noted(tmp_path):
    client = _client(tmp_path)
    (client / "idle.yaml").write_text("mix: {code_generation: {budget: 1.0}}\n")
    proc = run_cli("simulate", str(client), "--policy", str(client / "idle.yaml"))
    assert "note: the policy names code_generation, which have no traffic in this client's data" in proc.stdout


def test_mapped_usage_keeps_its_task_and_the_written_policy_keeps_unsized_usage(tmp_path):
    """classify attributes usage rows through API-key mappings; the cube (and so every report) uses that task, and
    the optimizer's policy keeps usage without request counts on its current models rather than naming a tier for
    it (a reviewer's case: routing.json sent northwind's $130 a month of console usage to gpt-5-nano)."""
    import yaml

    client = _usage_beside_logs(tmp_path)
    (client / "routekit.yaml").write_text("classify:\n  mappings:\n    api_key: {k: summarization}\n")
    written = tmp_path / "optimized.yaml"
    run_cli("optimize", str(client), "--max-extra-failure-rate", "0.5", "--write-policy", str(written))
    import duckdb

    con = duckdb.connect(str(client / ".routekit" / "routekit.duckdb"), read_only=True)
    assert con.execute("SELECT task_type, len_in FROM mart_cube WHERE provider = 'anthropic'").fetchall() == [
        ("summarization", "unknown")]
    assert yaml.safe_load(written.read_text())["mix"]["summarization"] == {"unknown": {"current": 1.0}}


def test_savings_are_the_shown_baseline_less_the_shown_cost(tmp_path):
    """globex_devtools at a 2 % risk budget: current routing 65.66524439 ($65.67), the optimized mix 18.6309850...
    ($18.63), both counted by hand in test_report_figures_more: a reader subtracts $65.67 - $18.63 = $47.04, which
    the exact difference rounded on its own (47.0342593..., $47.03) contradicts. simulate of the written policy says the same (the tier explorer's fast path
    is held equal to simulate by test_widgets)."""
    client = tmp_path / "globex_devtools"
    sample_client("globex_devtools", client)
    written = tmp_path / "optimized.yaml"
    out = json.loads(run_cli("optimize", str(client), "--max-extra-failure-rate", "0.02", "--date", "2026-11-23",
                             "--write-policy", str(written), "--json").stdout)
    assert (out["baseline_monthly_cost_usd"], out["monthly_cost_usd"], out["savings_usd"]) == (65.67, 18.63, 47.04)
    sim = json.loads(run_cli("simulate", str(client), "--policy", str(written), "--date", "2026-11-23",
                             "--json").stdout)
    assert sim["savings_usd"] == round(sim["baseline_monthly_cost_usd"] - sim["monthly_cost_usd"], 2) == 47.04
    # the file's header names the check and the price day it holds at (an undated check could meet other prices)
    header = [line for line in written.read_text().splitlines() if line.startswith("#")]
    assert header[1].startswith("# monthly cost $18.63 (current routing $65.67)")
    assert header[-1] == "# check it: routekit simulate CLIENT_DIR --policy THIS_FILE --date 2026-11-23"


def test_without_a_date_the_output_names_the_day_whose_prices_it_used(tmp_path):
    """The what-if is priced at today's prices (UTC) when no --date is given; "prices as of latest" did not say
    which day that was, so a figure could not be checked against a price list a week later."""
    from datetime import datetime, timezone

    today = datetime.now(timezone.utc).date().isoformat()
    client = _client(tmp_path)
    assert _simulate(client)["prices_as_of"] == today
    assert _simulate(client, "--date", "2026-10-01")["prices_as_of"] == "2026-10-01"
    first = run_cli("simulate", str(client)).stdout.splitlines()[0]
    assert first == f"policy: current routing   prices as of {today} (today, UTC)"


def test_failed_calls_are_not_routable_traffic_but_a_billed_failure_keeps_its_cost(tmp_path):
    """A failed call (status error) has no answer whose quality a cheaper tier could change: it is not a request the
    risk model moves or scores (main's 5a791b0), whether it failed with no usage ($0) or after using tokens (billed:
    its tokens stay in the cost). Checked by hand on simulate, with a task type whose calls all failed.

    One whole month (2026-09-01 to 30: monthly = total), every call on gpt-4o (flagship), classification by the
    feature mapping: 10 answered calls (500 in, 50 out), 2 failed after reading 500 input tokens (billed), 5
    failed with no usage; and 3 chat calls that all failed with no usage. Priors (routekit/data/quality_priors.csv,
    no evals): classification budget 0.103, flagship 0.080.
      routable: classification 10 answered requests; chat none (its calls all failed: no segment, nothing to move)
      current failures 10 × 0.080 = 0.80; all classification on budget: 10 × 0.103 = 1.03; extra 0.23
      extra-failure rate 0.23 / 10 = 0.023 (counting failed calls: (17 × 0.023 + 3 × chat's budget - flagship) / 20)
      cost (gpt-4o $2.50 / $10 per M): 10 × (500 × 2.5 + 50 × 10) / 1e6 + 2 × 500 × 2.5 / 1e6 = 0.0175 + 0.0025
      = $0.02: the billed failures' $0.0025 is in it, the failures without usage add $0."""
    md = {"spend_logs_metadata": {"feature": "ticket-labeler"}}
    chat = {"spend_logs_metadata": {"feature": "helpdesk-chat"}}
    day = lambda i: "2026-09-01" if i % 2 else "2026-09-30"   # noqa: E731
    rows = [_row(f"ok-{i}", "0.00175", "500", "50", f"{day(i)} 10:00:0{i % 10}+00", md=md) for i in range(10)]
    rows += [_row(f"billed-{i}", "0.00125", "500", "0", f"{day(i)} 11:00:0{i}+00", md=md, status="failure")
             for i in range(2)]
    rows += [_row(f"failed-{i}", "0", "0", "0", f"{day(i)} 12:00:0{i}+00", md=md, status="failure") for i in range(5)]
    rows += [_row(f"chat-{i}", "0", "0", "0", f"{day(i)} 13:00:0{i}+00", md=chat, status="failure") for i in range(3)]
    client = write_files(tmp_path / "acme", {
        "spend.csv": "\n".join([HEADER, *rows]) + "\n",
        "routekit.yaml": "classify:\n  mappings:\n    feature:\n      ticket-labeler: classification\n"
                         "      helpdesk-chat: chat\n"})
    policy = tmp_path / "p.yaml"
    policy.write_text("mix:\n  classification: {budget: 1.0}\n  chat: {budget: 1.0}\n")
    out = json.loads(run_cli("simulate", str(client), "--policy", str(policy), "--date", "2026-11-23",
                             "--json").stdout)
    assert out["projection"]["factor"] == 1.0
    assert out["baseline_monthly_cost_usd"] == 0.02
    risk = out["risk"]
    assert risk["current_failures"] == pytest.approx(0.80, abs=0.005)   # JSON rounds to 2 places
    assert risk["expected_failures"] == pytest.approx(1.03, abs=0.005)
    assert risk["extra_failures_per_month"] == pytest.approx(0.23, abs=0.005)
    assert risk["extra_failure_rate"] == pytest.approx(0.023, abs=1e-6)
    assert sum(s["requests_per_month"] for s in out["segments"]) == 10
    assert {s["task_type"] for s in out["segments"]} == {"classification"}
    assert "chat" in out["policy_names_without_traffic"]
    # and they are said: 2 billed + 5 without usage + 3 chat = 10 failed calls, over a whole month
    assert out["failed_calls_per_month"] == 10.0
    text = run_cli("simulate", str(client), "--policy", str(policy), "--date", "2026-11-23").stdout
    assert "failed calls:                 10.0 per month in the logs, not routed" in text

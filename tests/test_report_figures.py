"""Every dollar figure of northwind_support's audit report, recounted without routekit.

The counting here reads the raw exports with csv, json and gzip only, and prices them with the rates typed in below
from genai-prices 0.2.3's own data (``genai_prices/data.py``); none of routekit's pricing, staging or report code is
used. The one input taken from routekit is the task type of each call (its classifier, checked in test_classify),
since a mix is given per task type. The audit runs at a fixed price date, 2026-11-23, so the expected figures do
not move with the calendar (OpenRouter's rates changed on 2026-10-19, 2026-11-03 and 2026-11-09).

Hand totals (Decimal, before rounding), as the code below recounts them:
  Bedrock (us-east-1 regional rates, every modelId form maps to them; failed calls carry no tokens):
    claude-sonnet-4-5: 1,171 answered calls, $38.5761156 | claude-haiku-4-5: 1,748 answered calls, $3.6407866
  OpenRouter at each call's date (all calls before 2026-10-19, the early rates): llama-3.3-70b $0.0089595,
    gpt-oss-120b $0.036346179, qwen3-235b $0.00663096 (cancelled generations included: OpenRouter billed them)
  Anthropic console usage (batch rows at half price): haiku $54.5022825, sonnet $75.73955205
  Month 2026-10: 38.5761156 + 3.6407866 + (0.0089595 + 0.036346179 + 0.00663096) + (54.5022825 + 75.73955205)
    = 172.51067374 -> $172.51
  Invoice (console cost CSV): haiku 150 lines $54.56, sonnet 96 lines $75.73 -> $130.29
  Current routing at 2026-11-23 prices (OpenRouter's November rates): 172.56975435 -> $172.57
  Recommended mix (findings.json's, priced by hand): 132.2108158... -> $132.21; saving $172.57 - $132.21 = $40.36
    (it read $132.15 while the optimizer counted the 79 failed calls as traffic: see check_risk)
  Its extra failures over the 3,323 answered calls, with the shipped priors: 66.46, 2.00 % (recount.check_risk)
"""
from __future__ import annotations

import collections
import csv
import gzip
import html
import json
import re
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from recount import (MTOK, PRICE_DATE, cents, check_risk, check_routing_findings, check_spend_tables_add_up,
                     check_summary, money, report_tables, run_sample_audit, table_with)

# genai_prices/data.py, provider aws: regional.anthropic.claude-{sonnet,haiku}-4-5 (matched by the bare id, the us.
# profile and the ARNs alike): input, cache write, cache read, output per million tokens
BEDROCK = {"sonnet": (D("3.3"), D("4.125"), D("0.33"), D("16.5")),
           "haiku": (D("1.1"), D("1.375"), D("0.11"), D("5.5"))}
# provider anthropic, claude-sonnet-4-5 / claude-haiku-4-5 (up to 200k input): input, 5 m write, 1 h write, read,
# output; Message Batches at 50 % of every rate (Anthropic's pricing page; genai-prices' batch variants)
ANTHROPIC = {"claude-sonnet-4-5-20250929": (D(3), D("3.75"), D(6), D("0.3"), D(15)),
             "claude-haiku-4-5-20251001": (D(1), D("1.25"), D(2), D("0.1"), D(5))}
# provider openrouter: the dated ConditionalPrice lists, (from date, input, output)
OPENROUTER = {
    "meta-llama/llama-3.3-70b-instruct": [("", D("0.05"), D("0.24")), ("2026-10-19", D("0.1"), D("0.32")),
                                          ("2026-11-03", D("0.45"), D("0.9")), ("2026-11-09", D("0.59"), D("0.79"))],
    "openai/gpt-oss-120b": [("", D("0.039"), D("0.18")), ("2026-10-19", D("0.15"), D("0.6")),
                            ("2026-11-03", D("0.1"), D("0.5"))],
    "qwen/qwen3-235b-a22b-2507": [("", D("0.09"), D("0.1")), ("2026-10-19", D("0.09"), D("0.55"))]}


def openrouter_rates(model: str, day: str) -> tuple[D, D]:
    return [(i, o) for since, i, o in OPENROUTER[model] if since <= day][-1]


def hand_count(folder: Path) -> dict:
    """The raw exports, counted and priced by hand (see the module docstring for the resulting figures)."""
    calls = []   # one per logged call: provider, model, answered?, request id, tokens, cost at its date, cost today
    for path in sorted(folder.glob("AWSLogs/**/*.json.gz")):
        for line in gzip.open(path, "rt", encoding="utf-8"):
            r = json.loads(line)
            family = "sonnet" if "sonnet" in r["modelId"] else "haiku"
            i, w, c, o = BEDROCK[family]
            tok = (r["input"]["inputTokenCount"], r["input"]["cacheReadInputTokenCount"],
                   r["input"]["cacheWriteInputTokenCount"], r["output"]["outputTokenCount"])
            cost = (tok[0] * i + tok[2] * w + tok[1] * c + tok[3] * o) / MTOK
            calls.append(("aws.bedrock", family, "errorCode" not in r, r["requestId"], tok, cost, cost))
    with open(folder / "openrouter" / "activity_2026-10.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            tok = (int(r["tokens_prompt"]), 0, 0, int(r["tokens_completion"]))
            at = lambda day: (tok[0] * openrouter_rates(r["model_permaslug"], day)[0]   # noqa: E731
                              + tok[3] * openrouter_rates(r["model_permaslug"], day)[1]) / MTOK
            calls.append(("openrouter", r["model_permaslug"], r["cancelled"] != "true", r["generation_id"], tok,
                          at(r["created_at"][:10]), at(PRICE_DATE)))
    usage = collections.defaultdict(D)
    with open(folder / "anthropic" / "claude_api_tokens_2026_10.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            i, w5, w1, c, o = ANTHROPIC[r["model_version"]]
            half = D("0.5") if r["usage_type"] == "batch" else D(1)
            usage[r["model_version"]] += half * (
                int(r["usage_input_tokens_no_cache"]) * i + int(r["usage_input_tokens_cache_write_5m"]) * w5
                + int(r["usage_input_tokens_cache_write_1h"]) * w1 + int(r["usage_input_tokens_cache_read"]) * c
                + int(r["usage_output_tokens"]) * o) / MTOK
    invoice = collections.defaultdict(D)
    with open(folder / "anthropic" / "claude_api_cost_2026_10.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            invoice[r["model"]] += D(r["cost_usd"])
    return {"calls": calls, "usage": dict(usage), "invoice": dict(invoice)}


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    audit = run_sample_audit(tmp_path_factory, "northwind_support")
    return {**audit, "hand": hand_count(audit["client"])}


def test_spend_per_month_provider_and_model_agree_with_a_hand_count(audit):
    hand, tables = audit["hand"], report_tables(audit["html"])
    answered = [c for c in audit["hand"]["calls"] if c[2]]
    # 1,748 + 1,171 Bedrock and 172 + 117 + 115 OpenRouter answered calls = 3,323; the 79 failed ones apart
    assert len(answered) == 3323 and len(hand["calls"]) - len(answered) == 79
    logged = sum(c[5] for c in hand["calls"])
    month = logged + sum(hand["usage"].values())
    assert cents(month) == D("172.51")   # 172.51067374, see the docstring
    assert table_with(tables, "Month", "Requests", "Priced traffic", "Invoiced") == [
        {"Month": "2026-10", "Requests": "3,323", "Priced traffic": money(month), "Invoiced": "$130.29"}]

    by_model = collections.defaultdict(D)
    for provider, model, _, _, _, cost, _ in hand["calls"]:
        by_model[(provider, model)] += cost
    shown = {(r["Provider"], r["Model"]): r["Cost / month"] for r in table_with(tables, "Provider", "Model", "Tier")}
    # rounded so that the rows add up to the total (38.5761156 and the others' cents below): each row within a cent
    # of its exact amount
    assert shown.pop(("Total", "")) == money(month)
    expected = {("aws.bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0"): by_model[("aws.bedrock", "sonnet")],
                ("aws.bedrock", "anthropic.claude-haiku-4-5-20251001-v1:0"): by_model[("aws.bedrock", "haiku")],
                ("anthropic", "claude-sonnet-4-5-20250929"): hand["usage"]["claude-sonnet-4-5-20250929"],
                ("anthropic", "claude-haiku-4-5-20251001"): hand["usage"]["claude-haiku-4-5-20251001"],
                **{("openrouter", m): by_model[("openrouter", m)] for m in OPENROUTER}}
    assert shown.keys() == expected.keys()
    for key, amount in expected.items():
        assert abs(D(shown[key].lstrip("$").replace(",", "")) - amount) < D("0.01"), key

    by_provider = {r["Provider"]: r["Cost / month"] for r in table_with(tables, "Provider", "Requests / month")}
    assert by_provider["Total"] == money(month)
    assert by_provider["anthropic"] == money(sum(hand["usage"].values()))          # $130.24
    assert by_provider["aws.bedrock"] == money(by_model[("aws.bedrock", "sonnet")]
                                               + by_model[("aws.bedrock", "haiku")])  # $42.22
    assert by_provider["openrouter"] == money(sum(by_model[("openrouter", m)] for m in OPENROUTER))   # $0.05


def test_reconciliation_agrees_with_a_hand_count(audit):
    hand, tables = audit["hand"], report_tables(audit["html"])
    rows = {r["Model"]: r for r in table_with(tables, "Provider", "Month", "Model", "Calls")
            if r["Provider"] == "anthropic"}
    for model, name in (("claude-haiku-4-5", "Claude Haiku 4.5"), ("claude-sonnet-4-5", "Claude Sonnet 4.5")):
        usage = hand["usage"][[k for k in hand["usage"] if k.startswith(model)][0]]
        assert rows[model]["Usage, at list price"] == money(usage)
        assert rows[model]["Invoiced"] == money(hand["invoice"][name])
        # haiku: 54.56 - 54.5022825 = 0.0577175 -> $0.06; sonnet: 75.73 - 75.73955205 = -0.00955205 -> -$0.01
        assert rows[model]["Gap (invoice − explained)"] == money(hand["invoice"][name] - usage)
    assert audit["findings"]["summary"]["invoice_total_usd"] == 130.29   # 54.56 + 75.73
    # the console's cost CSV bills whole cents: 150 haiku lines may be off by 150 x $0.005 = $0.75, 96 sonnet lines
    # by $0.48; the gaps are rounding, not the batch traffic (priced at batch rates) the causes used to name
    assert rows["claude-haiku-4-5"]["Likely causes"] == \
        "within the invoice's rounding: 150 lines billed in whole cents allow up to $0.75 either way"
    assert rows["claude-sonnet-4-5"]["Likely causes"] == \
        "within the invoice's rounding: 96 lines billed in whole cents allow up to $0.48 either way"


def test_current_routing_and_recommended_mix_agree_with_a_hand_count(audit):
    usage = sum(audit["hand"]["usage"].values())
    current, recommended, flagship = check_summary(audit, audit["hand"]["calls"], kept=usage)
    assert cents(current) == D("172.57")          # 172.56975435
    assert cents(recommended) == D("132.21")      # 132.2108158...; saving $172.57 - $132.21 = $40.36
    # every logged call at claude-sonnet-4-5's rates, the usage without request counts kept: 177.09610155
    assert cents(flagship) == D("177.10")
    # the mix's extra failures over the 3,323 answered calls (79 failed ones are not traffic)
    extra, answered = check_risk(audit, audit["hand"]["calls"])
    assert answered == 3323 and round(extra, 2) == 66.46


def test_every_routing_finding_agrees_with_a_hand_count(audit):
    """Each finding's traffic cost and saving, summed exactly over its segment and rounded once. Before, they were
    sums of cent-rounded sub-segments: chat 16k-64k read 'cost $22.52 ... saves $22.17' for 22.5148 and 22.1648, and
    extraction 4k-16k (a $0.0044 saving) was listed as saving $0.01."""
    routing = check_routing_findings(audit, audit["hand"]["calls"], kept=sum(audit["hand"]["usage"].values()))
    assert routing[("chat", "16k-64k")]["monthly_usd"] == 22.16     # 22.5148011 - 0.35000275 = 22.16479835
    assert ("extraction", "4k-16k") not in routing                  # 0.0057618 - 0.00139575 = 0.00436605: $0.00


def test_every_spend_table_adds_up_to_its_total_row(audit):
    """Before, the tables had no total and their rows, each rounded on its own, summed to $172.52 (by model, task
    type, input length) against the month's $172.51: 75.74 + 54.50 + 38.58 + 3.64 + 0.04 + 0.01 + 0.01."""
    check_spend_tables_add_up(audit, "$172.51", "$130.29")   # 54.56 + 75.73 invoiced


def test_rounded_to_total_gives_the_missing_cents_to_the_largest_remainders():
    from routekit.report_tables import rounded_to_total

    # 75.7395520 + 54.5022825 + 38.5761156 + 3.6407866 + 0.0363462 + 0.0089595 + 0.0066310 = 172.5106734 -> 172.51;
    # cut to the cent they make 172.47: the 4 cents go to the largest cut-offs (.955, .896, .663, .635 of a cent),
    # not to 38.5761156 (.612)
    assert rounded_to_total([75.73955205, 54.5022825, 38.5761156, 3.6407866, 0.036346179, 0.0089595, 0.00663096],
                            2) == [75.74, 54.50, 38.57, 3.64, 0.04, 0.01, 0.01]
    # three half cents make 0.015 -> 0.02: the first two of the equal remainders get a cent; None stays None
    assert rounded_to_total([0.005, None, 0.005, 0.005], 2) == [0.01, None, 0.01, 0.0]
    # 1,171.25 + 1,748.25 + 403.5 = 3,323: cut to 3,322, the missing unit to the .5
    assert rounded_to_total([1171.25, 1748.25, 403.5], 0) == [1171, 1748, 404]


def test_only_the_total_row_is_set_in_bold_not_a_model_named_total():
    from routekit.report_tables import table_html, with_total

    rows = with_total([{"model": "Total", "cost_usd": 1.0}, {"model": "gpt-5", "cost_usd": 2.0}], {"cost_usd": 2})
    text = table_html(rows)
    name = '<td class="id"><span class="nb">Total</span></td>'
    assert text.count('class="rk-total"') == 1
    assert f'<tr>{name}<td class="num">$1.00</td></tr>' in text                    # the model
    assert f'<tr class="rk-total">{name}<td class="num">$3.00</td></tr>' in text    # the sum


def test_table_records_round_money_half_up():
    """$0.125 is $0.13 (half up, as Simulator.evaluate rounds); Decimal's round() gave $0.12 (half to even)."""
    from routekit.engine import table_records

    con = duckdb.connect()
    assert table_records(con, "SELECT 0.125::DECIMAL(18, 6) AS cost_usd, 2.0000005::DECIMAL(18, 7) AS share") == \
        [{"cost_usd": 0.13, "share": 2.000001}]
    assert table_records(con, "SELECT 0.125::DECIMAL(18, 6) AS cost_usd", exact=True) == [{"cost_usd": D("0.125")}]


def test_the_report_names_the_day_whose_prices_it_uses(audit):
    """Without --date the what-ifs are priced at the run's own date: findings.json said "latest" and the report
    "today's list prices", so a report read a week later did not say which prices its figures were at."""
    from datetime import datetime, timezone

    from routekit.report import _price_day, run_audit

    assert "at the list prices of 2026-11-23 (the spend per month" in re.sub(r"<[^>]+>", "", audit["html"])
    assert audit["findings"]["summary"]["prices_as_of"] == "2026-11-23"
    today = datetime.now(timezone.utc).date().isoformat()
    undated = run_audit(audit["client"])
    assert undated.summary["prices_as_of"] == today
    assert _price_day(undated) == f"{today}, the day of the run"


def test_failed_calls_that_were_billed_are_not_called_unbilled(audit):
    """OpenRouter bills a cancelled generation for the tokens it used: northwind's 16 cancelled ones carry
    cost_total > 0 (together $0.00324005), and at list price cost 0.00037517 (llama) + 0.00055862 (gpt-oss) +
    0.00022836 (qwen) = $0.00116215 a month. Rounded to $0.00 they read "Billed: no" under "Failed calls, not billed:
    the providers bill no tokens for them". Bedrock's 63 throttled calls used no tokens: not billed."""
    hand = audit["hand"]
    billed_failures = collections.defaultdict(D)
    for provider, model, answered, _, tokens, cost, _ in hand["calls"]:
        if not answered:
            billed_failures[(provider, model)] += cost
    assert cents(sum(billed_failures.values()) * 1000) == D("1.16")     # $0.00116 a month
    assert all(v == 0 for (p, _), v in billed_failures.items() if p == "aws.bedrock")
    text = audit["html"]
    assert "<h3>Failed calls</h3>" in text and "Failed calls, not billed" not in text
    assert "those that used tokens cost under $0.01 a month, included above" in html.unescape(text)
    rows = {r["Model"]: r["Billed"] for r in table_with(report_tables(text), "Provider", "Model",
                                                         "Failed calls / month")}
    assert rows == {"anthropic.claude-haiku-4-5-20251001-v1:0": "no", "anthropic.claude-sonnet-4-5-20250929-v1:0": "no",
                    **{m: "under $0.01 a month" for m in OPENROUTER}}

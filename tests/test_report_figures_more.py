"""Every dollar figure of globex_devtools' and brightside_agency's audit reports, recounted without routekit.

As test_report_figures.py does for northwind_support (its helpers are in recount.py): the raw exports are read with
csv, json and gzip only and priced with the rates typed in below from genai-prices 0.2.3's data
(``genai_prices/data.py``); the one input taken from routekit is each call's task type. Both audits run at the price
date 2026-11-23 (no rate used here changes between the logs' months and that day).

Hand totals (Decimal, before rounding), as the code below recounts them:

globex_devtools, October 2026 (OTel GenAI spans, a gateway CSV in EUR, OpenAI and Anthropic usage and cost exports)
  OTel spans: input_tokens include cache reads and writes (OpenLLMetry's prompt_tokens likewise), output_tokens
    include reasoning tokens; the 69 failed spans carry no usage:
    claude-sonnet-4-5 41.9748933 | claude-opus-4-1 12.83587425 | gpt-5 4.579077 | o3 2.969074 | gpt-5-mini 2.31711015
    | gpt-5-nano 0.0435262
  Gateway at list price (tok_in includes tok_cached; 17 failed rows without tokens): mistral-large-latest 0.498428,
    mistral-small-latest 0.05350575, deepseek-chat at the rate of each call's UTC time 0.39375574 (at the peak
    rate all day, as routekit priced it before it carried a time of day: 0.484921)
  Month: 65.66524439 -> $65.67 (at the peak rate all day it read $65.76: 65.75640965)
  Invoice: OpenAI costs gpt-5-mini 16.9274719, gpt-5 9.470535125, o3 2.969074, gpt-5-nano 0.0435262; Anthropic cost
    report (cents) sonnet 41.9748933, opus 12.83587425, web search 1.43 -> 85.651374775 -> $85.65; the usage
    exports at list price (OpenAI Batch at half price) equal it model by model
  Current routing at 2026-11-23 = the month (no rate changes by then): $65.67 (DeepSeek at its peak rate all day:
    $65.76)
  All-flagship (every logged call at claude-sonnet-4-5's rates): 90.16424655 -> $90.16
  Recommended mix (findings.json's): 18.6309850... -> $18.63, saving $47.04; its extra failures over the 4,328
    answered calls 86.56, 2.00 % (it read $18.10 and 88.28 failures, 2.14 % of the answered calls, while the
    optimizer counted the 86 failed calls as traffic and "saved" 4.54 failures by routing them to a safer tier)

brightside_agency, September 2026 (LiteLLM SpendLogs, OpenAI usage and a dashboard cost CSV for Jul-Sep)
  gpt-4o-2024-08-06 (2.5 input, 1.25 cached, 10 output; prompt_tokens include the cached ones, which LiteLLM keeps
    in metadata.usage_object.prompt_tokens_details): 13,173 answered calls, 260 failed (no tokens) -> 1065.27979;
    LiteLLM's own spend column sums to the same (1065.27979000000006773 as floats)
  Invoice (cost CSV): July 1123.67906, August 1011.0416075, September 1065.27979 (= the usage export at list
    price) -> 3200.0004575 -> $3,200.00
  Current routing = the month, $1,065.28; all-flagship 1314.8344398 -> $1,314.83; recommended mix
    304.6130775... -> $304.61, saving $760.67; its extra failures over the 13,173 answered calls 263.46, 2.00 %
    (it read $295.53 and 268.66 failures over 13,433 calls, the failed ones included)

Time of day: genai-prices' deepseek-chat costs half from 16:30 to 00:30 UTC (DeepSeek's off-peak). routekit priced a
model with time-of-day rates at the one rate in force most of the day, so globex's off-peak DeepSeek calls cost the
peak rate: $0.09 a month too much in the spend, the current routing and the mix. It now prices each call at the
slice of the day it falls in, and the cube and the simulator carry the slot (tests below).
"""
from __future__ import annotations

import collections
import csv
import gzip
import json
from datetime import datetime, timezone
from decimal import Decimal as D
from pathlib import Path

import pytest

from recount import (MTOK, all_flagship_by_hand, by_model_shown, cents, check_risk, check_routing_findings,
                     check_spend_tables_add_up, check_summary, money, report_tables, run_sample_audit, table_with,
                     within_a_cent)

# genai-prices 0.2.3, data.py: input, cache read, cache write, output per million tokens. OpenAI lists no cache-write
# rate (it bills cache writes as input) and Mistral Large no cache-read rate (cached input is billed as input).
RATES = {
    "claude-sonnet-4-5": (D(3), D("0.3"), D("3.75"), D(15)),     # provider anthropic, up to 200k input tokens
    "claude-opus-4-1": (D(15), D("1.5"), D("18.75"), D(75)),
    "gpt-5": (D("1.25"), D("0.125"), D("1.25"), D(10)),          # provider openai
    "gpt-5-mini": (D("0.25"), D("0.025"), D("0.25"), D(2)),
    "gpt-5-nano": (D("0.05"), D("0.005"), D("0.05"), D("0.4")),
    "o3": (D(2), D("0.5"), D(2), D(8)),                          # since 2025-06-10
    "gpt-4o": (D("2.5"), D("1.25"), D("2.5"), D(10)),
    "mistral-large": (D(2), D(2), D(2), D(6)),                   # mistral-large-latest
    "mistral-small-latest": (D("0.15"), D("0.015"), D("0.15"), D("0.6")),   # since 2026-03-16
}
# deepseek-chat: DeepSeek's peak rate from 00:30 to 16:30 UTC (TimeOfDateConstraint), the off-peak one otherwise
DEEPSEEK_PEAK = (D("0.27"), D("0.07"), D("0.27"), D("1.1"))
DEEPSEEK_OFF_PEAK = (D("0.135"), D("0.035"), D("0.135"), D("0.55"))
# Anthropic's 1-hour cache write is 2x input (genai-prices' cache_write_1h_mtok); no row of globex's usage has one
ANTHROPIC_1H = {"claude-sonnet-4-5": D(6), "claude-opus-4-1": D(30)}
BATCH = D("0.5")   # OpenAI Batch API: half of every rate (genai-prices' batch variants from 2026-10-14 are exactly so)


def family(model: str) -> str:
    """The genai-prices model a logged id is priced as (snapshot ids and bare aliases alike)."""
    if model == "mistral-large-latest":
        return "mistral-large"
    return max((k for k in RATES if model == k or model.startswith(k + "-")), key=len)


def priced(tokens, rates) -> D:
    uncached, read, write, out = tokens
    return (uncached * rates[0] + read * rates[1] + write * rates[2] + out * rates[3]) / MTOK


def deepseek_rates(ts: str) -> tuple:
    return DEEPSEEK_PEAK if "00:30" <= ts[11:16] < "16:30" else DEEPSEEK_OFF_PEAK


def otel_attributes(span: dict) -> dict:
    return {a["key"]: next(iter(a["value"].values())) for a in span["attributes"]}


def globex_hand_count(folder: Path) -> dict:
    calls = []
    for line in gzip.open(folder / "otel" / "traces-2026-10.jsonl.gz", "rt", encoding="utf-8"):
        for resource in json.loads(line)["resourceSpans"]:
            for scope in resource["scopeSpans"]:
                for span in scope["spans"]:
                    a = otel_attributes(span)
                    if a.get("gen_ai.operation.name") in ("invoke_agent", "execute_tool"):
                        continue   # agent and tool spans carry no usage of their own
                    # the current conventions' names, else OpenLLMetry's; both count cache reads and writes in input
                    total_in = int(a.get("gen_ai.usage.input_tokens", a.get("gen_ai.usage.prompt_tokens", 0)))
                    read = int(a.get("gen_ai.usage.cache_read.input_tokens",
                                     a.get("gen_ai.usage.cache_read_input_tokens", 0)))
                    write = int(a.get("gen_ai.usage.cache_creation.input_tokens",
                                      a.get("gen_ai.usage.cache_creation_input_tokens", 0)))
                    out = int(a.get("gen_ai.usage.output_tokens", a.get("gen_ai.usage.completion_tokens", 0)))
                    model = a.get("gen_ai.response.model") or a["gen_ai.request.model"]
                    provider = (a.get("gen_ai.provider.name") or a["gen_ai.system"]).lower()
                    tokens = (total_in - read - write, read, write, out)
                    cost = priced(tokens, RATES[family(model)])
                    calls.append((provider, model, span["status"].get("code") != 2, span["spanId"], tokens, cost,
                                  cost))
    with open(folder / "gateway" / "requests_2026-10.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            cached = int(r["tok_cached"])
            tokens = (int(r["tok_in"]) - cached, cached, 0, int(r["tok_out"]))
            # deepseek-chat at the rate of the call's UTC time (at the peak rate all day: 0.484921 in all)
            cost = priced(tokens, deepseek_rates(r["ts"]) if r["llm"] == "deepseek-chat" else RATES[family(r["llm"])])
            calls.append((r["vendor"], r["llm"], r["status"] == "ok", r["req_id"], tokens, cost, cost))

    usage = collections.defaultdict(D)
    for line in open(folder / "openai" / "usage_completions_2026-10.jsonl", encoding="utf-8"):
        for b in json.loads(line)["data"]:
            for r in b["results"]:
                # input_tokens include the cached ones
                tokens = (r["input_tokens"] - r["input_cached_tokens"], r["input_cached_tokens"], 0, r["output_tokens"])
                usage[r["model"]] += priced(tokens, RATES[family(r["model"])]) * (BATCH if r["batch"] else 1)
    for b in json.load(open(folder / "anthropic" / "usage_report_messages_2026-10.json", encoding="utf-8"))["data"]:
        for r in b["results"]:
            i, c, w, o = RATES[family(r["model"])]
            usage[r["model"]] += (r["uncached_input_tokens"] * i + r["cache_read_input_tokens"] * c
                                  + r["cache_creation"]["ephemeral_5m_input_tokens"] * w
                                  + r["cache_creation"]["ephemeral_1h_input_tokens"] * ANTHROPIC_1H[family(r["model"])]
                                  + r["output_tokens"] * o) / MTOK

    invoice, non_token = collections.defaultdict(D), D(0)
    costs = json.load(open(folder / "openai" / "costs_2026-10.json", encoding="utf-8"), parse_float=D)
    for b in costs["data"]:
        for r in b["results"]:
            invoice[r["line_item"].rsplit(",", 1)[0]] += r["amount"]["value"]
    for b in json.load(open(folder / "anthropic" / "cost_report_2026-10.json", encoding="utf-8"))["data"]:
        for r in b["results"]:
            dollars = D(r["amount"]) / 100   # the Admin API's cost report is in cents
            if r["cost_type"] == "tokens":
                invoice[r["model"]] += dollars
            else:
                non_token += dollars
    return {"calls": calls, "usage": dict(usage), "invoice": dict(invoice),
            "non_token": non_token}


def brightside_hand_count(folder: Path) -> dict:
    calls, litellm_spend = [], D(0)
    csv.field_size_limit(1 << 30)   # the messages column holds whole prompts
    with gzip.open(folder / "litellm" / "LiteLLM_SpendLogs_2026-09.csv.gz", "rt", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            usage = json.loads(r["metadata"])["usage_object"] or {}
            cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
            tokens = (int(r["prompt_tokens"]) - cached, cached, 0, int(r["completion_tokens"]))
            cost = priced(tokens, RATES[family(r["model"])])
            calls.append((r["custom_llm_provider"], r["model"], r["status"] == "success", r["request_id"], tokens,
                          cost, cost))
            litellm_spend += D(r["spend"])
    usage = D(0)
    for b in json.load(open(folder / "openai" / "usage_completions_2026-09.json", encoding="utf-8"))["data"]:
        for r in b["results"]:
            usage += priced((r["input_tokens"] - r["input_cached_tokens"], r["input_cached_tokens"], 0,
                             r["output_tokens"]), RATES[family(r["model"])])
    invoice = collections.defaultdict(D)
    with open(folder / "openai" / "cost_2026-07-01_2026-09-30.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            month = datetime.fromtimestamp(int(r["start_time"]), timezone.utc).strftime("%Y-%m")
            invoice[month] += D(r["amount_value"] or 0)
    return {"calls": calls, "usage": usage, "invoice": dict(invoice), "litellm_spend": litellm_spend}


def month_of(calls) -> D:
    return sum(c[5] for c in calls)


def by_model(calls) -> dict:
    out = collections.defaultdict(D)
    for provider, model, _, _, _, cost, _ in calls:
        out[(provider, model)] += cost
    return out


@pytest.fixture(scope="module")
def globex(tmp_path_factory):
    audit = run_sample_audit(tmp_path_factory, "globex_devtools")
    return {**audit, "hand": globex_hand_count(audit["client"])}


@pytest.fixture(scope="module")
def brightside(tmp_path_factory):
    audit = run_sample_audit(tmp_path_factory, "brightside_agency")
    return {**audit, "hand": brightside_hand_count(audit["client"])}


# -- globex_devtools --------------------------------------------------------------------------------------------
def test_globex_spend_per_provider_and_model_agrees_with_a_hand_count(globex):
    calls = globex["hand"]["calls"]
    answered = [c for c in calls if c[2]]
    # 3,614 model spans (69 failed) and 800 gateway rows (17 failed)
    assert (len(answered), len(calls) - len(answered)) == (4328, 86)
    shown = by_model_shown(globex)
    assert shown.pop(("Total", "")) == money(month_of(calls)) == "$65.67"
    exact = by_model(calls)
    # the failed spans name the requested model ("claude-sonnet-4-5"): no tokens, $0, on the model's row
    for (provider, model), cost in exact.items():
        if (provider, model) in shown:   # deepseek-chat too: each call at the rate of its UTC time of day
            assert within_a_cent(shown[(provider, model)], cost), (provider, model)
        else:
            assert cost == 0 and any(m.startswith(model + "-") for p, m in shown if p == provider), model
    assert set(shown) <= set(exact)
    providers = {r["Provider"]: r for r in table_with(report_tables(globex["html"]), "Provider", "Requests / month")}
    for provider in ("anthropic", "openai", "mistral"):   # 1,581 answered and 30 failed calls, 1,964 and 39, 420 and 7
        cost = sum(v for (p, _), v in exact.items() if p == provider)
        assert providers[provider]["Cost / month"] == money(cost), provider      # $54.81, $9.91, $0.55
        answered = sum(1 for c in calls if c[0] == provider and c[2])
        failed = sum(1 for c in calls if c[0] == provider and not c[2])
        assert (providers[provider]["Requests / month"], providers[provider]["Failed calls / month"]) == \
            (f"{answered:,}", str(failed)), provider


def test_globex_invoice_and_reconciliation_agree_with_a_hand_count(globex):
    hand, tables = globex["hand"], report_tables(globex["html"])
    invoiced = {r["Model"]: r["Invoiced"] for r in table_with(tables, "Provider", "Model", "Months")}
    assert invoiced.pop("") == money(sum(hand["invoice"].values()) + hand["non_token"]) == "$85.65"
    assert invoiced.pop("(non-token charges)") == money(hand["non_token"]) == "$1.43"   # 143 web searches
    assert invoiced == {model: money(v) for model, v in hand["invoice"].items()}
    assert globex["findings"]["summary"]["invoice_total_usd"] == 85.65
    rows = {(r["Provider"], r["Model"]): r for r in table_with(tables, "Provider", "Month", "Model", "Calls")}
    logs = by_model(hand["calls"])
    for model, usage in hand["usage"].items():
        row = rows[("anthropic" if model.startswith("claude") else "openai", family(model))]
        logged = sum(v for (p, m), v in logs.items() if p in ("anthropic", "openai") and family(m) == family(model))
        assert (row["Logs, at list price"], row["Usage, at list price"], row["Invoiced"]) == \
            (money(logged), money(usage), money(hand["invoice"][model])), model
        # the usage exports price to the invoice's cent: nothing billed is left unexplained
        assert row["Gap (invoice − explained)"] == "$0.00", model
    # the nightly Batch job (project "evals") is in the usage export only: the logs explain 14 % of gpt-5-mini's bill
    mini = "gpt-5-mini-2025-08-07"
    assert rows[("openai", "gpt-5-mini")]["Log coverage"] == f"{logs[('openai', mini)] / hand['invoice'][mini]:.1%}"
    # and its likely causes say the same share, to the same tenth of a per cent (they read '14.0 %' beside 13.7 %,
    # and '48.0 %' beside gpt-5's 48.4 %)
    for model in (mini, "gpt-5-2025-08-07"):
        row = rows[("openai", family(model))]
        share = logs[("openai", model)] / hand["invoice"][model]
        assert row["Log coverage"] == f"{share:.1%}"
        assert f"logs cover {100 * share:.1f} % of the invoice" in row["Likely causes"], (model, row["Likely causes"])


def test_globex_all_flagship_figure_agrees_with_a_hand_count(globex):
    flagship = all_flagship_by_hand(globex["hand"]["calls"])
    assert D(str(globex["findings"]["summary"]["all_flagship_monthly_usd"])) == cents(flagship) == D("90.16")


def test_globex_current_routing_mix_and_findings_agree_with_a_hand_count(globex):
    """The month, the current routing, the recommended mix and the findings with each DeepSeek call at the rate of
    its UTC time of day: deepseek-chat 0.39375574 (0.484921 at the peak rate all day, as it read before), the month
    65.66524439, current routing $65.67 (it read $65.76) and the mix $18.63."""
    calls = globex["hand"]["calls"]
    month = month_of(calls)                                      # 65.66524439
    assert table_with(report_tables(globex["html"]), "Month", "Requests", "Priced traffic", "Invoiced") == [
        {"Month": "2026-10", "Requests": "4,328", "Priced traffic": money(month), "Invoiced": "$85.65"}]
    assert by_model_shown(globex)[("deepseek", "deepseek-chat")] == "$0.39"
    current, recommended, _ = check_summary(globex, calls)
    assert (cents(current), cents(recommended)) == (D("65.67"), D("18.63"))   # FIGURES
    assert D(str(globex["findings"]["summary"]["savings_usd"])) == D("47.04")
    # the mix's extra failures over the 4,328 answered calls (86 failed ones are not traffic): 2.00 % of them
    extra, answered = check_risk(globex, calls)
    assert answered == 4328 and round(extra, 2) == 86.56
    check_routing_findings(globex, calls)
    check_spend_tables_add_up(globex, money(month), "$85.65")


def test_globex_deepseek_calls_are_priced_at_the_rate_of_their_time_of_day(globex):
    calls = globex["hand"]["calls"]
    month = month_of(calls)                                      # 65.66524439
    assert cents(month) == D("65.67")
    assert by_model_shown(globex)[("deepseek", "deepseek-chat")] == money(by_model(calls)[("deepseek",
                                                                                             "deepseek-chat")])
    assert table_with(report_tables(globex["html"]), "Month", "Requests", "Priced traffic", "Invoiced")[0][
        "Priced traffic"] == money(month)
    check_summary(globex, calls)
    check_routing_findings(globex, calls)


# -- brightside_agency ------------------------------------------------------------------------------------------
def test_brightside_spend_per_month_and_model_agrees_with_a_hand_count(brightside):
    hand = brightside["hand"]
    answered = [c for c in hand["calls"] if c[2]]
    assert (len(answered), len(hand["calls"]) - len(answered)) == (13173, 260)
    month = month_of(hand["calls"])
    assert cents(month) == D("1065.28")                          # 1065.27979
    # LiteLLM's own spend is the list price too (its float sum, 1065.2797900000000677..., to the cent)
    assert cents(hand["litellm_spend"]) == cents(month)
    invoice = hand["invoice"]
    assert table_with(report_tables(brightside["html"]), "Month", "Requests", "Priced traffic", "Invoiced") == [
        {"Month": "2026-07", "Requests": "-", "Priced traffic": "-", "Invoiced": money(invoice["2026-07"])},
        {"Month": "2026-08", "Requests": "-", "Priced traffic": "-", "Invoiced": money(invoice["2026-08"])},
        {"Month": "2026-09", "Requests": "13,173", "Priced traffic": money(month),
         "Invoiced": money(invoice["2026-09"])},
        {"Month": "Total", "Requests": "13,173", "Priced traffic": money(month), "Invoiced": "$3,200.00"}]
    assert by_model_shown(brightside) == {("openai", "gpt-4o-2024-08-06"): money(month)}
    check_spend_tables_add_up(brightside, money(month), "$3,200.00")


def test_brightside_invoice_and_reconciliation_agree_with_a_hand_count(brightside):
    hand = brightside["hand"]
    assert cents(sum(hand["invoice"].values())) == D("3200.00")   # 3200.0004575, the quarter
    assert D(str(brightside["findings"]["summary"]["invoice_total_usd"])) == D("3200.00")
    rows = {r["Month"]: r for r in table_with(report_tables(brightside["html"]), "Provider", "Month", "Model", "Calls")}
    assert rows["2026-09"] == {
        "Provider": "openai", "Month": "2026-09", "Model": "gpt-4o", "Calls": "13,433",
        "Logs, at list price": money(month_of(hand["calls"])), "Usage, at list price": money(hand["usage"]),
        "Invoiced": money(hand["invoice"]["2026-09"]),
        "Gap (invoice − explained)": money(hand["invoice"]["2026-09"] - hand["usage"]),
        "Log coverage": "100.0%", "Likely causes": "-"}
    # the usage export and the logs are the same September traffic at the same prices: 1065.27979 each
    assert hand["usage"] == month_of(hand["calls"]) and hand["invoice"]["2026-09"] == hand["usage"]
    for month in ("2026-07", "2026-08"):
        assert rows[month]["Invoiced"] == rows[month]["Gap (invoice − explained)"] == money(hand["invoice"][month])


def test_brightside_current_routing_mix_and_findings_agree_with_a_hand_count(brightside):
    calls = brightside["hand"]["calls"]
    current, recommended, flagship = check_summary(brightside, calls)
    assert (cents(current), cents(recommended), cents(flagship)) == (D("1065.28"), D("304.61"), D("1314.83"))
    extra, answered = check_risk(brightside, calls)   # over the 13,173 answered calls, not the 260 failed ones
    assert answered == 13173 and round(extra, 2) == 263.46
    routing = check_routing_findings(brightside, calls)
    assert len(routing) == 19

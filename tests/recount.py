"""What the hand recounts of the sample clients' audit reports share (test_report_figures*.py): reading the report's
tables, cents and dollars as the report prints them, the tier representatives' rates on the fixed price date, and the
recommended mix priced call by call. Nothing here uses routekit's pricing, staging or report code.

A recount lists each logged call as a tuple
``(provider, model, answered, request_id, (uncached, cache read, cache write, output), cost at its date, cost on
PRICE_DATE)``; the task type of each call is routekit's (its classifier, checked in test_classify).
"""
from __future__ import annotations

import collections
import csv
import html
import json
import re
from decimal import ROUND_HALF_UP, Decimal as D

import duckdb

from conftest import ROOT, run_cli, sample_client

# Every audit here runs at this price date, so the expected figures do not move with the calendar.
PRICE_DATE = "2026-11-23"
MTOK = D(1_000_000)

# The tiers' representatives on 2026-11-23 (genai-prices 0.2.3's data.py, provider openai; no cache-write rate: the
# input rate), with the output factor the expected case applies (reasoning models write 2.5x): input, cache read,
# cache write, output, factor
TIER = {"budget": (D("0.05"), D("0.005"), D("0.05"), D("0.4"), D(1)),          # gpt-5-nano
        "mid": (D("0.25"), D("0.025"), D("0.25"), D("2"), D(1)),               # gpt-5-mini
        "reasoning": (D("2"), D("0.5"), D("2"), D("8"), D("2.5")),             # o3 (since 2025-06-10)
        "flagship": (D("3"), D("0.3"), D("3.75"), D("15"), D(1))}              # claude-sonnet-4-5


def cents(value: D) -> D:
    return value.quantize(D("0.01"), ROUND_HALF_UP)


def money(value: D) -> str:
    return f"-${-cents(value):,.2f}" if value < 0 else f"${cents(value):,.2f}"


def amount(text: str) -> D:
    """A money cell of the report as a Decimal ('-' and an empty cell are 0)."""
    return D(text.replace("$", "").replace(",", "")) if text not in ("-", "") else D(0)


def bucket(tokens: int) -> str:
    return "<1k" if tokens < 1000 else "1k-4k" if tokens < 4000 else "4k-16k" if tokens < 16000 else \
        "16k-64k" if tokens < 64000 else "64k+"


def report_tables(text: str) -> list[list[list[str]]]:
    """Every table of the HTML report as rows of cell texts (header row first)."""
    out = []
    for table in re.findall(r'<table class="rk-table">(.*?)</table>', text, re.S):
        rows = []
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
            rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                         for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)])
        out.append(rows)
    return out


def table_with(tables, *header) -> list[dict]:
    for t in tables:
        if t and t[0][:len(header)] == list(header):
            return [dict(zip(t[0], row)) for row in t[1:]]
    raise AssertionError(f"no table with columns {header}")


def run_sample_audit(tmp_path_factory, name: str) -> dict:
    """A copy of sample_data/<name> audited by the real command at PRICE_DATE: the client folder, the report's
    HTML and findings.json, and routekit's task type of each logged call by its request id."""
    base = tmp_path_factory.mktemp(name)
    client = base / name
    sample_client(name, client)
    run_cli("audit", str(client), "--out", str(base / "reports"), "--date", PRICE_DATE)
    out = base / "reports" / name
    con = duckdb.connect(str(client / ".routekit" / "routekit.duckdb"), read_only=True)
    task_of = dict(con.execute("""SELECT c.request_id, t.task_type FROM int_calls t
                                  JOIN calls c USING (_source_file, _source_row)""").fetchall())
    tier_of = dict(con.execute("""SELECT c.request_id, t.tier FROM int_calls t
                                  JOIN calls c USING (_source_file, _source_row)""").fetchall())
    con.close()
    return {"client": client, "html": (out / "audit.html").read_text(encoding="utf-8"),
            "findings": json.loads((out / "findings.json").read_text(encoding="utf-8")), "task_of": task_of,
            "tier_of": tier_of}


def hand_rates(tokens, rates) -> D:
    uncached, read, write, out = tokens
    return (uncached * rates[0] + read * rates[1] + write * rates[2] + out * rates[4] * rates[3]) / MTOK


def mix_by_hand(calls, kept: D, mix: dict, task_of: dict) -> tuple[D, D, dict]:
    """The current routing and a mix (findings.json's, per task type and input length) priced on PRICE_DATE: a moved
    call costs its tokens at the tier's representative; `current`, a segment the mix does not name and ``kept`` (the
    usage without request counts, which no mix moves) stay at the price date's price of their own model. Returns
    (current, mix, {(task type, input length): [current, mix]})."""
    current, recommended = kept, kept
    seg = collections.defaultdict(lambda: [D(0), D(0)])
    for provider, model, _, request_id, (uncached, read, write, out), _, today in calls:
        task = task_of[request_id]
        length = bucket(uncached + read + write)
        shares = (mix.get(task) or {}).get(length) or {"current": 1}
        cost = sum(D(str(share)) * (today if tier == "current" else
                                     hand_rates((uncached, read, write, out), TIER[tier]))
                   for tier, share in shares.items())
        current += today
        recommended += cost
        seg[(task, length)][0] += today
        seg[(task, length)][1] += cost
    return current, recommended, seg


def all_flagship_by_hand(calls, kept: D = D(0)) -> D:
    """Every logged call at the flagship representative's rates; ``kept`` (usage without request counts) as it is."""
    return sum((hand_rates(tokens, TIER["flagship"]) for *_, tokens, _, _ in calls), kept)


def check_summary(audit: dict, calls, kept: D = D(0)) -> tuple[D, D, D]:
    """findings.json's current routing, recommended mix, saving and all-flagship figure against the hand count,
    and the report's headline; returns (current, recommended, all-flagship) unrounded."""
    current, recommended, _ = mix_by_hand(calls, kept, audit["findings"]["mix"], audit["task_of"])
    flagship = all_flagship_by_hand(calls, kept)
    s = audit["findings"]["summary"]
    assert D(str(s["current_monthly_usd"])) == cents(current)
    assert D(str(s["recommended_monthly_usd"])) == cents(recommended)
    assert D(str(s["savings_usd"])) == cents(current) - cents(recommended)
    assert D(str(s["all_flagship_monthly_usd"])) == cents(flagship)
    assert s["prices_as_of"] == PRICE_DATE
    text = re.sub(r"<[^>]+>", "", audit["html"])
    assert f"Current routing: \n{money(current)} a month" in text or f"Current routing: {money(current)}" in text
    assert money(recommended) in text
    return current, recommended, flagship


def check_routing_findings(audit: dict, calls, kept: D = D(0)) -> dict:
    """Each routing finding's traffic cost and saving, summed exactly over its segment and rounded once; every
    segment the mix moves for a saving of a cent or more has its finding. Returns the findings by segment."""
    _, _, seg = mix_by_hand(calls, kept, audit["findings"]["mix"], audit["task_of"])
    routing = {(f["task_type"], f["input_length"]): f for f in audit["findings"]["findings"] if f["kind"] == "routing"}
    moved = {k for k, (cur, new) in seg.items() if cents(cur - new) >= D("0.01")
             and (audit["findings"]["mix"].get(k[0]) or {}).get(k[1]) not in (None, {"current": 1.0})}
    assert set(routing) == moved
    for key, f in routing.items():
        cur, new = seg[key]
        assert (D(str(f["current_monthly_usd"])), D(str(f["monthly_usd"]))) == (cents(cur), cents(cur - new)), key
        assert f"cost {money(cur)} a month" in f["text"] and f"saves {money(cur - new)} a month" in f["text"]
    return routing


def check_spend_tables_add_up(audit: dict, month_total: str, invoiced_total: str) -> None:
    """Every spend table of the report ends in a Total row (set in bold, and only it) that its rows add up to; a table
    of one row has none (it would only repeat it)."""
    tables = report_tables(audit["html"])
    headers = [("Month", "Requests"), ("Provider", "Requests / month"), ("Provider", "Model", "Tier"),
               ("Task type", "Requests / month"), ("Input length", "Requests / month"), ("Provider", "Model", "Months")]
    totals = 0
    for header in headers:
        rows = table_with(tables, *header)
        if len(rows) == 1:
            total = rows[0]
        else:
            assert rows[-1][header[0]] == "Total", header
            total, totals = rows[-1], totals + 1
            for column in ("Requests", "Requests / month", "Priced traffic", "Cost / month", "Failed calls / month",
                           "Invoiced"):
                if column in total:
                    assert sum(amount(r[column]) for r in rows[:-1]) == amount(total[column]), (header, column)
        assert total.get("Cost / month", total.get("Priced traffic", month_total)) == month_total, header
        assert total.get("Invoiced", invoiced_total) == invoiced_total, header
    assert audit["html"].count('<tr class="rk-total">') == totals


def by_model_shown(audit: dict) -> dict[tuple[str, str], str]:
    """The report's cost per (provider, model), its Total row apart."""
    return {(r["Provider"], r["Model"]): r["Cost / month"]
            for r in table_with(report_tables(audit["html"]), "Provider", "Model", "Tier")}


def within_a_cent(shown: str, exact: D) -> bool:
    """A row of a table rounded to add up to its total is within a cent of its exact amount."""
    return abs(amount(shown) - exact) < D("0.01")


# The risk model's defaults (README, simulate): long inputs raise the failure odds on the lower tiers by k, so
# q' = k·q / (1 - q + k·q); flagship and reasoning 1.0.
LONG_INPUT_ODDS = {"budget": {"16k-64k": 1.5, "64k+": 2.0}, "mid": {"16k-64k": 1.2, "64k+": 1.5}}


def shipped_priors() -> dict[tuple[str, str], float]:
    """routekit/data/quality_priors.csv's mean failure rate per (task type, tier): with no evals.csv (none of the
    samples has one) the posterior mean is the prior's."""
    with open(ROOT / "routekit" / "data" / "quality_priors.csv", encoding="utf-8") as fh:
        return {(r["task_type"], r["tier"]): float(r["failure_rate"]) for r in csv.DictReader(fh)}


def check_risk(audit: dict, calls) -> tuple[float, int]:
    """findings.json's extra failures a month and extra-failure rate against a recount over the answered calls:
    F = sum over calls of sum over the mix's tiers of share × q'(task, tier, input length), less the same with each
    call on its current tier (a model with no tier counts as flagship). A failed call had no answer to fail and
    routing it elsewhere changes nothing, so it is in neither. The rate must keep within the audit's risk budget.
    Returns (extra failures, answered calls); the logs of every sample are one whole month, so a month is the log."""
    priors, mix = shipped_priors(), audit["findings"]["mix"]

    def q(task, tier, length):
        base, k = priors[(task, tier)], LONG_INPUT_ODDS.get(tier, {}).get(length, 1.0)
        return k * base / (1 - base + k * base)

    extra, answered = 0.0, 0
    for _, _, ok, request_id, (uncached, read, write, _), _, _ in calls:
        if not ok:
            continue
        answered += 1
        task, length = audit["task_of"][request_id], bucket(uncached + read + write)
        today = q(task, audit["tier_of"][request_id] or "flagship", length)
        shares = (mix.get(task) or {}).get(length) or {"current": 1}
        extra += sum(share * (today if tier == "current" else q(task, tier, length))
                     for tier, share in shares.items()) - today
    s = audit["findings"]["summary"]
    # to the shown places (a float sum in another order may differ in the last bit, never by a unit shown)
    assert abs(s["extra_failures_per_month"] - extra) <= 0.005 + 1e-9
    assert abs(s["extra_failure_rate"] - extra / answered) <= 5e-7 + 1e-12
    assert extra / answered <= audit["findings"]["params"]["risk_budget"] + 1e-9
    return extra, answered

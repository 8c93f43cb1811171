"""The audit report: everything `notebooks/audit.ipynb` shows, computed here so the notebook stays thin.

``run_audit`` opens the client (ingest + build, one DuckDB per client), runs the optimizer within the risk budget and
gathers the spend tables, the findings ranked by dollar impact, the frontier, the reconciliation and the data
appendix into one :class:`Audit`. ``write_outputs`` writes the machine-readable files (findings.json, the recommended
policy as YAML, the routing table as JSON); the ``show_*`` functions display each section in a notebook.

Confidentiality: nothing here reads prompt or response text, API keys or user ids into the report unless
``include_prompts`` is set (then a few truncated example prompts per task type are shown, nothing else). Findings
carry no timestamps and are sorted, so the same inputs give an identical findings.json.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from routekit.exports import check_line, routing_inputs, routing_table
from routekit.report_tables import round_to_total, with_total
from routekit.report_text import money as _money

TIER_ORDER = ("budget", "mid", "flagship", "reasoning")
# the amounts of the spend tables and their decimal places, rounded so that the rows add up to the total row
SPEND_AMOUNTS = {"requests": 0, "priced_usd": 2, "billed_usd": 2, "requests_per_month": 1, "monthly_usd": 2,
                 "failed_calls_per_month": 1}
TASK_NOUNS = {"summarization": "summaries", "classification": "classifications", "extraction": "extractions",
              "qa": "question answering", "rewrite": "rewrites", "drafting": "drafts", "chat": "chat turns",
              "code_generation": "code generation", "code_review": "code reviews", "reasoning": "reasoning tasks",
              "agentic": "agent steps", "creative": "creative writing", "other": "other requests"}
LENGTH_WORDS = {"<1k": "under 1k tokens", "1k-4k": "of 1k-4k tokens", "4k-16k": "of 4k-16k tokens",
                "16k-64k": "of 16k-64k tokens", "64k+": "over 64k tokens", "unknown": "of unknown length"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


class AuditError(ValueError):
    """The client folder cannot be audited (e.g. no usable export at all)."""


@dataclass
class Audit:
    client: str
    params: dict
    summary: dict
    data: dict                                   # what the folder holds: calls / usage / invoice rows
    spend: dict = field(default_factory=dict)    # name -> list of records (monthly, by provider, model, task, length)
    findings: list = field(default_factory=list)
    frontier: list = field(default_factory=list)
    current_point: dict | None = None
    recommended_point: dict | None = None
    mix: dict = field(default_factory=dict)
    policy_yaml: dict | None = None
    routing: dict | None = None
    reconciliation: list = field(default_factory=list)
    appendix: dict = field(default_factory=dict)
    method: dict = field(default_factory=dict)
    coverage: list = field(default_factory=list)  # what can be said, and which exports would sharpen it
    examples: dict = field(default_factory=dict)  # include_prompts only
    failed_only_segments: list = field(default_factory=list)  # (task type, input length) of failed calls alone
    policy_given: dict | None = None              # audit --policy FILE, as read (Policy.to_yaml)
    cascades: list = field(default_factory=list)  # the recommended mix's cascades (RiskResult.cascades)


def _r(value, places=2):
    if value is None:
        return None
    value = float(value)
    return 0.0 if value == 0 else round(value, places)


def _scrub(text):
    """No e-mail address reaches a report, whatever string carries it."""
    return EMAIL.sub("[e-mail removed]", text) if isinstance(text, str) else text


# -- computing --------------------------------------------------------------------------------------------------
def check_risk_budget(risk_budget, name: str = "risk_budget") -> None:
    """The recommended mix's max extra-failure rate: a share of requests (0.02, not 2 for 2 %; NaN refused). `name`:
    what the caller calls it (the CLI's --risk-budget, the notebook's risk_budget)."""
    if not 0 <= float(risk_budget) <= 1:
        raise AuditError(f"{name} {risk_budget}: expected a share of requests between 0 and 1")


def run_audit(client_dir, *, policy=None, risk_budget: float = 0.02, price_date=None, include_prompts=False,
              db=None) -> Audit:
    from routekit.config import load_config
    from routekit.engine import open_built, table_records
    from routekit.prices import checked_price_date, price_day
    from routekit.quality import QualityModel, RiskEngine
    from routekit.scenario import Simulator, load_cube, load_policy, load_tier_latency
    from routekit.sources.base import CUT_SHORT

    client = Path(client_dir)
    if not client.is_dir():
        raise AuditError(f"{client_dir}: no such client folder")
    check_risk_budget(risk_budget)
    on = checked_price_date(price_date)   # refused as the CLI's --date is (the notebook passes a string)
    config = load_config(client)
    base = load_policy(policy, config) if policy else None
    con, info, catalog, tiers = open_built(client, db, config=config)
    try:
        q = lambda sql, exact=False: table_records(con, sql, exact)   # noqa: E731
        counts = con.execute("""SELECT (SELECT count(*) FROM calls), (SELECT count(*) FROM usage),
                                       (SELECT count(*) FROM invoice),
                                       (SELECT count(*) FROM int_calls WHERE status = 'error')""").fetchone()
        data = {"calls": counts[0], "usage_rows": counts[1], "invoice_lines": counts[2], "failed_calls": counts[3],
                "evals": (client / "evals.csv").is_file(),
                # providers whose traffic, in some month, is known from usage exports alone (mart_cube)
                "usage_only_providers": [r[0] for r in con.execute(
                    """SELECT DISTINCT coalesce(provider, '?') FROM mart_cube WHERE calls IS NULL ORDER BY 1"""
                ).fetchall()] if counts[0] else []}
        rows, projection = load_cube(con)
        latency = load_tier_latency(con)
        factor = float(projection.factor) if projection else 1.0
        spend = {
            "by_month": q("""
                WITH t AS (SELECT month::DATE AS month, sum(cost_usd) AS priced_usd,
                                  sum(requests - coalesce(errors, 0)) AS requests
                           FROM mart_cube GROUP BY ALL),
                     b AS (SELECT date_trunc('month', charge_period_start)::DATE AS month, sum(billed_usd) AS billed_usd
                           FROM invoice GROUP BY ALL)
                SELECT coalesce(t.month, b.month) AS month, t.requests, t.priced_usd, b.billed_usd
                FROM t FULL OUTER JOIN b ON t.month = b.month ORDER BY 1""", exact=True),
            # requests are the calls that were answered (and usage's requests); failed calls are counted apart, and
            # a group with nothing but failed calls is no spend: it is listed under failed_calls, not at $0.00
            **{name: q(f"""SELECT {keys}, sum(requests - coalesce(errors, 0)) * {factor} AS requests_per_month,
                                  sum(cost_usd) * {factor} AS monthly_usd,
                                  coalesce(sum(errors), 0) * {factor} AS failed_calls_per_month
                           FROM mart_cube GROUP BY ALL
                           HAVING sum(requests - coalesce(errors, 0)) > 0 OR coalesce(sum(cost_usd), 0) <> 0
                           ORDER BY monthly_usd DESC NULLS LAST, {order}""", exact=True)
               for name, keys, order in (("by_provider", "provider", "provider"),
                                         ("by_model", "provider, model, coalesce(tier, 'unmapped') AS tier",
                                          "provider, model"),
                                         ("by_task_type", "task_type", "task_type"),
                                         ("by_length", "len_in AS input_length", "input_length"))},
            "invoice_by_provider_model": q("""
                SELECT provider, coalesce(model, '(non-token charges)') AS model,
                       count(DISTINCT date_trunc('month', charge_period_start)) AS months,
                       sum(billed_usd) AS billed_usd
                FROM invoice GROUP BY ALL ORDER BY billed_usd DESC NULLS LAST, provider, model""", exact=True),
        }
        # failed calls per model id, as a share of all the calls to that model under any of its ids: a failed OTel
        # span names the model requested ("gpt-5-mini"), an answered one the snapshot that answered
        # ("gpt-5-mini-2025-08-07"), and globex's 30 failures read "100.0 % of its calls" for 30 of 1,335
        ids = q(f"""WITH c AS (SELECT c.provider, c.model, c.status, c.cost_usd, coalesce(t.normalised, c.model) AS family
                              FROM int_calls c LEFT JOIN model_tiers t
                                   ON t.model = c.model AND t.provider IS NOT DISTINCT FROM c.provider)
                    SELECT provider, model, any_value(family) AS family,
                           count(*) FILTER (status = 'error') * {factor} AS failed_calls_per_month,
                           count(*) FILTER (status = 'error')
                               / sum(count(*)) OVER (PARTITION BY provider, any_value(family)) AS share_of_calls,
                           sum(cost_usd) FILTER (status = 'error') * {factor} AS monthly_usd,
                           count(*) FILTER (status IS DISTINCT FROM 'error') AS answered
                    FROM c GROUP BY provider, model
                    ORDER BY failed_calls_per_month DESC, provider, model""", exact=True)
        spend["failed_calls"] = [{k: r[k] for k in ("provider", "model", "failed_calls_per_month", "share_of_calls",
                                                    "monthly_usd")} for r in ids if r["failed_calls_per_month"]]
        _fold_failed_only_ids(spend["by_model"], ids)
        billed_total = sum((r["billed_usd"] or 0) for r in spend["by_month"])
        for name in ("by_month", "by_provider", "by_model", "by_task_type", "by_length", "invoice_by_provider_model"):
            # rounded so that each table's rows add up to its total row (report_tables.with_total)
            spend[name] = round_to_total(spend[name], SPEND_AMOUNTS)
        for r in spend["failed_calls"]:
            r["failed_calls_per_month"] = _r(r["failed_calls_per_month"], 1)
            r["share_of_calls"] = _r(r["share_of_calls"], 6)
            # not to the cent: a failed call billed a fraction of a cent is still billed (_show_failed_calls)
            r["monthly_usd"] = _r(r["monthly_usd"], 6)
        # task type × input length holding failed calls only (no tokens, no cost): nothing there to route
        failed_only = [tuple(r) for r in con.execute(
            """SELECT task_type, len_in FROM mart_cube GROUP BY ALL
               HAVING sum(calls) = sum(errors) AND coalesce(sum(cost_usd), 0) = 0 ORDER BY ALL""").fetchall()]
        routing_data = routing_inputs(con)
        current_by_segment = routing_data.current
        reconciliation = q("""SELECT provider, month, model, calls, logs_priced_usd, usage_priced_usd, billed_usd,
                                     gap_usd, log_coverage, likely_causes FROM mart_reconcile""")
        # the invoice against the logs' own days (whole UTC days, as mart_cube's window): two weeks of logs against a
        # month's bill are compared like for like where the bill is itemised by day (_log_coverage)
        window_billing = q("""
            WITH w AS (SELECT date_trunc('day', min(ts)) AS lo, date_trunc('day', max(ts)) + INTERVAL 1 DAY AS hi
                       FROM int_calls)
            SELECT i.provider, strftime(i.charge_period_start, '%Y-%m') AS month, any_value(w.lo) AS lo,
                   any_value(w.hi) AS hi,
                   coalesce(sum(i.billed_usd) FILTER (i.charge_period_start >= w.lo AND i.charge_period_end <= w.hi),
                            0) AS inside_usd,
                   -- a line over a window edge (a monthly bill) cannot be cut to the logs' days
                   count(*) FILTER (i.charge_period_start < w.lo AND i.charge_period_end > w.lo
                                    OR i.charge_period_start < w.hi AND i.charge_period_end > w.hi) AS straddling
            FROM invoice i, w WHERE w.lo IS NOT NULL GROUP BY ALL""", exact=True)
        files = q("""SELECT path, format, target, rows_read, rows_loaded, rows_rejected, skipped_reason, note
                     FROM ingested_files ORDER BY path""")
        failed = q("SELECT path, reason FROM ingest_failures ORDER BY path")
        # loaded up to where their download or copy stopped (ingest rejects the cut by its line)
        cut = table_records(con, f"""SELECT _source_file AS path, _source_row AS cut_at FROM rejects
                                     WHERE starts_with(reason, '{CUT_SHORT}') ORDER BY path""")
        rejects = q("""SELECT _source_file AS file, reason, count(*) AS rows FROM rejects
                       GROUP BY ALL ORDER BY rows DESC, file, reason""")
        # with each model's failed calls: a model logged only by its failures reads "30 calls, 30 failed, $0.00"
        models = q("""SELECT m.provider, m.model, m.tier, m.calls, f.failed_calls, m.calls_cost_usd, m.usage_rows,
                             m.usage_cost_usd, m.billed_usd, m.priced, m.priced_as, m.price_source
                      FROM mart_models m
                      LEFT JOIN (SELECT provider, model, count(*) FILTER (status = 'error') AS failed_calls
                                 FROM int_calls GROUP BY ALL) f
                             ON f.provider IS NOT DISTINCT FROM m.provider AND f.model = m.model
                      ORDER BY coalesce(m.calls_cost_usd, 0) + coalesce(m.usage_cost_usd, 0) DESC, m.provider,
                               m.model""")
        examples = {}
        if include_prompts and data["calls"]:
            for r in q("""SELECT task_type, list(left(user_prompt, 200) ORDER BY user_prompt)[1:3] AS prompts
                          FROM (SELECT DISTINCT c.task_type, k.user_prompt FROM int_calls c
                                JOIN calls k USING (_source_file, _source_row) WHERE k.user_prompt IS NOT NULL)
                          GROUP BY ALL ORDER BY ALL"""):
                examples[r["task_type"]] = r["prompts"]
    finally:
        con.close()

    for r in reconciliation:
        r["likely_causes"] = [_scrub(c) for c in r["likely_causes"] or []]
    rejects = [{**r, "reason": _scrub(r["reason"])} for r in rejects]
    billed_months = sum(1 for r in spend["by_month"] if r["billed_usd"])
    audit = Audit(client=config.display_name(client),   # routekit.yaml's `client:` (it was documented, never read)
                  params={"risk_budget": float(risk_budget), "price_date": price_date,
                          "policy": Path(policy).name if policy else None, "include_prompts": bool(include_prompts)},
                  summary={}, data=data, spend=spend, reconciliation=reconciliation, examples=examples,
                  failed_only_segments=failed_only, policy_given=base.to_yaml() if base else None)
    audit.appendix = {
        "files": files, "failed_files": failed, "cut_files": cut, "rejects": rejects,
        "unpriced_models": sorted({m for _, m in info.unpriced}),
        "unmapped_models": sorted({m for _, m in info.unmapped}),
        "models": models,
        "log_coverage": _log_coverage(reconciliation, window_billing),
        "projection": projection.to_json() if projection else None,
    }
    no_data = not any(data[k] for k in ("calls", "usage_rows", "invoice_lines"))
    audit.summary = {
        "no_data_reason": no_data_reason(files, failed, rejects) if no_data else None,
        "traffic": ("call logs" if data["calls"] else "aggregated usage" if data["usage_rows"]
                    else "invoices only" if data["invoice_lines"] else "no usable export"),
        "invoice_monthly_usd": _r(billed_total / billed_months) if billed_months else None,
        "invoice_total_usd": _r(billed_total) if billed_months else None,
        "current_monthly_usd": None, "prices_as_of": None, "recommended_monthly_usd": None, "savings_usd": None,
        "savings_pct": None, "unsized_usage_monthly_usd": None,
        "extra_failure_rate": None, "extra_failures_per_month": None, "risk_interval": None, "feasible": None,
    }

    if rows:
        from routekit.optimize import optimize

        from routekit.db import default_db_path
        from routekit.judge_calls import JudgeCalls

        sim = Simulator(rows, projection, catalog, tiers.representatives, on=on,
                        judge_calls=JudgeCalls(db or default_db_path(client)))
        if base is not None:
            check_policy_priced(sim, base)

        def tier_of(model):
            found = tiers.tier_of(model)
            return found.tier if found else None

        quality = QualityModel.load(client, config, tier_of=tier_of, known_task_types={r.task_type for r in rows})
        engine = RiskEngine(sim.cost_cube(base), quality, observed_latency_ms=latency)
        plan = optimize(engine, float(risk_budget), base.cascade if base else None)
        rec = plan.policy(base, name=f"recommended: extra-failure rate <= {float(risk_budget):g}")
        rec.tiers = {**sim.representatives, **rec.tiers}
        result = sim.evaluate(rec, escalation=quality.escalation)
        engine2 = RiskEngine(sim.cost_cube(rec), quality, observed_latency_ms=latency)
        risk = engine2.evaluate(engine2.mix_of(rec))
        per_row = engine2.segments_json(risk)
        for seg in result["segments"]:
            seg.update(per_row.get((seg["task_type"], seg["len_in"], seg["len_out"]), {}))
        rj = risk.to_json()
        audit.summary.update({
            "current_monthly_usd": _r(result["baseline_monthly_cost_usd"]),
            # without a price date, the run's own (UTC; the catalog's quote for no date): the report names it, as
            # "today's prices" on a printed report left the reader to guess the day, and the figures move with it
            # (OpenRouter's rates changed three times in six weeks of the sample's catalog)
            "prices_as_of": str(price_day(on)),
            "recommended_monthly_usd": _r(result["monthly_cost_usd"]),
            "all_flagship_monthly_usd": _r(result["all_flagship_monthly_cost_usd"]),
            "savings_usd": _r(result["savings_usd"]),
            "savings_pct": _r(result["savings_pct"], 1),
            "unsized_usage_monthly_usd": _r(result["unsized_usage_monthly_cost_usd"]),
            "extra_failure_rate": _r(risk.extra_failure_rate, 6),
            "extra_failures_per_month": _r(rj["extra_failures_per_month"]),
            "risk_interval": [_r(v) for v in rj["interval"]],
            "feasible": bool(plan.feasible),
            "tiers": dict(sorted(rec.tiers.items())),
        })
        audit.mix = plan.mix()
        audit.frontier = plan.frontier
        audit.current_point = {"monthly_cost_usd": _r(result["baseline_monthly_cost_usd"]), "extra_failure_rate": 0.0}
        audit.recommended_point = {"monthly_cost_usd": _r(result["monthly_cost_usd"]),
                                   "extra_failure_rate": _r(risk.extra_failure_rate, 6)}
        audit.policy_yaml = rec.to_yaml()
        audit.cascades = risk.cascades
        audit.findings = _routing_findings(result["segments"], audit.mix, current_by_segment, quality.settings,
                                           rec.tiers, sim.segment_costs(rec, escalation=quality.escalation))
        audit.routing = routing_table(audit.mix, current_by_segment, rec.tiers, routing_data.max_tokens,
                                      routing_data.overall, result["segments"], routing_data.reasoning,
                                      thinking=routing_data.thinking,
                                      tier_map=tiers, catalog=catalog, cascades=rec.cascade)
        audit.method = {"risk": rj["method"], "priors": quality.priors_source,
                        "evals": "evals.csv" if quality.evidence else None,
                        "bands": quality.settings.bands,
                        "optimizer": "lower convex hull of each segment's options in (failures, cost), walked in "
                                     "order of saving per added failure until the risk budget is spent",
                        "projection": projection.method if projection else None}
    else:
        audit.method = {"risk": None, "priors": "routekit/data/quality_priors.csv",
                        "projection": None}
    if data["calls"] or data["usage_rows"]:
        audit.findings += _billing_findings(reconciliation)
    else:
        audit.findings += _invoice_findings(spend["invoice_by_provider_model"])
    audit.findings.sort(key=lambda f: (-abs(f["monthly_usd"]), f["id"]))
    for i, f in enumerate(audit.findings, 1):
        f["rank"] = i
    audit.coverage = _coverage(audit)
    return audit


def _fold_failed_only_ids(by_model: list[dict], ids: list[dict]) -> None:
    """A model id logged only by failed calls (an OTel span that failed names the model asked for, "gpt-5-mini",
    while the answered ones name the snapshot, "gpt-5-mini-2025-08-07") adds its failures to the row of the same
    model (normalised id) in the by-model table: else that table's failed calls (17 for globex) disagreed with the
    provider, task and length tables' (86). An id with no answered sibling stays in the failed-calls table alone."""
    family = {(r["provider"], r["model"]): r["family"] for r in ids}
    rows = {}
    for r in by_model:   # largest cost first: the family's main row takes its failures
        rows.setdefault((r["provider"], family.get((r["provider"], r["model"]))), r)
    for r in ids:
        target = rows.get((r["provider"], r["family"]))
        failed = r["failed_calls_per_month"]
        if r["answered"] == 0 and failed and target is not None and target["model"] != r["model"]:
            target["failed_calls_per_month"] = (target["failed_calls_per_month"] or 0) + failed


def check_policy_priced(sim, policy) -> None:
    """Refuse a policy naming a tier whose representative has no price (PolicyError, one line), with simulate's own
    check. The audit optimizes the mix, so every tier the policy names is a candidate, not only those its mix uses:
    the optimizer would otherwise drop the tier without a word and the report would look complete."""
    from dataclasses import replace
    from decimal import Decimal

    named = {tier: Decimal(1) for tier in policy.tiers}
    sim.check_priced(replace(policy, default={**(policy.default or {}), **named}),
                     {**sim.representatives, **policy.tiers})


def no_data_reason(files, failed, rejects, shown: int = 3) -> str:
    """Why a folder gave nothing to audit, in one line (batch prints it beside the client): the files and what
    became of each, from the data appendix's own records."""
    first_reject = {}
    for r in rejects:   # sorted by rows: the commonest reason per file first
        first_reject.setdefault(r["file"], r["reason"])
    parts = [f"{f['path']} could not be loaded ({f['reason']})" for f in failed]
    for f in files:
        if f["skipped_reason"]:
            parts.append(f"{f['path']} ({f['skipped_reason']})")
        elif f["rows_read"] and not f["rows_loaded"]:
            parts.append(f"{f['path']}: all {f['rows_read']:,} row(s) rejected"
                         + (f" ({first_reject[f['path']]})" if f["path"] in first_reject else ""))
        else:
            parts.append(f"{f['path']}: no rows")
    if not parts:
        return "no files in the folder"
    more = f"; and {len(parts) - shown} more file(s)" if len(parts) > shown else ""
    return "no usable export: " + "; ".join(parts[:shown]) + more


def _log_coverage(reconciliation, window_billing=()):
    """Priced call logs ÷ invoice, over the provider months the logs cover: an invoice reaching back before the logs
    started says nothing about how complete they are (a month of logs against a quarter's invoice read as 33 %), nor
    does the bill of a provider whose traffic no log shows. Those billed months are named instead, with their amount.
    A logged call with no provider covers its month for every provider (as in mart_cube).

    Logs of part of a month (a two-week sample) against that month's bill read as half explained. Where the bill is
    itemised by day (``window_billing``: per provider month, what was billed within the logs' days and whether a line
    crosses their edges), the bill of the logs' own days is compared instead (``days_compared``); a bill in whole
    months cannot be cut, and the months the logs cover in part are named (``months_logged_in_part``)."""
    logged = {(r["provider"], r["month"][:7]) for r in reconciliation if r["logs_priced_usd"] is not None}
    anyone = {m for p, m in logged if p is None}

    def covered(r):
        return (r["provider"], r["month"][:7]) in logged or r["month"][:7] in anyone

    billed = sum((r["billed_usd"] or 0) for r in reconciliation if covered(r))
    logs = sum((r["logs_priced_usd"] or 0) for r in reconciliation if covered(r) and r["billed_usd"])
    unlogged = [r for r in reconciliation if r["billed_usd"] and not covered(r)]
    out = {"months_compared": [_provider_month(p, m) for p, m in sorted(logged, key=lambda k: (k[1], k[0] or ""))],
           "billed_usd": _r(billed), "logs_priced_usd_where_billed": _r(logs),
           "coverage": _r(logs / billed, 4) if billed else None,
           "billed_months_without_logs": sorted({_provider_month(r["provider"], r["month"][:7]) for r in unlogged},
                                                key=lambda t: (t.split()[-1], t)),
           "billed_usd_without_logs": _r(sum(r["billed_usd"] for r in unlogged)),
           "days_compared": None, "billed_usd_on_days_without_logs": None, "months_logged_in_part": []}
    window = [w for w in window_billing if covered(w)]
    if not window or not billed:
        return out
    lo, hi = (dt.datetime.fromisoformat(window[0][k]) for k in ("lo", "hi"))
    part = [m for m in sorted({w["month"] for w in window})
            if lo > _month_start(m) or hi < _month_start(m, 1)]
    if not part:   # the logs cover every day of the months compared
        return out
    if not any(w["straddling"] for w in window):
        inside = sum(float(w["inside_usd"]) for w in window)
        out.update(billed_usd=_r(inside), coverage=_r(logs / inside, 4) if inside else None,
                   days_compared=f"{lo:%Y-%m-%d} to {hi - dt.timedelta(days=1):%Y-%m-%d}",
                   billed_usd_on_days_without_logs=_r(billed - inside))
    else:
        out["months_logged_in_part"] = [
            f"{m} ({(min(hi, _month_start(m, 1)) - max(lo, _month_start(m))).days} of "
            f"{(_month_start(m, 1) - _month_start(m)).days} days)" for m in part]
    return out


def _month_start(month: str, ahead: int = 0) -> dt.datetime:
    """The first moment of a 'YYYY-MM' month, or of the month ``ahead`` months later."""
    year, mon = int(month[:4]), int(month[5:7]) + ahead
    return dt.datetime(year + (mon - 1) // 12, (mon - 1) % 12 + 1, 1)


def _provider_month(provider, month: str) -> str:
    return f"{provider or 'any provider'} {month}"


def _log_coverage_text(cov) -> str:
    """The appendix line: what was compared with what, over which months, and which billed months had no logs."""
    if not cov["months_compared"]:
        return "no call logs to compare with the invoice"
    window = _months_text(cov["months_compared"])
    if cov["coverage"] is None and cov.get("days_compared"):
        text = (f"no invoice line for the days the logs cover ({cov['days_compared']}; {window}); "
                f"{_money(cov['billed_usd_on_days_without_logs'])} billed on the other days of those months")
    elif cov["coverage"] is None:
        text = f"no invoice for the months the logs cover ({window})"
    elif cov.get("days_compared"):
        text = (f"{cov['coverage']:.1%} over the days the logs cover ({cov['days_compared']}; {window}): "
                f"{_money(cov['logs_priced_usd_where_billed'])} of logs at list price against "
                f"{_money(cov['billed_usd'])} billed on those days; "
                f"{_money(cov['billed_usd_on_days_without_logs'])} billed on the other days of those months")
    else:
        text = (f"{cov['coverage']:.1%} over the months the logs cover ({window}): "
                f"{_money(cov['logs_priced_usd_where_billed'])} of logs at list price against "
                f"{_money(cov['billed_usd'])} billed")
        if cov.get("months_logged_in_part"):
            text += (f", though the logs cover only part of {', '.join(cov['months_logged_in_part'])} and the "
                     "invoice bills whole months")
    if cov["billed_months_without_logs"]:
        text += (f"; not compared: {_months_text(cov['billed_months_without_logs'])}, billed "
                 f"{_money(cov['billed_usd_without_logs'])} with no call logs")
    return text


def _months_text(months: list[str]) -> str:
    return ", ".join(months)


def _share_text(shares: dict, tiers: dict) -> str:
    parts = []
    for opt, s in sorted(shares.items(), key=lambda kv: (-kv[1], kv[0])):
        name = "today's models" if opt == "current" else (f"the {opt} tier ({tiers[opt]})" if opt in tiers
                                                           else f"the {opt}")
        parts.append(f"{s:.0%} to {name}" if s < 0.9995 else f"all to {name}")
    return ", ".join(parts)


def _routing_findings(segments, mix, current, settings, tiers, exact) -> list[dict]:
    """One finding per task type × input length the recommended mix moves. ``exact``: Simulator.segment_costs, the
    unrounded (current, recommended) cost of each segment: a finding's dollars are their sum, rounded once (the sum
    of the segments' cent-rounded costs was a cent or two off, and showed a $0.004 saving as $0.01)."""
    from decimal import Decimal

    from routekit.prices import to_cent

    agg = {}
    for s in segments:
        key = (s["task_type"], s["len_in"])
        a = agg.setdefault(key, {"requests": 0.0, "base": Decimal(0), "cost": Decimal(0), "extra": 0.0,
                                 "evidence": set()})
        n = s.get("requests_per_month") or 0.0
        a["requests"] += n
        base, cost = exact.get((s["task_type"], s["len_in"], s["len_out"]), (Decimal(0), Decimal(0)))
        a["base"] += base
        a["cost"] += cost
        a["extra"] += (s.get("extra_failure_rate") or 0.0) * n
        if s.get("evidence"):
            a["evidence"].add(s["evidence"])
    out = []
    for (task, len_in), a in sorted(agg.items()):
        # the saving is shown without the recommended cost beside it: its own exact value, rounded
        saving = float(to_cent(a["base"] - a["cost"]))
        a["base"], a["cost"] = float(to_cent(a["base"])), float(to_cent(a["cost"]))
        shares = (mix.get(task) or {}).get(len_in)
        if saving < 0.005 or not shares or shares == {"current": 1.0}:
            continue
        rate = a["extra"] / a["requests"] if a["requests"] else 0.0
        band = settings.band(rate)
        cur = current.get((task, len_in), {"tiers": {}, "models": {}})
        top_tier = max(sorted(cur["tiers"].items()), key=lambda kv: kv[1])[0] if cur["tiers"] else "unknown"
        top_models = [m for m, _ in sorted(cur["models"].items(), key=lambda kv: (-kv[1], kv[0]))[:2]]
        # the tiers of the models named: "on a mid model (gpt-5-mini, claude-sonnet-4-5)" called a flagship model mid
        named = list(dict.fromkeys((cur.get("model_tiers") or {}).get(m, top_tier) for m in top_models)) or [top_tier]
        on = (f"{_article(named[0])} {named[0]} model" if len(top_models) <= 1
              else f"{named[0]} models" if len(named) == 1 else f"{named[0]} and {named[1]} models")
        noun = TASK_NOUNS.get(task, task)
        risk_word = {"green": "low", "amber": "moderate", "red": "high"}.get(band, band)
        text = (f"{noun.capitalize()} {LENGTH_WORDS.get(len_in, len_in)} on {on} "
                f"({', '.join(top_models)}) cost ${a['base']:,.2f} a month; routing {_share_text(shares, tiers)} "
                f"saves ${saving:,.2f} a month at {risk_word} risk ({a['extra']:+,.1f} failures a month, "
                f"{rate:+.2%} of these requests).")
        out.append({
            "id": f"route:{task}:{len_in}", "kind": "routing", "task_type": task, "input_length": len_in,
            "monthly_usd": _r(saving), "current_monthly_usd": _r(a["base"]), "recommended_monthly_usd": _r(a["cost"]),
            "requests_per_month": _r(a["requests"], 1), "current_tier": top_tier, "current_models": top_models,
            "recommended_mix": {k: v for k, v in sorted(shares.items())},
            "extra_failures_per_month": _r(a["extra"]), "extra_failure_rate": _r(rate, 6), "risk_band": band,
            "evidence": "; ".join(sorted(a["evidence"])) or "priors", "text": text})
    return out


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _billing_findings(reconciliation) -> list[dict]:
    agg = {}
    for r in reconciliation:
        if r["gap_usd"] is None or r["billed_usd"] is None:
            continue
        # A month no traffic export covers is missing data (the reconciliation and appendix say so), not a billing
        # gap: counting it would present a whole unlogged invoice as money to recover.
        if r.get("logs_priced_usd") is None and r.get("usage_priced_usd") is None:
            continue
        a = agg.setdefault(r["provider"] or "-", {"gap": 0.0, "billed": 0.0, "months": set(), "causes": set()})
        a["gap"] += r["gap_usd"]
        a["billed"] += r["billed_usd"]
        a["months"].add(r["month"][:7])
        a["causes"].update(r["likely_causes"] or [])
    out = []
    for provider, a in sorted(agg.items()):
        months = max(len(a["months"]), 1)
        gap = a["gap"] / months
        if abs(gap) < 1 or abs(a["gap"]) < 0.02 * a["billed"]:
            continue
        out.append({"id": f"billing:{provider}", "kind": "billing_gap", "provider": provider,
                    "monthly_usd": _r(gap), "risk_band": None,
                    "evidence": "; ".join(sorted(a["causes"])) or "invoice vs priced usage and logs",
                    "text": f"{provider}: the invoice is ${abs(gap):,.2f} a month {'above' if gap > 0 else 'below'} "
                            f"what the usage exports and logs explain at list prices "
                            f"(over the {months} month(s) they cover); see the reconciliation."})
    return out


def _invoice_findings(lines) -> list[dict]:
    """Invoices only: where the money goes, per provider and model (what to look at first once logs exist)."""
    total = sum((r["billed_usd"] or 0) for r in lines)
    out = []
    for r in lines:
        if not r["billed_usd"] or r["billed_usd"] < 0.01:
            continue
        monthly = r["billed_usd"] / max(r["months"] or 1, 1)
        out.append({"id": f"invoice:{r['provider']}:{r['model']}", "kind": "invoice_spend",
                    "provider": r["provider"], "model": r["model"], "monthly_usd": _r(monthly), "risk_band": None,
                    "evidence": "invoice lines only",
                    "text": f"{r['model']} ({r['provider']}) is billed ${monthly:,.2f} a month "
                            f"({r['billed_usd'] / total:.0%} of the invoices): without call logs or usage exports "
                            "the traffic behind it cannot be routed; it is where logs would pay off first."})
    return out


# how mart_cube files aggregated usage rows (they have no text): usage_task_types, through the client's mappings
USAGE_TASK = "as task 'other' unless a project, workspace or API-key mapping in routekit.yaml names its task"


def _unsized_text(audit: Audit) -> str:
    unsized = audit.summary.get("unsized_usage_monthly_usd")
    return (f" Of it, {_money(unsized)} a month comes without request counts: "
            "with no requests there is no failure rate to estimate, so the recommendation keeps it on its current "
            "models." if unsized else "")


def _coverage(audit: Audit) -> list[str]:
    d, out = audit.data, []
    if not d["calls"] and not d["usage_rows"] and d["invoice_lines"]:
        out.append("Only invoices: this report can say what was billed per provider, model and month, not which "
                   "traffic caused it, so no routing recommendation and no quality risk are given.")
        out.append("Would sharpen it: call logs (LiteLLM spend logs, Bedrock invocation logs, OpenTelemetry GenAI "
                   "spans, OpenRouter activity) for task types and request lengths; or the providers' usage exports "
                   "(OpenAI usage API, Anthropic usage report) for requests and tokens per model.")
    elif not d["calls"] and d["usage_rows"]:
        out.append("Aggregated usage only: requests and tokens per model are known, task types and request lengths "
                   f"are not, so the recommendation treats the traffic as of unknown length, {USAGE_TASK}."
                   + _unsized_text(audit))
        out.append("Would sharpen it: call logs (LiteLLM, Bedrock invocation logs, OpenTelemetry GenAI spans, "
                   "OpenRouter activity) so each request gets a task type and a length.")
    if d["calls"] and d.get("usage_only_providers"):
        out.append("Usage exports show traffic the call logs do not ("
                   + ", ".join(d["usage_only_providers"]) + "): it is counted in the spend and the mix with "
                   f"unknown length, {USAGE_TASK}; call logs for it would give it task types and lengths."
                   + _unsized_text(audit))
    cov = audit.appendix.get("log_coverage") or {}
    if d["calls"] and cov.get("coverage") is not None and cov["coverage"] < 0.9:
        # the headline figures come from the logs wherever a provider has any: billed traffic they miss (globex's
        # nightly OpenAI Batch job, in the usage export only) is in none of them, which only the appendix said
        # (per model and whole month: beside a comparison of the logs' own days they would mislead)
        short = [f"{r['provider']} {r['model']}" for r in audit.reconciliation
                 if r.get("log_coverage") is not None and r["log_coverage"] < 0.9 and not cov.get("days_compared")]
        if cov.get("months_logged_in_part"):
            # a bill of whole months against logs of some of their days: the days without logs are the first cause
            out.append(f"The call logs explain {cov['coverage']:.1%} of the invoice over the months they cover "
                       f"({_money(cov['logs_priced_usd_where_billed'])} at list price against "
                       f"{_money(cov['billed_usd'])} billed), but they cover only part of "
                       f"{', '.join(cov['months_logged_in_part'])} and the invoice bills whole months, so the days "
                       "without logs explain much of the difference; the monthly figures project the logs' own "
                       "days. Beyond that, billed traffic the logs miss (a batch job, a service that does not log) "
                       "is in none of the figures; see the reconciliation.")
        else:
            over = (f"over the days they cover ({cov['days_compared']}, against the invoice's lines for those days)"
                    if cov.get("days_compared") else "over the months they cover")
            out.append(f"The call logs explain {cov['coverage']:.1%} of the invoice {over} "
                       f"({_money(cov['logs_priced_usd_where_billed'])} at list price against "
                       f"{_money(cov['billed_usd'])} billed"
                       + (f"; under 90 % for {', '.join(short)}" if short else "")
                       + "): billed traffic the logs miss (a batch job, a service that does not log) is not in the "
                         "spend, the current routing or the recommended mix; see the reconciliation.")
    if not d["invoice_lines"]:
        out.append("No invoice: the reconciliation cannot compare list-price estimates with what was billed; the "
                   "providers' cost exports (OpenAI costs, Anthropic cost report, AWS CUR) would add it.")
    if not d["evals"] and (d["calls"] or d["usage_rows"]):
        out.append("No evals.csv: quality risk rests on the public priors alone; the client's own pass/fail counts "
                   "per task type and model would narrow the risk intervals.")
    failed = audit.appendix.get("failed_files") or []
    if failed:
        out.append(f"{len(failed)} file(s) could not be loaded and are not in these figures: "
                   + ", ".join(f["path"] for f in failed) + " (reasons in the data appendix); re-export them.")
    cut = audit.appendix.get("cut_files") or []
    if cut:
        out.append(f"{len(cut)} file(s) were cut short (an interrupted download or copy) and are in these figures "
                   "only up to the cut: " + ", ".join(f"{f['path']} (ends in {f['cut_at']})" for f in cut)
                   + "; copy them again.")
    if not any(d[k] for k in ("calls", "usage_rows", "invoice_lines")):
        out.append("No usable export was found in the folder: see the data appendix for what was read.")
    return out


# -- files ------------------------------------------------------------------------------------------------------
def findings_json(audit: Audit) -> dict:
    """The machine-readable summary: deterministic (no timestamps, sorted keys, fixed order)."""
    return {"client": audit.client, "params": audit.params, "summary": audit.summary, "data": audit.data,
            "coverage": audit.coverage, "findings": audit.findings, "mix": audit.mix,
            "unpriced_models": audit.appendix.get("unpriced_models", []),
            "unmapped_models": audit.appendix.get("unmapped_models", []),
            "log_coverage": audit.appendix.get("log_coverage"), "method": audit.method,
            "policy_given": audit.policy_given, "cascades": audit.cascades}


def write_outputs(audit: Audit, output_dir) -> dict:
    """findings.json, policy.yaml (a `routekit simulate --policy` file) and routing.json in output_dir."""
    import yaml

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"findings": out / "findings.json", "policy": out / "policy.yaml", "routing": out / "routing.json"}
    paths["findings"].write_text(json.dumps(findings_json(audit), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    s = audit.summary
    if audit.policy_yaml is not None:
        header = (f"# routekit audit {audit.client}: recommended mix, extra-failure rate <= "
                  f"{audit.params['risk_budget']:g}\n# monthly cost ${s['recommended_monthly_usd']:,.2f} (current "
                  f"routing ${s['current_monthly_usd']:,.2f})\n" + check_line("policy.yaml", s["prices_as_of"]))
        body = yaml.safe_dump(audit.policy_yaml, sort_keys=False, allow_unicode=True)
    else:
        header = (f"# routekit audit {audit.client}: no traffic to optimize (invoices only): this policy keeps the "
                  "current routing\n")
        body = yaml.safe_dump({"default": {"current": 1.0}}, sort_keys=False)
    paths["policy"].write_text(header + body, encoding="utf-8")
    routing = audit.routing or {"routes": [], "default": {"tier": "current", "model": None, "max_tokens": None},
                                "note": "no call logs or usage: nothing to route"}
    paths["routing"].write_text(json.dumps(routing, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return {k: str(v) for k, v in paths.items()}


# -- display ----------------------------------------------------------------------------------------------------
def _md(text: str):
    from IPython.display import Markdown, display

    display(Markdown(text.replace("$", "\\$")))   # a dollar sign is money here, never LaTeX


def _table(records, columns=None, **layout):
    """A table as a reader sees it (report_tables: human headers, formatted cells, fits the printed page)."""
    from IPython.display import HTML, display

    from routekit.report_tables import table_html

    display(HTML(table_html(records, columns, **layout)))


def _show_fig(fig, alt: str):
    """The chart as an embedded PNG with a text alternative saying what it shows (names and figures, never prompt
    text): displayed as a figure, nbconvert gives every chart the same "No description" alt text."""
    import base64
    import html
    import io

    import matplotlib.pyplot as plt
    from IPython.display import HTML, display

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    display(HTML(f'<img class="rk-chart" src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
                 'style="max-width: 100%">'))


def _bar_alt(records, label, title) -> str:
    shown = [r for r in records if r.get("monthly_usd")][:12]
    return (f"Bar chart: {title.lower()}, in USD per month, largest first: "
            + "; ".join(f"{r[label]} {_money(r['monthly_usd'])}" for r in shown) + ".")


def _pct(v):
    return "-" if v is None else f"{v:.1f} %"




def prompts_banner(client: str) -> str:
    """The warning at the top of a report made with include_prompts: the reader must see it before any content."""
    import html

    return ('<div class="rk-banner" role="alert">Confidential: this report contains client prompt text (made with '
            f"--include-prompts). Do not share it outside {html.escape(client)}.</div>")


def show_summary(audit: Audit) -> None:
    from IPython.display import HTML, display

    from routekit.report_tables import STYLE

    display(HTML(STYLE))   # the report's table and print layout, for every section below
    if audit.params["include_prompts"]:
        display(HTML(prompts_banner(audit.client)))
    s = audit.summary
    lines = [f"# LLM spend audit: {audit.client}", "",
             f"Data: **{s['traffic']}** ({audit.data['calls']:,} calls, {audit.data['usage_rows']:,} usage rows, "
             f"{audit.data['invoice_lines']:,} invoice lines). Risk budget: extra-failure rate at most "
             f"{audit.params['risk_budget']:.2%} of requests."]
    if s["current_monthly_usd"] is not None:
        lo, hi = s["risk_interval"]
        # Both headline figures use one price list, so the saving is the routing's alone; the spend-per-month
        # table prices each call at its own date, so the two differ by any price change since.
        lines += ["", f"- Current routing: **{_money(s['current_monthly_usd'])} a month** at the list prices of "
                      f"{_price_day(audit)} "
                      "(the spend per month below prices each call at its own date)",
                  f"- At the recommended mix: **{_money(s['recommended_monthly_usd'])} a month**, saving "
                  f"**{_money(s['savings_usd'])}** ({_pct(s['savings_pct'])})"
                  + (f" (both include {_money(s['unsized_usage_monthly_usd'])} a month of usage without request "
                     "counts, which stays on its current models)" if s.get("unsized_usage_monthly_usd") else ""),
                  f"- Quality risk: {s['extra_failures_per_month']:+,.1f} failures a month against the current "
                  f"routing (90 % interval {lo:+,.1f} to {hi:+,.1f}), extra-failure rate "
                  f"{s['extra_failure_rate']:.2%}" + ("" if s["feasible"] else " (budget not reachable: safest mix)")]
    if s["invoice_monthly_usd"] is not None:
        lines.append(f"- Invoiced: {_money(s['invoice_monthly_usd'])} a month on average "
                     f"({_money(s['invoice_total_usd'])} in total)")
    if audit.coverage:
        lines += ["", "**What this data can say**", ""] + [f"- {c}" for c in audit.coverage]
    _md("\n".join(lines))


def _bar(records, label, title):
    import matplotlib.pyplot as plt

    recs = [r for r in records if r.get("monthly_usd")][:12][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(recs) + 1.2))
    ax.barh([str(r[label]) for r in recs], [r["monthly_usd"] for r in recs], color="#4a78b5")
    ax.set_xlabel("USD per month")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def show_spend(audit: Audit) -> None:
    import matplotlib.pyplot as plt

    sp = audit.spend
    failed = audit.data.get("failed_calls")
    _md("## Spend per month\nPriced traffic (list prices at each call's date) and the invoices, per calendar month. "
        "The amounts of each table are rounded so that its rows add up to its total row; a row may then differ "
        "by a cent from the same amount rounded on its own elsewhere in the report.")
    months = sp["by_month"]
    _table(with_total(months, SPEND_AMOUNTS))
    if months:
        fig, ax = plt.subplots(figsize=(7, 3))
        xs = [r["month"][:7] for r in months]
        width = 0.4
        ax.bar([i - width / 2 for i in range(len(xs))], [r["priced_usd"] or 0 for r in months], width,
               label="priced traffic")
        ax.bar([i + width / 2 for i in range(len(xs))], [r["billed_usd"] or 0 for r in months], width,
               label="invoiced")
        ax.set_xticks(range(len(xs)), xs)
        ax.set_ylabel("USD")
        ax.legend()
        ax.set_title("Spend per month")
        fig.tight_layout()
        _show_fig(fig, "Bar chart: spend per calendar month in USD, priced traffic beside invoiced: " + "; ".join(
            f"{r['month'][:7]} priced {_money(r['priced_usd'])}, invoiced {_money(r['billed_usd'])}"
            for r in months) + ".")
    if audit.data["calls"] or audit.data["usage_rows"]:
        for name, label, title in (("by_provider", "provider", "By provider"), ("by_model", "model", "By model"),
                                   ("by_task_type", "task_type", "By task type"),
                                   ("by_length", "input_length", "By input length (tokens)")):
            _table(with_total(sp[name], SPEND_AMOUNTS),
                   None if failed else [k for k in (sp[name] or [{}])[0] if k != "failed_calls_per_month"],
                   title=f"{title} (per month)")
            if any(r.get("monthly_usd") for r in sp[name]):
                chart = f"Monthly spend {title.lower()}"
                _show_fig(_bar(sp[name], label, chart), _bar_alt(sp[name], label, chart))
        if failed:
            _show_failed_calls(audit)
    if sp["invoice_by_provider_model"]:
        _table(with_total(sp["invoice_by_provider_model"], SPEND_AMOUNTS),
               title="Invoiced per provider and model (whole period)")


def _show_failed_calls(audit: Audit) -> None:
    """Calls that returned an error, apart: a model whose logged calls all failed would otherwise read as a model
    that costs $0.00 a month."""
    rows = audit.spend["failed_calls"]
    total = audit.data["failed_calls"]
    billed = sum(r["monthly_usd"] or 0 for r in rows)
    # a cancelled OpenRouter generation is billed for the tokens it used (cost_total > 0), often a fraction of a
    # cent: rounded to $0.00 it read "Billed: no" under "the providers bill no tokens for them"
    small = lambda v: _money(v) if v >= 0.005 else "under $0.01"   # noqa: E731
    _table([{**r, "billed": "no" if not r["monthly_usd"] else small(r["monthly_usd"]) + " a month"}
            for r in rows], ["provider", "model", "failed_calls_per_month", "share_of_calls", "billed"],
           title="Failed calls, not billed" if not billed else "Failed calls",
           intro=f"{total:,} logged call(s) returned an error"
                 + (": the providers bill no tokens for them" if not billed
                    else f"; those that used tokens cost {small(billed)} a month, included above")
                 + ". They are left out of the request counts above, and a model or task type with nothing but "
                   "failed calls is listed here instead of at $0.00.")


# the bracketed label of a finding that has no risk band, by its kind
FINDING_LABEL = {"billing_gap": "billing", "invoice_spend": "invoice"}


def findings_intro(audit: Audit) -> str:
    """What the findings below are, for the traffic the client's exports hold: routing findings need traffic, and
    an invoice-only folder's findings are its bill per model (they read as routing findings before)."""
    traffic = audit.summary.get("traffic")
    if traffic == "invoices only":
        return ("Invoices only: there is no traffic to route, so each finding is one model's share of the invoices, "
                "largest first: where call logs or usage exports would pay off first.")
    if traffic == "no usable export":
        return "No usable export: no traffic and no invoice to draw findings from (the data appendix says why)."
    billing = any(f["kind"] == "billing_gap" for f in audit.findings)
    return ("Each routing finding moves one task type × input length to a cheaper tier within the risk budget; its "
            "band is its own extra-failure rate (green < 1 %, amber < 5 %, red ≥ 5 %)."
            + (" A billing finding is a provider's invoice gap that the usage exports and logs do not explain at "
               "list prices (see the reconciliation)." if billing else ""))


def show_findings(audit: Audit) -> None:
    _md(f"## Findings, by dollar impact\n{findings_intro(audit)}")
    if not audit.findings:
        if audit.summary.get("traffic") != "no usable export":
            _md("_No finding: nothing to save within the risk budget, and no invoice gap to explain._")
        return
    _md("\n".join(f"{f['rank']}. **{_money(f['monthly_usd'])}/month** "
                  f"[{f['risk_band'] or FINDING_LABEL[f['kind']]}] {f['text']} _Evidence: {f['evidence']}._"
                  for f in audit.findings[:25]))
    if audit.examples:
        _table([{"task_type": t, "example": p} for t, ps in audit.examples.items() for p in ps],
               title="Example prompts per task type (include_prompts is set)")


def show_frontier(audit: Audit) -> None:
    import matplotlib.pyplot as plt

    _md("## Cost–risk frontier\nEvery mix from the safest to the cheapest; the recommended mix is the cheapest within "
        "the risk budget.")
    if not audit.frontier:
        _md("_No traffic to optimize._")
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot([100 * p["extra_failure_rate"] for p in audit.frontier], [p["monthly_cost_usd"] for p in audit.frontier],
            "-o", ms=3, label="frontier")
    ax.plot([0], [audit.current_point["monthly_cost_usd"]], "s", ms=9, color="black", label="current routing")
    ax.plot([100 * audit.recommended_point["extra_failure_rate"]], [audit.recommended_point["monthly_cost_usd"]],
            "*", ms=14, color="#d62728", label="recommended")
    ax.axvline(100 * audit.params["risk_budget"], ls="--", color="grey", lw=1, label="risk budget")
    ax.set_xlabel("extra-failure rate vs current routing (%)")
    ax.set_ylabel("USD per month")
    ax.legend()
    fig.tight_layout()
    safest, cheapest, rec = audit.frontier[0], audit.frontier[-1], audit.recommended_point
    _show_fig(fig, f"Cost–risk frontier: monthly cost against extra-failure rate for {len(audit.frontier)} mixes, "
                   f"from {_money(safest['monthly_cost_usd'])} at {safest['extra_failure_rate']:.2%} to "
                   f"{_money(cheapest['monthly_cost_usd'])} at {cheapest['extra_failure_rate']:.2%}; current routing "
                   f"{_money(audit.current_point['monthly_cost_usd'])} at 0%; recommended mix "
                   f"{_money(rec['monthly_cost_usd'])} at {rec['extra_failure_rate']:.2%}; risk budget "
                   f"{audit.params['risk_budget']:.2%}.")
    rows, left_out = mix_rows(audit)
    _table(rows, title="Recommended mix per task type and input length",
           intro=None if not left_out else f"Left out: {', '.join(left_out)}, which hold failed calls only (not "
           "billed): nothing there to route.")
    show_cascades(audit)
    if audit.routing:
        # the other models a task's mix sends requests to, each with its own limit (a reasoning model among them
        # needs room to reason that the main model's limit does not give)
        _table([{**{k: r[k] for k in ("task_type", "tier", "model", "max_tokens")},
                 "other_models": "; ".join(f"{m} {v['max_tokens']:,}" if v["max_tokens"] else m
                                           for m, v in r.get("models", {}).items() if m != r["model"]) or None}
                for r in audit.routing["routes"]]
               + [{"task_type": "(default)", **audit.routing["default"]}], title="Routing table",
               intro="Max output tokens: the limit to set on a request to that model (routing.json has each "
                     "model's request parameter); a task's other models are those its mix sends some of its "
                     "requests to, with theirs.")


def _shares_text(shares: dict) -> str:
    return ", ".join(f"{tier} {share:.1%}" for tier, share in shares.items())


def policy_tables(policy: dict) -> list[tuple[str, list[dict], list[str]]]:
    """The policy file as given, section by section (title, rows, columns), so the reader can check what the
    optimizer was told: its tiers, mix per task (and input length), batch shares, cascades and output inflation."""
    mix = []
    for task, shares in (policy.get("mix") or {}).items():
        if all(isinstance(v, dict) for v in shares.values()):
            mix += [{"task_type": task, "input_length": b, "mix": _shares_text(s)} for b, s in shares.items()]
        else:
            mix.append({"task_type": task, "input_length": "all", "mix": _shares_text(shares)})
    if policy.get("default") is not None:
        mix.append({"task_type": "(any other task)", "input_length": "all", "mix": _shares_text(policy["default"])})
    return [
        ("Tiers", [{"tier": t, "model": m} for t, m in (policy.get("tiers") or {}).items()], ["tier", "model"]),
        ("Mix per task type", mix, ["task_type", "input_length", "mix"]),
        ("Batch shares", [{"task_type": t, "batch_share": v} for t, v in (policy.get("batch_share") or {}).items()],
         ["task_type", "batch_share"]),
        # with its correlation: how far the two tiers fail the same requests moves the residual failures as much
        # as the rates do (the agency's summarization cascade: +226.2 extra failures a month at 1, +113.5 at 0)
        ("Cascades", [{"task_type": t, **c, "correlation": f"{float(c.get('correlation', 1)):g}",
                       "validator": validator_text(c.get("validator"))}
                      for t, c in (policy.get("cascade") or {}).items()],
         ["task_type", "from", "to", "detection_rate", "false_alarm_rate", "correlation", "validator"]),
        ("Output inflation per tier", [{"tier": t, "low": k[0], "expected": k[1], "high": k[2]}
                                       for t, k in (policy.get("output_inflation") or {}).items()],
         ["tier", "low", "expected", "high"]),
    ]


def validator_text(raw: dict | None) -> str:
    """A cascade's validator as the policy file gives it, in words (no validator: counted as free)."""
    from routekit.scenario import parse_validator

    return "none: counted as free" if raw is None else parse_validator(raw, "validator").describe()


def show_cascades(audit: Audit) -> None:
    """The recommended mix's cascades: what their escalations and their validators cost a month. A cascade whose
    policy gives no validator is said to count its checks as free, so its saving is not read as net of them."""
    if not audit.cascades:
        return
    rows = [{**c, "validator": c["validator"] or "none: counted as free"} for c in audit.cascades]
    free = [c["task_type"] for c in audit.cascades if c["validator"] is None]
    _table(rows, ["task_type", "from", "to", "escalation_rate", "added_cost_usd", "validator", "validator_cost_usd"],
           title="Cascades in the recommended mix",
           intro=None if not free else f"No validator is given for {', '.join(free)}: the checks are counted as "
           "free, so the figures above leave out what the check costs on every cascaded request (set "
           "cascade.TASK.validator in the policy to price it).")


def show_policy(audit: Audit) -> None:
    """audit --policy: the policy restated as given, before the frontier built on it."""
    if audit.policy_given is None:
        return
    _md(f"## The policy given ({audit.params['policy']})\nAs read from the file. The optimizer keeps its tiers, "
        "batch shares, output inflation and cascades; its mix is shown for reference: the recommended mix below "
        "replaces it. A section the file leaves out keeps the current routing (tiers: routekit's representatives).")
    for title, rows, columns in policy_tables(audit.policy_given):
        _table(rows, columns, title=title)


def mix_rows(audit: Audit) -> tuple[list[dict], list[str]]:
    """The recommended mix as the report shows it, and the task type × input lengths it leaves out because they
    hold failed calls only (findings.json and policy.yaml keep the optimizer's whole mix)."""
    failed_only = {tuple(k) for k in audit.failed_only_segments}
    rows = [{"task_type": t, "input_length": b, "mix": ", ".join(f"{k} {v:.1%}" for k, v in s.items())}
            for t, per in audit.mix.items() for b, s in per.items() if (t, b) not in failed_only]
    return rows, [f"{t} {b}" for t, b in sorted(failed_only)]


def show_reconciliation(audit: Audit) -> None:
    _table(audit.reconciliation, title="Reconciliation", level=2,
           intro="Invoice vs usage exports vs priced logs, per provider × month × model.")


def show_appendix(audit: Audit) -> None:
    a = audit.appendix
    _table(a["files"], title="Files read", section="Data appendix")
    if a.get("failed_files"):
        _table(a["failed_files"], title="Files that could not be loaded")
    _table(a["rejects"], columns=["file", "reason", "rows"], title="Rows rejected, by reason")
    cov = a["log_coverage"]
    proj = a["projection"]
    _md("\n".join([
        f"- Unpriced models: {', '.join(a['unpriced_models']) or 'none'}",
        f"- Models with no tier (counted as flagship): {', '.join(a['unmapped_models']) or 'none'}",
        f"- Log coverage of the invoice: {_log_coverage_text(cov)}",
        f"- Log window: {proj['method'] if proj else 'no call logs or usage'}"]))
    _table(a["models"], title="Models observed")


def _price_day(audit: Audit) -> str:
    """The day whose list prices the what-ifs use, as the report names it."""
    day = audit.summary.get("prices_as_of") or audit.params["price_date"]
    if not day:
        return "the day of the run"
    return str(day) + ("" if audit.params["price_date"] else ", the day of the run")


def show_method(audit: Audit) -> None:
    m = audit.method
    _md("\n".join(["## Method and sources", "",
                   "- Prices: genai-prices (offline catalog, dated) or the client's prices.csv; every call priced at "
                   "its own date; the current routing and every what-if at the prices of " + _price_day(audit) + ".",
                   f"- Monthly figures: {m.get('projection') or 'invoice months'}.",
                   f"- Quality priors: `{m.get('priors')}` (one row per task type × tier with a mean failure rate, "
                   "a strength and the source of each number; see docs/quality_priors.md)"
                   + (", updated with the client's evals.csv." if m.get("evals") else "; no client evals."),
                   f"- Risk: {m.get('risk') or 'not computed (no traffic)'}.",
                   f"- Optimizer: {m.get('optimizer', 'not run (no traffic)')}.",
                   "- Confidentiality: prompt and response text stay in the client's database; "
                   + ("example prompts are shown because include_prompts is set." if audit.params["include_prompts"]
                      else "this report shows none, and no API keys or user ids.")]))


def show(audit: Audit) -> None:
    for part in (show_summary, show_findings, show_spend, show_policy, show_frontier, show_reconciliation,
                 show_appendix,
                 show_method):
        part(audit)



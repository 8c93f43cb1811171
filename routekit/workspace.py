"""A built client opened for what-if questions: its cube, the simulator at a price date, the quality model, and a
policy's cost and risk together. What `routekit simulate`, `routekit optimize` and the tier explorer share."""
from __future__ import annotations

from pathlib import Path

from routekit.arguments import UsageError, check_has_data, price_date


class Workspace:
    """The built client (ingested, classified, priced: engine.open_built), its cube, simulator and quality model;
    ``prices``, ``db`` and ``date`` as the command line's --prices, --db and --date."""

    def __init__(self, client: Path, *, prices: str | None = None, db: str | None = None,
                 date: str | None = None) -> None:
        from routekit.config import load_config
        from routekit.engine import open_built, table_records
        from routekit.prices import PriceFileError
        from routekit.quality import QualityError, QualityModel
        from routekit.scenario import Simulator, load_cube, load_tier_latency

        if prices and not Path(prices).is_file():
            raise UsageError(f"--prices {prices}: no such file")
        config = load_config(client)
        try:
            con, info, catalog, tiers = open_built(client, db, prices=Path(prices) if prices else None,
                                                   config=config)
        except PriceFileError as exc:
            raise UsageError(str(exc)) from None
        try:
            check_has_data(con, client)
            rows, projection = load_cube(con)
            self.models = table_records(con, "SELECT provider, model, tier, calls, calls_cost_usd, usage_rows, "
                                             "usage_cost_usd, billed_usd, priced, priced_as, price_source "
                                             "FROM mart_models")
            self.latency = load_tier_latency(con)
            # logged calls that failed (no answer): load_cube leaves them out of the traffic to route
            self.failed_calls = int(con.execute("SELECT coalesce(sum(errors), 0) FROM mart_cube").fetchone()[0])
        finally:
            con.close()
        if not rows:
            raise UsageError(f"{client}: no call logs or usage exports to simulate on (invoices alone say what was "
                             "billed, not which traffic)")
        self.rows, self.info = rows, info
        from routekit.db import default_db_path
        from routekit.judge_calls import JudgeCalls

        self.sim = Simulator(rows, projection, catalog, tiers.representatives, on=price_date(date),
                             judge_calls=JudgeCalls(db or default_db_path(client)))

        def tier_of(model: str) -> str | None:
            found = tiers.tier_of(model)
            return found.tier if found else None

        try:
            self.quality = QualityModel.load(client, config, tier_of=tier_of,
                                             known_task_types={r.task_type for r in rows})
        except QualityError as exc:
            raise UsageError(str(exc)) from None

    def evaluate(self, policy):
        """(the simulator's result, the risk engine, the risk of the policy)."""
        from routekit.quality import QualityError, RiskEngine
        from routekit.scenario import PolicyError

        try:
            result = self.sim.evaluate(policy, escalation=self.quality.escalation)
            engine = RiskEngine(self.sim.cost_cube(policy), self.quality, observed_latency_ms=self.latency)
            risk = engine.evaluate(engine.mix_of(policy))
        except (PolicyError, QualityError) as exc:
            raise UsageError(str(exc)) from None
        self.add_risk(result, engine, risk)
        result["unmapped_models"] = sorted({m for _, m in self.info.unmapped})
        result["unpriced_models"] = sorted(set(result["unpriced_models"]) | {m for _, m in self.info.unpriced})
        result["models"] = self.models   # every observed model with its tier and how it was priced
        result["policy_names_without_traffic"] = self.idle_names(policy)
        factor = self.sim.projection.factor if self.sim.projection else 1
        result["failed_calls_per_month"] = round(float(self.failed_calls * factor), 1)
        result["traffic"] = ("call logs" if any(r.len_in != "unknown" for r in self.rows)
                             else "aggregated usage (no call logs: no task types or request lengths)")
        return result, engine, risk

    def idle_names(self, policy) -> list[str]:
        """The policy's task types (and task × input length) with no traffic in this client's data: valid names
        (check_names passed), but they change nothing, which the output says rather than a quiet $0.00."""
        if policy is None:
            return []
        tasks = {r.task_type for r in self.rows if r.sized}
        pairs = {(r.task_type, r.len_in) for r in self.rows if r.sized}
        named = [*policy.mix, *policy.batch_share, *policy.cascade]
        idle = sorted({t for t in named if t not in tasks})
        return idle + sorted(f"{t} {b}" for t, per in policy.mix_by_length.items() for b in per
                             if t in tasks and (t, b) not in pairs)

    def add_risk(self, result: dict, engine, risk) -> None:
        result["risk"] = risk.to_json()
        result["cost_per_success_usd"] = risk.cost_per_success()
        per_row = engine.segments_json(risk)
        for seg in result["segments"]:
            seg.update(per_row.get((seg["task_type"], seg["len_in"], seg["len_out"]), {}))
        result["cascades"] = risk.cascades
        settings = self.quality.settings
        lengths = sorted({k[1] for k in engine.cube.keys})
        evidence = self.quality.evidence
        result["quality"] = {
            "priors": self.quality.priors_source,
            "evals": (f"evals.csv: {sum(e.rows for e in evidence.values())} row(s), n={sum(e.n for e in evidence.values())}"
                      f" over {len(evidence)} task type × tier pair(s)") if evidence else None,
            "bands": settings.bands,
            "stakes": {t: settings.stake(t) for t in sorted({k[0] for k in engine.cube.keys})},
            "long_input_odds": {t: {b: settings.odds(t, b) for b in lengths if settings.odds(t, b) != 1.0}
                                for t in ("budget", "mid", "flagship", "reasoning")},
            "unmapped_models_count_as": "flagship",
        }

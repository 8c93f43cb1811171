"""What a routing mix costs per month on a client's real traffic, worked on the cube (never on raw calls).

A policy says, per task type, which share of requests goes to which tier; each tier is priced at its
representative model. Tokens per request stay as observed, except output tokens, which a tier may inflate
(reasoning models write more): the point estimate uses each tier's expected factor and the range its low/high.
Money is Decimal throughout and rounded only for display.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import yaml

from routekit.prices import PriceCatalog, PriceQuote

TIERS = ("budget", "mid", "flagship", "reasoning")
# Output-token inflation when traffic moves to a tier, relative to what the current model wrote:
# (low, expected, high). Reasoning models emit several times more output for the same task (LLMRouterBench
# Table 10: same list price, very different spend); other tiers write about as much, a little more at worst.
OUTPUT_INFLATION = {
    "budget": (Decimal("1.0"), Decimal("1.0"), Decimal("1.2")),
    "mid": (Decimal("1.0"), Decimal("1.0"), Decimal("1.15")),
    "flagship": (Decimal("1.0"), Decimal("1.0"), Decimal("1.1")),
    "reasoning": (Decimal("1.5"), Decimal("2.5"), Decimal("4.0")),
}
AVERAGE_MONTH_DAYS = Decimal("30.4375")   # 365.25 / 12
MILLION = Decimal(1_000_000)
CENT = Decimal("0.01")


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the key."""


@dataclass
class Policy:
    """A routing mix. ``mix`` maps task type → {tier: share}; a task type not listed follows ``default``, or keeps
    its current routing when there is no default. ``batch_share`` sends that share of a task's requests through
    batch APIs (unlisted tasks keep their current batch use)."""

    tiers: dict[str, str] = field(default_factory=dict)
    mix: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    default: dict[str, Decimal] | None = None
    batch_share: dict[str, Decimal] = field(default_factory=dict)
    output_inflation: dict[str, tuple[Decimal, Decimal, Decimal]] = field(default_factory=dict)
    name: str = "policy"

    @classmethod
    def load(cls, path: Path | str) -> "Policy":
        path = Path(path)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise PolicyError(f"{path}: cannot read the policy: {exc}") from None
        return cls.parse(raw, str(path))

    @classmethod
    def parse(cls, raw: dict, where: str = "policy") -> "Policy":
        if not isinstance(raw, dict):
            raise PolicyError(f"{where}: expected a mapping with tiers, mix, default, batch_share")
        unknown = sorted(set(raw) - {"tiers", "mix", "default", "batch_share", "output_inflation", "cascade"})
        if unknown:
            raise PolicyError(f"{where}: unknown key(s) {', '.join(unknown)}")
        tiers = raw.get("tiers") or {}
        _check_tier_names(tiers, f"{where}: tiers")
        mix = {str(task): _shares(shares, f"{where}: mix.{task}") for task, shares in (raw.get("mix") or {}).items()}
        default = _shares(raw["default"], f"{where}: default") if raw.get("default") is not None else None
        batch = {}
        for task, share in (raw.get("batch_share") or {}).items():
            value = _decimal(share, f"{where}: batch_share.{task}")
            if not Decimal(0) <= value <= Decimal(1):
                raise PolicyError(f"{where}: batch_share.{task}: must be between 0 and 1, got {share}")
            batch[str(task)] = value
        inflation = {}
        for tier, bounds in (raw.get("output_inflation") or {}).items():
            _check_tier_names({tier: None}, f"{where}: output_inflation")
            if not (isinstance(bounds, list) and len(bounds) in (2, 3)):
                raise PolicyError(f"{where}: output_inflation.{tier}: expected [low, high] or [low, expected, high]")
            vals = [_decimal(b, f"{where}: output_inflation.{tier}") for b in bounds]
            low, high = vals[0], vals[-1]
            expected = vals[1] if len(vals) == 3 else (low + high) / 2
            if not low <= expected <= high:
                raise PolicyError(f"{where}: output_inflation.{tier}: needs low <= expected <= high")
            inflation[tier] = (low, expected, high)
        return cls({k: str(v) for k, v in tiers.items()}, mix, default, batch, inflation, name=where)

    def tier_shares(self, task_type: str) -> dict[str, Decimal] | None:
        """The task's shares per tier; None means: keep the current routing."""
        return self.mix.get(task_type, self.default)


def _decimal(value, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise PolicyError(f"{where}: not a number: {value!r}") from None


def _check_tier_names(mapping: dict, where: str) -> None:
    if not isinstance(mapping, dict):
        raise PolicyError(f"{where}: expected a mapping of tier: ...")
    bad = sorted(set(map(str, mapping)) - set(TIERS))
    if bad:
        raise PolicyError(f"{where}: unknown tier(s) {', '.join(bad)}; tiers are {', '.join(TIERS)}")


def _shares(shares, where: str) -> dict[str, Decimal]:
    if not isinstance(shares, dict) or not shares:
        raise PolicyError(f"{where}: expected a mapping tier: share, e.g. {{budget: 0.7, mid: 0.3}}")
    _check_tier_names(shares, where)
    out = {str(t): _decimal(s, f"{where}.{t}") for t, s in shares.items()}
    if any(v < 0 for v in out.values()):
        raise PolicyError(f"{where}: shares cannot be negative")
    total = sum(out.values())
    if abs(total - 1) > Decimal("1e-9"):
        raise PolicyError(f"{where}: shares must sum to 1, they sum to {total}")
    return out


# -- the log window → one month ----------------------------------------------------------------------------------
@dataclass
class Projection:
    window_start: dt.date
    window_end: dt.date
    days: int
    factor: Decimal
    method: str

    @classmethod
    def of(cls, first: dt.datetime, last: dt.datetime) -> "Projection":
        start, end = first.date(), last.date()
        days = (end - start).days + 1
        whole_months = start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
        if whole_months:
            months = (end.year - start.year) * 12 + end.month - start.month + 1
            return cls(start, end, days, Decimal(1) / months,
                       f"the logs cover {months} whole calendar month(s), {start} to {end}: "
                       f"monthly = total / {months}")
        return cls(start, end, days, AVERAGE_MONTH_DAYS / days,
                   f"the logs cover {days} day(s), {start} to {end}: monthly = total × 30.4375 / {days} "
                   "(an average month is 365.25 / 12 days)")

    def to_json(self) -> dict:
        return {"window_start": str(self.window_start), "window_end": str(self.window_end), "days": self.days,
                "factor": float(round(self.factor, 6)), "method": self.method}


# -- the cube as segments --------------------------------------------------------------------------------------
@dataclass
class CubeRow:
    task_type: str
    len_in: str
    len_out: str
    provider: str | None
    model: str
    tier: str | None
    is_batch: bool
    requests: Decimal
    input_tokens: Decimal
    cached_input_tokens: Decimal
    cache_write_tokens: Decimal
    output_tokens: Decimal


def load_cube(con: duckdb.DuckDBPyConnection) -> tuple[list[CubeRow], Projection | None]:
    rows = con.execute("""
        SELECT task_type, len_in, len_out, provider, model, tier, coalesce(is_batch, false),
               sum(requests), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
               sum(output_tokens)
        FROM mart_cube GROUP BY ALL ORDER BY ALL""").fetchall()
    span = con.execute("SELECT min(first_ts), max(last_ts) FROM mart_cube").fetchone()
    projection = Projection.of(span[0], span[1]) if span[0] else None
    return [CubeRow(*r[:7], *(Decimal(int(v or 0)) for v in r[7:])) for r in rows], projection


def token_cost(row: CubeRow, quote: PriceQuote, output_factor: Decimal = Decimal(1)) -> Decimal:
    """The segment's tokens at the quote's prices (cliff tiers are priced at the base price: segments hold
    averages, and the engine's per-call prices in int_calls handle cliffs exactly)."""
    uncached = max(row.input_tokens - row.cached_input_tokens - row.cache_write_tokens, Decimal(0))
    return (uncached * quote.input_per_mtok + row.cached_input_tokens * quote.cached_input_per_mtok
            + row.cache_write_tokens * quote.cache_write_per_mtok
            + row.output_tokens * output_factor * quote.output_per_mtok) / MILLION


@dataclass
class SegmentResult:
    task_type: str
    len_in: str
    len_out: str
    requests: Decimal = Decimal(0)
    current: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    low: Decimal = Decimal(0)
    high: Decimal = Decimal(0)
    tier_requests: dict[str, Decimal] = field(default_factory=dict)


class Simulator:
    """Prices policies on one client's cube. Quotes are looked up once per (model, variant) and cached."""

    def __init__(self, rows: list[CubeRow], projection: Projection | None, catalog: PriceCatalog,
                 representatives: dict[str, str], on: dt.date | None = None) -> None:
        self.rows, self.projection, self.catalog, self.on = rows, projection, catalog, on
        self.representatives = dict(representatives)
        self._quotes: dict[tuple, PriceQuote | None] = {}
        self.unpriced: set[str] = set()

    def quote(self, model: str, provider: str | None, batch: bool) -> PriceQuote | None:
        key = (model, provider, batch)
        if key not in self._quotes:
            q = self.catalog.quote(model, provider, on=self.on, variant="batch" if batch else "standard")
            if q is None and batch:   # no batch price: the standard one (never a guessed discount)
                q = self.catalog.quote(model, provider, on=self.on)
            self._quotes[key] = q
        if self._quotes[key] is None:
            self.unpriced.add(model)
        return self._quotes[key]

    def _at(self, row: CubeRow, model: str, provider: str | None, batch_share: Decimal,
            factor: Decimal) -> Decimal | None:
        std = self.quote(model, provider, False)
        if std is None:
            return None
        cost = token_cost(row, std, factor)
        if batch_share:
            batch = self.quote(model, provider, True)
            cost = cost * (1 - batch_share) + token_cost(row, batch, factor) * batch_share
        return cost

    def evaluate(self, policy: Policy | None) -> dict:
        """Monthly cost of the policy (None: the current routing), with baseline, all-flagship and the range."""
        policy = policy or Policy(name="current routing")
        reps = {**self.representatives, **policy.tiers}
        inflation = {**OUTPUT_INFLATION, **policy.output_inflation}
        factor = self.projection.factor if self.projection else Decimal(1)
        segments: dict[tuple, SegmentResult] = {}
        totals = {"cost": Decimal(0), "low": Decimal(0), "high": Decimal(0), "current": Decimal(0),
                  "flagship": Decimal(0)}
        for row in self.rows:
            seg = segments.setdefault((row.task_type, row.len_in, row.len_out),
                                      SegmentResult(row.task_type, row.len_in, row.len_out))
            current = self._at(row, row.model, row.provider, Decimal(1 if row.is_batch else 0), Decimal(1))
            if current is None:
                continue   # unpriced: listed, excluded from every total alike so comparisons stay fair
            shares = policy.tier_shares(row.task_type)
            batch_share = policy.batch_share.get(row.task_type, Decimal(1 if row.is_batch else 0))
            flagship = self._at(row, reps["flagship"], None, Decimal(1 if row.is_batch else 0),
                                inflation["flagship"][1]) if "flagship" in reps else None
            if shares is None:   # keep the current routing for this task
                cost = low = high = self._at(row, row.model, row.provider, batch_share, Decimal(1))
                seg.tier_requests[row.tier or "unmapped"] = seg.tier_requests.get(row.tier or "unmapped", 0) \
                    + row.requests
            else:
                cost = low = high = Decimal(0)
                for tier, share in shares.items():
                    if share == 0:
                        continue
                    if tier not in reps:
                        raise PolicyError(f"{policy.name}: tier {tier} has no representative model "
                                          f"(set tiers.{tier} in the policy or routekit.yaml)")
                    lo_k, mid_k, hi_k = inflation[tier]
                    parts = [self._at(row, reps[tier], None, batch_share, k) for k in (mid_k, lo_k, hi_k)]
                    if any(p is None for p in parts):
                        cost = None
                        break
                    cost, low, high = cost + share * parts[0], low + share * parts[1], high + share * parts[2]
                    seg.tier_requests[tier] = seg.tier_requests.get(tier, 0) + share * row.requests
                if cost is None:
                    continue
            seg.requests += row.requests
            seg.current += current
            seg.cost += cost
            seg.low += low
            seg.high += high
            totals["cost"] += cost
            totals["low"] += low
            totals["high"] += high
            totals["current"] += current
            totals["flagship"] += flagship if flagship is not None else current
        money = lambda v: float((v * factor).quantize(CENT, ROUND_HALF_UP))   # noqa: E731  (display only)
        savings = (totals["current"] - totals["cost"]) * factor
        return {
            "policy": policy.name,
            "monthly_cost_usd": money(totals["cost"]),
            "baseline_monthly_cost_usd": money(totals["current"]),
            "all_flagship_monthly_cost_usd": money(totals["flagship"]),
            "savings_usd": float(savings.quantize(CENT, ROUND_HALF_UP)),
            "savings_pct": float(round(100 * (totals["current"] - totals["cost"]) / totals["current"], 2))
            if totals["current"] else None,
            "cost_range_usd": [money(totals["low"]), money(totals["high"])],
            "cost_range_method": "output tokens scaled per tier by (low, expected, high) = " + ", ".join(
                f"{t} {tuple(map(float, k))}" for t, k in inflation.items())
            + "; the monthly cost uses the expected factor, the range the low and high ones",
            "tiers": {t: reps.get(t) for t in TIERS if t in reps},
            "prices_as_of": str(self.on) if self.on else "latest",
            "projection": self.projection.to_json() if self.projection else None,
            "unpriced_models": sorted(self.unpriced),
            "segments": [{
                "task_type": s.task_type, "len_in": s.len_in, "len_out": s.len_out,
                "requests_per_month": float(round(s.requests * factor, 1)),
                "baseline_monthly_cost_usd": money(s.current), "monthly_cost_usd": money(s.cost),
                "cost_range_usd": [money(s.low), money(s.high)],
                "tier_shares": {t: float(round(n / s.requests, 4)) for t, n in sorted(s.tier_requests.items())}
                if s.requests else {},
            } for s in segments.values() if s.requests],
        }

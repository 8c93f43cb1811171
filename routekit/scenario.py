"""What a routing mix costs per month on a client's real traffic, worked on the cube (never on raw calls).

A policy says, per task type, which share of requests goes to which tier; each tier is priced at its
representative model. Tokens per request stay as observed, except output tokens, which a tier may inflate
(reasoning models write more): the point estimate uses each tier's expected factor and the range its low/high.
Money is Decimal throughout and rounded only for display.

A policy's mix is per task type, or per task type and input-length bucket (``mix: {qa: {"<1k": {budget: 1.0},
"16k-64k": {mid: 1.0}}}``, what ``routekit optimize`` writes); a share may be named ``cascade`` to send it through the
task's cascade (try one tier, escalate what a validator flags), or ``current`` to leave it on the models that serve it
today. A cascade's escalation rate depends on the failure rate of its first tier, so pricing one needs the quality
model (routekit/quality.py); its validator (a flat price per request, or an LLM judge at a tier's prices) is paid on
every cascaded request.

``Simulator.cost_cube`` turns the same pricing into numpy arrays (segments × tiers, monthly dollars as floats): the
quality-risk engine and the optimizer work on those in milliseconds, while reported money stays Decimal here.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np

from routekit.config import YamlFileError, did_you_mean, read_yaml
from routekit.engine import INPUT_BUCKETS
from routekit.prices import PriceCatalog, PriceQuote, checked_price_date, price_day, to_cent

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
CASCADE = "cascade"   # a mix share sent through the task's cascade
CURRENT = "current"   # a mix share left on the models that serve it today
INPUT_LENGTHS = (*INPUT_BUCKETS[1], "unknown")   # the default input-length buckets
# A per-length mix may name any bucket label (a client's routekit.yaml `length_buckets` makes its own): <1k, 1k-4k,
# 64k+, 1.5M+, unknown.
_SIZE = r"\d+(?:\.\d+)?[kM]?"
BUCKET_LABEL = re.compile(rf"^(?:<{_SIZE}|{_SIZE}-{_SIZE}|{_SIZE}\+|unknown)$")


def load_policy(path: Path | str, config) -> "Policy":
    """A policy file, checked against the client's task types (routekit.yaml `classify.task_types` included) and
    input-length buckets (`length_buckets.input`)."""
    from routekit.classify import settings_for
    from routekit.engine import bucket_labels

    from routekit.tiers import TierMap, TierMapError

    policy = Policy.load(path)
    bounds = (config.length_buckets or {}).get("input") if config is not None else None
    # 'unknown': aggregated usage rows, which have no request length
    policy.check_names(settings_for(config).task_types,
                       [*(bucket_labels(bounds) if bounds else INPUT_BUCKETS[1]), "unknown"])
    try:
        TierMap.for_config(config).check_representatives(policy.tiers, f"{policy.name}: tiers")
    except TierMapError as exc:
        raise PolicyError(str(exc)) from None
    return policy


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the key."""


VALIDATOR_READS = ("request+answer", "answer")   # what an LLM judge reads besides its own instructions
JUDGE_OUTPUT_TOKENS = 5   # "pass" / "fail" and little else, unless the policy says otherwise


@dataclass(frozen=True)
class Validator:
    """What checks every cascaded request, and what that costs. Either a flat price per request
    (``cost_per_request_usd``: a rule-based or third-party check) or an LLM judge at ``tier``'s representative, priced
    at its catalog prices on the simulation's price date: per request it reads the request's input tokens and the
    ``from`` tier's answer (``reads: answer``: the answer alone) plus ``instruction_tokens`` of its own prompt, all at
    the judge's uncached input price (its own call: the request's prompt cache does not carry over), and writes
    ``output_tokens``. ``latency_ms``: what the check adds to every cascaded request (a judge's default: its tier's
    latency, quality.latency_ms or observed)."""

    cost_per_request_usd: Decimal | None = None
    tier: str | None = None
    reads: str = VALIDATOR_READS[0]
    instruction_tokens: int = 0
    output_tokens: int = JUDGE_OUTPUT_TOKENS
    latency_ms: Decimal | None = None

    def to_yaml(self) -> dict:
        if self.tier is None:
            out = {"cost_per_request_usd": float(self.cost_per_request_usd)}
        else:
            out = {"tier": self.tier, "reads": self.reads, "instruction_tokens": self.instruction_tokens,
                   "output_tokens": self.output_tokens}
        if self.latency_ms is not None:
            out["latency_ms"] = float(self.latency_ms)
        return out

    def describe(self, model: str | None = None) -> str:
        """One line for the output: what is priced, and how."""
        if self.tier is None:
            return f"flat ${self.cost_per_request_usd:f} a request"
        reads = "the request and the answer" if self.reads == "request+answer" else "the answer"
        return (f"LLM judge at {self.tier}{f' ({model})' if model else ''} reading {reads}"
                + (f" + {self.instruction_tokens:,} instruction tokens" if self.instruction_tokens else "")
                + f", writing {self.output_tokens:,} tokens")


VALIDATOR_FREE = "none given: its checks are counted as free (set cascade.{task}.validator to price them)"


@dataclass(frozen=True)
class Cascade:
    """Try ``from_tier``; a validator flags a failure with probability ``detection_rate`` and a good answer with
    ``false_alarm_rate``; flagged requests are sent again to ``to_tier``. ``correlation`` (0..1) is how far the two
    tiers fail the same requests, from independent (0) to as much as they can (1, the default: quality.cascade_rates).
    ``validator``: what the check costs on every cascaded request (None: counted as free, as before the key existed).
    """

    from_tier: str
    to_tier: str
    detection_rate: Decimal
    false_alarm_rate: Decimal
    correlation: Decimal = Decimal(1)
    validator: Validator | None = None

    def to_yaml(self) -> dict:
        out = {"from": self.from_tier, "to": self.to_tier, "detection_rate": float(self.detection_rate),
               "false_alarm_rate": float(self.false_alarm_rate), "correlation": float(self.correlation)}
        if self.validator is not None:
            out["validator"] = self.validator.to_yaml()
        return out


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
    mix_by_length: dict[str, dict[str, dict[str, Decimal]]] = field(default_factory=dict)   # task → len_in → shares
    cascade: dict[str, Cascade] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | str) -> "Policy":
        path = Path(path)
        try:
            raw = read_yaml(path) or {}
        except YamlFileError as exc:
            raise PolicyError(str(exc)) from None
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
        for tier, model in tiers.items():
            if not isinstance(model, str) or not model.strip():
                raise PolicyError(f"{where}: tiers.{tier}: expected a model id, got {model!r}")
        raw_mix = raw.get("mix") or {}
        if not isinstance(raw_mix, dict):
            raise PolicyError(f"{where}: mix: expected a mapping task type: {{tier: share}}")
        mix, by_length = {}, {}
        for task, shares in raw_mix.items():
            if isinstance(shares, dict) and shares and all(isinstance(v, dict) for v in shares.values()):
                bad = sorted(b for b in map(str, shares) if not BUCKET_LABEL.match(b))
                if bad:
                    raise PolicyError(f"{where}: mix.{task}: not an input-length bucket: {', '.join(bad)} "
                                      f"(buckets look like {', '.join(INPUT_LENGTHS)})")
                by_length[str(task)] = {str(b): _shares(s, f"{where}: mix.{task}.{b}", cascade=True)
                                        for b, s in shares.items()}
            else:
                mix[str(task)] = _shares(shares, f"{where}: mix.{task}", cascade=True)
        default = _shares(raw["default"], f"{where}: default") if raw.get("default") is not None else None
        cascades = {str(task): _cascade(c, f"{where}: cascade.{task}")
                    for task, c in (_mapping(raw.get("cascade"), f"{where}: cascade")).items()}
        for task, shares in [*mix.items(), *((t, s) for t, per in by_length.items() for s in per.values())]:
            if CASCADE in shares and task not in cascades:
                raise PolicyError(f"{where}: mix.{task}: a {CASCADE} share needs cascade.{task} "
                                  "(from, to, detection_rate, false_alarm_rate)")
        for task in cascades:
            given = [mix[task]] if task in mix else list((by_length.get(task) or {}).values())
            if given and not any(CASCADE in shares for shares in given):
                # a task's cascade takes all its traffic unless its mix names a cascade share: an explicit mix
                # without one would be silently overruled
                raise PolicyError(f"{where}: mix.{task}: cascade.{task} is set but this mix gives it no {CASCADE} "
                                  f"share; add one (e.g. {{{CASCADE}: 0.8, flagship: 0.2}}), or drop the mix to send "
                                  "all of it through the cascade, or drop the cascade")
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
        return cls({k: str(v) for k, v in tiers.items()}, mix, default, batch, inflation, name=where,
                   mix_by_length=by_length, cascade=cascades)

    def check_names(self, task_types: list[str], input_buckets: list[str]) -> None:
        """Refuse a task type or input-length bucket the client does not have: a misspelt `clasification:` would
        otherwise leave that traffic on its current routing and report $0.00 of savings without a word."""
        def check(name: str, known: list[str], key: str, what: str) -> None:
            if name not in known:
                raise PolicyError(f"{self.name}: {key}: unknown {what}; {did_you_mean(name, known)}{what}s are "
                                  f"{', '.join(known)}")

        for section, tasks in (("mix", [*self.mix, *self.mix_by_length]), ("batch_share", self.batch_share),
                               ("cascade", self.cascade)):
            for task in tasks:
                check(task, task_types, f"{section}.{task}", "task type")
        for task, per in self.mix_by_length.items():
            for bucket in per:
                check(bucket, input_buckets, f"mix.{task}.{bucket}", "input-length bucket")

    def tier_shares(self, task_type: str, len_in: str | None = None) -> dict[str, Decimal] | None:
        """The shares per tier (and ``cascade``) of a task's requests of that input length; None means: keep the
        current routing. A per-length mix wins over the task's mix, which wins over ``default``; a task with a
        cascade whose mix names no ``cascade`` share (at any length) sends all its traffic through the cascade."""
        by_length = self.mix_by_length.get(task_type) or {}
        if len_in in by_length:
            shares = by_length[len_in]
        else:
            shares = self.mix.get(task_type, self.default)
        if task_type in self.cascade and not self._names_cascade(task_type):
            return {CASCADE: Decimal(1)}
        return shares

    def _names_cascade(self, task_type: str) -> bool:
        return CASCADE in self.mix.get(task_type, {}) or any(
            CASCADE in shares for shares in (self.mix_by_length.get(task_type) or {}).values())

    def to_yaml(self) -> dict:
        """The policy as its file writes it (what Policy.parse reads back)."""
        share = lambda shares: {t: float(v) for t, v in shares.items()}   # noqa: E731
        out: dict = {}
        if self.tiers:
            out["tiers"] = dict(self.tiers)
        mix = {t: share(s) for t, s in self.mix.items()}
        mix.update({t: {b: share(s) for b, s in per.items()} for t, per in self.mix_by_length.items()})
        if mix:
            out["mix"] = mix
        if self.default is not None:
            out["default"] = share(self.default)
        if self.batch_share:
            out["batch_share"] = {t: float(v) for t, v in self.batch_share.items()}
        if self.output_inflation:
            out["output_inflation"] = {t: [float(v) for v in k] for t, k in self.output_inflation.items()}
        if self.cascade:
            out["cascade"] = {t: c.to_yaml() for t, c in self.cascade.items()}
        return out


def _decimal(value, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise PolicyError(f"{where}: not a number: {value!r}") from None
    if not number.is_finite():   # YAML's .nan and .inf
        raise PolicyError(f"{where}: not a finite number: {value!r}")
    return number


def _check_tier_names(mapping: dict, where: str, options: tuple[str, ...] = ()) -> None:
    """Every key a tier (or one of ``options``, the other names allowed there: current, cascade); a misspelt one is
    named with the closest allowed name, as routekit.yaml's and the validator's tiers are."""
    if not isinstance(mapping, dict):
        raise PolicyError(f"{where}: expected a mapping of tier: ...")
    allowed = (*TIERS, *options)
    bad = sorted(set(map(str, mapping)) - set(allowed))
    if bad:
        hints = "".join(did_you_mean(b, allowed) for b in bad)
        raise PolicyError(f"{where}: unknown tier(s) {', '.join(bad)}; {hints}tiers are {', '.join(TIERS)}"
                          + (f" (or {' or '.join(options)})" if options else ""))


def _mapping(value, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PolicyError(f"{where}: expected a mapping")
    return value


def _cascade(raw, where: str) -> Cascade:
    required, optional = {"from", "to", "detection_rate", "false_alarm_rate"}, {"correlation", "validator"}
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: expected {{from: tier, to: tier, detection_rate: d, false_alarm_rate: f}}")
    unknown, missing = sorted(map(str, set(raw) - required - optional)), sorted(required - set(raw))
    if unknown or missing:
        raise PolicyError(f"{where}: " + "; ".join(
            ([f"unknown key(s) {', '.join(unknown)}"] if unknown else [])
            + ([f"missing {', '.join(missing)}"] if missing else [])))
    _check_tier_names({raw["from"]: None, raw["to"]: None}, where)
    if raw["from"] == raw["to"]:
        raise PolicyError(f"{where}: from and to are the same tier ({raw['from']})")
    if TIERS.index(str(raw["to"])) < TIERS.index(str(raw["from"])):
        # a cascade down to a cheaper tier would lower the cost while the quality model reads it as a safety net
        raise PolicyError(f"{where}: escalates from {raw['from']} to {raw['to']}, which is not above it; a cascade "
                          f"sends what its first tier fails to a stronger one (tiers from the cheapest: "
                          f"{', '.join(TIERS)})")
    rates = {"correlation": Decimal(1)}
    for key in ("detection_rate", "false_alarm_rate", "correlation"):
        if key not in raw:
            continue
        rates[key] = _decimal(raw[key], f"{where}.{key}")
        if not Decimal(0) <= rates[key] <= Decimal(1):
            raise PolicyError(f"{where}.{key}: must be between 0 and 1, got {raw[key]}")
    validator = parse_validator(raw["validator"], f"{where}.validator") if "validator" in raw else None
    return Cascade(str(raw["from"]), str(raw["to"]), rates["detection_rate"], rates["false_alarm_rate"],
                   rates["correlation"], validator)


def parse_validator(raw, where: str) -> Validator:
    """A cascade's ``validator``: {cost_per_request_usd} or {tier, reads, instruction_tokens, output_tokens}, either
    with an optional latency_ms."""
    flat, judge, common = {"cost_per_request_usd"}, {"tier", "reads", "instruction_tokens", "output_tokens"}, \
        {"latency_ms"}
    shape = ("expected {cost_per_request_usd: USD} (a check with a known price) or {tier: budget, reads: "
             "request+answer, instruction_tokens: 0, output_tokens: 5} (an LLM judge)")
    if not isinstance(raw, dict) or not raw:
        raise PolicyError(f"{where}: {shape}")
    keys = set(map(str, raw))
    unknown = sorted(keys - flat - judge - common)
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {', '.join(unknown)}; {shape}")
    if not keys & (flat | {"tier"}):
        raise PolicyError(f"{where}: {shape}")
    if "cost_per_request_usd" in keys and keys & judge:
        # a flat price and a judge at once: which one the check costs would be a guess
        raise PolicyError(f"{where}: cost_per_request_usd and {', '.join(sorted(keys & judge))} cannot go together; "
                          f"{shape}")
    latency = None
    if "latency_ms" in raw:
        latency = _decimal(raw["latency_ms"], f"{where}.latency_ms")
        if latency < 0:
            raise PolicyError(f"{where}.latency_ms: cannot be negative, got {raw['latency_ms']}")
    if "cost_per_request_usd" in raw:
        cost = _decimal(raw["cost_per_request_usd"], f"{where}.cost_per_request_usd")
        if cost < 0:
            raise PolicyError(f"{where}.cost_per_request_usd: cannot be negative, got {raw['cost_per_request_usd']}")
        return Validator(cost_per_request_usd=cost, latency_ms=latency)
    if raw["tier"] not in TIERS:
        raise PolicyError(f"{where}.tier: unknown tier {raw['tier']!r}; {did_you_mean(str(raw['tier']), TIERS)}"
                          f"tiers are {', '.join(TIERS)}")
    reads = raw.get("reads", VALIDATOR_READS[0])
    if reads not in VALIDATOR_READS:
        raise PolicyError(f"{where}.reads: expected {' or '.join(VALIDATOR_READS)}, got {reads!r}")
    counts = {}
    for key, default in (("instruction_tokens", 0), ("output_tokens", JUDGE_OUTPUT_TOKENS)):
        value = raw.get(key, default)
        # bool is an int to Python: `output_tokens: yes` would price one token
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PolicyError(f"{where}.{key}: expected a whole number of tokens >= 0, got {value!r}")
        counts[key] = value
    return Validator(tier=str(raw["tier"]), reads=reads, latency_ms=latency, **counts)


def _shares(shares, where: str, cascade: bool = False) -> dict[str, Decimal]:
    if not isinstance(shares, dict) or not shares:
        raise PolicyError(f"{where}: expected a mapping tier: share, e.g. {{budget: 0.7, mid: 0.3}}")
    _check_tier_names(shares, where, (CURRENT, CASCADE) if cascade else (CURRENT,))
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
    # the audio subsets (schema.sql): uncached audio input, audio cache reads (a part of cached_input_tokens), audio
    # output (a part of output_tokens), priced at the model's audio prices (token_cost)
    input_audio_tokens: Decimal = Decimal(0)
    cached_audio_tokens: Decimal = Decimal(0)
    output_audio_tokens: Decimal = Decimal(0)
    # False for usage-export traffic without a request count (Anthropic's usage report has none): with no requests
    # there are no failures to count, so no quality risk for moving it can be estimated, and every scenario keeps
    # it on its current models and batch use (a mix, a default or a batch share never moves it)
    sized: bool = True
    # the UTC time of day the row's calls are priced at: the start of its time-of-day slot (engine.time_slots), for
    # the models with time-of-day prices; None (no slot: usage rows, or no such model involved) is the day rate
    at: dt.time | None = None
    # every call of the row has more input than this, and no price cliff lies between it and any call's input (the
    # largest cliff of the catalog below them: int_calls.input_floor); 0 for rows below every cliff and usage rows
    input_floor: int = 0


def past_cliff(quote: PriceQuote, input_floor: int) -> bool:
    """Whether calls with more input than ``input_floor`` (a cube row's) are past the quote's cliff. Either all of a
    row's calls are or none: the floor is one of the catalog's cliffs (or 0) and so is the quote's, so the quote's
    cliff is at or below the floor, or at or above every call of the row."""
    return quote.above(input_floor + 1)


def load_cube(con: duckdb.DuckDBPyConnection) -> tuple[list[CubeRow], Projection | None]:
    # A failed call (status error) had no answer, so no quality to fail, and moving it to another tier changes
    # nothing: its requests are not traffic to route, as the report's tables count answered requests alone.
    # Counted, they added q × failed calls to today's failures and to the extra-failure rate's denominator, and
    # let the optimizer send the failed calls of a segment without answers to a safer tier at no cost and spend
    # the failures "saved" on real traffic (brightside_agency: 20 failed reasoning calls under 1k tokens to the
    # reasoning tier, -0.48; globex_devtools -4.54, so its recommended mix's 2.00 % was 2.14 % of the answered
    # requests). Their tokens stay (OpenRouter bills a cancelled generation's); a row left with no answered
    # request and nothing billed is dropped.
    rows = con.execute("""
        SELECT task_type, len_in, len_out, provider, model, tier, coalesce(is_batch, false),
               sum(requests) - coalesce(sum(errors), 0), sum(input_tokens), sum(cached_input_tokens),
               sum(cache_write_tokens), sum(output_tokens), sum(input_audio_tokens), sum(cached_audio_tokens),
               sum(output_audio_tokens), requests IS NOT NULL AS sized, s.from_time, input_floor
        FROM mart_cube c LEFT JOIN time_slots s ON s.slot = c.tod_slot
        GROUP BY ALL
        HAVING requests IS NULL OR sum(requests) > coalesce(sum(errors), 0)
            OR coalesce(sum(input_tokens), 0) + coalesce(sum(output_tokens), 0) > 0
        ORDER BY ALL""").fetchall()
    span = con.execute("SELECT min(first_ts), max(last_ts) FROM mart_cube").fetchone()
    projection = Projection.of(span[0], span[1]) if span[0] else None
    return [CubeRow(*r[:7], *(Decimal(int(v or 0)) for v in r[7:15]), sized=r[15], at=r[16], input_floor=int(r[17]))
            for r in rows], \
        projection


def token_cost(row: CubeRow, quote: PriceQuote, output_factor: Decimal = Decimal(1)) -> Decimal:
    """The segment's tokens at the quote's prices: past its cliff if the row's calls are (past_cliff), audio
    at its audio prices (int_priced.sql's rk_token_cost, term for term); output inflation scales audio output as it
    does text."""
    p_in, p_cached, p_write, p_out, p_audio, p_audio_cached, p_audio_out = quote.prices_in_force(past_cliff(quote, row.input_floor))
    text = max(row.input_tokens - row.cached_input_tokens - row.cache_write_tokens - row.input_audio_tokens,
               Decimal(0))
    return (text * p_in + row.input_audio_tokens * p_audio
            + max(row.cached_input_tokens - row.cached_audio_tokens, Decimal(0)) * p_cached
            + row.cached_audio_tokens * p_audio_cached + row.cache_write_tokens * p_write
            + (max(row.output_tokens - row.output_audio_tokens, Decimal(0)) * p_out
               + row.output_audio_tokens * p_audio_out) * output_factor) / MILLION


def cube_key(row: CubeRow) -> tuple:
    """What tells a cube row from the others (load_cube's grouping; judge_past_cliff.sql's columns, in order)."""
    return (row.task_type, row.len_in, row.len_out, row.provider, row.model, row.tier, row.is_batch, row.at,
            row.input_floor)


Tokens = tuple[Decimal, Decimal, Decimal]   # answered requests, input tokens, output tokens


def judge_cost(row: CubeRow, quote: PriceQuote, validator: Validator, answer_factor: Decimal,
               past: Tokens | None = None) -> Decimal:
    """An LLM judge on every request of the row: it reads the request (all its input tokens) and the ``from``
    tier's answer (the row's output × that tier's output inflation ``answer_factor``), or the answer alone, plus its
    instructions, at the quote's uncached input price, and writes ``output_tokens`` at its output price. Each call is
    priced in the band of the judge's own input: ``past`` is what of the row the judge reads past the quote's cliff
    (Simulator.judge_past); None, when the calls are not at hand, prices the row in the band of its requests
    (past_cliff), which misses a judge that the answer and instructions take past the cliff."""
    whole = (row.requests, row.input_tokens, row.output_tokens)
    if quote.above_input_tokens is None:
        past = (Decimal(0),) * 3
    elif past is None:
        past = whole if past_cliff(quote, row.input_floor) else (Decimal(0),) * 3

    def priced(requests: Decimal, input_tokens: Decimal, output_tokens: Decimal, above: bool) -> Decimal:
        p_in, _, _, p_out, *_ = quote.prices_in_force(above)
        read = output_tokens * answer_factor + requests * validator.instruction_tokens
        if validator.reads == "request+answer":
            read += input_tokens
        return read * p_in + requests * validator.output_tokens * p_out

    below = [w - p for w, p in zip(whole, past)]
    return (priced(*below, False) + (priced(*past, True) if any(past) else Decimal(0))) / MILLION


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


Escalation = Callable[[str, str, Cascade], Decimal]


@dataclass
class CostCube:
    """The priced cube as numpy arrays, for the risk engine and the optimizer: one row per segment (task type ×
    input length × output length), one column per tier in ``TIERS``. Money is monthly USD as floats; NaN marks a
    tier that cannot be priced for that segment (no representative, or an unpriced one)."""

    keys: list[tuple[str, str, str]]   # (task_type, len_in, len_out)
    requests: np.ndarray               # [S] requests per month
    current_cost: np.ndarray           # [S] the current routing (the baseline)
    keep_cost: np.ndarray              # [S] the current models at the policy's batch shares ("keep current routing")
    cost: np.ndarray                   # [S, T] all of the segment at the tier's representative, expected output
    cost_low: np.ndarray               # [S, T] low output inflation
    cost_high: np.ndarray              # [S, T] high output inflation
    current_requests: np.ndarray       # [S, T + 1] requests per month per current tier; last column: unmapped
    tiers: tuple[str, ...] = TIERS
    # [S] what a cascade's LLM judge costs a month on each segment, all of it cascaded (RowPrices.judge_rows at the
    # cube's representatives and batch shares); None (a cube from plain arrays): flat validators only
    judge: Callable[["Cascade"], np.ndarray] | None = None
    representatives: dict[str, str] | None = None   # tier → the model it was priced at

    def validator_cost(self, cascade: Cascade) -> np.ndarray:
        """[S] monthly cost of the cascade's validator if all of each segment's requests went through the cascade
        (Simulator._validator_parts' expected figure; NaN where the judge's tier cannot be priced)."""
        v = cascade.validator
        if v is None:
            return np.zeros(len(self.keys))
        if v.tier is None:
            return self.requests * float(v.cost_per_request_usd)
        if self.judge is None:
            raise ValueError("this cost cube carries no judge prices: build it with Simulator.cost_cube")
        return self.judge(cascade)

    @classmethod
    def from_arrays(cls, keys, requests, cost, current_requests, current_cost=None, keep_cost=None) -> "CostCube":
        """A cube from plain arrays (tests, notebooks): the range collapses to the expected cost."""
        cost = np.asarray(cost, dtype=float)
        current_requests = np.asarray(current_requests, dtype=float)
        if current_requests.shape[1] == len(TIERS):
            current_requests = np.hstack([current_requests, np.zeros((len(keys), 1))])
        if current_cost is None:   # the current tiers at the representatives' prices
            shares = current_requests[:, :len(TIERS)] / np.maximum(current_requests.sum(1, keepdims=True), 1e-300)
            current_cost = np.nansum(shares * cost, axis=1)
        current_cost = np.asarray(current_cost, dtype=float)
        keep_cost = current_cost if keep_cost is None else np.asarray(keep_cost, dtype=float)
        return cls(list(keys), np.asarray(requests, dtype=float), current_cost, keep_cost, cost, cost.copy(),
                   cost.copy(), current_requests)


class Simulator:
    """Prices policies on one client's cube. Quotes are looked up once per (model, variant) and cached."""

    def __init__(self, rows: list[CubeRow], projection: Projection | None, catalog: PriceCatalog,
                 representatives: dict[str, str], on: dt.date | None = None, judge_calls=None) -> None:
        # checked here, not only by the CLI's --date: a Python caller's out-of-range date was priced silently
        self.rows, self.projection, self.catalog, self.on = rows, projection, catalog, checked_price_date(on)
        # the calls behind the rows (judge_calls.JudgeCalls over the client's database), for an LLM judge's price
        # band; None (rows built by hand): a judge is priced in the band of the row's requests
        self.judge_calls = judge_calls
        self.representatives = dict(representatives)
        self._quotes: dict[tuple, PriceQuote | None] = {}
        self.unpriced: set[str] = set()

    def quote(self, model: str, provider: str | None, batch: bool, at: dt.time | None = None) -> PriceQuote | None:
        """The model's price at the price date, at the UTC time of day ``at`` (a cube row's slot; None: the day
        rate, which is the only rate of a model without time-of-day prices)."""
        key = (model, provider, batch, at)
        if key not in self._quotes:
            q = self.catalog.quote(model, provider, on=self.on, variant="batch" if batch else "standard", at=at)
            if q is None and batch:   # no batch price: the standard one (never a guessed discount)
                q = self.catalog.quote(model, provider, on=self.on, at=at)
            self._quotes[key] = q
        if self._quotes[key] is None:
            self.unpriced.add(model)
        return self._quotes[key]

    def check_priced(self, policy: Policy, reps: dict[str, str]) -> None:
        """A tier the mix sends traffic to must have a priced representative: without a price its traffic would
        drop out of both totals and the mix would look as cheap as today's routing."""
        used = {t for shares in [*policy.mix.values(), *(s for per in policy.mix_by_length.values()
                                                          for s in per.values()),
                                 *([policy.default] if policy.default else [])]
                for t, share in shares.items() if share and t in TIERS}
        used |= {t for c in policy.cascade.values() for t in (c.from_tier, c.to_tier)}
        used |= {c.validator.tier for c in policy.cascade.values() if c.validator and c.validator.tier}
        for tier in sorted(used):
            if tier in reps and self.quote(reps[tier], None, False) is None:
                raise PolicyError(f"{policy.name}: tier {tier}'s model {reps[tier]} has no price "
                                  f"{'on ' + str(self.on) if self.on else 'in the catalog'}; choose a priced model "
                                  "or add it to the client's prices.csv")

    def _tier_parts(self, policy: Policy, row: CubeRow, tier: str, reps: dict, inflation: dict,
                    batch_share: Decimal) -> list[Decimal | None]:
        """The row at the tier's representative: [expected, low, high] output inflation."""
        if tier not in reps:
            raise no_representative(policy, tier)
        lo_k, mid_k, hi_k = inflation[tier]
        return [self._at(row, reps[tier], None, batch_share, k) for k in (mid_k, lo_k, hi_k)]

    def _validator_parts(self, policy: Policy, row: CubeRow, casc: Cascade, reps: dict, inflation: dict,
                         batch_share: Decimal) -> list[Decimal | None]:
        """What the cascade's validator costs on all of the row's requests: [expected, low, high] (a judge reads the
        ``from`` tier's answer, whose length follows that tier's output inflation); None: the judge is unpriced."""
        v = casc.validator
        if v is None:
            return [Decimal(0)] * 3
        if v.tier is None:
            return [row.requests * v.cost_per_request_usd] * 3
        if v.tier not in reps:
            raise no_representative(policy, v.tier)
        lo_k, mid_k, hi_k = inflation[casc.from_tier]
        out = []
        for k in (mid_k, lo_k, hi_k):
            cost = Decimal(0)
            for batch, share in ((False, 1 - batch_share), (True, batch_share)):
                if not share:
                    continue
                quote = self.quote(reps[v.tier], None, batch, row.at)   # no batch price: the standard one
                if quote is None:
                    return [None] * 3
                cost += share * judge_cost(row, quote, v, k, self.judge_past(row, quote, v, k))
            out.append(cost)
        return out

    def judge_past(self, row: CubeRow, quote: PriceQuote, validator: Validator, answer_factor: Decimal) \
            -> Tokens | None:
        """What of the row a judge at ``quote`` reads past its cliff (judge_cost's ``past``): from the client's calls
        (judge_calls); None without them, or when the quote has no cliff."""
        if self.judge_calls is None or quote.above_input_tokens is None or not row.sized:
            return None
        found = self.judge_calls.past(quote.above_input_tokens, validator.reads == "request+answer", answer_factor,
                                      validator.instruction_tokens)
        return found.get(cube_key(row), (Decimal(0),) * 3)

    def _at(self, row: CubeRow, model: str, provider: str | None, batch_share: Decimal,
            factor: Decimal) -> Decimal | None:
        std = self.quote(model, provider, False, row.at)
        if std is None:
            return None
        cost = token_cost(row, std, factor)
        if batch_share:
            batch = self.quote(model, provider, True, row.at)
            cost = cost * (1 - batch_share) + token_cost(row, batch, factor) * batch_share
        return cost

    def evaluate(self, policy: Policy | None, escalation: Escalation | None = None) -> dict:
        """Monthly cost of the policy (None: the current routing), with baseline, all-flagship and the range.

        ``escalation(task_type, len_in, cascade)`` gives a cascade's escalation rate (the quality model's
        ``QualityModel.escalation``); without one, a policy with cascades uses the shipped priors alone."""
        policy = policy or Policy(name="current routing")
        segments, totals, factor, inflation, reps = self._priced(policy, escalation)
        money = lambda v: float(to_cent(v * factor))   # noqa: E731  (display only)
        return {
            "policy": policy.name,
            "monthly_cost_usd": money(totals["cost"]),
            "baseline_monthly_cost_usd": money(totals["current"]),
            "all_flagship_monthly_cost_usd": money(totals["flagship"]),
            # usage without request counts, kept on its current models whatever the policy (CubeRow.sized); part of
            # both the baseline and the policy's cost, and of no segment below
            "unsized_usage_monthly_cost_usd": money(totals["unsized"]),
            # the two figures as shown, less one another: a reader checks $65.67 - $18.10 = $47.57, which the
            # difference rounded on its own ($47.56) contradicts
            "savings_usd": float(to_cent(totals["current"] * factor) - to_cent(totals["cost"] * factor)),
            "savings_pct": float(round(100 * (totals["current"] - totals["cost"]) / totals["current"], 2))
            if totals["current"] else None,
            "cost_range_usd": [money(totals["low"]), money(totals["high"])],
            "cost_range_method": "output tokens scaled per tier by (low, expected, high) = " + ", ".join(
                f"{t} {tuple(map(float, k))}" for t, k in inflation.items())
            + "; the monthly cost uses the expected factor, the range the low and high ones",
            "tiers": {t: reps.get(t) for t in TIERS if t in reps},
            "prices_as_of": str(price_day(self.on)),
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

    def segment_costs(self, policy: Policy | None, escalation: Escalation | None = None) \
            -> dict[tuple[str, str, str], tuple[Decimal, Decimal]]:
        """Per segment (task type, input length, output length): (current routing, the policy) in USD a month,
        unrounded. Figures built from several segments are summed from these and rounded once: summing
        evaluate()'s cent-rounded segments put a finding a cent or two off its own traffic's cost."""
        segments, _, factor, _, _ = self._priced(policy or Policy(name="current routing"), escalation)
        return {k: (s.current * factor, s.cost * factor) for k, s in segments.items() if s.requests}

    def _priced(self, policy: Policy, escalation: Escalation | None):
        """evaluate()'s arithmetic: the segments and totals in USD over the log window (× factor for a month)."""
        if policy.cascade and escalation is None:
            from routekit.quality import QualityModel   # quality builds on this module: import late
            escalation = QualityModel.load().escalation
        reps = {**self.representatives, **policy.tiers}
        self.check_priced(policy, reps)
        inflation = {**OUTPUT_INFLATION, **policy.output_inflation}
        factor = self.projection.factor if self.projection else Decimal(1)
        segments: dict[tuple, SegmentResult] = {}
        totals = {"cost": Decimal(0), "low": Decimal(0), "high": Decimal(0), "current": Decimal(0),
                  "flagship": Decimal(0), "unsized": Decimal(0)}
        for row in self.rows:
            seg = segments.setdefault((row.task_type, row.len_in, row.len_out),
                                      SegmentResult(row.task_type, row.len_in, row.len_out))
            current = self._at(row, row.model, row.provider, Decimal(1 if row.is_batch else 0), Decimal(1))
            if current is None:
                continue   # unpriced: listed, excluded from every total alike so comparisons stay fair
            shares = policy.tier_shares(row.task_type, row.len_in) if row.sized else None
            batch_share = policy.batch_share.get(row.task_type, Decimal(1 if row.is_batch else 0)) if row.sized \
                else Decimal(1 if row.is_batch else 0)
            if not row.sized:
                totals["unsized"] += current
            flagship = self._at(row, reps["flagship"], None, Decimal(1 if row.is_batch else 0),
                                inflation["flagship"][1]) if "flagship" in reps and row.sized else None
            if shares is None:   # keep the current routing for this task
                cost = low = high = self._at(row, row.model, row.provider, batch_share, Decimal(1))
                seg.tier_requests[row.tier or "unmapped"] = seg.tier_requests.get(row.tier or "unmapped", 0) \
                    + row.requests
            else:
                cost = low = high = Decimal(0)
                for tier, share in shares.items():
                    if share == 0:
                        continue
                    if tier == CURRENT:
                        keep = self._at(row, row.model, row.provider, batch_share, Decimal(1))
                        cost, low, high = cost + share * keep, low + share * keep, high + share * keep
                        label = row.tier or "unmapped"
                        seg.tier_requests[label] = seg.tier_requests.get(label, 0) + share * row.requests
                        continue
                    if tier == CASCADE:   # every request at `from`, the escalated ones again at `to`
                        casc = policy.cascade[row.task_type]
                        rate = escalation(row.task_type, row.len_in, casc)
                        first = self._tier_parts(policy, row, casc.from_tier, reps, inflation, batch_share)
                        second = self._tier_parts(policy, row, casc.to_tier, reps, inflation, batch_share)
                        check = self._validator_parts(policy, row, casc, reps, inflation, batch_share)
                        parts = [None] if None in first + second + check else \
                            [a + rate * b + v for a, b, v in zip(first, second, check)]
                    else:
                        parts = self._tier_parts(policy, row, tier, reps, inflation, batch_share)
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
        return segments, totals, factor, inflation, reps

    def cost_cube(self, policy: Policy | None = None) -> CostCube:
        """Each segment priced whole at every tier (and as kept), with the policy's representatives, output
        inflation and batch shares (its mix is ignored: the cube is what a mix is evaluated on). Rows whose current
        model is unpriced are left out, as in evaluate()."""
        return self.row_prices().cost_cube(policy)

    def row_prices(self) -> "RowPrices":
        """The rows' prices as arrays (built once per simulator): what cost_cube and fast totals work on."""
        if getattr(self, "_row_prices", None) is None:
            self._row_prices = RowPrices(self)
        return self._row_prices


def no_representative(policy: Policy, tier: str) -> PolicyError:
    return PolicyError(f"{policy.name}: tier {tier} has no representative model "
                       f"(set tiers.{tier} in the policy or routekit.yaml)")


# -- the same prices as arrays: many mixes of one client's traffic in milliseconds ---------------------------------
# A float sum of n terms is off by at most about n × 1.1e-16 of the sum of their sizes; 1e-10 leaves room for
# 10^5 cost rows, far more than any cube holds. A figure closer than that to a rounding tie is recomputed exactly.
FLOAT_MARGIN = 1e-10
OTHER_TIER = "unmapped"   # a current model with no tier, in the per-tier breakdown


def rounded(value: float, places: int, size: float) -> float | None:
    """``value`` rounded to ``places`` decimals, or None when it lies within the float error of a rounding tie
    (``size``: the sum of the sizes of the terms behind it), where only exact Decimal arithmetic can decide."""
    scaled = abs(value) * 10 ** places
    if abs(scaled - np.floor(scaled) - 0.5) <= (FLOAT_MARGIN * size + 1e-12) * 10 ** places:
        return None
    return round(value, places)


class RowPrices:
    """Simulator.evaluate's pricing as numpy arrays over the cube rows, built once per simulator: token counts per
    row, the current models' prices per row, and each representative's costs per row (cached per model). Pricing
    a mix is then a few vector products (the tier explorer prices one per slider move), and the whole cost cube
    a few bincounts.

    Floats are exact to about 1e-15 of each figure; ``totals`` rounds a figure to the cent only when that error
    cannot change the cent and otherwise answers None, for the caller to use the Decimal ``Simulator.evaluate``:
    the cents shown are always evaluate()'s."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        rows = sim.rows
        self.factor = float(sim.projection.factor) if sim.projection else 1.0
        column = lambda name: np.array([float(getattr(r, name)) for r in rows], dtype=float)   # noqa: E731
        self.requests = column("requests")
        inp, cached, write = column("input_tokens"), column("cached_input_tokens"), column("cache_write_tokens")
        audio, cached_audio, out_audio = (column("input_audio_tokens"), column("cached_audio_tokens"),
                                          column("output_audio_tokens"))
        # token_cost's terms: text uncached, text cache reads, cache writes, audio uncached, audio cache reads [R, 5]
        self.input_tokens = np.stack([np.maximum(inp - cached - write - audio, 0.0),
                                      np.maximum(cached - cached_audio, 0.0), write, audio, cached_audio], axis=1)
        out = column("output_tokens")
        self.all_input, self.all_output = inp, out   # what an LLM judge reads (judge_cost)
        self.output_tokens = np.stack([np.maximum(out - out_audio, 0.0), out_audio], axis=1)   # text, audio [R, 2]
        self.is_batch = np.array([1.0 if r.is_batch else 0.0 for r in rows])
        self.fixed = np.array([not r.sized for r in rows], dtype=bool)   # kept as they are by every policy
        self.tier_col = np.array([TIERS.index(r.tier) if r.tier in TIERS else len(TIERS) for r in rows], dtype=int)
        self.groups, self.group_of = _index(rows, lambda r: (r.task_type, r.len_in))
        self.tasks, self.task_of = _index(rows, lambda r: r.task_type)
        self.keys, self.key_of = _index(rows, lambda r: (r.task_type, r.len_in, r.len_out))
        self.row_keys = [cube_key(r) for r in rows]   # what an LLM judge's calls are matched on (judge_rows)
        # the current models' own prices, looked up once per distinct (model, provider, batch, time of day, floor)
        own = {(r.model, r.provider, r.at, r.input_floor): None for r in rows}
        std = {k: self._vector(self.sim.quote(k[0], k[1], False, k[2]), k[3]) for k in own}
        bat = {k: self._vector(self.sim.quote(k[0], k[1], True, k[2]), k[3]) for k in own}
        key = lambda r: (r.model, r.provider, r.at, r.input_floor)   # noqa: E731
        self.own_std = self._parts(np.array([std[key(r)] for r in rows]).reshape(len(rows), 7))
        self.own_batch = self._parts(np.array([bat[key(r)] for r in rows]).reshape(len(rows), 7))
        # each row's time of day (its slot) and input floor: a representative with time-of-day prices, or with a
        # cliff some rows are past, is priced per row at them
        self.slots, self.slot_of = _index(rows, lambda r: (r.at, r.input_floor))
        self.current = self.at(self.own_std, self.own_batch, self.is_batch, 1.0)
        self._models: dict[str, tuple | None] = {}

    @staticmethod
    def _vector(quote: PriceQuote | None, input_floor: int) -> list[float]:
        """The quote's prices for rows at this input floor, in the order of the rows' token columns: 5 input, then 2
        output (text, audio)."""
        if quote is None:
            return [np.nan] * 7
        p_in, p_cached, p_write, p_out, p_audio, p_audio_cached, p_audio_out = quote.prices_in_force(
            past_cliff(quote, input_floor))
        return [float(p) for p in (p_in, p_cached, p_write, p_audio, p_audio_cached, p_out, p_audio_out)]

    def _parts(self, prices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(input cost, output cost) per row at prices [R, 7] or [7] (token_cost's terms; output before inflation)."""
        prices = np.atleast_2d(prices)
        return ((self.input_tokens * prices[:, :5]).sum(1) / 1e6, (self.output_tokens * prices[:, 5:]).sum(1) / 1e6)

    @staticmethod
    def at(std, batch, batch_share, factor) -> np.ndarray:
        """Cost per row at a batch share: Simulator._at's blend of the standard and batch prices."""
        return (std[0] + factor * std[1]) * (1 - batch_share) + (batch[0] + factor * batch[1]) * batch_share

    def model(self, model: str) -> tuple | None:
        """(standard parts, batch parts) of every row at a representative model; None when it is unpriced (at the
        day rate: Simulator.check_priced's test). Prices are one vector, or one per row where the rows' times of day
        or input floors differ (a cube with time-of-day slots, or with calls past a price cliff)."""
        if model not in self._models:
            prices = self.prices(model)
            self._models[model] = None if prices is None else (self._parts(prices[0]), self._parts(prices[1]))
        return self._models[model]

    def prices(self, model: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(standard, batch) prices of a representative, [7] or [R, 7] (see model()); None when it is unpriced."""
        if self.sim.quote(model, None, False) is None:
            return None
        per_slot = lambda batch: np.array([   # noqa: E731
            self._vector(self.sim.quote(model, None, batch, at), floor) for at, floor in self.slots])
        std, batch = per_slot(False), per_slot(True)
        if len(self.slots) > 1:
            std, batch = std[self.slot_of], batch[self.slot_of]
        return std, batch

    def judge_rows(self, model: str | None, batch_share, validator: Validator, answer_factor: Decimal) -> np.ndarray:
        """[R] an LLM judge at a representative on every request of each row, at the batch shares (judge_cost, each
        call in the band of the judge's own input; NaN: unpriced)."""
        if not model or self.sim.quote(model, None, False) is None:
            return np.full(len(self.requests), np.nan)
        whole = np.stack([self.requests, self.all_input, self.all_output])   # [3, R]
        out = np.zeros(len(self.requests))
        for batch, share in ((False, 1 - batch_share), (True, batch_share)):
            for at, floor in self.slots:
                rows = self.slot_of == self.slots.index((at, floor))
                quote = self.sim.quote(model, None, batch, at)   # no batch price: the standard one
                if quote is None:
                    out[rows] = np.nan
                    continue
                past = self._judge_past(quote, floor, validator, answer_factor, whole)
                cost = self._judge_read(quote, whole - past, False, validator, answer_factor)
                if quote.above_input_tokens is not None:
                    cost += self._judge_read(quote, past, True, validator, answer_factor)
                out[rows] += (share * cost)[rows]
        return out

    def _judge_past(self, quote: PriceQuote, floor: int, validator: Validator, answer_factor: Decimal,
                    whole: np.ndarray) -> np.ndarray:
        """[3, R] Simulator.judge_past for every row (rows of other slots included: the caller keeps its own)."""
        if quote.above_input_tokens is None:
            return np.zeros_like(whole)
        if self.sim.judge_calls is None:   # the band of the rows' requests
            return whole * float(past_cliff(quote, floor))
        found = self.sim.judge_calls.past(quote.above_input_tokens, validator.reads == "request+answer",
                                          answer_factor, validator.instruction_tokens)
        past = np.zeros_like(whole)
        for i, key in enumerate(self.row_keys):
            if key in found and not self.fixed[i]:
                past[:, i] = [float(v) for v in found[key]]
        return past

    @staticmethod
    def _judge_read(quote: PriceQuote, tokens: np.ndarray, above: bool, validator: Validator,
                    answer_factor: Decimal) -> np.ndarray:
        """judge_cost's ``priced`` on arrays: tokens [3, R] (requests, input, output) at the quote's band."""
        p_in, _, _, p_out, *_ = (float(p) for p in quote.prices_in_force(above)[:4])
        requests, input_tokens, output_tokens = tokens
        read = output_tokens * float(answer_factor) + requests * validator.instruction_tokens
        if validator.reads == "request+answer":
            read = read + input_tokens
        return (read * p_in + requests * validator.output_tokens * p_out) / 1e6

    def batch_shares(self, policy: Policy) -> np.ndarray:
        """Per row: the policy's batch share of its task, else the row's current batch use."""
        b = self.is_batch.copy()
        for task, share in policy.batch_share.items():
            if task in self.tasks:
                b[(self.task_of == self.tasks.index(task)) & ~self.fixed] = float(share)
        return b

    def tier_costs(self, model: str | None, batch_share, inflation) -> np.ndarray:
        """[3, R] the rows at a tier's representative: expected, low, high output inflation (NaN: unpriced)."""
        found = self.model(model) if model else None
        if found is None:
            return np.full((3, len(self.requests)), np.nan)
        low, expected, high = (float(k) for k in inflation)
        return np.stack([self.at(*found, batch_share, k) for k in (expected, low, high)])

    def mix_shares(self, policy: Policy) -> tuple[np.ndarray, np.ndarray] | None:
        """Per row, the share at each tier [R, T] and the share kept on today's models [R]; None when the mix sends
        traffic through a cascade (priced by Simulator.evaluate only)."""
        G = len(self.groups)
        tiers, keep = np.zeros((G, len(TIERS))), np.ones(G)
        for g, (task, len_in) in enumerate(self.groups):
            shares = policy.tier_shares(task, len_in)
            if shares is None:
                continue
            if float(shares.get(CASCADE, 0)):
                return None
            keep[g] = float(shares.get(CURRENT, 0))
            tiers[g] = [float(shares.get(t, 0)) for t in TIERS]
        tiers, keep = tiers[self.group_of], keep[self.group_of]
        tiers[self.fixed], keep[self.fixed] = 0.0, 1.0
        return tiers, keep

    def totals(self, policy: Policy | None) -> dict | None:
        """evaluate()'s totals (monthly cost and range, baseline, all flagship, savings) and the monthly cost per
        tier for this mix and the current routing (floats, for charts). None for a mix with a cascade; a figure at a
        rounding tie is None, with ``needs_exact`` set: Simulator.evaluate decides those."""
        policy = policy or Policy(name="current routing")
        mix = self.mix_shares(policy)
        if mix is None:
            return None
        shares, keep = mix
        reps = {**self.sim.representatives, **policy.tiers}
        self.sim.check_priced(policy, reps)
        inflation = {**OUTPUT_INFLATION, **policy.output_inflation}
        b = self.batch_shares(policy)
        kept = self.at(self.own_std, self.own_batch, b, 1.0)
        valid = ~np.isnan(self.current)
        cost = np.zeros((3, len(b)))
        by_tier = np.zeros((len(TIERS) + 1, len(b)))
        np.add.at(by_tier, (self.tier_col, np.arange(len(b))), keep * np.nan_to_num(kept))
        for t, tier in enumerate(TIERS):
            used = shares[:, t] > 0
            if not used.any():
                continue
            if tier not in reps:
                raise no_representative(policy, tier)
            parts = self.tier_costs(reps[tier], b, inflation[tier])
            valid &= ~(used & np.isnan(parts[0]))
            part = np.where(used, shares[:, t] * np.nan_to_num(parts), 0.0)
            cost += part
            by_tier[t] += part[0]
        cost += keep * np.nan_to_num(kept)
        flag = self.tier_costs(reps.get("flagship"), self.is_batch, inflation["flagship"])[0]
        flag = np.where(np.isnan(flag) | self.fixed, self.current, flag)
        current = np.where(valid, self.current, 0.0)
        sums = np.where(valid, cost, 0.0).sum(1) * self.factor
        base = float(current.sum()) * self.factor
        flagship = float(np.where(valid, flag, 0.0).sum()) * self.factor
        unsized = float(np.where(self.fixed, current, 0.0).sum()) * self.factor
        figures = [rounded(v, 2, v) for v in (*sums, base, flagship, unsized)]
        # savings as evaluate() gives them: the baseline and the cost as shown, less one another
        figures.append(None if None in (figures[0], figures[3]) else round(figures[3] - figures[0], 2))
        pct = rounded(100 * (base - sums[0]) / base, 2, 100 * (base + sums[0]) / base) if base else None
        categories = (*TIERS, OTHER_TIER)
        current_by_tier = np.bincount(self.tier_col, weights=current, minlength=len(categories)) * self.factor
        return {
            "policy": policy.name, "monthly_cost_usd": figures[0], "cost_range_usd": figures[1:3],
            "baseline_monthly_cost_usd": figures[3], "all_flagship_monthly_cost_usd": figures[4],
            "unsized_usage_monthly_cost_usd": figures[5], "savings_usd": figures[6], "savings_pct": pct,
            "tiers": {t: reps.get(t) for t in TIERS if t in reps},
            # a figure at a rounding tie (None above) is for Simulator.evaluate to give
            "needs_exact": None in figures or bool(base and pct is None),
            "cost_by_tier_usd": dict(zip(categories, (np.where(valid, by_tier, 0.0).sum(1) * self.factor).tolist())),
            "baseline_by_tier_usd": dict(zip(categories, current_by_tier.tolist())),
        }

    def cost_cube(self, policy: Policy | None = None) -> CostCube:
        """Simulator.cost_cube: the rows summed per segment (rows with an unpriced current model left out)."""
        policy = policy or Policy(name="current routing")
        reps = {**self.sim.representatives, **policy.tiers}
        inflation = {**OUTPUT_INFLATION, **policy.output_inflation}
        b = self.batch_shares(policy)
        valid = ~np.isnan(self.current)
        used, key = np.unique(self.key_of[valid], return_inverse=True)   # keys in first-seen order (rows sorted)
        K = len(used)
        total = lambda w: np.bincount(key, weights=w[valid], minlength=K) * self.factor   # noqa: E731
        parts = np.stack([self.tier_costs(reps.get(tier), b, inflation[tier]) for tier in TIERS], axis=2)   # [3, R, T]
        parts[:, self.fixed, :] = self.current[self.fixed, None]   # whichever tier it is given, it stays as it is
        tier_array = lambda i: np.stack([total(parts[i, :, t]) for t in range(len(TIERS))], axis=1)   # noqa: E731
        current_requests = np.stack([total(np.where(self.tier_col == t, self.requests, 0.0))
                                     for t in range(len(TIERS) + 1)], axis=1)
        judged: dict[tuple, np.ndarray] = {}   # the risk engine asks again at every slider move

        def judge(cascade: Cascade) -> np.ndarray:
            v = cascade.validator
            key = (v, inflation[cascade.from_tier][1])
            if key not in judged:
                rows = self.judge_rows(reps.get(v.tier), b, v, key[1])
                rows[self.fixed] = 0.0   # usage without request counts never goes through a cascade
                judged[key] = total(rows)
            return judged[key].copy()

        return CostCube(keys=[self.keys[k] for k in used], requests=total(self.requests),
                        current_cost=total(self.current), keep_cost=total(self.at(self.own_std, self.own_batch, b, 1.0)),
                        cost=tier_array(0), cost_low=tier_array(1), cost_high=tier_array(2),
                        current_requests=current_requests,
                        judge=judge, representatives=reps)


def _index(rows, key) -> tuple[list, np.ndarray]:
    """The distinct keys in first-seen order, and each row's position among them."""
    seen: dict = {}
    positions = np.array([seen.setdefault(key(r), len(seen)) for r in rows], dtype=int)
    return list(seen), positions


def load_tier_latency(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Observed average latency (ms) per current tier in mart_cube, weighted by calls: what a cascade's escalation
    adds when routekit.yaml sets no quality.latency_ms for the tier."""
    rows = con.execute("""
        SELECT tier, sum(avg_latency_ms * calls) / sum(calls)
        FROM mart_cube WHERE tier IS NOT NULL AND avg_latency_ms IS NOT NULL AND calls > 0
        GROUP BY tier""").fetchall()
    return {tier: float(ms) for tier, ms in rows if ms is not None}

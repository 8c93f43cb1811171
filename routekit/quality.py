"""Quality risk of a routing mix: how many more requests fail the client's quality bar, worked on the cube.

The model
---------
``q(task, tier)`` is the probability that a response fails the client's quality bar. Its prior is a Beta whose mean
``q`` and strength ``s`` come from the shipped table ``routekit/data/quality_priors.csv`` (columns ``task_type, tier,
failure_rate, strength, source, method``; every number with its source): ``α₀ = q·s`` (failures), ``β₀ = (1 − q)·s``.
A client's ``evals.csv`` (``task_type, model`` or ``tier``, ``n, passed``; a model counts for its tier) updates it:
``α = α₀ + (n − passed)``, ``β = β₀ + passed``. The point estimate is the posterior mean ``α / (α + β)``. A task type
with no row of its own (a client's extended taxonomy) uses the ``other`` row of the tier. ``quality.priors`` in
routekit.yaml names a table of the same shape whose rows replace the shipped ones.

Long inputs raise failure odds on lower tiers: in input-length bucket ``b`` at tier ``t`` the odds ``q / (1 − q)`` are
multiplied by ``k = long_input_odds[t][b]``, so ``q' = k·q / (1 − q + k·q)``. Defaults (a judgement, to be replaced by
a client's evals per length: small models lose more accuracy as context grows): budget 1.5 at 16k-64k and 2.0 at 64k+,
mid 1.2 and 1.5, flagship and reasoning 1.0. The point estimate applies ``k`` to the posterior mean.

Quality segments are task type × input length; the cost rows (task × input × output length) share the ``q`` of theirs.

A mix
-----
Expected failures ``F = Σ_s N_s Σ_t m(s,t)·q'(s,t)`` per month; the current routing uses each segment's current tiers
(a model with no tier counts as flagship: conservative, it makes moving away from it look riskier). Extra failures
``= F − F_current``; the extra-failure rate divides them by all requests; ``weighted_extra_failures`` weights each
segment's extra failures by its task's stakes (defaults below, ``quality.stakes`` overrides). Cost per successful task
``= cost ÷ (requests − F)``.

The 90 % interval: ``draws`` values of ``q`` per (task, tier) drawn at once from the Beta posteriors with
``numpy.random.Generator(PCG64(seed))`` (shape draws × tasks × tiers, no loop per draw), mapped to quality segments
(draws × segments × tiers) through the odds factor. The same draws price the mix and the current routing, so the
interval of the extra failures is that of a difference, not of two independent sums. The draws are made once per
engine: evaluating another mix is a tensor contraction (a slider moves in about a millisecond).

Bands per segment, by its extra-failure rate (its extra failures ÷ its requests): green below ``amber`` (default
0.01), amber below ``red`` (default 0.05), red from there (``quality.bands``).

Cascades (try ``from``, a validator with detection rate d and false-alarm rate f, escalate flagged requests to ``to``):
``escalation = q1·d + (1 − q1)·f``, ``failure = q1(1 − d) + d·both + f·(q2 − both)``, where ``both`` is the chance
that the two tiers fail the same request. DESIGN.md's formula takes the tiers' failures as independent (``both =
q1·q2``); then a cascade from budget to flagship can score safer than flagship alone, because a request the budget
model fails gets a fresh flagship chance. LLMs' errors are correlated (Kim et al., "Correlated Errors in Large
Language Models", ICML 2025: 350+ models, and the more accurate ones err together most), so a cascade's
``correlation`` (0..1, default 1) moves ``both`` from ``q1·q2`` (0) to ``min(q1, q2)`` (1: the stronger tier fails
only requests the weaker one fails too, the largest overlap there can be). At the default a cascade is never scored
safer than its ``to`` tier alone. The cost adds ``escalation × cost at to`` and the validator's cost on every cascaded
request (``CostCube.validator_cost``: a flat price, or an LLM judge at a tier's prices; none given: free, and the
output says so), the latency ``escalation × latency of to`` plus the validator's (``quality.latency_ms`` per tier when
set, else the observed average latency of the tier's calls in mart_cube; the output says which).
"""
from __future__ import annotations

import copy
import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from routekit.config import ClientConfig, did_you_mean
from routekit.scenario import CASCADE, CURRENT, TIERS, VALIDATOR_FREE, Cascade, CostCube, Policy

PRIORS_FILE = "quality_priors.csv"
PRIOR_COLUMNS = ("task_type", "tier", "failure_rate", "strength", "source", "method")
EVALS_FILE = "evals.csv"
TASK_TYPES = ("classification", "extraction", "summarization", "qa", "rewrite", "drafting", "chat",
              "code_generation", "code_review", "reasoning", "agentic", "creative", "other")
FALLBACK_TASK = "other"
UNMAPPED_AS = "flagship"   # a current model with no tier, for the current routing's failures

# Stakes: what one failure costs the client, relative to 1.0. Customer-facing replies and drafts are above internal
# tagging and extraction, whose failures are cheap to catch downstream. A task type not listed weighs 1.0.
DEFAULT_STAKES = {
    "chat": 3.0, "drafting": 2.0, "agentic": 2.0, "qa": 1.5, "code_generation": 1.5, "reasoning": 1.5,
    "summarization": 1.0, "rewrite": 1.0, "code_review": 1.0, "creative": 1.0, "other": 1.0,
    "classification": 0.5, "extraction": 0.5,
}
# Odds multipliers on q by the fewest input tokens of a length bucket (a bucket from 16k tokens up takes the 16k
# factor, from 64k up the 64k one, whatever the client's bucket bounds); a tier not listed is 1.0. routekit.yaml's
# quality.long_input_odds sets a factor per bucket label instead.
DEFAULT_LONG_INPUT_ODDS = {
    "budget": {16_000: 1.5, 64_000: 2.0},
    "mid": {16_000: 1.2, 64_000: 1.5},
}
DEFAULT_BANDS = {"amber": 0.01, "red": 0.05}
DEFAULT_DRAWS = 4000
DEFAULT_SEED = 0
INTERVAL = (5.0, 95.0)   # percentiles of the 90 % interval


class QualityError(ValueError):
    """A priors table, an evals file or a quality setting that cannot be used; the message names file, row, reason."""


# -- priors and evidence -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prior:
    failure_rate: float
    strength: float
    source: str
    method: str

    @property
    def alpha(self) -> float:   # pseudo-failures
        return self.failure_rate * self.strength

    @property
    def beta(self) -> float:    # pseudo-passes
        return (1 - self.failure_rate) * self.strength


@dataclass(frozen=True)
class Evidence:
    n: int
    passed: int
    rows: int = 1

    @property
    def failed(self) -> int:
        return self.n - self.passed


def _rows(text: str, where: str, columns: Iterable[str]) -> tuple[list[str], Iterable[tuple[int, dict]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise QualityError(f"{where}: empty file: expected a header {', '.join(columns)}")
    reader.fieldnames = header
    rows = ((i, {k: (v or "").strip() if isinstance(v, str) else v for k, v in r.items()})
            for i, r in enumerate(reader, start=1))
    return header, ((i, r) for i, r in rows if any(isinstance(v, str) and v for v in r.values()))


def _float(value: str, where: str, name: str) -> float:
    try:
        out = float(value)
    except ValueError:
        raise QualityError(f"{where}: {name} is not a number: {value!r}") from None
    if out != out or out in (float("inf"), float("-inf")):
        raise QualityError(f"{where}: {name} is not a finite number: {value!r}")
    return out


def parse_priors(text: str, where: str, complete: bool = False) -> dict[tuple[str, str], Prior]:
    """A priors table → {(task_type, tier): Prior}. ``complete``: every default task type × tier must be present."""
    header, rows = _rows(text, where, PRIOR_COLUMNS)
    if sorted(header) != sorted(PRIOR_COLUMNS):
        raise QualityError(f"{where}: expected the columns {', '.join(PRIOR_COLUMNS)}; found {', '.join(header)}")
    out: dict[tuple[str, str], Prior] = {}
    for i, r in rows:
        at = f"{where}: row {i}"
        if r.get(None):
            raise QualityError(f"{at}: more cells than columns")
        task, tier = r["task_type"], r["tier"]
        if not task:
            raise QualityError(f"{at}: missing task_type")
        if tier not in TIERS:
            raise QualityError(f"{at}: unknown tier {tier!r}; {did_you_mean(tier, TIERS)}tiers are {', '.join(TIERS)}")
        q = _float(r["failure_rate"], at, "failure_rate")
        if not 0 < q < 1:
            raise QualityError(f"{at}: failure_rate must be between 0 and 1 (exclusive), got {r['failure_rate']}")
        strength = _float(r["strength"], at, "strength")
        if strength <= 0:
            raise QualityError(f"{at}: strength must be positive, got {r['strength']}")
        for name in ("source", "method"):
            if not r[name]:
                raise QualityError(f"{at}: missing {name} (every prior says where it comes from)")
        if (task, tier) in out:
            raise QualityError(f"{at}: a second row for {task} × {tier}")
        out[(task, tier)] = Prior(q, strength, r["source"], r["method"])
    if complete:
        missing = [f"{t} × {tier}" for t in TASK_TYPES for tier in TIERS if (t, tier) not in out]
        if missing:
            raise QualityError(f"{where}: no prior for {', '.join(missing)}")
    if not out:
        raise QualityError(f"{where}: no rows")
    return out


def load_priors() -> dict[tuple[str, str], Prior]:
    """The shipped priors table, checked complete (13 task types × 4 tiers)."""
    where = f"routekit/data/{PRIORS_FILE}"
    try:
        text = resources.files("routekit").joinpath("data", PRIORS_FILE).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise QualityError(f"{where}: missing from the installed package") from None
    return parse_priors(text, where, complete=True)


def parse_evals(text: str, where: str, tier_of: Callable[[str], str | None],
                known_task_types: Iterable[str] | None = None) -> dict[tuple[str, str], Evidence]:
    """A client's evals (``task_type, model`` or ``tier``, ``n, passed``) → {(task_type, tier): Evidence}, rows for
    the same task and tier summed. ``tier_of`` maps a model id to its tier (None: unknown)."""
    header, rows = _rows(text, where, ("task_type", "model", "n", "passed"))
    by = [c for c in ("model", "tier") if c in header]
    if len(by) != 1 or sorted(header) != sorted(["task_type", by[0], "n", "passed"]):
        raise QualityError(f"{where}: expected the columns task_type, model (or tier), n, passed; "
                           f"found {', '.join(header)}")
    by = by[0]
    known = set(known_task_types) if known_task_types is not None else None
    out: dict[tuple[str, str], Evidence] = {}
    for i, r in rows:
        at = f"{where}: row {i}"
        if r.get(None):
            raise QualityError(f"{at}: more cells than columns")
        task = r["task_type"]
        if not task:
            raise QualityError(f"{at}: missing task_type")
        if known is not None and task not in known:
            raise QualityError(f"{at}: unknown task type {task!r}; {did_you_mean(task, sorted(known))}known task "
                               f"types (shipped or seen in the traffic): {', '.join(sorted(known))}")
        if not r[by]:
            raise QualityError(f"{at}: missing {by}")
        if by == "tier":
            tier = r["tier"].lower()
            if tier not in TIERS:
                raise QualityError(f"{at}: unknown tier {r['tier']!r}; {did_you_mean(tier, TIERS)}tiers are "
                                   f"{', '.join(TIERS)}")
        else:
            tier = tier_of(r["model"])
            if tier is None:
                raise QualityError(f"{at}: model {r['model']!r} maps to no tier (pin it in routekit.yaml "
                                   "tiers.models, or give the tier instead)")
        counts = {}
        for name in ("n", "passed"):
            value = r[name]
            if not (value.isascii() and value.isdigit()):   # '²'.isdigit() holds, and int() refuses it
                raise QualityError(f"{at}: {name} is not a whole number >= 0: {value!r}")
            counts[name] = int(value)
        if counts["n"] == 0:
            raise QualityError(f"{at}: n is 0 (no evaluations)")
        if counts["passed"] > counts["n"]:
            raise QualityError(f"{at}: passed ({counts['passed']}) is more than n ({counts['n']})")
        old = out.get((task, tier))
        out[(task, tier)] = Evidence(counts["n"] + (old.n if old else 0), counts["passed"] + (old.passed if old else 0),
                                     1 + (old.rows if old else 0))
    return out


# -- settings ----------------------------------------------------------------------------------------------------
@dataclass
class QualitySettings:
    stakes: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_STAKES))
    long_input_odds: dict[str, dict[str, float]] = field(default_factory=dict)   # tier → bucket label → factor
    bands: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_BANDS))
    latency_ms: dict[str, float] = field(default_factory=dict)
    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED

    @classmethod
    def from_config(cls, config: ClientConfig | None) -> "QualitySettings":
        """The defaults with routekit.yaml's ``quality:`` applied key by key."""
        q = (config.quality if config is not None else None) or {}
        out = cls()
        out.stakes.update(q.get("stakes") or {})
        for tier, per_bucket in (q.get("long_input_odds") or {}).items():
            out.long_input_odds.setdefault(tier, {}).update(per_bucket)   # label by label; the rest by default
        out.bands.update(q.get("bands") or {})
        if not out.bands["amber"] < out.bands["red"]:
            where = config.path if config is not None and config.path else "routekit.yaml"
            raise QualityError(f"{where}: quality.bands: amber ({out.bands['amber']}) must be below red "
                               f"({out.bands['red']})")
        out.latency_ms.update(q.get("latency_ms") or {})
        mc = q.get("monte_carlo") or {}
        out.draws, out.seed = mc.get("draws", out.draws), mc.get("seed", out.seed)
        return out

    def odds(self, tier: str, len_in: str | None) -> float:
        """The odds factor of an input-length bucket at a tier: the configured one, else the default for the
        bucket's fewest input tokens."""
        if len_in in self.long_input_odds.get(tier, {}):
            return float(self.long_input_odds[tier][len_in])
        floor = bucket_floor(len_in)
        factor = 1.0
        for threshold, k in sorted(DEFAULT_LONG_INPUT_ODDS.get(tier, {}).items()):
            if floor is not None and floor >= threshold:
                factor = k
        return factor

    def stake(self, task_type: str) -> float:
        return float(self.stakes.get(task_type, 1.0))

    def band(self, extra_failure_rate: float) -> str:
        if extra_failure_rate < self.bands["amber"]:
            return "green"
        return "amber" if extra_failure_rate < self.bands["red"] else "red"


def bucket_floor(label: str | None) -> int | None:
    """The fewest input tokens of a bucket label: '<1k' → 0, '16k-64k' → 16000, '64k+' → 64000, 'unknown' → None."""
    if not label or label == "unknown":
        return None
    if label.startswith("<"):
        return 0
    head = label.rstrip("+").split("-", 1)[0]
    scale = {"k": 1_000, "M": 1_000_000}.get(head[-1:], 1)
    try:
        return int(float(head.rstrip("kM")) * scale)
    except ValueError:
        return None


def with_odds(q, k):
    """q with its odds multiplied by k: k·q / (1 − q + k·q). Works on floats and arrays."""
    return k * q / (1 - q + k * q)


def cascade_rates(q1, q2, detection_rate, false_alarm_rate, correlation=1.0):
    """(escalation rate, residual failure rate) of a cascade; floats or arrays. A request fails when the first tier
    fails and the validator misses it, or is escalated (a caught failure, or a false alarm on a good answer) and the
    second tier fails it; ``both``, the chance the two tiers fail the same request, runs from independence (q1·q2,
    correlation 0) to the largest overlap there can be (min(q1, q2), correlation 1): see the module's docstring."""
    d, f, c = detection_rate, false_alarm_rate, correlation
    escalation = q1 * d + (1 - q1) * f
    both = (1 - c) * q1 * q2 + c * np.minimum(q1, q2)
    residual = q1 * (1 - d) + d * both + f * (q2 - both)
    return escalation, residual


# -- the model ---------------------------------------------------------------------------------------------------
class QualityModel:
    """Priors + client evidence + settings → Beta posteriors per (task type, tier)."""

    def __init__(self, priors: dict[tuple[str, str], Prior], evidence: dict[tuple[str, str], Evidence] | None = None,
                 settings: QualitySettings | None = None, priors_source: str = f"routekit/data/{PRIORS_FILE}") -> None:
        self.priors = dict(priors)
        self.evidence = dict(evidence or {})
        self.settings = settings or QualitySettings()
        self.priors_source = priors_source

    @classmethod
    def load(cls, client_dir: Path | str | None = None, config: ClientConfig | None = None, *,
             tier_of: Callable[[str], str | None] | None = None,
             known_task_types: Iterable[str] | None = None) -> "QualityModel":
        """The shipped priors (with ``quality.priors`` rows replacing theirs), the client's evals.csv when present,
        and the ``quality:`` settings of routekit.yaml. ``tier_of`` maps an eval's model to its tier (default: the
        client's tier map)."""
        settings = QualitySettings.from_config(config)
        override = (config.quality if config is not None else {}).get("priors")
        source = f"routekit/data/{PRIORS_FILE}"
        if override:
            path = Path(override) if Path(override).is_absolute() else Path(client_dir or ".") / override
            try:
                text = path.read_text(encoding="utf-8-sig")
            except OSError as exc:
                raise QualityError(f"quality.priors: cannot read {path}: {exc.strerror or exc}") from None
            client_rows = parse_priors(text, str(path))
            priors = {**load_priors(), **client_rows}
            source += f" with {path.name} replacing {len(client_rows)} row(s)"
        else:
            priors = load_priors()
        evidence = {}
        evals = Path(client_dir) / EVALS_FILE if client_dir is not None else None
        if evals is not None and evals.is_file():
            if tier_of is None:
                from routekit.tiers import TierMap
                tiermap = TierMap.for_config(config)

                def tier_of(model: str) -> str | None:
                    found = tiermap.tier_of(model)
                    return found.tier if found else None
            known = {*TASK_TYPES, *(t for t, _ in priors), *(known_task_types or ())}
            try:
                text = evals.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise QualityError(f"{evals}: cannot read: {exc}") from None
            evidence = parse_evals(text, str(evals), tier_of, known)
        return cls(priors, evidence, settings, source)

    def prior(self, task_type: str, tier: str) -> tuple[Prior, str]:
        """The prior and the task type whose row it is (``other`` for a task type the table lacks)."""
        for task in (task_type, FALLBACK_TASK):
            if (task, tier) in self.priors:
                return self.priors[(task, tier)], task
        raise QualityError(f"{self.priors_source}: no prior for {task_type} × {tier} (nor for {FALLBACK_TASK} × {tier})")

    def posterior(self, task_type: str, tier: str) -> tuple[float, float]:
        """(α, β) of the Beta posterior: α counts failures, β passes."""
        prior, _ = self.prior(task_type, tier)
        ev = self.evidence.get((task_type, tier))
        return prior.alpha + (ev.failed if ev else 0), prior.beta + (ev.passed if ev else 0)

    def failure_rate(self, task_type: str, tier: str, len_in: str | None = None) -> float:
        """Posterior mean, with the long-input odds of the length bucket."""
        a, b = self.posterior(task_type, tier)
        return float(with_odds(a / (a + b), self.settings.odds(tier, len_in)))

    def escalation(self, task_type: str, len_in: str, cascade: Cascade) -> Decimal:
        """A cascade's escalation rate for the segment (what Simulator.evaluate prices the second tier with)."""
        q1 = self.failure_rate(task_type, cascade.from_tier, len_in)
        rate, _ = cascade_rates(q1, 0.0, float(cascade.detection_rate), float(cascade.false_alarm_rate))
        return Decimal(repr(rate)).quantize(Decimal("1e-12"))   # float noise off; 12 places is ample for money

    def evidence_label(self, task_type: str, tiers: Iterable[str]) -> str:
        """``client evals (n=…)`` when every tier the segment uses has client evals, ``priors`` when none has, and
        ``client evals (n=…) for mid; priors for budget`` in between."""
        tiers = [t for t in TIERS if t in set(tiers)]
        with_ev = [t for t in tiers if (task_type, t) in self.evidence]
        if not with_ev:
            return "priors"
        n = sum(self.evidence[(task_type, t)].n for t in with_ev)
        without = [t for t in tiers if t not in with_ev]
        if not without:
            return f"client evals (n={n})"
        return f"client evals (n={n}) for {', '.join(with_ev)}; priors for {', '.join(without)}"


# -- a mix on the cube -------------------------------------------------------------------------------------------
@dataclass
class Mix:
    """Where each cost row's requests go: shares per tier (at its representative), kept on the current models, or
    through the task's cascade. Each row's shares + keep + cascade sum to 1."""

    shares: np.ndarray                 # [S, T]
    keep: np.ndarray                   # [S]
    cascade: np.ndarray                # [S]
    cascades: dict[str, Cascade] = field(default_factory=dict)   # per task type


@dataclass
class RiskResult:
    requests: float
    cost: float                        # monthly, expected output inflation (the cube's float figure)
    expected_failures: float
    current_failures: float
    extra_failures: float
    weighted_extra_failures: float
    interval: tuple[float, float]      # 90 % interval of the extra failures per month
    failures_interval: tuple[float, float]
    segment_failure_rate: np.ndarray   # [S]
    segment_extra_rate: np.ndarray     # [S]
    bands: list[str]
    evidence: list[str]
    cascades: list[dict]
    method: str

    @property
    def extra_failure_rate(self) -> float:
        return self.extra_failures / self.requests if self.requests else 0.0

    def cost_per_success(self) -> float | None:
        """Cost per successful task: the mix's unrounded monthly cost ÷ (requests − expected failures).

        Not the cent-rounded monthly cost: a cent on a few hundred dollars is a 1e-5 error, which shows in the
        sixth decimal of a per-task cost. Kept to 9 significant digits (far below any price's precision; fixed
        decimal places would wipe out a budget task's $0.00001 scale) so that the same mix reads the same whether
        its cube was built fresh or repriced: the display rounds it."""
        successes = self.requests - self.expected_failures
        return float(f"{self.cost / successes:.9g}") if successes > 0 else None

    def to_json(self) -> dict:
        r = lambda v, nd=2: float(round(v, nd)) + 0.0   # noqa: E731  (+ 0.0: no "-0.0" for a tiny negative)
        return {
            "expected_failures": r(self.expected_failures),
            "current_failures": r(self.current_failures),
            "extra_failures_per_month": r(self.extra_failures),
            "interval": [r(self.interval[0]), r(self.interval[1])],
            "interval_of": "extra_failures_per_month (90 %)",
            "expected_failures_interval": [r(self.failures_interval[0]), r(self.failures_interval[1])],
            "extra_failure_rate": r(self.extra_failure_rate, 6),
            "weighted_extra_failures": r(self.weighted_extra_failures),
            "method": self.method,
        }


class RiskEngine:
    """A cost cube + a quality model, ready to evaluate mixes in milliseconds.

    Built once: quality segments (task × input length), posterior means with the odds factor, and the Monte Carlo
    draws. ``evaluate(mix)`` is then array arithmetic over the segments."""

    def __init__(self, cube: CostCube, model: QualityModel, *, observed_latency_ms: dict[str, float] | None = None,
                 draws: int | None = None, seed: int | None = None) -> None:
        self.cube, self.model = cube, model
        self.settings = model.settings
        self.observed_latency_ms = dict(observed_latency_ms or {})
        self.groups: list[tuple[str, str]] = []
        gindex: dict[tuple[str, str], int] = {}
        for task, len_in, _ in cube.keys:
            if (task, len_in) not in gindex:
                gindex[(task, len_in)] = len(self.groups)
                self.groups.append((task, len_in))
        self.group_of = np.array([gindex[(t, li)] for t, li, _ in cube.keys], dtype=int)
        self.tasks = sorted({t for t, _ in self.groups})
        self.task_of = np.array([self.tasks.index(t) for t, _ in self.groups], dtype=int)
        S, G, T = len(cube.keys), len(self.groups), len(TIERS)
        self.agg = np.zeros((G, S))   # one-hot: quality segment × cost row
        self.agg[self.group_of, np.arange(S)] = 1.0
        alpha = np.array([[model.posterior(task, tier)[0] for tier in TIERS] for task in self.tasks]).reshape(-1, T)
        beta = np.array([[model.posterior(task, tier)[1] for tier in TIERS] for task in self.tasks]).reshape(-1, T)
        self.alpha, self.beta = alpha, beta
        self.odds = np.array([[self.settings.odds(tier, len_in) for tier in TIERS]
                              for _, len_in in self.groups]).reshape(G, T)
        self.q = with_odds((alpha / (alpha + beta))[self.task_of], self.odds)          # [G, T]
        self.stakes = np.array([self.settings.stake(t) for t, _ in self.groups])      # [G]
        # the current routing's tier shares for quality (a model with no tier counts as UNMAPPED_AS)
        cur = cube.current_requests[:, :T].copy()
        cur[:, TIERS.index(UNMAPPED_AS)] += cube.current_requests[:, T]
        self.current_shares = cur / np.maximum(cur.sum(axis=1, keepdims=True), 1e-300)
        self.n_draws = int(draws or self.settings.draws)
        self.seed = self.settings.seed if seed is None else int(seed)
        rng = np.random.Generator(np.random.PCG64(self.seed))
        p = rng.beta(alpha, beta, size=(self.n_draws, *alpha.shape))                  # [D, K, T] all at once
        self.draws = with_odds(p[:, self.task_of, :], self.odds)                      # [D, G, T]
        self.group_requests = self.agg @ cube.requests
        self.current_group_failures = self.agg @ (cube.requests * (self.current_shares * self.q[self.group_of]).sum(1))

    # -- mixes ----------------------------------------------------------------------------------------------------
    def current_mix(self) -> Mix:
        S = len(self.cube.keys)
        return Mix(np.zeros((S, len(TIERS))), np.ones(S), np.zeros(S))

    def mix_of(self, policy: Policy | None) -> Mix:
        """The policy's shares on the cube's rows (None: the current routing). A policy's shares are per task type
        and input length, so they are read once per quality segment and spread to its rows."""
        mix = self.current_mix()
        if policy is None:
            return mix
        G = len(self.groups)
        shares, keep, cascade = np.zeros((G, len(TIERS))), np.ones(G), np.zeros(G)
        for g, (task, len_in) in enumerate(self.groups):
            found = policy.tier_shares(task, len_in)
            if found is None:
                continue
            keep[g] = float(found.get(CURRENT, 0))
            cascade[g] = float(found.get(CASCADE, 0))
            shares[g] = [float(found.get(tier, 0)) for tier in TIERS]
        g = self.group_of
        return Mix(shares[g], keep[g], cascade[g], dict(policy.cascade))

    def repriced(self, cube: CostCube) -> "RiskEngine":
        """This engine on a cube of the same segments priced otherwise (other representatives, output inflation or
        batch shares): failures, stakes and the Monte Carlo draws depend on requests alone, so they are shared."""
        if cube.keys != self.cube.keys or not np.array_equal(cube.requests, self.cube.requests):
            raise ValueError("repriced: the cube holds other segments or requests")
        engine = copy.copy(self)
        engine.cube = cube
        return engine

    def _cascade_arrays(self, mix: Mix):
        """Per quality segment: from and to tier indices (−1 none), detection and false-alarm rates, correlation."""
        G = len(self.groups)
        c_from, c_to = np.full(G, -1), np.full(G, -1)
        d, f, r = np.zeros(G), np.zeros(G), np.ones(G)
        for g, (task, _) in enumerate(self.groups):
            c = mix.cascades.get(task)
            if c is not None:
                c_from[g], c_to[g] = TIERS.index(c.from_tier), TIERS.index(c.to_tier)
                d[g], f[g], r[g] = float(c.detection_rate), float(c.false_alarm_rate), float(c.correlation)
        return c_from, c_to, d, f, r

    def validator_rows(self, cascades: dict[str, Cascade]) -> np.ndarray:
        """[S] monthly cost of the validator of each row's task's cascade, were all the row's requests cascaded (0
        for a task with no cascade or a cascade with no validator; NaN where the judge cannot be priced)."""
        out = np.zeros(len(self.cube.keys))
        task_of_row = self.task_of[self.group_of]
        for task, casc in cascades.items():
            if casc.validator is not None and task in self.tasks:
                rows = task_of_row == self.tasks.index(task)
                out[rows] = self.cube.validator_cost(casc)[rows]
        return out

    def cost(self, mix: Mix) -> float:
        """Monthly cost of a mix on the cube (expected output inflation), as a float."""
        c_from, c_to, d, f, _ = self._cascade_arrays(mix)
        return float(self._row_costs(mix, c_from, c_to, d, f).sum())

    def _row_costs(self, mix: Mix, c_from, c_to, d, f) -> np.ndarray:
        cube = self.cube
        used = mix.shares > 0
        # a tier that cannot be priced costs nothing here, as evaluate() leaves such rows out (and lists the model)
        cost = (mix.shares * np.where(used, np.nan_to_num(cube.cost), 0.0)).sum(1) + mix.keep * cube.keep_cost
        if mix.cascade.any():
            g = self.group_of
            casc = mix.cascade > 0
            esc, _ = cascade_rates(self.q[g, c_from[g]], 0.0, d[g], f[g])
            rows = np.arange(len(g))
            # every cascaded request at `from` and through the validator, the escalated ones again at `to`
            extra = np.nan_to_num(cube.cost[rows, c_from[g]] + esc * cube.cost[rows, c_to[g]]
                                  + self.validator_rows(mix.cascades))
            cost = cost + np.where(casc, mix.cascade * extra, 0.0)
        return cost

    def evaluate(self, mix: Mix) -> RiskResult:
        cube, g = self.cube, self.group_of
        S = len(cube.keys)
        c_from, c_to, d, f, r = self._cascade_arrays(mix)
        if (mix.cascade > 0).any() and (c_from[g][mix.cascade > 0] < 0).any():
            raise QualityError("the mix has a cascade share for a task type with no cascade")
        # quality shares per tier: the mix's own plus the kept share at the current tiers
        m = mix.shares + mix.keep[:, None] * self.current_shares                          # [S, T]
        q_rows = self.q[g]                                                                # [S, T]
        rows = np.arange(S)
        has_c = c_from[g] >= 0
        q1 = np.where(has_c, q_rows[rows, np.maximum(c_from[g], 0)], 0.0)
        q2 = np.where(has_c, q_rows[rows, np.maximum(c_to[g], 0)], 0.0)
        esc_rows, resid_rows = cascade_rates(q1, q2, d[g], f[g], r[g])
        fail_rows = cube.requests * ((m * q_rows).sum(1) + mix.cascade * resid_rows)
        cur_rows = cube.requests * (self.current_shares * q_rows).sum(1)
        extra_rows = fail_rows - cur_rows
        safe_n = np.maximum(cube.requests, 1e-300)
        # Monte Carlo: weights per quality segment, contracted with the draws
        w_mix = self.agg @ (cube.requests[:, None] * m)                                  # [G, T]
        w_cur = self.agg @ (cube.requests[:, None] * self.current_shares)
        fail_d = np.einsum("dgt,gt->d", self.draws, w_mix)
        cur_d = np.einsum("dgt,gt->d", self.draws, w_cur)
        w_casc = self.agg @ (cube.requests * mix.cascade)                                # [G]
        if w_casc.any():
            gs = np.flatnonzero(w_casc)
            _, resid_d = cascade_rates(self.draws[:, gs, c_from[gs]], self.draws[:, gs, c_to[gs]], d[gs], f[gs],
                                       r[gs])
            fail_d = fail_d + resid_d @ w_casc[gs]
        extra_d = fail_d - cur_d
        rate_rows = extra_rows / safe_n
        cascades = self._cascade_report(mix, c_from, c_to, esc_rows, resid_rows)
        return RiskResult(
            requests=float(cube.requests.sum()), cost=float(self._row_costs(mix, c_from, c_to, d, f).sum()),
            expected_failures=float(fail_rows.sum()), current_failures=float(cur_rows.sum()),
            extra_failures=float(extra_rows.sum()),
            weighted_extra_failures=float((self.stakes[g] * extra_rows).sum()),
            interval=tuple(float(v) for v in np.percentile(extra_d, INTERVAL)),
            failures_interval=tuple(float(v) for v in np.percentile(fail_d, INTERVAL)),
            segment_failure_rate=fail_rows / safe_n, segment_extra_rate=rate_rows,
            bands=self._bands(rate_rows), evidence=self._evidence(m, mix.cascade, c_from, c_to),
            cascades=cascades,
            method=(f"Beta posteriors per task type × tier (priors: {self.model.priors_source}; client evals where "
                    f"given), long-input odds per tier, 90 % interval from {self.n_draws} seeded Monte Carlo draws "
                    f"(seed {self.seed}) of the extra failures against the current routing"),
        )

    def task_bands(self, result: RiskResult) -> dict[str, tuple[float, str]]:
        """Per task type: its extra-failure rate (its rows' extra failures ÷ its requests) and its band."""
        n = self.cube.requests
        task = self.task_of[self.group_of]
        extra = np.bincount(task, weights=result.segment_extra_rate * n, minlength=len(self.tasks))
        rates = extra / np.maximum(np.bincount(task, weights=n, minlength=len(self.tasks)), 1e-300)
        return dict(zip(self.tasks, zip(rates.tolist(), self._bands(rates))))

    def _bands(self, rates: np.ndarray) -> list[str]:
        bands = self.settings.bands
        return np.where(rates < bands["amber"], "green", np.where(rates < bands["red"], "amber", "red")).tolist()

    def _evidence(self, m: np.ndarray, cascade: np.ndarray, c_from, c_to) -> list[str]:
        """Each row's label, worked out once per distinct (task type, tiers used)."""
        g = self.group_of
        # the extra failures compare the mix with today's routing: the tiers serving the row today count too
        used = (m > 0) | (self.current_shares > 0)
        casc = cascade > 0
        rows = np.flatnonzero(casc)
        used[rows, c_from[g[rows]]] = True
        used[rows, c_to[g[rows]]] = True
        codes = self.task_of[g] * (1 << len(TIERS)) + (used * (1 << np.arange(len(TIERS)))).sum(1)
        unique, inverse = np.unique(codes, return_inverse=True)
        labels = [self.model.evidence_label(self.tasks[c >> len(TIERS)],
                                            [t for i, t in enumerate(TIERS) if c >> i & 1]) for c in unique.tolist()]
        return [labels[i] for i in inverse.ravel().tolist()]

    def latency(self, tier: str) -> tuple[float | None, str]:
        if tier in self.settings.latency_ms:
            return self.settings.latency_ms[tier], f"routekit.yaml quality.latency_ms.{tier}"
        if tier in self.observed_latency_ms:
            return self.observed_latency_ms[tier], f"observed average latency of {tier}-tier calls in mart_cube"
        return None, f"unknown: no {tier}-tier latency observed and none set in routekit.yaml quality.latency_ms"

    def validator_latency(self, validator) -> tuple[float | None, str]:
        """What a validator adds to every cascaded request, and where the figure comes from."""
        if validator is None:
            return 0.0, "no validator given"
        if validator.latency_ms is not None:
            return float(validator.latency_ms), "the policy's validator.latency_ms"
        if validator.tier is None:
            return None, "unknown: set validator.latency_ms for a flat-priced check"
        # a tier's average call writes far more than a judge's few tokens: an upper bound for the judge
        ms, source = self.latency(validator.tier)
        if ms is None:
            return None, f"judge: {source} or validator.latency_ms"
        return ms, f"judge: {source}, an upper bound for a judge writing {validator.output_tokens} tokens"

    def _cascade_report(self, mix: Mix, c_from, c_to, esc_rows, resid_rows) -> list[dict]:
        out = []
        g = self.group_of
        validator_rows = self.validator_rows(mix.cascades)
        for task, casc in sorted(mix.cascades.items()):
            if task not in self.tasks:
                continue
            rows = np.flatnonzero((mix.cascade > 0) & (self.task_of[g] == self.tasks.index(task)))
            if not len(rows):
                continue
            n = self.cube.requests[rows] * mix.cascade[rows]
            total = float(n.sum())
            to = TIERS.index(casc.to_tier)
            esc = float((n * esc_rows[rows]).sum() / total) if total else 0.0
            latency, source = self.latency(casc.to_tier)
            check_ms, check_source = self.validator_latency(casc.validator)
            v = casc.validator
            out.append({
                "task_type": task, "from": casc.from_tier, "to": casc.to_tier,
                "detection_rate": float(casc.detection_rate), "false_alarm_rate": float(casc.false_alarm_rate),
                "correlation": float(casc.correlation),
                "requests_per_month": round(total, 1),
                "escalation_rate": round(esc, 6),
                "residual_failure_rate": round(float((n * resid_rows[rows]).sum() / total) if total else 0.0, 6),
                "added_cost_usd": round(float((n * esc_rows[rows] * self.cube.cost[rows, to]
                                               / np.maximum(self.cube.requests[rows], 1e-300)).sum()), 2),
                # every cascaded request pays for the check, escalated or not
                "validator": None if v is None else v.describe(
                    (self.cube.representatives or {}).get(v.tier)),
                "validator_cost_usd": round(float(np.nansum(mix.cascade[rows] * validator_rows[rows])), 2),
                "validator_note": VALIDATOR_FREE.format(task=task) if v is None else None,
                "validator_latency_ms": None if check_ms is None else round(check_ms, 1),
                "added_latency_ms": None if latency is None or check_ms is None else round(esc * latency + check_ms, 1),
                "latency_source": source if v is None else f"escalation: {source}; validator: {check_source}",
            })
        return out

    def segments_json(self, result: RiskResult) -> dict[tuple[str, str, str], dict]:
        """Per cost row: failure_rate, extra_failure_rate, band, evidence (keyed like simulate's segments)."""
        return {key: {"failure_rate": round(float(result.segment_failure_rate[i]), 6),
                      "extra_failure_rate": round(float(result.segment_extra_rate[i]), 6),
                      "band": result.bands[i], "evidence": result.evidence[i]}
                for i, key in enumerate(self.cube.keys)}

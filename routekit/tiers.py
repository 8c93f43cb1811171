"""Model → tier: every observed model id maps to a capability tier (budget, mid, flagship, reasoning).

The map is data, not code: ``routekit/data/model_tiers.yaml`` holds the representative model of each tier and an
ordered list of regular-expression rules over the *normalised* model id; a client's ``routekit.yaml`` overrides
representatives and pins exact model ids (``tiers.models``). A new model slots in by a rule or an override.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import duckdb

from routekit.config import TIER_NAMES, ClientConfig, ConfigError, YamlFileError, parse_yaml, read_yaml
from routekit.db import sql_text

TIERS = TIER_NAMES
CORE_TIERS = ("budget", "mid", "flagship")
DATA_FILE = "model_tiers.yaml"
OVERRIDE_RULE = "routekit.yaml"

# Bedrock model ids: `<geo>.<vendor>.<model>-v1:0` (cross-region inference profile) or `<vendor>.<model>-v1:0`.
_BEDROCK_GEO = re.compile(r"^(?:us-gov|us|eu|apac|global|jp|au|ca|in)\.(?=[a-z0-9-]+\.)")
_BEDROCK_VENDOR = re.compile(
    r"^(anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|qwen|google|writer|moonshotai|minimax|nvidia"
    r"|zai|twelvelabs|stability|luma)\.(.+)$")
# Suffixes that name a snapshot, a version or a routing variant of the same model, stripped until none is left.
_SUFFIXES = [
    (re.compile(r"@.*$"), ""),                                  # Vertex AI: claude-sonnet-4-5@20250929, @001
    (re.compile(r":(\d+(?:\.\d+)?[bmt])$"), r"-\1"),            # Ollama size tag: llama3.1:8b → llama3.1-8b
    (re.compile(r":[a-z][a-z0-9-]*$"), ""),                     # OpenRouter :free / :nitro / :thinking, :latest
    (re.compile(r"-latest$"), ""),                              # mistral-large-latest, chatgpt-4o-latest
    (re.compile(r"-\d{4}-\d{2}-\d{2}$"), ""),                   # OpenAI: gpt-4o-2024-08-06
    (re.compile(r"-\d{8}$"), ""),                               # Anthropic: claude-sonnet-4-5-20250929
    (re.compile(r"-\d{2}-\d{4}$"), ""),                         # Cohere/Gemini: command-r-08-2024, -09-2025
    (re.compile(r"-(preview|exp)-\d{2}-\d{2}$"), r"-\1"),       # Gemini: gemini-2.5-pro-preview-05-06
    (re.compile(r"-\d{4}$"), ""),                               # YYMM / MMDD: qwen3-…-2507, mistral-large-2411,
                                                                # gpt-3.5-turbo-0125, grok-2-1212
    (re.compile(r"-0\d\d$"), ""),                               # Gemini build: gemini-2.0-flash-001
]
_BEDROCK_VERSION = re.compile(r"-v?\d+:\d+$")                   # -v1:0, -v2:0, -v0:2, gpt-oss-120b-1:0
_BEDROCK_BARE_VERSION = re.compile(r"-v\d+$")                   # titan-text-express-v1, claude-instant-v1
_COLON_VERSION = re.compile(r":\d+$")                           # claude-v2:1, nemotron-nano-3-30b:0


def normalise_model(model: str | None, provider: str | None = None) -> str:
    """The model id reduced to what names the model, for matching rules and overrides.

    Lower case; an OpenAI fine-tune becomes its base model; path prefixes go (``openai/``, ``openrouter/anthropic/``,
    ``models/``, ``vertex_ai/``, a Hugging Face org, a Bedrock ARN); Bedrock geo and vendor prefixes and version
    suffixes go (``us.anthropic.claude-haiku-4-5-20251001-v1:0`` → ``claude-haiku-4-5``); date snapshots, ``-latest``
    and ``:variant`` suffixes go. Version separators inside the name are kept (``claude-3.5-sonnet`` and
    ``claude-3-5-sonnet`` stay distinct strings; the rules accept both).
    """
    s = (model or "").strip().lower()
    if not s:
        return ""
    if s.startswith("ft:"):                                     # ft:gpt-4o-mini-2024-07-18:acme::abc123
        s = s[3:].split(":", 1)[0]
    s = s.rsplit("/", 1)[-1]
    s = re.sub(r"^databricks-", "", s)                          # Databricks serving: databricks-claude-sonnet-4-5
    s = re.sub(r":\d+k$", "", s)                                # Bedrock context variant: …-v1:0:200k
    s = _BEDROCK_GEO.sub("", s)
    vendor = _BEDROCK_VENDOR.match(s)
    bedrock = vendor is not None or "bedrock" in (provider or "").lower()
    if vendor:
        name, rest = vendor.groups()
        # deepseek.r1 / deepseek.v3: the vendor is part of the model's name
        s = f"{name}-{rest}" if re.match(r"^[a-z]?\d", rest) else rest
    previous = None
    while s != previous:
        previous = s
        s = _strip_version(s, bedrock)
        for pattern, repl in _SUFFIXES:
            s = pattern.sub(repl, s)
    return s


def _strip_version(s: str, bedrock: bool) -> str:
    for pattern in (_BEDROCK_VERSION, _BEDROCK_BARE_VERSION) if bedrock else (_BEDROCK_VERSION,):
        stripped = pattern.sub("", s)
        if stripped != s:
            # claude-v2:1 is Claude 2.1, not "claude": keep a bare family name's version
            return stripped if re.search(r"[-\d]", stripped) else _COLON_VERSION.sub("", s)
    return _COLON_VERSION.sub("", s)


@dataclass(frozen=True)
class TierMatch:
    tier: str | None     # None only from match() for a deliberately untiered model; tier_of() never returns one
    family: str | None
    rule: str            # the matching rule's pattern, or "routekit.yaml" for a client override
    normalised: str
    note: str = ""


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    tier: str | None     # None: a known model that is deliberately not tiered (embeddings, speech, images ...)
    family: str | None
    note: str = ""


class TierMapError(ValueError):
    """The tier data file is unusable; the message names the file and the rule."""


class TierMap:
    """Ordered rules + client overrides → the tier of any model id, and the representative model of each tier."""

    def __init__(self, rules: Iterable[Rule], representatives: dict[str, str],
                 models: dict[str, str] | None = None, reasons_by_default: Iterable[re.Pattern] = ()) -> None:
        self.rules = list(rules)
        self.reasons_by_default = list(reasons_by_default)
        self.representatives = dict(representatives)
        self.models = dict(models or {})
        # A key written as a bare model id (`gpt-4o`, `claude-sonnet-4-5`) covers every spelling of that model
        # (dated snapshots, Bedrock and OpenRouter ids); any other key (a fine-tune, a dated id) only itself.
        self._by_normalised = {m: t for m, t in self.models.items() if normalise_model(m) == m}
        present = set(self.representatives) | set(self.models.values()) | {r.tier for r in self.rules}
        self.tiers = [t for t in TIERS if t in CORE_TIERS or t in present]

    @classmethod
    def default(cls) -> TierMap:
        rules, reps, reasons = _load_default()
        return cls(rules, reps, reasons_by_default=reasons)

    @classmethod
    def from_file(cls, path: Path | str) -> TierMap:
        try:
            raw = read_yaml(path)
        except YamlFileError as exc:
            raise TierMapError(str(exc)) from None
        rules, reps, reasons = _parse_data(raw, str(path))
        return cls(rules, reps, reasons_by_default=reasons)

    @classmethod
    def for_config(cls, config: ClientConfig | None) -> TierMap:
        """The shipped map with the client's `tiers:` from routekit.yaml applied."""
        base = cls.default()
        tiers = (config.tiers if config is not None else None) or {}
        found = cls(base.rules, {**base.representatives, **(tiers.get("representatives") or {})},
                    tiers.get("models") or {}, base.reasons_by_default)
        where = (config.path if config is not None else None) or "routekit.yaml"
        try:
            found.check_representatives(tiers.get("representatives") or {}, f"{where}: tiers.representatives")
        except TierMapError as exc:   # the client's file is at fault: a configuration error (exit 2, one line)
            raise ConfigError(str(exc)) from None
        return found

    def check_representatives(self, representatives: dict[str, str], where: str) -> None:
        """A tier's representative must be a model of that tier (or one the map does not know): the risk engine
        scores a tier's traffic with that tier's failure rates, so a budget model standing for flagship would be
        priced as a budget model and judged as a flagship one."""
        for tier, model in representatives.items():
            found = self.tier_of(model)
            if found is not None and found.tier != tier:
                raise TierMapError(
                    f"{where}.{tier}: {model} is a {found.tier} model in the tier map, so it cannot stand for the "
                    f"{tier} tier; choose a {tier} model, or, if it is {tier} for this client, say so in "
                    f"routekit.yaml under tiers.models ({model}: {tier})")

    def tier_of(self, model: str | None, provider: str | None = None) -> TierMatch | None:
        """The tier of a model id as observed; None when no rule knows it (or it is not a text model)."""
        found = self.match(model, provider)
        return found if found is not None and found.tier is not None else None

    def match(self, model: str | None, provider: str | None = None) -> TierMatch | None:
        """Like tier_of, but a deliberately untiered model (embedding, speech ...) returns its match with tier None."""
        if model is None or not str(model).strip():
            return None
        normalised = normalise_model(model, provider)
        rule = self._rule_for(normalised)
        override = self.models.get(str(model).strip()) or self._by_normalised.get(normalised)
        if override is not None:
            return TierMatch(override, rule.family if rule else None, OVERRIDE_RULE, normalised,
                             "tiers.models in the client's routekit.yaml")
        if rule is None:
            return None
        return TierMatch(rule.tier, rule.family, rule.pattern.pattern, normalised, rule.note)

    def reasons(self, model: str | None, provider: str | None = None) -> str | None:
        """Why the model spends hidden reasoning tokens on every call (its tier, or the map's reasons_by_default
        list), or None. Hybrids that only reason when a request asks for it are not listed: the client's logs tell
        (routekit/output_limits.py)."""
        found = self.tier_of(model, provider)
        if found is not None and found.tier == "reasoning":
            return "a reasoning-tier model"
        normalised = normalise_model(model, provider) if model else ""
        if any(p.search(normalised) for p in self.reasons_by_default):
            return "reasons by default (model_tiers.yaml reasons_by_default)"
        return None

    def _rule_for(self, normalised: str) -> Rule | None:
        return next((r for r in self.rules if r.pattern.search(normalised)), None)

    def write_model_tiers(self, con: duckdb.DuckDBPyConnection,
                          pairs: Iterable[tuple[str | None, str | None]]) -> list[tuple[str | None, str]]:
        """Create or replace the `model_tiers` lookup table for the observed (provider, model) pairs.

        The exact observed strings are kept so the engine joins on them; tier is NULL when the model is unmapped
        (family and rule still say why when a rule deliberately leaves it untiered). Pairs without a model (a web
        search line on an invoice) name no model and are skipped. Returns the unmapped pairs, in input order.
        """
        seen: dict[tuple[str | None, str], None] = {}
        for provider, model in pairs:
            if model is not None and str(model).strip():
                seen.setdefault((provider, model), None)
        cols: dict[str, list[Any]] = {c: [] for c in ("provider", "model", "tier", "family", "normalised", "rule")}
        unmapped = []
        for provider, model in seen:
            found = self.match(model, provider)
            cols["provider"].append(provider)
            cols["model"].append(model)
            cols["tier"].append(found.tier if found else None)
            cols["family"].append(found.family if found else None)
            cols["normalised"].append(found.normalised if found else normalise_model(model, provider))
            cols["rule"].append(found.rule if found else None)
            if found is None or found.tier is None:
                unmapped.append((provider, model))
        # One statement, the columns bound as lists: atomic, and no per-row SQL however many models there are.
        con.execute(sql_text("lookups/model_tiers.sql"), cols)
        return unmapped




def write_model_tiers(con: duckdb.DuckDBPyConnection, pairs: Iterable[tuple[str | None, str | None]],
                      tiers: TierMap | None = None) -> list[tuple[str | None, str]]:
    """`model_tiers` for the observed (provider, model) pairs with the given map (default: the shipped one)."""
    return (tiers or TierMap.default()).write_model_tiers(con, pairs)


@lru_cache(maxsize=1)
def _load_default() -> tuple[tuple[Rule, ...], dict[str, str], tuple[re.Pattern, ...]]:
    text = resources.files("routekit").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    where = f"routekit/data/{DATA_FILE}"
    try:
        raw = parse_yaml(text, where)
    except YamlFileError as exc:
        raise TierMapError(str(exc)) from None
    rules, reps, reasons = _parse_data(raw, where)
    return tuple(rules), reps, tuple(reasons)


def _parse_data(raw, where: str) -> tuple[list[Rule], dict[str, str], list[re.Pattern]]:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise TierMapError(f"{where}: expected a mapping with representatives and rules at the top level")
    known = ", ".join(TIERS)
    reps = raw.get("representatives") or {}
    if not isinstance(reps, dict) or any(t not in TIERS or not isinstance(m, str) for t, m in reps.items()):
        raise TierMapError(f"{where}: representatives: expected a mapping tier: model over {known}")
    missing = [t for t in CORE_TIERS if t not in reps]
    if missing:
        raise TierMapError(f"{where}: representatives: no model for {', '.join(missing)}")
    rules = []
    for i, r in enumerate(raw.get("rules") or []):
        key = f"{where}: rules[{i}]"
        if not isinstance(r, dict) or not isinstance(r.get("pattern"), str):
            raise TierMapError(f"{key}: expected a mapping with pattern, tier, family, note")
        if r.get("tier") is not None and r["tier"] not in TIERS:
            raise TierMapError(f"{key}: unknown tier {r['tier']!r}; tiers are {known} (or null: not tiered)")
        try:
            pattern = re.compile(r["pattern"])
        except re.error as exc:
            raise TierMapError(f"{key}: pattern {r['pattern']!r}: {exc}") from None
        rules.append(Rule(pattern, r.get("tier"), r.get("family"), str(r.get("note") or "")))
    reasons = []
    for i, text in enumerate(raw.get("reasons_by_default") or []):
        try:
            reasons.append(re.compile(text))
        except (re.error, TypeError) as exc:
            raise TierMapError(f"{where}: reasons_by_default[{i}]: pattern {text!r}: {exc}") from None
    return rules, dict(reps), reasons

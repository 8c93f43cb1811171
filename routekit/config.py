"""The client's routekit.yaml: every key optional, every key documented in the README."""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CONFIG_NAME = "routekit.yaml"

# Files in a client folder that are routekit's own inputs, not provider exports: never ingested as data.
ALWAYS_EXCLUDED = [".routekit/**", ".*", "**/.*", CONFIG_NAME, "prices.csv", "evals.csv", "truth/**"]

# Canonical fields a generic call-log CSV can map; `timestamp` and `model` are required.
GENERIC_FIELDS = {
    "request_id", "timestamp", "provider", "model", "feature", "project", "api_key", "user_id", "status",
    "error", "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
    "cost", "latency_ms", "is_batch", "service_tier", "system_prompt", "prompt", "tags",
}
GENERIC_REQUIRED = {"timestamp", "model"}

# Capability tiers (routekit/tiers.py): `tiers.representatives` and `tiers.models` may only name these.
TIER_NAMES = ("budget", "mid", "flagship", "reasoning")


class ConfigError(ValueError):
    """routekit.yaml is unusable; the message names the file and the key."""


@dataclass
class GenericCsvMapping:
    name: str
    columns: dict[str, str]
    provider: str | None = None
    currency: str = "USD"
    input_includes_cached: bool = True
    success_values: list[str] = field(default_factory=lambda: ["success", "ok", "200", "true"])


@dataclass
class ClientConfig:
    path: Path | None = None
    client: str | None = None
    exclude: list[str] = field(default_factory=list)
    currency_rates: dict[str, float] = field(default_factory=dict)
    generic_csv: list[GenericCsvMapping] = field(default_factory=list)
    tiers: dict[str, dict[str, str]] = field(default_factory=dict)   # {"representatives": {...}, "models": {...}}
    raw: dict[str, Any] = field(default_factory=dict)

    def is_excluded(self, rel_path: str) -> bool:
        return any(fnmatch.fnmatch(rel_path, pat) for pat in ALWAYS_EXCLUDED + self.exclude)


def load_config(client_dir: Path | str) -> ClientConfig:
    path = Path(client_dir) / CONFIG_NAME
    if not path.exists():
        return ClientConfig()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    return parse_config(raw, path)


def _expect(cond: bool, path: Path | None, key: str, what: str) -> None:
    if not cond:
        raise ConfigError(f"{path or CONFIG_NAME}: {key}: {what}")


def parse_config(raw: dict[str, Any], path: Path | None = None) -> ClientConfig:
    ingest = raw.get("ingest") or {}
    _expect(isinstance(ingest, dict), path, "ingest", "expected a mapping")
    exclude = ingest.get("exclude") or []
    _expect(isinstance(exclude, list) and all(isinstance(x, str) for x in exclude), path, "ingest.exclude",
            "expected a list of glob patterns")

    rates = raw.get("currency_rates") or {}
    _expect(isinstance(rates, dict), path, "currency_rates", "expected a mapping CODE: USD per unit")
    clean_rates = {}
    for code, rate in rates.items():
        _expect(isinstance(rate, (int, float)) and rate > 0, path, f"currency_rates.{code}",
                f"expected a positive number, got {rate!r}")
        clean_rates[str(code).upper()] = float(rate)

    sources = raw.get("sources") or {}
    _expect(isinstance(sources, dict), path, "sources", "expected a mapping")
    mappings = []
    for i, m in enumerate(sources.get("generic_csv") or []):
        key = f"sources.generic_csv[{i}]"
        _expect(isinstance(m, dict), path, key, "expected a mapping with name and columns")
        cols = m.get("columns") or {}
        _expect(isinstance(cols, dict) and cols, path, f"{key}.columns", "expected a mapping field: column")
        unknown = sorted(set(cols) - GENERIC_FIELDS)
        _expect(not unknown, path, f"{key}.columns",
                f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(GENERIC_FIELDS))}")
        missing = sorted(GENERIC_REQUIRED - set(cols))
        _expect(not missing, path, f"{key}.columns", f"must map {', '.join(missing)}")
        _expect("provider" in cols or m.get("provider"), path, key, "map a provider column or set provider:")
        mappings.append(GenericCsvMapping(
            name=str(m.get("name") or f"generic_csv_{i + 1}"),
            columns={k: str(v) for k, v in cols.items()},
            provider=m.get("provider"),
            currency=str(m.get("currency") or "USD").upper(),
            input_includes_cached=bool(m.get("input_includes_cached", True)),
            success_values=[str(v).lower() for v in (m.get("success_values") or
                                                      GenericCsvMapping.__dataclass_fields__["success_values"]
                                                      .default_factory())],
        ))
    return ClientConfig(path=path, client=raw.get("client"), exclude=exclude, currency_rates=clean_rates,
                        generic_csv=mappings, tiers=_parse_tiers(raw.get("tiers"), path), raw=raw)


def _parse_tiers(tiers: Any, path: Path | None) -> dict[str, dict[str, str]]:
    """`tiers: {representatives: {tier: model}, models: {exact model id: tier}}`, both optional."""
    tiers = tiers or {}
    known = ", ".join(TIER_NAMES)
    _expect(isinstance(tiers, dict), path, "tiers", "expected a mapping with representatives and/or models")
    unknown = sorted(map(str, set(tiers) - {"representatives", "models"}))
    _expect(not unknown, path, "tiers", f"unknown key(s) {', '.join(unknown)}; known: models, representatives")
    reps = tiers.get("representatives") or {}
    _expect(isinstance(reps, dict), path, "tiers.representatives", "expected a mapping tier: model")
    clean_reps = {}
    for tier, model in reps.items():
        key = f"tiers.representatives.{tier}"
        _expect(str(tier).lower() in TIER_NAMES, path, key, f"unknown tier {tier!r}; tiers are {known}")
        _expect(isinstance(model, str) and model.strip() != "", path, key, f"expected a model id, got {model!r}")
        clean_reps[str(tier).lower()] = model.strip()
    models = tiers.get("models") or {}
    _expect(isinstance(models, dict), path, "tiers.models", "expected a mapping model: tier")
    clean_models = {}
    for model, tier in models.items():
        key = f"tiers.models.{model}"
        _expect(str(model).strip() != "", path, "tiers.models", "expected non-empty model ids")
        _expect(isinstance(tier, str) and tier.lower() in TIER_NAMES, path, key,
                f"unknown tier {tier!r}; tiers are {known}")
        clean_models[str(model).strip()] = tier.lower()
    return {"representatives": clean_reps, "models": clean_models}

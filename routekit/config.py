"""The client's routekit.yaml: every key optional, every key documented in the README."""
from __future__ import annotations

import difflib
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CONFIG_NAME = "routekit.yaml"
# libyaml's parser where PyYAML was built with it (the shipped rules file: 20 ms instead of 300 ms in every process)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Files in a client folder that are routekit's own inputs, not provider exports: never ingested as data.
ALWAYS_EXCLUDED = [".routekit/**", ".*", "**/.*", CONFIG_NAME, "prices.csv", "evals.csv", "quality_priors.csv",
                   "truth/**"]

# Canonical fields a generic call-log CSV can map; `timestamp` and `model` are required.
GENERIC_FIELDS = {
    "request_id", "timestamp", "provider", "model", "feature", "project", "api_key", "user_id", "status",
    "error", "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
    "cost", "latency_ms", "is_batch", "service_tier", "system_prompt", "prompt", "tags",
    # the audio parts of the counts (voice and realtime models price audio apart): uncached audio input (within
    # input_tokens), audio cache reads (within cached_input_tokens), audio output (within output_tokens)
    "input_audio_tokens", "cached_audio_tokens", "output_audio_tokens",
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
    # true when the input_audio_tokens column counts the audio cache reads too (OpenAI Realtime's
    # input_token_details.audio_tokens does); they are then taken out so it holds the uncached audio only
    audio_includes_cached: bool = False
    success_values: list[str] = field(default_factory=lambda: ["success", "ok", "200", "true"])


@dataclass
class ClientConfig:
    path: Path | None = None
    client: str | None = None
    exclude: list[str] = field(default_factory=list)
    currency_rates: dict[str, float] = field(default_factory=dict)
    generic_csv: list[GenericCsvMapping] = field(default_factory=list)
    tiers: dict[str, dict[str, str]] = field(default_factory=dict)   # {"representatives": {...}, "models": {...}}
    quality: dict[str, Any] = field(default_factory=dict)   # `quality:` overrides, checked (routekit/quality.py)
    classify: Any = None   # routekit.classify.ClassifySettings when routekit.yaml has `classify:` (else the defaults)
    length_buckets: dict[str, list[int]] = field(default_factory=dict)   # `length_buckets: {input: [..], output: [..]}`
    raw: dict[str, Any] = field(default_factory=dict)

    def display_name(self, client_dir: Path | str) -> str:
        """The client's name in reports: `client:` when routekit.yaml sets it, else the folder's name."""
        return self.client or Path(client_dir).resolve().name

    def is_excluded(self, rel_path: str) -> bool:
        return any(fnmatch.fnmatch(rel_path, pat) for pat in ALWAYS_EXCLUDED + self.exclude)


def load_yaml(text: str) -> Any:
    """yaml.safe_load, with libyaml when present."""
    return yaml.load(text, Loader=_YAML_LOADER)


class YamlFileError(ValueError):
    """A YAML file that cannot be read or parsed; the message names the file, and the line and column."""


def parse_yaml(text: str, where: str) -> Any:
    """``text`` parsed; a syntax error names ``where`` (the file) and the line, not PyYAML's '<unicode string>'."""
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        raise YamlFileError(f"{where}: not valid YAML: {yaml_problem(exc)}") from None


def read_yaml(path: Path | str) -> Any:
    """A user's YAML file (routekit.yaml, a policy, a tier map) parsed; YamlFileError names the file and why."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlFileError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise YamlFileError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    return parse_yaml(text, str(path))


def yaml_problem(exc: yaml.YAMLError) -> str:
    """'line L, column C: what is wrong (context)', 1-based as editors count: PyYAML's own text quotes the stream
    it was given ('<unicode string>') and repeats the source lines."""
    mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
    if mark is None or not problem:
        return str(exc)
    text = f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context:
        at = f" at line {context_mark.line + 1}, column {context_mark.column + 1}" if context_mark else ""
        text += f" ({context}{at})"
    return text


def load_config(client_dir: Path | str) -> ClientConfig:
    path = Path(client_dir) / CONFIG_NAME
    if not path.exists():
        return ClientConfig()
    try:
        raw = read_yaml(path) or {}
    except YamlFileError as exc:
        raise ConfigError(str(exc)) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    return parse_config(raw, path)


def _expect(cond: bool, path: Path | None, key: str, what: str) -> None:
    if not cond:
        raise ConfigError(f"{path or CONFIG_NAME}: {key}: {what}")


TOP_KEYS = ("client", "ingest", "currency_rates", "sources", "tiers", "length_buckets", "classify", "quality")
INGEST_KEYS = ("exclude",)
SOURCES_KEYS = ("generic_csv",)
GENERIC_CSV_KEYS = ("name", "columns", "provider", "currency", "input_includes_cached", "audio_includes_cached",
                    "success_values")
TIERS_KEYS = ("representatives", "models")
LENGTH_BUCKETS_KEYS = ("input", "output")
BANDS_KEYS = ("amber", "red")
MONTE_CARLO_KEYS = ("draws", "seed")


def did_you_mean(name: str, known) -> str:
    """'did you mean 'x'? ' for the closest known name, or '' (for messages about a misspelt name)."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _unknown_tier(tier: Any) -> str:
    return f"unknown tier {tier!r}; {did_you_mean(str(tier), TIER_NAMES)}tiers are {', '.join(TIER_NAMES)}"


def config_keys() -> set[str]:
    """Every key routekit.yaml may hold, as the README's key table names them (`sources.generic_csv[].name`,
    `classify.rules[].when.tool_use`; the client's own names under a mapping, `currency_rates: {EUR: ..}`, and the
    generic columns, listed apart, are not keys). Built from the very tuples the parser checks against, so the
    table and the parser cannot drift apart."""
    from routekit.classify import CALL_MAPPING_KINDS, CLASSIFY_KEYS, CONDITIONS, LEARNED_KEYS, RULE_KEYS

    sections = {"": TOP_KEYS, "ingest": INGEST_KEYS, "sources": SOURCES_KEYS,
                "sources.generic_csv[]": GENERIC_CSV_KEYS, "tiers": TIERS_KEYS, "length_buckets": LENGTH_BUCKETS_KEYS,
                "classify": CLASSIFY_KEYS, "classify.mappings": CALL_MAPPING_KINDS, "classify.rules[]": RULE_KEYS,
                "classify.rules[].when": CONDITIONS, "classify.learned": LEARNED_KEYS, "quality": QUALITY_KEYS,
                "quality.bands": BANDS_KEYS, "quality.monte_carlo": MONTE_CARLO_KEYS}
    return {f"{parent}.{k}" if parent else k for parent, known in sections.items() for k in known}


def known_keys(section: dict, known: tuple[str, ...], path: Path | None, key: str) -> None:
    """A misspelt key would be ignored silently (a `curency: EUR` loads euros as dollars): refuse it, naming the
    closest known key."""
    for name in sorted(map(str, set(section) - set(known))):
        _expect(False, path, f"{key}.{name}" if key else name,
                f"unknown key; {did_you_mean(name, known)}known: {', '.join(known)}")


def parse_config(raw: dict[str, Any], path: Path | None = None) -> ClientConfig:
    known_keys(raw, TOP_KEYS, path, "")
    _expect(raw.get("client") is None or isinstance(raw.get("client"), (str, int, float)), path, "client",
            "expected a display name (text)")
    ingest = raw.get("ingest") or {}
    _expect(isinstance(ingest, dict), path, "ingest", "expected a mapping")
    known_keys(ingest, INGEST_KEYS, path, "ingest")
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
    known_keys(sources, SOURCES_KEYS, path, "sources")
    mappings = []
    for i, m in enumerate(sources.get("generic_csv") or []):
        key = f"sources.generic_csv[{i}]"
        _expect(isinstance(m, dict), path, key, "expected a mapping with name and columns")
        known_keys(m, GENERIC_CSV_KEYS, path, key)
        cols = m.get("columns") or {}
        _expect(isinstance(cols, dict) and cols, path, f"{key}.columns", "expected a mapping field: column")
        for name in sorted(map(str, set(cols) - GENERIC_FIELDS)):
            _expect(False, path, f"{key}.columns.{name}",
                    f"unknown field; {did_you_mean(name, GENERIC_FIELDS)}known: {', '.join(sorted(GENERIC_FIELDS))}")
        missing = sorted(GENERIC_REQUIRED - set(cols))
        _expect(not missing, path, f"{key}.columns", f"must map {', '.join(missing)}")
        _expect("provider" in cols or m.get("provider"), path, key, "map a provider column or set provider:")
        mappings.append(GenericCsvMapping(
            name=str(m.get("name") or f"generic_csv_{i + 1}"),
            columns={k: str(v) for k, v in cols.items()},
            provider=m.get("provider"),
            currency=str(m.get("currency") or "USD").upper(),
            input_includes_cached=bool(m.get("input_includes_cached", True)),
            audio_includes_cached=bool(m.get("audio_includes_cached", False)),
            success_values=[str(v).lower() for v in (m.get("success_values") or
                                                      GenericCsvMapping.__dataclass_fields__["success_values"]
                                                      .default_factory())],
        ))
    quality = _parse_quality(raw.get("quality"), path, _parse_length_buckets(raw.get("length_buckets"), path))
    if quality.get("priors") and not Path(quality["priors"]).is_absolute():
        exclude = [*exclude, quality["priors"]]   # the client's own priors table is an input, not an export
    classify = _parse_classify(raw.get("classify"), path)
    _check_stakes(quality, classify, path)
    client = raw.get("client")
    return ClientConfig(path=path, client=None if client is None else str(client), exclude=exclude,
                        currency_rates=clean_rates,
                        generic_csv=mappings, tiers=_parse_tiers(raw.get("tiers"), path), quality=quality,
                        classify=classify,
                        length_buckets=_parse_length_buckets(raw.get("length_buckets"), path), raw=raw)


def _parse_tiers(tiers: Any, path: Path | None) -> dict[str, dict[str, str]]:
    """`tiers: {representatives: {tier: model}, models: {exact model id: tier}}`, both optional."""
    tiers = tiers or {}
    _expect(isinstance(tiers, dict), path, "tiers", "expected a mapping with representatives and/or models")
    known_keys(tiers, TIERS_KEYS, path, "tiers")
    reps = tiers.get("representatives") or {}
    _expect(isinstance(reps, dict), path, "tiers.representatives", "expected a mapping tier: model")
    clean_reps = {}
    for tier, model in reps.items():
        key = f"tiers.representatives.{tier}"
        _expect(str(tier).lower() in TIER_NAMES, path, key, _unknown_tier(tier))
        _expect(isinstance(model, str) and model.strip() != "", path, key, f"expected a model id, got {model!r}")
        clean_reps[str(tier).lower()] = model.strip()
    models = tiers.get("models") or {}
    _expect(isinstance(models, dict), path, "tiers.models", "expected a mapping model: tier")
    clean_models = {}
    for model, tier in models.items():
        key = f"tiers.models.{model}"
        _expect(str(model).strip() != "", path, "tiers.models", "expected non-empty model ids")
        _expect(isinstance(tier, str) and tier.lower() in TIER_NAMES, path, key, _unknown_tier(tier))
        clean_models[str(model).strip()] = tier.lower()
    return {"representatives": clean_reps, "models": clean_models}


QUALITY_KEYS = ("priors", "stakes", "long_input_odds", "bands", "latency_ms", "monte_carlo")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _parse_quality(quality: Any, path: Path | None, length_buckets: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """`quality:` — only the keys the client set; routekit/quality.py supplies the documented defaults.

    priors: FILE (a table like routekit/data/quality_priors.csv whose rows replace the shipped ones), stakes:
    {task type: weight >= 0}, long_input_odds: {tier: {input-length bucket: odds factor > 0}}, bands: {amber, red}
    extra-failure rates with 0 < amber < red < 1, latency_ms: {tier: ms > 0}, monte_carlo: {draws, seed}.
    """
    from routekit.engine import INPUT_BUCKETS, bucket_labels   # engine imports this module: import late

    quality = quality or {}
    _expect(isinstance(quality, dict), path, "quality", f"expected a mapping with {', '.join(QUALITY_KEYS)}")
    known_keys(quality, QUALITY_KEYS, path, "quality")
    out: dict[str, Any] = {}
    if quality.get("priors") is not None:
        _expect(isinstance(quality["priors"], str) and quality["priors"].strip() != "", path, "quality.priors",
                "expected the path of a CSV file (relative to the client folder)")
        out["priors"] = quality["priors"].strip()
    stakes = quality.get("stakes") or {}
    _expect(isinstance(stakes, dict), path, "quality.stakes", "expected a mapping task type: weight")
    for task, weight in stakes.items():
        _expect(_number(weight) and weight >= 0, path, f"quality.stakes.{task}",
                f"expected a weight >= 0, got {weight!r}")
    out["stakes"] = {str(t): float(w) for t, w in stakes.items()}
    odds = quality.get("long_input_odds") or {}
    _expect(isinstance(odds, dict), path, "quality.long_input_odds", "expected a mapping tier: {bucket: factor}")
    custom = (length_buckets or {}).get("input")
    buckets = [*(bucket_labels(custom) if custom else INPUT_BUCKETS[1]), "unknown"]
    clean_odds: dict[str, dict[str, float]] = {}
    for tier, per_bucket in odds.items():
        key = f"quality.long_input_odds.{tier}"
        _expect(str(tier) in TIER_NAMES, path, key, _unknown_tier(tier))
        _expect(isinstance(per_bucket, dict), path, key, "expected a mapping input-length bucket: odds factor")
        for bucket, factor in per_bucket.items():
            _expect(str(bucket) in buckets, path, f"{key}.{bucket}",
                    f"unknown input-length bucket; {did_you_mean(str(bucket), buckets)}buckets are {', '.join(buckets)}")
            _expect(_number(factor) and factor > 0, path, f"{key}.{bucket}",
                    f"expected an odds factor > 0, got {factor!r}")
        clean_odds[str(tier)] = {str(b): float(f) for b, f in per_bucket.items()}
    out["long_input_odds"] = clean_odds
    bands = quality.get("bands") or {}
    _expect(isinstance(bands, dict), path, "quality.bands", "expected a mapping with amber and red")
    known_keys(bands, BANDS_KEYS, path, "quality.bands")
    for name, value in bands.items():
        _expect(_number(value) and 0 < value < 1, path, f"quality.bands.{name}",
                f"expected an extra-failure rate between 0 and 1, got {value!r}")
    out["bands"] = {str(k): float(v) for k, v in bands.items()}
    latency = quality.get("latency_ms") or {}
    _expect(isinstance(latency, dict), path, "quality.latency_ms", "expected a mapping tier: milliseconds")
    for tier, ms in latency.items():
        _expect(str(tier) in TIER_NAMES, path, f"quality.latency_ms.{tier}", _unknown_tier(tier))
        _expect(_number(ms) and ms > 0, path, f"quality.latency_ms.{tier}", f"expected milliseconds > 0, got {ms!r}")
    out["latency_ms"] = {str(t): float(ms) for t, ms in latency.items()}
    mc = quality.get("monte_carlo") or {}
    _expect(isinstance(mc, dict), path, "quality.monte_carlo", "expected a mapping with draws and seed")
    known_keys(mc, MONTE_CARLO_KEYS, path, "quality.monte_carlo")
    if "draws" in mc:
        _expect(isinstance(mc["draws"], int) and not isinstance(mc["draws"], bool) and 100 <= mc["draws"] <= 200_000,
                path, "quality.monte_carlo.draws", f"expected a whole number from 100 to 200000, got {mc['draws']!r}")
    if "seed" in mc:
        _expect(isinstance(mc["seed"], int) and not isinstance(mc["seed"], bool) and mc["seed"] >= 0, path,
                "quality.monte_carlo.seed", f"expected a whole number >= 0, got {mc['seed']!r}")
    out["monte_carlo"] = {str(k): int(v) for k, v in mc.items()}
    return out


def _check_stakes(quality: dict[str, Any], classify, path: Path | None) -> None:
    """quality.stakes names task types: the shipped ones and `classify.task_types` (a misspelt one would weigh
    nothing, silently)."""
    if not quality.get("stakes"):
        return
    from routekit.classify import default_settings   # classify imports this module: import late

    known = (classify or default_settings()).task_types
    for task in quality["stakes"]:
        _expect(task in known, path, f"quality.stakes.{task}",
                f"unknown task type; {did_you_mean(task, known)}task types are {', '.join(known)}")


def _parse_classify(section: Any, path: Path | None):
    """`classify:` — rules, mappings, task_types, learned; checked against the shipped rules (classify.py)."""
    if section is None:
        return None
    from routekit.classify import parse_classify   # classify imports this module: import late

    return parse_classify(section, path)


def _parse_length_buckets(buckets: Any, path: Path | None) -> dict[str, list[int]]:
    """`length_buckets: {input: [1000, 4000, 16000, 64000], output: [250, 1000, 4000]}`: the lower edges (tokens) of
    every bucket after the first, strictly increasing; either list may be left out (engine.py has the defaults)."""
    buckets = buckets or {}
    _expect(isinstance(buckets, dict), path, "length_buckets", "expected a mapping with input and/or output")
    known_keys(buckets, LENGTH_BUCKETS_KEYS, path, "length_buckets")
    out = {}
    for side, bounds in buckets.items():
        key = f"length_buckets.{side}"
        _expect(isinstance(bounds, list) and bounds and all(_number(b) and b > 0 and b == int(b) for b in bounds),
                path, key, f"expected a list of positive whole token counts, got {bounds!r}")
        _expect(all(a < b for a, b in zip(bounds, bounds[1:])), path, key,
                f"expected strictly increasing bounds, got {bounds!r}")
        out[side] = [int(b) for b in bounds]
    return out

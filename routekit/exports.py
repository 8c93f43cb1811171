"""A routing mix as files other tools load: the routing table (JSON), a LiteLLM router config (YAML) and the
policy itself (YAML, what ``routekit simulate --policy`` reads). The audit report writes the recommended mix with
these functions and the tier explorer writes the mix on its sliders, so both give the same files for the same policy.

A mix here is ``{task type: {input length: {option: share}}}`` (what ``Plan.mix`` returns; ``policy_mix`` turns
any Policy into it): options are tiers, ``current`` (the models serving the traffic today) and ``cascade``.

Confidential by construction: the inputs are the cube's tiers, models, request counts and the 99th percentile of
output tokens; no prompt or response text is read.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

from routekit.output_limits import METHOD, reasoning_in_logs, route_limit, thinking_in_logs
from routekit.prices import PriceCatalog, genai_provider_id
from routekit.scenario import CASCADE, CURRENT, Policy
from routekit.tiers import TierMap

ROUTE_PREFIX = "routekit-"          # LiteLLM model group of a task type: routekit-<task_type>
DEFAULT_ROUTE = "routekit-default"
FILES = {"policy": "policy.yaml", "routing": "routing.json", "litellm": "litellm_config.yaml"}
# genai-prices provider id → LiteLLM's provider prefix in `litellm_params.model` (provider/model).
LITELLM_PROVIDERS = {
    "openai": "openai", "anthropic": "anthropic", "google": "gemini", "mistral": "mistral", "deepseek": "deepseek",
    "x-ai": "xai", "cohere": "cohere", "aws": "bedrock", "azure": "azure", "groq": "groq",
    "together": "together_ai", "fireworks": "fireworks_ai", "openrouter": "openrouter", "perplexity": "perplexity",
    "cerebras": "cerebras", "moonshotai": "moonshot", "databricks": "databricks",
}


@dataclass
class RoutingInputs:
    """What the routing table needs from the client database besides the mix."""

    current: dict   # (task type, input length) → {"tiers": {tier: cost}, "models": {model: cost},
                    #                                "requests": {(provider, model): requests}}
    max_tokens: dict[str, int | None]   # task type → 99th percentile of its answered calls' output tokens
    overall: int | None                 # the same over all answered calls
    reasoning: dict[str, str] = field(default_factory=dict)   # model → why: reasoning tokens in the client's logs
    thinking: dict[str, int] = field(default_factory=dict)    # model → largest extended-thinking budget requested


def routing_inputs(con) -> RoutingInputs:
    """The current routing per segment (cost per tier and model, requests per model) and the output-token
    percentiles, from mart_cube and int_calls."""
    current: dict = {}
    for task, len_in, tier, model, cost in con.execute("""
            SELECT task_type, len_in, coalesce(tier, 'unmapped') AS tier, model, sum(cost_usd)
            FROM mart_cube GROUP BY ALL ORDER BY ALL""").fetchall():
        seg = current.setdefault((task, len_in), {"tiers": {}, "models": {}, "requests": {}, "model_tiers": {}})
        # Decimal money in cents, as the report has always summed it (engine.table_records' rounding)
        cost = float(round(cost, 2)) if isinstance(cost, Decimal) else float(cost or 0.0)
        seg["tiers"][tier] = seg["tiers"].get(tier, 0.0) + cost
        seg["models"][model] = seg["models"].get(model, 0.0) + cost
        seg["model_tiers"][model] = tier
    for task, len_in, provider, model, requests in con.execute("""
            SELECT task_type, len_in, provider, model, sum(requests) - coalesce(sum(errors), 0)
            FROM mart_cube GROUP BY ALL ORDER BY ALL""").fetchall():   # answered requests, as scenario.load_cube
        seg = current.setdefault((task, len_in), {"tiers": {}, "models": {}, "requests": {}, "model_tiers": {}})
        seg["requests"][(provider, model)] = float(requests or 0)
    # the answers' lengths: a failed call's output (0, or what it wrote before failing) says nothing of what a route
    # must leave room for
    max_tokens = dict(con.execute("""
        SELECT task_type, quantile_disc(output_tokens, 0.99) FROM int_calls
        WHERE output_tokens IS NOT NULL AND status IS DISTINCT FROM 'error' GROUP BY ALL ORDER BY ALL""").fetchall())
    overall = con.execute("SELECT quantile_disc(output_tokens, 0.99) FROM int_calls "
                          "WHERE status IS DISTINCT FROM 'error'").fetchone()[0]
    return RoutingInputs(current, max_tokens, overall, reasoning_in_logs(con), thinking_in_logs(con))


def policy_mix(policy: Policy | None, groups) -> dict[str, dict[str, dict[str, float]]]:
    """A policy's shares on every (task type, input length) of the traffic; a segment the policy leaves alone is
    ``{current: 1.0}``."""
    out: dict = {}
    for task, len_in in groups:
        shares = policy.tier_shares(task, len_in) if policy is not None else None
        out.setdefault(task, {})[len_in] = ({k: float(v) for k, v in shares.items() if v} if shares
                                            else {CURRENT: 1.0})
    return out


def segment_requests(segments) -> dict[tuple[str, str], float]:
    """Requests per month per (task type, input length), from Simulator.evaluate's segments."""
    out: dict = {}
    for s in segments:
        key = (s["task_type"], s["len_in"])
        out[key] = out.get(key, 0.0) + (s.get("requests_per_month") or 0.0)
    return out


def task_weights(task: str, per_length: dict, requests: dict) -> dict[str, float]:
    """Each option's requests per month in the task, over its input lengths."""
    weights: dict[str, float] = {}
    for len_in, shares in per_length.items():
        for opt, share in shares.items():
            weights[opt] = weights.get(opt, 0.0) + share * requests.get((task, len_in), 0.0)
    return weights


def routing_table(mix, current, tiers, max_tokens, overall, segments, reasoning=None, *, thinking=None,
                  tier_map: TierMap | None = None, catalog: PriceCatalog | None = None, cascades=None) -> dict:
    """Routes per task type: its main option (tier, current, or cascade: then the model is the cascade's first
    tier's), the model, its output limit (routekit/output_limits: the task's 99th-percentile output rounded up to a
    power of 2, or the reasoning reserve for a model that reasons; ``reasoning``: models seen reasoning in the
    client's logs; ``thinking``: the largest Claude thinking budget each model's logged requests asked for) and the
    mix per input length; plus a default route, and the cascades the mix uses (``cascades``: the policy's, per task
    type): their tiers, models, rates and validator, which the client's code runs.
    ``tier_map`` and ``catalog``: the client's (routekit's shipped ones when not given)."""
    cascades = cascades or {}
    requests = segment_requests(segments)
    reasoning = reasoning or {}
    tier_map, catalog = tier_map or TierMap.default(), catalog or PriceCatalog()
    # today's models are served by the provider the logs name; a tier's representative by the catalog's
    providers = {m: p for seg in current.values() for (p, m) in seg["requests"]}
    routes = []
    for task in sorted(mix):
        weights = task_weights(task, mix[task], requests)
        main = max(sorted(weights.items()), key=lambda kv: kv[1])[0] if weights else CURRENT
        models: dict[str, float] = {}
        for (t, _), v in current.items():
            if t == task:
                for m, c in v["models"].items():
                    models[m] = models.get(m, 0.0) + c
        today = max(sorted(models.items()), key=lambda kv: kv[1])[0] if models else None
        # a cascaded request goes to the cascade's first tier; was routed to today's model under "current"
        first = cascades[task].from_tier if main == CASCADE and task in cascades else main
        model = tiers.get(first) if first in tiers else today
        on_tier = first in tiers
        limit = lambda m, tiered: route_limit(m, None if tiered else providers.get(m), max_tokens.get(task),  # noqa
                                              reasoning, tier_map, catalog, thinking)
        # every model the task's mix can send a request to has its own limit: one limit per route was its main
        # model's, so extraction kept on gpt-4o (512 tokens) with its 4k-16k inputs sent to o3 told the client to
        # give o3 512 tokens, too few to reason and still answer
        served = _models_served(task, mix[task], tiers, current, cascades.get(task))
        routes.append({"task_type": task, "tier": main if on_tier else CURRENT, "model": model,
                       **limit(model, on_tier),
                       "models": {m: limit(m, tiered) for m, tiered in sorted(served.items())},
                       "by_input_length": {b: dict(sorted(s.items())) for b, s in sorted(mix[task].items())}})
    flagship = tiers.get("flagship")
    used = sorted(t for t in mix if t in cascades and any(CASCADE in s for s in mix[t].values()))
    return {"routes": routes,
            "cascades": {t: {**cascades[t].to_yaml(), "from_model": tiers.get(cascades[t].from_tier),
                             "to_model": tiers.get(cascades[t].to_tier),
                             "validator_model": tiers.get(cascades[t].validator.tier)
                             if cascades[t].validator and cascades[t].validator.tier else None}
                         for t in used},
            "default": {"tier": "flagship", "model": flagship, **route_limit(flagship, None, overall, reasoning,
                                                                                 tier_map, catalog, thinking)},
            "max_tokens_method": METHOD,
            "tiers": dict(sorted(tiers.items()))}


def _models_served(task: str, per_length: dict, tiers: dict, current: dict, cascade) -> dict[str, bool]:
    """The models a task's mix sends requests to → whether as a tier's representative (priced and named by the
    catalog) rather than as a model serving it today (its provider the logs'): a tier's representative; today's
    models of the input lengths kept ``current``; a cascade's first tier and, for its escalations, its second."""
    out: dict[str, bool] = {}
    for len_in, shares in per_length.items():
        for opt, share in shares.items():
            if not share:
                continue
            named = [cascade.from_tier, cascade.to_tier] if opt == CASCADE and cascade is not None else [opt]
            for tier in named:
                if tier in tiers and tiers[tier]:
                    out[tiers[tier]] = True
            if opt == CURRENT:
                for (_, model), n in (current.get((task, len_in)) or {}).get("requests", {}).items():
                    if n and model:
                        out.setdefault(model, False)
    return out


def litellm_model(model: str, provider: str | None) -> str:
    """``provider/model`` as LiteLLM's ``litellm_params.model`` names it (a model already prefixed stays)."""
    prefix = LITELLM_PROVIDERS.get(genai_provider_id(provider) or "", provider)
    if not prefix or model.startswith(f"{prefix}/"):
        return model
    return f"{prefix}/{model}"


def litellm_config(mix, current, tiers, tier_providers, segments, cascades=None) -> dict:
    """A LiteLLM router config: one model group ``routekit-<task_type>`` per task type whose deployments are the
    mix's models, each with ``weight`` = its share of the task's requests (simple-shuffle picks a deployment with
    probability weight ÷ the group's total), and ``routekit-default`` on the flagship representative.

    A tier's share goes to its representative; ``current`` to the models serving the task today, in proportion to
    their requests; a cascade's share to the cascade's first tier (the validator and the escalation are the
    client's code)."""
    requests = segment_requests(segments)
    cascades = cascades or {}
    model_list = []
    for task in sorted(mix):
        weights: dict[str, float] = {}
        for len_in, shares in mix[task].items():
            n = requests.get((task, len_in), 0.0)
            for opt, share in shares.items():
                for name, part in _deployments(opt, tiers, tier_providers, current.get((task, len_in)),
                                               cascades.get(task)):
                    weights[name] = weights.get(name, 0.0) + share * n * part
        total = sum(weights.values())
        for name, w in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0])):
            if total and round(w / total, 6) > 0:
                model_list.append({"model_name": f"{ROUTE_PREFIX}{task}",
                                   "litellm_params": {"model": name, "weight": round(w / total, 6)}})
    if tiers.get("flagship"):
        model_list.append({"model_name": DEFAULT_ROUTE, "litellm_params": {
            "model": litellm_model(tiers["flagship"], tier_providers.get("flagship")), "weight": 1.0}})
    return {"model_list": model_list, "router_settings": {"routing_strategy": "simple-shuffle"}}


def _deployments(opt, tiers, tier_providers, current, cascade):
    """(LiteLLM model, part of the option's requests) for one option of a segment."""
    if opt == CASCADE and cascade is not None:
        opt = cascade.from_tier
    if opt in tiers:
        return [(litellm_model(tiers[opt], tier_providers.get(opt)), 1.0)]
    if opt == CURRENT and current and current.get("requests"):
        total = sum(current["requests"].values())
        return [(litellm_model(model, provider), n / total)
                for (provider, model), n in sorted(current["requests"].items(), key=str) if total and n]
    return []


def check_line(policy_file: str, prices_as_of: str) -> str:
    """A policy file's last header line: the command that gives its figures again, at the same price day (the catalog
    holds price changes scheduled ahead, so an undated check a month later can differ)."""
    return f"# check it: routekit simulate CLIENT_DIR --policy {policy_file} --date {prices_as_of}\n"


def write_exports(folder, *, policy_yaml: dict, policy_header: str, routing: dict, litellm: dict,
                  litellm_header: str) -> dict[str, Path]:
    """policy.yaml, routing.json and litellm_config.yaml in ``folder`` (created if need be)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {k: folder / name for k, name in FILES.items()}
    paths["policy"].write_text(policy_header + yaml.safe_dump(policy_yaml, sort_keys=False, allow_unicode=True),
                               encoding="utf-8")
    paths["routing"].write_text(json.dumps(routing, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    paths["litellm"].write_text(litellm_header + yaml.safe_dump(litellm, sort_keys=False, allow_unicode=True),
                                encoding="utf-8")
    return paths

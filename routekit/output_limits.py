"""The output-token limit routing.json gives a route, and the name of the request parameter that carries it.

A model that reasons writes hidden reasoning tokens before its answer, and they come out of the same limit:
- OpenAI, "Reasoning models" guide, section "Allocating space for reasoning"
  (https://platform.openai.com/docs/guides/reasoning): reasoning tokens count against ``max_completion_tokens`` /
  ``max_output_tokens``; a response that hits the limit during reasoning has no visible answer (and is still billed);
  OpenAI recommends reserving at least 25,000 tokens for reasoning and outputs when starting out. Chat Completions'
  ``max_tokens`` is deprecated and not accepted by o-series models: ``max_completion_tokens`` is the parameter.
- Anthropic, "Extended thinking" (https://platform.claude.com/docs/en/build-with-claude/extended-thinking):
  thinking tokens count towards ``max_tokens``; ``thinking.budget_tokens`` must be at least 1,024 and below
  ``max_tokens``.
- Google, Gemini "Thinking" (https://ai.google.dev/gemini-api/docs/thinking): thinking tokens are part of the
  output, bounded by ``generationConfig.maxOutputTokens``.

So a route whose model reasons gets at least the 25,000-token reserve (rounded up to a power of 2, like every
limit here: 32,768) instead of its answers' 99th percentile, which for a classification task is a few dozen tokens
and would leave a reasoning model no room to answer at all.

Claude reasons only when a request asks it to, and Anthropic (and Bedrock) count the thinking inside the output
tokens, so logs of Claude with thinking show no reasoning tokens: where an export keeps the request (LiteLLM's
proxy_server_request, Langfuse's modelParameters, OTel attributes, a Bedrock invocation's request body), the
requested ``thinking.budget_tokens`` marks the model as reasoning, and since the budget must stay below
``max_tokens``, the limit is above the largest budget asked.
"""
from __future__ import annotations

import math

from routekit.prices import PriceCatalog, genai_provider_id
from routekit.tiers import TierMap

REASONING_RESERVE = 25_000   # OpenAI's starting reserve for reasoning + answer (see above)
# genai-prices provider id → the request parameter that caps the output (reasoning included) in its API; every other
# provider's (OpenAI-compatible) API takes max_tokens, as do Anthropic's Messages API and Bedrock's InvokeModel.
PARAMETERS = {"openai": "max_completion_tokens", "azure": "max_completion_tokens",
              "google": "generationConfig.maxOutputTokens"}
DEFAULT_PARAMETER = "max_tokens"
METHOD = ("99th percentile of the task's observed output tokens, rounded up to a power of 2; a route whose model "
          f"reasons (reasoning tier, reasons by default, or reasoning tokens or Claude extended thinking requested in "
          f"the client's logs) gets at least {REASONING_RESERVE:,} (OpenAI's reserve for reasoning and answer), i.e. "
          "32,768, since reasoning tokens count against the same limit, and more than the largest "
          "thinking.budget_tokens the logs asked for (Anthropic requires the budget below max_tokens); "
          "max_tokens_parameter names the request parameter of the model's API")


def power_of_two(n) -> int | None:
    """``n`` rounded up to a power of 2 (at least 16); None without a figure."""
    if not n:
        return None
    return int(2 ** math.ceil(math.log2(max(int(n), 16))))


def reasoning_in_logs(con) -> dict[str, str]:
    """Models whose calls report reasoning tokens, or asked for Claude's extended thinking, in the client's logs → why
    they count as reasoning. This is how a hybrid that reasons only when asked (Claude with extended thinking, GPT-5.1
    with an effort set) is recognised; Anthropic and Bedrock count thinking inside the output tokens, so for Claude
    the request's thinking parameter is the evidence (thinking_in_logs)."""
    why = {model: f"extended thinking requested in the client's logs ({calls:,} calls"
                  + (f", budget up to {budget:,} tokens)" if budget else ")")
           for model, (calls, budget) in _thinking(con).items()}
    why.update({model: f"reasoning tokens in the client's logs ({calls:,} calls)" for model, calls in con.execute("""
        SELECT model, count(*) FROM int_calls WHERE reasoning_tokens > 0 GROUP BY model ORDER BY model""").fetchall()})
    return dict(sorted(why.items()))


def thinking_in_logs(con) -> dict[str, int]:
    """Models whose requests asked for Claude's extended thinking → the largest thinking budget asked (0: adaptive
    thinking only, no budget)."""
    return {model: budget for model, (_, budget) in _thinking(con).items()}


def _thinking(con) -> dict[str, tuple[int, int]]:
    """model → (calls that asked for extended thinking, the largest budget asked), from ``calls``: the request's
    thinking parameter is not carried into int_calls, which holds only what the marts read."""
    return {model: (calls, budget) for model, calls, budget in con.execute("""
        SELECT model, count(*), max(thinking_budget_tokens) FROM calls
        WHERE thinking_budget_tokens IS NOT NULL AND model IS NOT NULL GROUP BY model ORDER BY model""").fetchall()}


def route_limit(model: str | None, provider: str | None, p99, observed: dict[str, str], tier_map: TierMap,
                catalog: PriceCatalog, thinking: dict[str, int] | None = None) -> dict:
    """``max_tokens`` (the limit), ``max_tokens_parameter`` and ``reasoning`` (why the model counts as reasoning, or
    None) for a route served by ``model``. ``tier_map`` and ``catalog`` are the client's (routekit.yaml tier models,
    prices.csv): a model the client put in the reasoning tier is a reasoning model here too. ``provider``: the one
    the logs name for a model served today; else the catalog's. ``thinking``: model → the largest extended-thinking
    budget its logged requests asked for (thinking_in_logs); the limit must exceed it."""
    why = (observed.get(model) or tier_map.reasons(model, provider)) if model else None
    budget = (thinking or {}).get(model) or 0
    limit = power_of_two(max(p99 or 0, REASONING_RESERVE, budget + 1)) if why else power_of_two(p99)
    if provider:
        provider_id = genai_provider_id(provider)
    else:
        quote = catalog.quote(model) if model else None
        provider_id = quote.provider if quote is not None else None
    return {"max_tokens": limit, "max_tokens_parameter": PARAMETERS.get(provider_id or "", DEFAULT_PARAMETER),
            "reasoning": why}

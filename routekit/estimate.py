"""The monthly cost of a workload described by numbers alone (before any logs exist): requests, tokens per
request and a mix of models. Decimal arithmetic end to end; rounding only for display."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from routekit.prices import PriceCatalog, checked_price_date, price_day, to_cent


class EstimateError(ValueError):
    """Arguments that do not describe a workload; the message says which and why."""


@dataclass
class Workload:
    requests: int
    input_tokens: int            # per request, total input including cached tokens
    output_tokens: int           # per request
    cached_input_tokens: int = 0  # per request, cache reads (a subset of input_tokens)
    # per request, the audio among them (schema.sql): uncached audio input (a part of input_tokens beside the cache
    # reads), audio cache reads (a part of cached_input_tokens), audio output (a part of output_tokens)
    input_audio_tokens: int = 0
    cached_audio_tokens: int = 0
    output_audio_tokens: int = 0


def parse_mix(text: str) -> list[tuple[str, Decimal]]:
    """`MODEL=SHARE[,MODEL=SHARE...]`, shares summing to 1."""
    mix = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        model, sep, share = part.rpartition("=")
        if not sep or not model.strip():
            raise EstimateError(f"--mix: '{part}' is not MODEL=SHARE")
        try:
            value = Decimal(share.strip())
        except InvalidOperation:
            raise EstimateError(f"--mix: share of {model.strip()} is not a number: {share.strip()!r}") from None
        if value < 0:
            raise EstimateError(f"--mix: share of {model.strip()} is negative")
        mix.append((model.strip(), value))
    return check_mix(mix)


def check_mix(mix: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """The mix as estimate() needs it: at least one model, shares >= 0 summing to 1 (a Python caller's mix too: a
    mix summing to 0.5 would quote half the workload's cost as all of it)."""
    if not mix:
        raise EstimateError("--mix: give at least one MODEL=SHARE")
    for model, share in mix:
        if not isinstance(share, (Decimal, int)) or isinstance(share, bool):
            raise EstimateError(f"--mix: share of {model} must be a Decimal or a whole number, not {share!r} "
                                "(a float is inexact: Decimal('0.1'), not 0.1)")
        if share < 0:
            raise EstimateError(f"--mix: share of {model} is negative")
    total = sum(s for _, s in mix)
    if total != 1:
        raise EstimateError(f"--mix: shares must sum to 1, they sum to {total}")
    return mix


def estimate(workload: Workload, mix: list[tuple[str, Decimal]], catalog: PriceCatalog,
             on: dt.date | None = None) -> dict:
    mix = check_mix(list(mix))
    on = checked_price_date(on)   # as the CLI's --date: a date no catalog price applies to is refused
    if workload.requests < 0 or workload.input_tokens < 0 or workload.output_tokens < 0:
        raise EstimateError("requests and token counts cannot be negative")
    if not 0 <= workload.cached_input_tokens <= workload.input_tokens:
        raise EstimateError("--cached-input-tokens must be between 0 and --input-tokens (cache reads are part "
                            "of the input)")
    if min(workload.input_audio_tokens, workload.cached_audio_tokens, workload.output_audio_tokens) < 0:
        raise EstimateError("audio token counts cannot be negative")
    if workload.input_audio_tokens > workload.input_tokens - workload.cached_input_tokens:
        raise EstimateError("--input-audio-tokens (uncached audio) cannot exceed --input-tokens less "
                            "--cached-input-tokens")
    if workload.cached_audio_tokens > workload.cached_input_tokens:
        raise EstimateError("--cached-audio-tokens cannot exceed --cached-input-tokens (audio cache reads are "
                            "part of the cache reads)")
    if workload.output_audio_tokens > workload.output_tokens:
        raise EstimateError("--output-audio-tokens cannot exceed --output-tokens (audio output is part of it)")
    models, total, unpriced = [], Decimal(0), []
    for model, share in mix:
        quote = catalog.quote(model, on=on)
        requests = share * workload.requests
        if quote is None:
            unpriced.append(model)
            models.append({"model": model, "share": float(share), "requests": float(requests), "cost_usd": None,
                           "price_source": None})
            continue
        # one request's cost, cliff tiers included (a request over the tier's input threshold pays the higher rate)
        per_request = quote.cost(workload.input_tokens, workload.output_tokens, workload.cached_input_tokens,
                                 input_audio_tokens=workload.input_audio_tokens,
                                 cached_audio_tokens=workload.cached_audio_tokens,
                                 output_audio_tokens=workload.output_audio_tokens)
        cost = requests * per_request
        total += cost
        models.append({"model": model, "share": float(share), "requests": float(requests),
                       "cost_usd": float(to_cent(cost)), "price_source": quote.source,
                       "priced_as": quote.matched_model,
                       "prices_per_mtok": {"input": str(quote.input_per_mtok),
                                           "cached_input": str(quote.cached_input_per_mtok),
                                           "output": str(quote.output_per_mtok),
                                           # None: no audio price, audio billed as text
                                           **{key: None if getattr(quote, col) is None else str(getattr(quote, col))
                                              for key, col in (("input_audio", "input_audio_per_mtok"),
                                                               ("cached_audio_input", "cached_audio_input_per_mtok"),
                                                               ("output_audio", "output_audio_per_mtok"))}}})
    return {
        "monthly_cost_usd": None if unpriced else float(to_cent(total)),
        "per_request_cost_usd": None if unpriced or not workload.requests
        else float(total / workload.requests),
        "models": models,
        "unpriced_models": unpriced,
        "prices_as_of": str(price_day(on)),
    }

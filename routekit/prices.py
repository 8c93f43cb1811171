"""The price catalog: USD per million tokens for a (provider, model) on a date, in a variant (standard, batch,
priority, flex), from genai-prices (offline data shipped in its wheel; never updated over the network here) or from
a client's override file ``prices.csv`` (negotiated rates), which wins for the models it names.

Pricing rules every quote follows (whatever its source):

- ``input_per_mtok`` applies to uncached input tokens.
- ``cached_input_per_mtok`` applies to cache reads. A model with no cache-read price charges cached tokens at the
  input price (no caching discount is assumed).
- ``cache_write_per_mtok`` applies to cache writes (Anthropic's 5-minute write, 1.25 x input, as genai-prices gives
  it). A model with no cache-write price charges writes at the input price: OpenAI, Gemini and most others bill
  cache writes as ordinary input. The 1-hour Anthropic write (2 x input) is not carried.
- A model with an input price but no output price (embedding models) charges output at 0.
- Audio tokens (voice and realtime models: OpenAI's gpt-realtime, gpt-audio, Gemini's Live and Flash models) take
  the model's own audio prices, genai-prices' ``input_audio_mtok``, ``cache_audio_read_mtok`` and
  ``output_audio_mtok`` (gpt-realtime: 32 / 0.4 / 64 beside text at 4 / 0.4 / 16). ``input_audio_per_mtok`` applies
  to uncached audio input (calls.input_audio_tokens), ``cached_audio_input_per_mtok`` to audio cache reads
  (calls.cached_audio_tokens, a part of cached_input_tokens), ``output_audio_per_mtok`` to audio output
  (calls.output_audio_tokens, a part of output_tokens). A model that lists an audio input price but no audio
  cache price charges cached audio at the audio input price (no discount assumed, as genai-prices' own calc_price
  does for gpt-audio). None (a model with no audio price: every text model, and every prices.csv row without the
  audio columns) means the audio is billed as text: at the text price in force for those tokens, above a cliff tier
  too (Gemini 2.5 Pro bills audio input as text). Audio prices are flat: genai-prices lists no tiered one.
- Cliff tiers: when a request's TOTAL input (including cache reads and writes) is above ``above_input_tokens``, every
  token of that request is charged at the ``*_above`` prices (gemini-2.5-pro and claude-sonnet-4-5 above 200k).
  Only the first tier is carried (two OpenRouter models list a second one; their ``source`` says so).
- Batch: genai-prices' ``processing: batch`` variant where it has one on that date; otherwise, for providers that
  offer a flat discount (``FLAT_BATCH_DISCOUNT``: OpenAI and Anthropic, 50 %), every price of the standard quote
  halved, with ``source`` saying so. Other providers have no batch quote without a variant.
- Service tiers ``priority`` and ``flex`` exist only where genai-prices has that variant in force on the date.
- Time-of-day prices (DeepSeek's peak and off-peak hours, genai-prices' ``TimeOfDateConstraint``): each dated period
  of such a model is cut into slices of the UTC day at every boundary of its constraints (a window across midnight,
  16:30-00:30, makes two slices: 16:30-24:00 and 00:00-00:30), each priced by genai-prices' own ``get_prices`` at
  the slice's first moment; adjacent slices with equal prices are joined. A call is priced at the slice its UTC time
  falls in (``from_time`` inclusive, ``to_time`` exclusive; None: the day's start or end). Traffic with no time of day
  (aggregated usage rows, ``routekit estimate``, a quote asked without a time) takes the model's ``day_rate`` period:
  the rate in force for most of the UTC day, and ``source`` says so. A model without time-of-day prices has one
  all-day period (both times None), whatever the time.
- A model that genai-prices lists with no token price (subscription, per-request or audio-only pricing, free slugs)
  is not priced: it is reported as unpriced, never as $0. A ``prices.csv`` row with 0 prices it at $0.

A quote is valid from ``valid_from`` (inclusive, None = since forever: no earlier price is known) to ``valid_to``
(exclusive, None = still in force). genai-prices only knows some price changes (o3's cut on 2025-06-10); for most
models it has the current price only, which is then quoted for every past date.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from collections import Counter
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import genai_prices
from routekit.db import sql_text
from genai_prices import data_snapshot
from genai_prices.types import ModelInfo, ModelPrice, Provider, StartDateConstraint, TieredPrices, TimeOfDateConstraint

GENAI_SOURCE = f"genai-prices {genai_prices.__version__}"
CENT = Decimal("0.01")
VARIANTS = ("standard", "batch", "priority", "flex")
_VARIANT_CONTEXT = {"batch": {"processing": "batch"}, "priority": {"service_tier": "priority"},
                    "flex": {"service_tier": "flex"}}

# Providers whose batch API is a flat discount on every standard price (OpenAI Batch API, Anthropic Message Batches).
FLAT_BATCH_DISCOUNT = {"openai": Decimal("0.5"), "anthropic": Decimal("0.5")}

# Provider names as routekit's tables carry them (OpenTelemetry gen_ai.provider.name / gen_ai.system, LiteLLM's
# custom_llm_provider, the generic CSV's provider) -> genai-prices provider id. A name not listed here goes through
# genai-prices' own provider matching; one that matches nothing lets genai-prices infer the provider from the model.
PROVIDER_IDS = {
    "openai": "openai", "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "aws.bedrock": "aws", "aws": "aws", "bedrock": "aws", "bedrock_converse": "aws", "amazon_bedrock": "aws",
    "azure": "azure", "azure_ai": "azure", "azure_openai": "azure", "azure.ai.openai": "azure",
    "az.ai.openai": "azure", "azure.ai.inference": "azure", "az.ai.inference": "azure",
    "google": "google", "gemini": "google", "vertex_ai": "google", "vertex_ai_beta": "google", "vertexai": "google",
    "gcp.gemini": "google", "gcp.vertex_ai": "google", "gcp.gen_ai": "google",
    "mistral": "mistral", "mistral_ai": "mistral", "mistralai": "mistral",
    "deepseek": "deepseek",
    "x-ai": "x-ai", "x_ai": "x-ai", "xai": "x-ai",
    "openrouter": "openrouter",
    "groq": "groq",
    "together": "together", "together_ai": "together", "togetherai": "together",
    "fireworks": "fireworks", "fireworks_ai": "fireworks",
    "cohere": "cohere", "cohere_chat": "cohere",
    "perplexity": "perplexity",
    "cerebras": "cerebras",
    "moonshot": "moonshotai", "moonshotai": "moonshotai",
    "databricks": "databricks",
}

PRICE_COLUMNS = ("input_per_mtok", "cached_input_per_mtok", "cache_write_per_mtok", "output_per_mtok")
# the audio prices (None: audio billed as text); optional in prices.csv
AUDIO_COLUMNS = ("input_audio_per_mtok", "cached_audio_input_per_mtok", "output_audio_per_mtok")
OVERRIDE_COLUMNS = ("model",) + PRICE_COLUMNS + AUDIO_COLUMNS + ("valid_from", "note")
_REQUIRED_COLUMNS = ("model", "input_per_mtok", "output_per_mtok")


_TABLE_FIELDS = ("provider", "model", "variant", "valid_from", "valid_to", "from_time", "to_time", "day_rate",
                 "input_per_mtok", "cached_input_per_mtok",
                 "cache_write_per_mtok", "output_per_mtok", "above_input_tokens", "input_per_mtok_above",
                 "cached_input_per_mtok_above", "cache_write_per_mtok_above", "output_per_mtok_above",
                 *AUDIO_COLUMNS, "matched_model", "source")
_SCALE = Decimal("0.000001")


class PriceFileError(ValueError):
    """An unreadable or invalid prices.csv: the message names the file, the row and the reason."""


@dataclass(frozen=True)
class _Rates:
    """The price fields of a quote, without its identity or period (hashable, so equal periods merge)."""

    input_per_mtok: Decimal
    cached_input_per_mtok: Decimal
    cache_write_per_mtok: Decimal
    output_per_mtok: Decimal
    above_input_tokens: int | None = None
    input_per_mtok_above: Decimal | None = None
    cached_input_per_mtok_above: Decimal | None = None
    cache_write_per_mtok_above: Decimal | None = None
    output_per_mtok_above: Decimal | None = None
    # the audio prices, flat (no cliff tier); None: the model has no audio price and bills audio as text
    input_audio_per_mtok: Decimal | None = None
    cached_audio_input_per_mtok: Decimal | None = None
    output_audio_per_mtok: Decimal | None = None
    notes: tuple[str, ...] = ()

    def scaled(self, factor: Decimal, note: str) -> _Rates:
        """Every price times ``factor`` (a flat batch discount), the cliff and the notes as they are."""
        prices = {f.name: getattr(self, f.name) for f in fields(_Rates) if f.name.endswith("_per_mtok")
                  or f.name.endswith("_per_mtok_above")}
        return replace(self, **{k: None if v is None else v * factor for k, v in prices.items()},
                       notes=self.notes + (note,))


@dataclass(frozen=True, kw_only=True)
class PriceQuote(_Rates):
    """The prices applied to one model, in one variant, over one period; USD per million tokens.

    ``model`` is the reference asked for, ``matched_model`` the catalog entry that priced it (genai-prices model id,
    or the model as written in prices.csv), ``provider`` the genai-prices provider whose price list was used (for a
    prices.csv quote: the provider asked for, mapped to its genai-prices id where known).

    Cached input without its own price is charged at the input price, a cache write without its own price at the
    input price (OpenAI bills writes as input; genai-prices gives Anthropic's 1.25 x input). Above
    ``above_input_tokens`` of total input in one request, all of that request's tokens take the ``*_above`` prices.
    ``valid_from`` is inclusive (None: since forever), ``valid_to`` exclusive (None: still in force). The prices
    themselves are the period's _Rates.
    """

    model: str
    matched_model: str
    provider: str | None
    variant: str
    valid_from: date | None
    valid_to: date | None
    source: str = GENAI_SOURCE
    # the slice of the UTC day the prices hold for (time-of-day prices): from_time inclusive, to_time exclusive,
    # None = the day's start / end; both None = all day
    from_time: time | None = None
    to_time: time | None = None
    # the all-day rate of a model with time-of-day prices, for traffic whose time of day is unknown (the rate in force
    # for most of the UTC day); a call with a time never takes it
    day_rate: bool = False

    def covers(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on < self.valid_to)

    @property
    def timed(self) -> bool:
        """Whether the quote holds for a slice of the day only (time-of-day prices)."""
        return self.from_time is not None or self.to_time is not None

    def covers_time(self, at: time) -> bool:
        return (self.from_time is None or self.from_time <= at) and (self.to_time is None or at < self.to_time)

    def cost(self, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0,
             cache_write_tokens: int = 0, input_audio_tokens: int = 0, cached_audio_tokens: int = 0,
             output_audio_tokens: int = 0) -> Decimal:
        """USD for one request; ``input_tokens`` is the TOTAL input, cache reads and writes and audio included;
        ``input_audio_tokens`` (uncached audio), ``cached_audio_tokens`` (a part of the cache reads) and
        ``output_audio_tokens`` (a part of the output) are the audio among them (int_priced.sql's rk_token_cost)."""
        p_in, p_cached, p_write, p_out, p_audio, p_audio_cached, p_audio_out = self.prices_in_force(
            self.above(input_tokens))
        text = input_tokens - cached_input_tokens - cache_write_tokens - input_audio_tokens
        return (text * p_in + input_audio_tokens * p_audio + (cached_input_tokens - cached_audio_tokens) * p_cached
                + cached_audio_tokens * p_audio_cached + cache_write_tokens * p_write
                + (output_tokens - output_audio_tokens) * p_out + output_audio_tokens * p_audio_out
                ) / Decimal(1_000_000)

    def above(self, input_tokens: int | Decimal) -> bool:
        """Whether a request with this TOTAL input is past the quote's cliff (every token at the ``*_above`` prices)."""
        return self.above_input_tokens is not None and input_tokens > self.above_input_tokens

    def prices_in_force(self, above: bool = False) -> tuple[Decimal, ...]:
        """USD per Mtok of a request below the cliff, or past it (``above``): input, cached input, cache write,
        output, then audio input, cached audio input and audio output (audio_prices)."""
        text = ((self.input_per_mtok_above, self.cached_input_per_mtok_above, self.cache_write_per_mtok_above,
                 self.output_per_mtok_above) if above else
                (self.input_per_mtok, self.cached_input_per_mtok, self.cache_write_per_mtok, self.output_per_mtok))
        return (*text, *self.audio_prices(text[0], text[1], text[3]))

    def audio_prices(self, p_in: Decimal, p_cached: Decimal, p_out: Decimal) -> tuple[Decimal, Decimal, Decimal]:
        """(audio input, cached audio input, audio output) prices, each the text price given where the model has no
        audio price of its own."""
        return (p_in if self.input_audio_per_mtok is None else self.input_audio_per_mtok,
                p_cached if self.cached_audio_input_per_mtok is None else self.cached_audio_input_per_mtok,
                p_out if self.output_audio_per_mtok is None else self.output_audio_per_mtok)

    def to_json(self) -> dict:
        """Prices as strings of the exact Decimal (JSON numbers would turn 0.1 into a binary float)."""
        def text(value):
            if isinstance(value, Decimal):
                return _plain(value)
            if isinstance(value, time):   # 16:30, or 16:30:15 where a boundary has seconds
                return value.isoformat(timespec="minutes" if not (value.second or value.microsecond) else "auto")
            if isinstance(value, date):
                return value.isoformat()
            return value

        keys = ("model", "matched_model", "provider", "variant") + PRICE_COLUMNS + (
            "valid_from", "valid_to", "from_time", "to_time", "day_rate", "source", "above_input_tokens",
            "input_per_mtok_above", "cached_input_per_mtok_above", "cache_write_per_mtok_above",
            "output_per_mtok_above") + AUDIO_COLUMNS
        return {key: text(getattr(self, key)) for key in keys}


@dataclass(frozen=True)
class _Period:
    variant: str
    valid_from: date | None
    valid_to: date | None
    rates: _Rates
    matched_model: str
    provider: str | None
    source: str
    from_time: time | None = None   # PriceQuote's slice of the day and day rate
    to_time: time | None = None
    day_rate: bool = False


@dataclass(frozen=True)
class _OverrideRow:
    row: int
    model: str
    valid_from: date | None
    rates: _Rates


# ---------------------------------------------------------------------------------------------------------------
# Reading the genai-prices data


def _plain(value: Decimal) -> str:
    """A Decimal as plain digits without exponent or trailing zeros: 2.50 -> '2.5', 1E+1 -> '10'."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def genai_provider_id(provider: str | None) -> str | None:
    """The genai-prices provider id for a provider name as routekit's tables carry it (None: let the model decide)."""
    if not provider:
        return None
    key = provider.strip().lower()
    if key in PROVIDER_IDS:
        return PROVIDER_IDS[key]
    found = data_snapshot.find_provider_by_id(data_snapshot.get_snapshot().providers, key)
    return found.id if found else None


def _base(price: Decimal | TieredPrices | None) -> Decimal | None:
    return price.base if isinstance(price, TieredPrices) else price


def _above(price: Decimal | TieredPrices | None) -> Decimal | None:
    """The price above the first cliff (a flat price stays flat)."""
    if isinstance(price, TieredPrices):
        return price.tiers[0].price if price.tiers else price.base
    return price


def _rates_from(price: ModelPrice) -> _Rates | None:
    """A genai-prices ModelPrice as the quote's four prices plus its first cliff tier; None without token prices."""
    p_in, p_cached, p_write, p_out = (price.input_mtok, price.cache_read_mtok, price.cache_write_mtok,
                                      price.output_mtok)
    if p_in is None:
        return None
    notes = []
    if p_out is None:
        p_out = Decimal(0)
        notes.append("no output price: output at 0")
    tiered = [p for p in (p_in, p_cached, p_write, p_out) if isinstance(p, TieredPrices) and p.tiers]
    # audio: genai-prices' input_audio_mtok, cache_audio_read_mtok, output_audio_mtok (flat in every model it lists);
    # an audio input price without an audio cache price charges cached audio at the audio input price
    p_audio = _base(getattr(price, "input_audio_mtok", None))
    p_audio_cached = _base(getattr(price, "cache_audio_read_mtok", None))
    rates = _Rates(input_per_mtok=_base(p_in),
                   cached_input_per_mtok=_base(p_cached) if p_cached is not None else _base(p_in),
                   cache_write_per_mtok=_base(p_write) if p_write is not None else _base(p_in),
                   output_per_mtok=_base(p_out), input_audio_per_mtok=p_audio,
                   cached_audio_input_per_mtok=p_audio_cached if p_audio_cached is not None else p_audio,
                   output_audio_per_mtok=_base(getattr(price, "output_audio_mtok", None)))
    if not tiered:
        return replace(rates, notes=tuple(notes))
    starts = sorted({p.tiers[0].start for p in tiered})
    most_tiers = max(len(p.tiers) for p in tiered)
    if len(starts) > 1 or most_tiers > 1:
        notes.append(f"only the first of {max(most_tiers, len(starts))} input-size tiers")
    in_above = _above(p_in)
    return replace(rates, above_input_tokens=starts[0], input_per_mtok_above=in_above,
                   cached_input_per_mtok_above=_above(p_cached) if p_cached is not None else in_above,
                   cache_write_per_mtok_above=_above(p_write) if p_write is not None else in_above,
                   output_per_mtok_above=_above(p_out), notes=tuple(notes))


def _has_time_of_day(model: ModelInfo) -> bool:
    conditions = model.prices if isinstance(model.prices, list) else []
    return any(isinstance(c.constraint, TimeOfDateConstraint) for c in conditions) or any(
        isinstance(v.constraint, TimeOfDateConstraint) for v in model.price_variants or ())


def _variant_in_force(model: ModelInfo, moment: datetime, context: dict[str, str]) -> bool:
    """Whether genai-prices has a variant for this context in force at that moment (same test as get_prices)."""
    for variant in model.price_variants or ():
        if variant.constraint is not None and not variant.constraint.active(moment):
            continue
        if all(context.get(k) == v for k, v in variant.when.items()) and any(
                p is not None for p in variant.prices.__dict__.values()):
            return True
    return False


def _rates_at(model: ModelInfo, moment: datetime, context: dict[str, str] | None) -> tuple[_Rates | None, bool]:
    """The rates genai-prices applies at that moment (its own ModelInfo.get_prices), and whether a variant applied."""
    applied = bool(context) and _variant_in_force(model, moment, context)
    return _rates_from(model.get_prices(moment, context if applied else None)), applied


def _day_rates(model: ModelInfo, day: date, context: dict[str, str] | None) -> tuple[_Rates | None, bool]:
    """The rates for that day as a whole, and whether a variant applied.

    Time-of-day prices are sampled every half hour: the day gets the rate in force for most of its UTC hours (the
    day rate, for traffic without a time of day; a call is priced at its own slice, _day_slices).
    """
    if not _has_time_of_day(model):
        return _rates_at(model, datetime.combine(day, time(12), timezone.utc), context)
    votes: Counter = Counter()
    applied_any = False
    for minute in range(15, 24 * 60, 30):
        rates, applied = _rates_at(model, datetime.combine(day, time(minute // 60, minute % 60), timezone.utc),
                                   context)
        applied_any |= applied
        votes[rates] += 1
    (rates, hours_x2), = votes.most_common(1)
    if rates is not None and len(votes) > 1:
        rates = replace(rates, notes=rates.notes + (
            f"time-of-day prices: the rate in force {hours_x2 / 2:g} h of 24 UTC",))
    return rates, applied_any


def _utc_time(t: time) -> time:
    """A constraint's time as a naive UTC time of day (genai-prices' naive times are UTC)."""
    if t.tzinfo is None:
        return t
    return datetime.combine(date(2000, 1, 1), t).astimezone(timezone.utc).time().replace(tzinfo=None)


def _day_slices(model: ModelInfo) -> list[tuple[time | None, time | None]]:
    """The model's slices of the UTC day, cut at every boundary of its time-of-day constraints (of any price or
    variant), never across midnight: [(None, 00:30), (00:30, 16:30), (16:30, None)] for 00:30-16:30 peak hours.
    None bounds are the day's start and end; a model without time-of-day prices has the one slice (None, None)."""
    constraints = [c.constraint for c in (model.prices if isinstance(model.prices, list) else [])]
    constraints += [v.constraint for v in model.price_variants or ()]
    cuts = sorted({_utc_time(t) for c in constraints if isinstance(c, TimeOfDateConstraint)
                   for t in (c.start_time, c.end_time)} - {time(0)})
    edges = [None, *cuts, None]
    return list(zip(edges, edges[1:]))


def _breakpoints(model: ModelInfo, with_variants: bool) -> list[date]:
    dates = set()
    if isinstance(model.prices, list):
        dates |= {c.constraint.start_date for c in model.prices if isinstance(c.constraint, StartDateConstraint)}
    if with_variants:
        dates |= {v.constraint.start_date for v in model.price_variants or ()
                  if isinstance(v.constraint, StartDateConstraint)}
    return sorted(dates)


@lru_cache(maxsize=1)   # the snapshot ships in the wheel and never changes within a process
def _genai_cliffs() -> frozenset[int]:
    """Every input size at which some genai-prices model's prices change (the cliff a quote carries: _rates_from's
    first tier), in any period or variant."""
    found = set()
    for provider in data_snapshot.get_snapshot().providers:
        for model in provider.models:
            prices = [c.prices for c in model.prices] if isinstance(model.prices, list) else [model.prices]
            for price in prices + [v.prices for v in model.price_variants or ()]:
                rates = _rates_from(price) if isinstance(price, ModelPrice) else None
                if rates is not None and rates.above_input_tokens is not None:
                    found.add(rates.above_input_tokens)
    return frozenset(found)


# OpenAI's API opened to the public on 2020-06-11 (openai.com/blog/openai-api): the first LLM API with a price, so no
# catalog price can apply before it, and an earlier --date is a typo, not a what-if.
FIRST_LLM_API = date(2020, 6, 11)


@lru_cache(maxsize=1)   # the snapshot ships in the wheel and never changes within a process
def catalog_dates() -> tuple[date, date]:
    """(first, last) price change genai-prices dates, scheduled changes included. A price with no start date holds
    "since forever", so before ``first`` each model is priced at the earliest price the catalog knows; after
    ``last`` nothing is known beyond the prices then in force."""
    found = [d for provider in data_snapshot.get_snapshot().providers for model in provider.models
             for d in _breakpoints(model, True)]
    return min(found), max(found)


class PriceDateError(ValueError):
    """A price date the catalog cannot answer for; the message gives the dates it covers."""


def check_price_date(on: date, today: date | None = None) -> str | None:
    """A --date the catalog can price: None, or a note to show when it can only approximate (before the first
    dated price change); PriceDateError for a date no catalog price applies to (before the first LLM API, or after
    both today and the last change the catalog knows of: the prices then are unknown, not today's)."""
    first, last = catalog_dates()
    today = today or datetime.now(timezone.utc).date()
    end = max(today, last)
    covers = (f"{GENAI_SOURCE} dates price changes from {first} to {last} (scheduled ones included); "
              f"leave --date out for today's prices")
    if on < FIRST_LLM_API:
        raise PriceDateError(f"--date {on}: before the first LLM API price ({FIRST_LLM_API}); {covers}")
    if on > end:
        raise PriceDateError(f"--date {on}: after {end}, the last date whose prices are known; {covers}")
    if on < first:
        return (f"--date {on}: {GENAI_SOURCE} dates no price change before {first}; each model is priced at the "
                "earliest price the catalog knows, which may not be what was billed then (a prices.csv with "
                "valid_from dates gives the client's own)")
    return None


def price_day(on: date | None) -> date:
    """The day whose prices a quote uses: ``on``, or today (UTC) when no date was given, as PriceCatalog.quote takes
    it. Outputs name this day rather than "latest": the catalog schedules changes ahead (gemini-4-argon doubles on
    2026-12-01), so the same undated command gives other figures a week later, and the reader must see which."""
    return on or datetime.now(timezone.utc).date()


def price_day_text(on: date | None) -> str:
    """The price day for a printed line: '2026-11-24 (today, UTC)' when no date was given, else the date."""
    return str(on) if on else f"{price_day(None)} (today, UTC)"


def checked_price_date(on: date | datetime | str | None) -> date | None:
    """A price date from any caller, the command line's or Python's (estimate, Simulator, run_audit,
    PriceCatalog.quote): None (today's prices) or the date, refused with --date's own message when it is not
    YYYY-MM-DD or falls where no catalog price applies (check_price_date). Without this a Python caller's 1990 or
    2099 was priced silently at prices that were never in force; the CLI refused it."""
    if on is None:
        return None
    if isinstance(on, str):
        try:
            on = date.fromisoformat(on.strip())
        except ValueError:
            raise PriceDateError(f"--date {on}: expected YYYY-MM-DD") from None
    elif isinstance(on, datetime):
        on = on.astimezone(timezone.utc).date() if on.tzinfo else on.date()
    elif not isinstance(on, date):
        raise PriceDateError(f"--date {on!r}: expected a date (YYYY-MM-DD)")
    check_price_date(on)
    return on


def _genai_periods(provider: Provider, model: ModelInfo, note: str | None, billed_by: str) -> list[_Period]:
    """Every (variant, period) genai-prices implies for a model, merged where consecutive periods price alike.

    ``billed_by`` is the provider that bills the traffic (the one asked for, else the one genai-prices found): its
    flat batch discount applies, not that of the provider whose price list was borrowed.
    """
    # genai-prices applies request variants only to a provider's own models, not to one reached through its
    # fallback providers (Azure -> OpenAI): do the same.
    with_variants = any(model is m for m in provider.models)
    breaks = _breakpoints(model, with_variants)
    bounds = [None, *breaks, None]
    today = datetime.now(timezone.utc).date()
    periods: list[_Period] = []
    slices = _day_slices(model)
    # with time-of-day prices: each slice at its first moment, plus the day rate for traffic without a time of day
    windows = [(a, b, False) for a, b in slices] + ([(None, None, True)] if len(slices) > 1 else [])
    for lo, hi in zip(bounds, bounds[1:]):
        day = lo if lo is not None else (hi - timedelta(days=1) if hi is not None else today)
        day_periods: list[_Period] = []
        for from_time, to_time, day_rate in windows:
            if day_rate:
                rates_for = lambda context: _day_rates(model, day, context)   # noqa: E731
            else:
                moment = datetime.combine(day, from_time or time(0), timezone.utc)
                rates_for = lambda context, moment=moment: _rates_at(model, moment, context)   # noqa: E731
            standard, _ = rates_for(None)
            if standard is None:
                continue
            by_variant = {"standard": standard}
            for variant, context in _VARIANT_CONTEXT.items():
                rates, applied = rates_for(context) if with_variants else (None, False)
                if applied and rates is not None:
                    by_variant[variant] = rates
                elif variant == "batch" and billed_by in FLAT_BATCH_DISCOUNT:
                    factor = FLAT_BATCH_DISCOUNT[billed_by]
                    by_variant[variant] = standard.scaled(factor, f"batch = {_plain(factor * 100)} % of standard")
            for variant, rates in by_variant.items():
                if note:
                    rates = replace(rates, notes=(note,) + rates.notes)
                day_periods.append(_Period(variant, lo, hi, rates, model.id, provider.id, GENAI_SOURCE,
                                           from_time, to_time, day_rate))
        periods += _join_slices(day_periods)
    return _merge(periods)


def _join_slices(periods: list[_Period]) -> list[_Period]:
    """One dated period's slices of the day, adjacent ones with equal prices joined (per variant; never across
    midnight). Where a variant's slices join into one all-day slice its prices do not change with the time of day:
    that slice is its all-day period and the day rate (the same prices) is dropped."""
    joined: list[_Period] = []
    for period in periods:
        last = joined[-1] if joined else None
        if (last is not None and not period.day_rate and not last.day_rate and last.variant == period.variant
                and last.to_time is not None and last.to_time == period.from_time
                and (last.rates, last.matched_model, last.source) == (period.rates, period.matched_model,
                                                                     period.source)):
            joined[-1] = replace(last, to_time=period.to_time)
        else:
            joined.append(period)
    all_day = {p.variant for p in joined if not p.day_rate and p.from_time is None and p.to_time is None}
    return [p for p in joined if not (p.day_rate and p.variant in all_day)]


def _merge(periods: list[_Period]) -> list[_Period]:
    """Join consecutive periods of a variant that carry the same prices."""
    merged: list[_Period] = []
    window = lambda p: (p.day_rate, p.from_time or time.min, p.to_time or time.max)   # noqa: E731
    for period in sorted(periods, key=lambda p: (VARIANTS.index(p.variant), window(p), p.valid_from or date.min)):
        last = merged[-1] if merged else None
        if (last is not None and last.variant == period.variant and last.valid_to == period.valid_from
                and window(last) == window(period)
                and (last.rates, last.matched_model, last.source) == (period.rates, period.matched_model,
                                                                     period.source)):
            merged[-1] = replace(last, valid_to=period.valid_to)
        else:
            merged.append(period)
    # listed by variant, then date, then slice of the day
    return sorted(merged, key=lambda p: (VARIANTS.index(p.variant), p.valid_from or date.min, window(p)))


# ---------------------------------------------------------------------------------------------------------------
# Model references and the override file

_DATE_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|20\d{6})$")
_VERSION_SUFFIX = re.compile(r"-v\d+(?::\d+)?$")
_BEDROCK_VENDOR = re.compile(r"^(?:anthropic|meta|amazon|mistral|cohere|ai21|deepseek|qwen|openai|writer)\.")


def model_keys(model: str) -> list[str]:
    """Forms of a model reference, most specific first: as given (lower case), without a provider prefix
    (``openai/``), without a Bedrock vendor prefix and version (``anthropic.``, ``-v1:0``), without a date suffix
    (``-2024-08-06``, ``-20250929``)."""
    key = model.strip().lower()
    keys = [key]
    key = key.rsplit("/", 1)[-1]
    keys.append(key)
    key = _VERSION_SUFFIX.sub("", _BEDROCK_VENDOR.sub("", key))
    keys.append(key)
    keys.append(_DATE_SUFFIX.sub("", key))
    return list(dict.fromkeys(k for k in keys if k))


def _number(text: str, column: str, where: str, required: bool) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise PriceFileError(f"{where}: {column} is missing")
        return None
    try:
        value = Decimal(text.removeprefix("$").strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise PriceFileError(f"{where}: {column} is not a number: {text!r}")
    if value < 0:
        raise PriceFileError(f"{where}: {column} is negative: {text!r}")
    return value


def read_prices_csv(path: Path) -> dict[str, list[_OverrideRow]]:
    """The override file as {model (lower case): rows sorted by valid_from}; raises PriceFileError when invalid.

    Columns ``model,input_per_mtok,output_per_mtok`` and optionally ``cached_input_per_mtok``,
    ``cache_write_per_mtok``, the audio prices ``input_audio_per_mtok``, ``cached_audio_input_per_mtok`` (empty:
    the audio input price), ``output_audio_per_mtok`` (empty: audio at the text prices), ``valid_from``
    (YYYY-MM-DD) and ``note`` (ignored); USD per million tokens. Rows are
    numbered like ingest's rejects: row 1 is the first row after the header.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PriceFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PriceFileError(f"{path}: is a folder, not a prices file") from None
    except UnicodeDecodeError:
        raise PriceFileError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise PriceFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise PriceFileError(f"{path}: empty file (expected a header: {','.join(_REQUIRED_COLUMNS)})")
    columns = [h.strip().lower() for h in header]
    unknown = [c for c in columns if c not in OVERRIDE_COLUMNS]
    if unknown:
        raise PriceFileError(f"{path}: unknown column {unknown[0]!r} (columns: {', '.join(OVERRIDE_COLUMNS)})")
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise PriceFileError(f"{path}: column {twice[0]!r} appears twice in the header")
    missing = [c for c in _REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise PriceFileError(f"{path}: missing column {', '.join(missing)}")
    rows: dict[str, list[_OverrideRow]] = {}
    seen: dict[tuple[str, date | None], int] = {}
    for number, values in enumerate(reader, start=1):
        if not any(v.strip() for v in values):
            continue
        where = f"{path}: row {number}"   # the form of every bad-input message (evals.csv, labels.csv)
        if len(values) > len(columns):
            raise PriceFileError(f"{where}: {len(values)} fields, the header has {len(columns)}")
        record = dict(zip(columns, values))
        model = (record.get("model") or "").strip()
        if not model:
            raise PriceFileError(f"{where}: model is missing")
        p_in = _number(record.get("input_per_mtok", ""), "input_per_mtok", where, True)
        p_out = _number(record.get("output_per_mtok", ""), "output_per_mtok", where, True)
        p_cached = _number(record.get("cached_input_per_mtok", ""), "cached_input_per_mtok", where, False)
        p_write = _number(record.get("cache_write_per_mtok", ""), "cache_write_per_mtok", where, False)
        p_audio, p_audio_cached, p_audio_out = (_number(record.get(c, ""), c, where, False) for c in AUDIO_COLUMNS)
        since_text = (record.get("valid_from") or "").strip()
        since = None
        if since_text:
            try:
                since = date.fromisoformat(since_text)
            except ValueError:
                raise PriceFileError(f"{where}: valid_from is not a date (YYYY-MM-DD): {since_text!r}") from None
        key = model.lower()
        if (key, since) in seen:
            raise PriceFileError(f"{where}: same model and valid_from as row {seen[key, since]} "
                                 f"({model}, {since_text or 'no valid_from'})")
        seen[key, since] = number
        # audio columns left out or empty: the audio is billed as text, as for a catalog model with no audio price
        rates = _Rates(input_per_mtok=p_in, cached_input_per_mtok=p_cached if p_cached is not None else p_in,
                       cache_write_per_mtok=p_write if p_write is not None else p_in, output_per_mtok=p_out,
                       input_audio_per_mtok=p_audio,
                       cached_audio_input_per_mtok=p_audio_cached if p_audio_cached is not None else p_audio,
                       output_audio_per_mtok=p_audio_out)
        rows.setdefault(key, []).append(_OverrideRow(number, model, since, rates))
    for key in rows:
        rows[key].sort(key=lambda r: r.valid_from or date.min)
    return rows


# ---------------------------------------------------------------------------------------------------------------
# The catalog


class PriceCatalog:
    """Prices per (provider, model, variant, date) from genai-prices, overridden by a prices.csv where it names the
    model. Never goes to the network: genai-prices' data is the copy shipped in its wheel.

    For a model the prices.csv names (matched case-insensitively, also without a provider prefix, Bedrock vendor
    prefix and version, or date suffix), genai-prices still prices the dates before the file's first valid_from;
    from then on the file's rows apply: standard, plus batch at the flat discount for OpenAI and Anthropic models.
    """

    def __init__(self, prices_csv: Path | str | None = None):
        self.prices_csv = Path(prices_csv) if prices_csv is not None else None
        self._overrides = read_prices_csv(self.prices_csv) if self.prices_csv is not None else {}
        self._cache: dict[tuple[str, str | None], list[_Period]] = {}

    @classmethod
    def for_client(cls, client_dir: Path | str) -> PriceCatalog:
        """The catalog for a client folder: its ``prices.csv`` overrides genai-prices when the file is there."""
        path = Path(client_dir) / "prices.csv"
        return cls(path if path.is_file() else None)

    @property
    def sources(self) -> list[str]:
        found = [GENAI_SOURCE]
        if self.prices_csv is not None:
            found.insert(0, f"prices.csv {self.prices_csv}")
        return found

    # -- lookups -------------------------------------------------------------------------------------------------

    def quote(self, model: str, provider: str | None = None, on: date | None = None,
              variant: str = "standard", at: time | datetime | None = None) -> PriceQuote | None:
        """The price in force on ``on`` (None: today) for that variant; None when no source prices the model (or
        when it has no price in that variant on that date: no batch variant and no flat batch discount, or no
        priority/flex tier listed).

        ``at``: the UTC time of day (a time, or a datetime whose UTC time is taken) for a model with time-of-day
        prices: the slice it falls in. Without it such a model is quoted at its day rate (the rate in force for most
        of the day); a model without time-of-day prices has the same quote either way."""
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {', '.join(VARIANTS)}, not {variant!r}")
        on = price_day(checked_price_date(on))
        at = utc_time_of_day(at)
        for quote in self.periods(model, provider):
            if quote.variant != variant or not quote.covers(on):
                continue
            if (not quote.timed) if at is None else (not quote.day_rate and quote.covers_time(at)):
                return quote
        return None

    def closest_model(self, model: str) -> str | None:
        """The known model id closest to a model no source prices (a misspelt ``claude-sonet-4-5``): the client's
        prices.csv names and genai-prices' ids, for a 'did you mean' beside the unpriced line; None when none is
        close, or when the model is known but has no price on that date (its own id is then the closest)."""
        import difflib

        known = {m.lower(): m for m in self._overrides}
        for provider in data_snapshot.get_snapshot().providers:
            known.update({info.id.lower(): info.id for info in provider.models})
        close = difflib.get_close_matches(model.strip().lower(), list(known), n=1, cutoff=0.8)
        return known[close[0]] if close and close[0] not in (k.lower() for k in model_keys(model)) else None

    def day_slices(self, model: str, provider: str | None = None, on: date | None = None,
                   variant: str = "standard") -> list[PriceQuote]:
        """The quotes of each slice of the UTC day on ``on`` for a model with time-of-day prices, in order from
        midnight; [] for a model whose prices do not change with the time of day (or that is unpriced)."""
        on = price_day(checked_price_date(on))
        return sorted((q for q in self.periods(model, provider)
                       if q.variant == variant and q.covers(on) and q.timed and not q.day_rate),
                      key=lambda q: q.from_time or time.min)

    def time_of_day_bounds(self, pairs) -> list[time]:
        """Every time of day (after midnight) where the price of one of these (provider, model) pairs changes, in
        any variant or period, sorted: the slices a cube of their traffic needs. [] when none has time-of-day
        prices."""
        found = set()
        for provider, model in dict.fromkeys(pairs):
            for q in self.periods(model, provider) if isinstance(model, str) else []:
                if q.timed and not q.day_rate:
                    found |= {t for t in (q.from_time, q.to_time) if t is not None}
        return sorted(found)

    def input_cliffs(self) -> list[int]:
        """Every input size, in tokens, past which a quote of this catalog (any model, period or variant) prices a
        request higher, sorted: genai-prices' cliffs, as prices.csv rows are flat. A cube row holds the calls between
        two of them (engine: int_calls.input_floor), so that every call of the row lies on one side of any model's
        cliff and the row can be priced at that model exactly; there are few (nine sizes in genai-prices 0.2.3, from
        32,000 to 524,288), so taking them all is cheaper than knowing which models a mix will reach."""
        return sorted(_genai_cliffs())

    def periods(self, model: str, provider: str | None = None) -> list[PriceQuote]:
        """Every dated period of every variant the catalog has for the model, by variant then date."""
        if not model or not isinstance(model, str):
            return []
        key = (model, provider)
        if key not in self._cache:
            self._cache[key] = self._find_periods(model, provider)
        return [PriceQuote(model=model, matched_model=p.matched_model, provider=p.provider, variant=p.variant,
                           valid_from=p.valid_from, valid_to=p.valid_to, from_time=p.from_time, to_time=p.to_time,
                           day_rate=p.day_rate,
                           source=p.source + (f" ({'; '.join(p.rates.notes)})" if p.rates.notes else ""),
                           **{f.name: getattr(p.rates, f.name) for f in fields(_Rates)})
                for p in self._cache[key]]

    def write_price_table(self, con, pairs) -> list[tuple[str | None, str | None]]:
        """Create or replace ``price_periods`` with one row per (provider, model, variant, period) for the observed
        (provider, model) pairs, keeping their strings exactly so the engine joins on them; returns the pairs no
        source prices (in the order given). NULL valid_from: since forever; NULL valid_to: still in force. A model
        with time-of-day prices has a row per slice of the day (from_time, to_time) and its day rate (day_rate)."""
        unpriced: list[tuple[str | None, str | None]] = []
        columns: dict[str, list] = {name: [] for name in _TABLE_FIELDS}
        for provider, model in dict.fromkeys((p, m) for p, m in pairs):
            quotes = self.periods(model, provider) if isinstance(model, str) else []
            if not quotes:
                unpriced.append((provider, model))
            for q in quotes:
                row = {"provider": provider, "model": model, **{f: getattr(q, f) for f in _TABLE_FIELDS[2:]}}
                for name in _TABLE_FIELDS:
                    value = row[name]
                    # every value as text, typed by the SQL: exact decimals, ISO dates (no frame library to load)
                    columns[name].append(None if value is None else str(
                        value.quantize(_SCALE) if isinstance(value, Decimal)
                        else value.isoformat() if isinstance(value, (date, datetime, time))
                        else str(value).lower() if isinstance(value, bool) else value))
        con.execute(sql_text("lookups/price_periods.sql"), columns)
        return unpriced

    # -- how a reference is resolved -------------------------------------------------------------------------------

    def _find_periods(self, model: str, provider: str | None) -> list[_Period]:
        genai = self._genai_periods(model, provider)
        rows = self._override_rows(model)
        if not rows:
            return genai
        return self._override_periods(model, provider, rows, genai)

    def _override_rows(self, model: str) -> list[_OverrideRow]:
        for key in model_keys(model):
            if key in self._overrides:
                return self._overrides[key]
        return []

    def _override_periods(self, model: str, provider: str | None, rows: list[_OverrideRow],
                          genai: list[_Period]) -> list[_Period]:
        """The override's dated rows; before its first valid_from (if it has one) genai-prices' periods apply."""
        source = f"prices.csv {self.prices_csv}"
        first = rows[0].valid_from
        periods = [replace(p, valid_to=min(p.valid_to or first, first)) for p in genai
                   if first is not None and (p.valid_from is None or p.valid_from < first)]
        flat_provider = genai_provider_id(provider) or next((p.provider for p in genai), None)
        asked = genai_provider_id(provider) or provider
        for row, nxt in zip(rows, [*rows[1:], None]):
            valid_to = nxt.valid_from if nxt is not None else None
            periods.append(_Period("standard", row.valid_from, valid_to, row.rates, row.model, asked, source))
            if flat_provider in FLAT_BATCH_DISCOUNT:
                factor = FLAT_BATCH_DISCOUNT[flat_provider]
                periods.append(_Period("batch", row.valid_from, valid_to,
                                       row.rates.scaled(factor, f"batch = {_plain(factor * 100)} % of standard"),
                                       row.model, asked, source))
        return _merge(periods)

    def _genai_periods(self, model: str, provider: str | None) -> list[_Period]:
        found = self._genai_lookup(model, provider)
        if found is None:
            return []
        genai_provider, info, note = found
        return _genai_periods(genai_provider, info, note, genai_provider_id(provider) or genai_provider.id)

    def _genai_lookup(self, model: str, provider: str | None) -> tuple[Provider, ModelInfo, str | None] | None:
        """genai-prices' own matching (DataSnapshot.find_provider_model), tried on the forms of the reference in
        turn: as given under the provider asked; an OpenRouter-style slug under OpenRouter, then its model part
        under the provider the slug names, the provider asked, or whichever provider genai-prices infers; a Bedrock
        id without vendor prefix and version; last, any provider that knows it (noted in the quote's source)."""
        snapshot = data_snapshot.get_snapshot()
        asked = genai_provider_id(provider)
        ref = model.strip()
        attempts: list[tuple[str | None, str]] = [(asked, ref)]
        if "/" in ref:
            head, tail = ref.split("/", 1)
            if asked != "openrouter":
                attempts.append(("openrouter", ref))
            attempts += [(genai_provider_id(head), tail), (asked, tail)]
        keys = model_keys(ref)
        attempts += [(asked, key) for key in keys[1:]]
        attempts += [(None, key) for key in keys]
        for provider_id, key in dict.fromkeys(attempts):
            try:
                found_provider, info = snapshot.find_provider_model(key, None, provider_id, None)
            except LookupError:
                continue
            note = None
            if asked is not None and found_provider.id != asked:
                note = f"{found_provider.id} price: {asked} lists no {ref}"
            elif asked is None and provider:
                note = f"provider {provider} unknown to genai-prices: {found_provider.id} inferred from the model"
            return found_provider, info, note
        # a catalog id that is not also one of its own match patterns (regional.anthropic...., ft:gpt-4o)
        lowered = ref.lower()
        for candidate in snapshot.providers:
            if asked is not None and candidate.id != asked:
                continue
            for info in candidate.models:
                if info.id.lower() == lowered:
                    return candidate, info, None
        return None


def utc_time_of_day(at: time | datetime | None) -> time | None:
    """The UTC time of day of a time (naive: UTC) or a datetime (naive: UTC), without its zone; None stays None."""
    if at is None:
        return None
    if isinstance(at, datetime):
        return (at.astimezone(timezone.utc) if at.tzinfo else at).time()
    if isinstance(at, time):
        return _utc_time(at).replace(tzinfo=None)
    raise TypeError(f"a time of day is a datetime.time or datetime, not {type(at).__name__}")


def to_cent(value) -> Decimal:
    """Exact dollars to the cent, half up, as invoices round: every dollar figure routekit shows (simulate, estimate,
    the report's findings) is rounded here, once, from the exact sum."""
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)

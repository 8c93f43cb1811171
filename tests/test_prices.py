"""The price catalog: genai-prices (offline) and a client's prices.csv, dated periods, variants, the DuckDB table.

Expected figures are published list prices (USD per million tokens), written here by hand:
- OpenAI (openai.com/api/pricing): gpt-4o $2.50 input / $1.25 cached / $10 output; gpt-4o-mini $0.15 / $0.075 /
  $0.60, Batch API half price; o3 $10 / $40 until OpenAI's 80 % cut announced on 10 June 2025, $2 / $8 since.
  genai-prices 0.2.3 carries that cut as ``ConditionalPrice(StartDateConstraint(start_date=date(2025, 6, 10)))``
  on model ``o3`` (checked in ``genai_prices/data.py``; test_o3_price_change_date_is_the_one_in_the_data pins it).
- Anthropic (docs.anthropic.com pricing): claude-sonnet-4-5 $3 / $0.30 cache read / $3.75 5-minute cache write
  (1.25 x input) / $15 output, above 200k input tokens $6 / $0.60 / $7.50 / $22.50; claude-haiku-4-5 $1 / $0.10 /
  $1.25 / $5; claude-opus-4-1 $15 / $1.50 / $18.75 / $75.
- Google (ai.google.dev pricing): gemini-2.5-pro $1.25 / $10 up to 200k input tokens, $2.50 / $15 above.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLES, run_cli
from routekit.prices import (GENAI_SOURCE, PriceCatalog, PriceFileError, PriceQuote, genai_provider_id, model_keys,
                             read_prices_csv)

ROOT = Path(__file__).resolve().parents[1]
D = Decimal
FOUR = ("input_per_mtok", "cached_input_per_mtok", "cache_write_per_mtok", "output_per_mtok")


def prices(q: PriceQuote) -> tuple:
    return tuple(getattr(q, f) for f in FOUR)


def write_csv(folder: Path, text: str, name: str = "prices.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def catalog() -> PriceCatalog:
    return PriceCatalog()


# ---------------------------------------------------------------------------------------------- list prices


LIST_PRICES_CSV = """model,input_per_mtok,cached_input_per_mtok,cache_write_per_mtok,output_per_mtok
gpt-4o,2.50,1.25,,10
claude-sonnet-4-5,3,0.30,3.75,15
gpt-4o-mini,0.15,0.075,,0.60
"""


@pytest.mark.parametrize("provider, model, expected", [
    ("openai", "gpt-4o-2024-08-06", (D("2.50"), D("1.25"), D("2.50"), D("10"))),
    ("anthropic", "claude-sonnet-4-5-20250929", (D("3"), D("0.30"), D("3.75"), D("15"))),
    ("openai", "gpt-4o-mini", (D("0.15"), D("0.075"), D("0.15"), D("0.60"))),
])
def test_genai_prices_and_an_override_file_quote_the_same_list_prices(tmp_path, catalog, provider, model, expected):
    override = PriceCatalog(write_csv(tmp_path, LIST_PRICES_CSV))
    on = date(2026, 9, 15)
    from_genai = catalog.quote(model, provider, on=on)
    from_file = override.quote(model, provider, on=on)
    assert prices(from_genai) == expected      # Decimal equality: 2.5 == 2.50
    assert prices(from_file) == expected
    assert from_genai.source == GENAI_SOURCE
    assert from_file.source == f"prices.csv {tmp_path / 'prices.csv'}"
    assert from_file.matched_model == model.split("-2024")[0].split("-2025")[0]


def test_an_override_matches_case_insensitively_and_without_provider_prefix_or_date_suffix(tmp_path):
    override = PriceCatalog(write_csv(tmp_path, "model,input_per_mtok,output_per_mtok\nGPT-4o,2,8\nacme-llm,1,2\n"))
    for ref in ("gpt-4o", "GPT-4O", "openai/gpt-4o", "gpt-4o-2024-08-06", "azure/gpt-4o-2024-11-20"):
        q = override.quote(ref)
        assert (q.input_per_mtok, q.output_per_mtok, q.matched_model) == (D(2), D(8), "GPT-4o"), ref
    assert override.quote("gpt-4o-mini").source == GENAI_SOURCE          # not a date suffix: genai-prices
    q = override.quote("acme-llm")                                       # a model genai-prices does not know
    assert prices(q) == (D(1), D(1), D(1), D(2)) and q.valid_from is None and q.valid_to is None
    assert PriceCatalog().quote("acme-llm") is None


def test_model_keys():
    assert model_keys("anthropic.claude-haiku-4-5-20251001-v1:0") == [
        "anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5-20251001", "claude-haiku-4-5"]
    assert model_keys("openai/gpt-4o-2024-08-06") == ["openai/gpt-4o-2024-08-06", "gpt-4o-2024-08-06", "gpt-4o"]
    assert model_keys("qwen/qwen3-235b-a22b-2507") == ["qwen/qwen3-235b-a22b-2507", "qwen3-235b-a22b-2507"]


# ------------------------------------------------------------------------------------------ dated prices


def test_o3_price_change_date_is_the_one_in_the_data():
    from genai_prices.data_snapshot import get_snapshot

    _, model = get_snapshot().find_provider_model("o3", None, "openai", None)
    starts = [c.constraint.start_date for c in model.prices if c.constraint is not None]
    assert starts == [date(2025, 6, 10)]


@pytest.mark.parametrize("on, expected", [
    (date(2025, 6, 9), (D(10), D(40))),
    (date(2025, 6, 10), (D(2), D(8))),
])
def test_a_date_on_each_side_of_the_o3_price_cut(catalog, on, expected):
    for ref in ("o3", "o3-2025-04-16"):
        q = catalog.quote(ref, "openai", on=on)
        assert (q.input_per_mtok, q.output_per_mtok) == expected
        assert q.covers(on)


def test_o3_has_two_standard_periods_that_meet(catalog):
    standard = [q for q in catalog.periods("o3", "openai") if q.variant == "standard"]
    assert [(q.valid_from, q.valid_to) for q in standard] == [(None, date(2025, 6, 10)), (date(2025, 6, 10), None)]


def test_no_date_means_today(catalog):
    today = datetime.now(timezone.utc).date()
    assert catalog.quote("o3", "openai") == catalog.quote("o3", "openai", on=today)


# -------------------------------------------------------------------------------- batch, tiers, cache writes


def test_gpt_4o_mini_batch_input_is_half_of_standard(catalog):
    # genai-prices' own batch variant (in its data from 2026-10-14)
    q = catalog.quote("gpt-4o-mini", "openai", on=date(2026, 11, 1), variant="batch")
    assert (q.input_per_mtok, q.output_per_mtok) == (D("0.075"), D("0.30"))
    assert q.source == GENAI_SOURCE
    # before genai-prices has the variant: OpenAI's flat 50 % applies to every price, and the source says so
    q = catalog.quote("gpt-4o-mini-2024-07-18", "openai", on=date(2026, 9, 1), variant="batch")
    assert prices(q) == (D("0.075"), D("0.0375"), D("0.075"), D("0.30"))
    assert q.source == f"{GENAI_SOURCE} (batch = 50 % of standard)"


@pytest.mark.parametrize("model, input_price, write_price", [
    ("claude-sonnet-4-5", D(3), D("3.75")), ("claude-haiku-4-5", D(1), D("1.25")),
    ("claude-opus-4-1", D(15), D("18.75")),
])
def test_anthropic_cache_write_is_1_25_times_input(catalog, model, input_price, write_price):
    q = catalog.quote(model, "anthropic", on=date(2026, 10, 1))
    assert q.input_per_mtok == input_price and q.cache_write_per_mtok == write_price
    assert q.cache_write_per_mtok == D("1.25") * q.input_per_mtok


def test_openai_cache_writes_are_billed_as_input(catalog):
    q = catalog.quote("gpt-5", "openai", on=date(2026, 10, 1))
    assert (q.input_per_mtok, q.cached_input_per_mtok, q.cache_write_per_mtok) == (D("1.25"), D("0.125"), D("1.25"))


def test_a_model_without_cache_read_price_charges_cached_tokens_at_input(catalog):
    q = catalog.quote("mistral-large-latest", "mistral", on=date(2026, 10, 1))
    assert (q.input_per_mtok, q.cached_input_per_mtok, q.output_per_mtok) == (D(2), D(2), D(6))


def test_cliff_tier_above_200k_input_tokens(catalog):
    q = catalog.quote("gemini-2.5-pro", "gcp.vertex_ai", on=date(2026, 10, 1))
    assert q.provider == "google" and q.above_input_tokens == 200_000
    assert (q.input_per_mtok, q.output_per_mtok) == (D("1.25"), D(10))
    assert (q.input_per_mtok_above, q.output_per_mtok_above) == (D("2.5"), D(15))
    # 250k input, 1k output: every token at the upper tier -> 0.25 * 2.50 + 0.001 * 15
    assert q.cost(250_000, 1_000) == D("0.640")
    assert q.cost(200_000, 1_000) == D("0.260")        # exactly 200k is still the base tier
    s = catalog.quote("claude-sonnet-4-5", "anthropic", on=date(2026, 10, 1))
    assert (s.input_per_mtok_above, s.cached_input_per_mtok_above, s.cache_write_per_mtok_above,
            s.output_per_mtok_above) == (D(6), D("0.6"), D("7.5"), D("22.5"))


def test_priority_and_flex_come_from_genai_prices_variants(catalog):
    assert prices(catalog.quote("gpt-5", "openai", on=date(2026, 11, 1), variant="priority")) == (
        D("2.5"), D("0.25"), D("2.5"), D(20))
    assert prices(catalog.quote("gpt-5", "openai", on=date(2026, 11, 1), variant="flex")) == (
        D("0.625"), D("0.0625"), D("0.625"), D(5))
    # no flex tier listed for gpt-4o, and none before genai-prices has the variant: no quote, not a made-up one
    assert catalog.quote("gpt-4o", "openai", on=date(2026, 11, 1), variant="flex") is None
    assert catalog.quote("gpt-5", "openai", on=date(2026, 9, 1), variant="priority") is None
    with pytest.raises(ValueError, match="variant"):
        catalog.quote("gpt-5", variant="cheap")


# ----------------------------------------------------------------------------------- references and providers


def test_provider_ids_map_to_genai_prices():
    assert genai_provider_id("aws.bedrock") == "aws"
    assert {genai_provider_id(p) for p in ("google", "gcp.gemini", "gcp.vertex_ai", "vertex_ai")} == {"google"}
    assert genai_provider_id("x_ai") == "x-ai" and genai_provider_id("mistral_ai") == "mistral"
    assert genai_provider_id("azure.ai.openai") == "azure"
    assert genai_provider_id(None) is None and genai_provider_id("my-gateway") is None


def test_model_reference_forms(catalog):
    on = date(2026, 10, 1)
    bedrock = catalog.quote("anthropic.claude-haiku-4-5-20251001-v1:0", "aws.bedrock", on=on)
    assert bedrock.provider == "aws" and bedrock.matched_model.startswith("regional.")
    assert (bedrock.input_per_mtok, bedrock.output_per_mtok) == (D("1.1"), D("5.5"))   # in-region: list + 10 %
    slug = catalog.quote("openai/gpt-oss-120b", "openrouter", on=on)
    assert slug.provider == "openrouter" and slug.matched_model == "openai/gpt-oss-120b"
    # a slug OpenRouter does not list falls back to the model part under the provider the slug names
    other = catalog.quote("openai/gpt-4o-2024-08-06", None, on=on)
    assert other is not None and other.input_per_mtok == D("2.5")
    # an unknown provider name: genai-prices infers the provider from the model, and the source says so
    guessed = catalog.quote("gpt-4o", "my-gateway", on=on)
    assert guessed.provider == "openai" and "my-gateway" in guessed.source
    assert catalog.quote("mistral-small-latest", "mistral", on=on).input_per_mtok == D("0.15")
    assert catalog.quote("deepseek-chat", "deepseek", on=on).output_per_mtok == D("1.1")


def test_quote_matches_genai_prices_calc_price(catalog):
    """The quote's own arithmetic agrees with genai-prices' calc_price on the same day (tokens only)."""
    from genai_prices import Usage, calc_price

    usage = dict(input_tokens=1_000_000, cache_read_tokens=200_000, cache_write_tokens=50_000, output_tokens=100_000)
    for provider, model in [("openai", "gpt-4o-2024-08-06"), ("anthropic", "claude-sonnet-4-5-20250929"),
                            ("anthropic", "claude-haiku-4-5"), ("openai", "o3-2025-04-16"),
                            ("aws", "anthropic.claude-sonnet-4-5-20250929-v1:0"), ("google", "gemini-2.5-pro"),
                            ("openrouter", "qwen/qwen3-235b-a22b-2507"), ("deepseek", "deepseek-chat"),
                            ("mistral", "mistral-small-latest")]:
        for on in (date(2025, 6, 1), date(2026, 10, 15)):
            q = catalog.quote(model, provider, on=on)
            expected = calc_price(Usage(**usage), model, provider_id=provider,
                                  genai_request_timestamp=datetime(on.year, on.month, on.day, 12, tzinfo=timezone.utc))
            assert q.cost(1_000_000, 100_000, 200_000, 50_000) == expected.total_price, (model, on)


# ------------------------------------------------------------------------------------------ unknown models


def test_an_unknown_model_is_none_never_zero(catalog):
    assert catalog.quote("totally-unknown-model-9000") is None
    assert catalog.quote("totally-unknown-model-9000", "openai") is None
    assert catalog.periods("totally-unknown-model-9000") == []
    assert catalog.quote("meta-llama/not-a-real-model", "openrouter") is None


def test_a_genai_entry_without_token_prices_is_unpriced(catalog):
    # GitHub Copilot's models are in genai-prices with no per-token price (a subscription): not $0
    assert catalog.quote("gpt-4o", "github-copilot") is None


# --------------------------------------------------------------------------------------------- prices.csv


def test_two_valid_from_rows_make_two_periods(tmp_path):
    path = write_csv(tmp_path, "model,input_per_mtok,output_per_mtok,valid_from\n"
                               "gpt-4o,2.00,8.00,2026-07-01\n"
                               "gpt-4o,1.80,7.00,2026-10-01\n")
    override = PriceCatalog(path)
    standard = [q for q in override.periods("gpt-4o-2024-08-06", "openai") if q.variant == "standard"]
    assert [(q.valid_from, q.valid_to, q.input_per_mtok, q.source.split(" ")[0]) for q in standard] == [
        (None, date(2026, 7, 1), D("2.5"), "genai-prices"),      # before the contract: the list price
        (date(2026, 7, 1), date(2026, 10, 1), D("2.00"), "prices.csv"),
        (date(2026, 10, 1), None, D("1.80"), "prices.csv"),
    ]
    assert override.quote("gpt-4o", "openai", on=date(2026, 9, 30)).output_per_mtok == D(8)
    assert override.quote("gpt-4o", "openai", on=date(2026, 10, 1)).output_per_mtok == D(7)
    batch = override.quote("gpt-4o", "openai", on=date(2026, 10, 1), variant="batch")
    assert (batch.input_per_mtok, batch.output_per_mtok) == (D("0.9"), D("3.5")) and "50 %" in batch.source


@pytest.mark.parametrize("text, reason", [
    ("model,input_per_mtok,output_per_mtok\ngpt-4o,2,10\nx,1,2\ngpt-4o-mini,0.15,abc\n",
     "row 3: output_per_mtok is not a number: 'abc'"),
    ("model,input_per_mtok,output_per_mtok\ngpt-4o,-2,10\n", "row 1: input_per_mtok is negative: '-2'"),
    ("model,input_per_mtok,output_per_mtok\ngpt-4o,2,\n", "row 1: output_per_mtok is missing"),
    ("model,input_per_mtok,output_per_mtok\n,2,3\n", "row 1: model is missing"),
    ("model,input_per_mtok,output_per_mtok,valid_from\ngpt-4o,2,10,July 1\n",
     "row 1: valid_from is not a date (YYYY-MM-DD): 'July 1'"),
    ("model,input_per_mtok,output_per_mtok,valid_from\ngpt-4o,2,10,2026-07-01\nGPT-4o,3,10,2026-07-01\n",
     "row 2: same model and valid_from as row 1"),
    ("model,input_per_mtok,output_per_mtok\ngpt-4o,2,10\ngpt-4o,3,11\n", "row 2: same model and valid_from as row 1"),
    ("model,input_per_mtok,output_per_mtok,cached_input_per_mtok\ngpt-4o,2,10,NaN\n",
     "row 1: cached_input_per_mtok is not a number: 'NaN'"),
    ("model,input_per_mtok,output_per_mtok\ngpt-4o,2,10,99\n", "row 1: 4 fields, the header has 3"),
    ("model,input_per_mtok\ngpt-4o,2\n", "missing column output_per_mtok"),
    ("model,input_per_mtok,output_per_mtok,cached_per_mtok\n", "unknown column 'cached_per_mtok'"),
    ("", "empty file"),
])
def test_a_bad_prices_file_names_file_row_and_reason(tmp_path, text, reason):
    path = write_csv(tmp_path, text)
    with pytest.raises(PriceFileError) as err:
        PriceCatalog(path)
    message = str(err.value)
    # one form for every bad-input message of routekit: "FILE: row N: reason", as evals.csv and labels.csv
    assert message.startswith(f"{path}: "), message
    assert reason in message
    assert not reason.startswith("row ") or message.startswith(f"{path}: {reason}"), message
    assert isinstance(err.value, ValueError)


def test_prices_file_accepts_bom_blank_lines_dollars_and_notes(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_bytes("\ufeffModel,Input_per_mtok,output_per_mtok,note\r\n\r\ngpt-4o, $2.00 ,8,contract 2026\r\n"
                     .encode("utf-8"))
    rows = read_prices_csv(path)
    assert list(rows) == ["gpt-4o"] and rows["gpt-4o"][0].rates.input_per_mtok == D(2)


def test_missing_prices_file_is_a_price_file_error(tmp_path):
    with pytest.raises(PriceFileError, match="no such file"):
        PriceCatalog(tmp_path / "nope.csv")


def test_for_client_uses_the_client_prices_csv(tmp_path):
    assert PriceCatalog.for_client(tmp_path).prices_csv is None
    write_csv(tmp_path, "model,input_per_mtok,output_per_mtok\nacme-llm,1,2\n")
    catalog = PriceCatalog.for_client(tmp_path)
    assert catalog.quote("acme-llm").source == f"prices.csv {tmp_path / 'prices.csv'}"


# ---------------------------------------------------------------------------------------- the DuckDB table


def test_write_price_table_rows_types_and_a_join_by_date(tmp_path, catalog):
    db = tmp_path / "client.duckdb"
    con = duckdb.connect(str(db))
    pairs = [("openai", "o3-2025-04-16"), ("openai", "gpt-4o-2024-08-06"), ("openai", "o3-2025-04-16"),
             ("openrouter", "meta-llama/not-a-real-model"), ("anthropic", None), (None, "gpt-4o-mini")]
    unpriced = catalog.write_price_table(con, pairs)
    assert unpriced == [("openrouter", "meta-llama/not-a-real-model"), ("anthropic", None)]
    con.close()

    con = duckdb.connect(str(db), read_only=True)
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE price_periods)").fetchall())
    assert types == {
        "provider": "VARCHAR", "model": "VARCHAR", "variant": "VARCHAR", "valid_from": "DATE", "valid_to": "DATE",
        "from_time": "TIME", "to_time": "TIME", "day_rate": "BOOLEAN", "input_per_mtok": "DECIMAL(18,6)", "cached_input_per_mtok": "DECIMAL(18,6)",
        "cache_write_per_mtok": "DECIMAL(18,6)", "output_per_mtok": "DECIMAL(18,6)", "above_input_tokens": "BIGINT",
        "input_per_mtok_above": "DECIMAL(18,6)", "cached_input_per_mtok_above": "DECIMAL(18,6)",
        "cache_write_per_mtok_above": "DECIMAL(18,6)", "output_per_mtok_above": "DECIMAL(18,6)",
        "input_audio_per_mtok": "DECIMAL(18,6)", "cached_audio_input_per_mtok": "DECIMAL(18,6)",
        "output_audio_per_mtok": "DECIMAL(18,6)", "matched_model": "VARCHAR", "source": "VARCHAR"}
    counts = dict(con.execute("SELECT model || '/' || variant, count(*) FROM price_periods GROUP BY ALL").fetchall())
    expected = {}
    for provider, model in [("openai", "o3-2025-04-16"), ("openai", "gpt-4o-2024-08-06"), (None, "gpt-4o-mini")]:
        for q in catalog.periods(model, provider):
            expected[f"{model}/{q.variant}"] = expected.get(f"{model}/{q.variant}", 0) + 1
    assert counts == expected
    assert counts["o3-2025-04-16/standard"] == 2 and counts["gpt-4o-2024-08-06/standard"] == 1
    # observed strings kept exactly, NULL provider included
    assert con.execute("SELECT count(*) FROM price_periods WHERE provider IS NULL AND model = 'gpt-4o-mini'"
                       ).fetchone()[0] > 0

    con.execute("CREATE TEMP TABLE c AS SELECT * FROM (VALUES (TIMESTAMP '2025-06-09 23:59:59'), "
                "(TIMESTAMP '2025-06-10 00:00:00'), (TIMESTAMP '2026-10-15 08:00:00')) t(ts)")
    joined = con.execute("""
        SELECT c.ts, p.input_per_mtok, p.output_per_mtok FROM c JOIN price_periods p
          ON p.provider = 'openai' AND p.model = 'o3-2025-04-16' AND p.variant = 'standard'
         AND (p.valid_from IS NULL OR c.ts >= p.valid_from) AND (p.valid_to IS NULL OR c.ts < p.valid_to)
        ORDER BY c.ts""").fetchall()
    assert [(r[1], r[2]) for r in joined] == [(D(10), D(40)), (D(2), D(8)), (D(2), D(8))]
    con.close()


def test_write_price_table_replaces_the_table(tmp_path, catalog):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    catalog.write_price_table(con, [("openai", "o3")])
    assert catalog.write_price_table(con, [("x", "unknown-model")]) == [("x", "unknown-model")]
    assert con.execute("SELECT count(*) FROM price_periods").fetchone()[0] == 0
    con.close()


# -------------------------------------------------------------------------------------- the sample clients


@pytest.fixture(scope="module")
def sample_pairs(tmp_path_factory) -> dict[str, list[tuple[str, str]]]:
    from routekit.ingest import ingest

    out = {}
    for client in sorted(p for p in SAMPLES.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        db = tmp_path_factory.mktemp(client.name) / "routekit.duckdb"
        ingest(client, db)
        con = duckdb.connect(str(db), read_only=True)
        out[client.name] = con.execute("""
            SELECT DISTINCT provider, model FROM calls UNION SELECT DISTINCT provider, model FROM usage
            UNION SELECT DISTINCT provider, model FROM invoice ORDER BY ALL""").fetchall()
        con.close()
    return out


def test_every_sample_model_gets_a_quote(sample_pairs, catalog, tmp_path):
    assert len(sample_pairs) >= 3
    for client, pairs in sample_pairs.items():
        for provider, model in pairs:
            if model is None:       # Anthropic's web-search cost line names no model
                continue
            q = catalog.quote(model, provider, on=date(2026, 10, 15))
            assert q is not None, (client, provider, model)
            assert q.input_per_mtok > 0 and q.output_per_mtok > 0, (client, provider, model)
        con = duckdb.connect(str(tmp_path / f"{client}.duckdb"))
        assert catalog.write_price_table(con, pairs) == [(p, m) for p, m in pairs if m is None]
        con.close()


# --------------------------------------------------------------------------------------------------- CLI


def test_cli_text():
    out = run_cli("prices", "o3-2025-04-16", "claude-sonnet-4-5", "no-such-model-xyz", "--date", "2025-06-09").stdout
    assert "prices on 2025-06-09, standard, USD per million tokens" in out
    assert "o3-2025-04-16 → o3 (openai)" in out
    assert "input 10   cached input 0.5   cache write 10   output 40" in out
    assert "valid since forever, until 2025-06-10 (exclusive)" in out
    assert "above 200,000 input tokens: input 6" in out
    assert "unpriced (no source knows them): no-such-model-xyz" in out


def test_cli_json_with_an_override_file(tmp_path):
    path = write_csv(tmp_path, LIST_PRICES_CSV)
    result = json.loads(run_cli("prices", "gpt-4o-mini", "acme", "--prices", str(path), "--variant", "batch",
                                "--date", "2026-09-01", "--provider", "openai", "--json").stdout)
    assert result["date"] == "2026-09-01" and result["unpriced"] == ["acme"]
    (m,) = result["models"]
    assert {k: m[k] for k in ("model", "matched_model", "provider", "variant", "input_per_mtok",
                              "cached_input_per_mtok", "cache_write_per_mtok", "output_per_mtok", "valid_from",
                              "valid_to")} == {
        "model": "gpt-4o-mini", "matched_model": "gpt-4o-mini", "provider": "openai", "variant": "batch",
        "input_per_mtok": "0.075", "cached_input_per_mtok": "0.0375", "cache_write_per_mtok": "0.075",
        "output_per_mtok": "0.3", "valid_from": None, "valid_to": None}
    assert m["source"] == f"prices.csv {path} (batch = 50 % of standard)"


@pytest.mark.parametrize("args, message", [
    (("--date", "2026-02-30"), "routekit prices: --date 2026-02-30: expected YYYY-MM-DD"),
    (("--prices", "/no/such/prices.csv"), "routekit prices: --prices: /no/such/prices.csv: no such file"),
])
def test_cli_bad_arguments_exit_2_with_one_line(args, message):
    proc = run_cli("prices", "gpt-4o", *args, check=False)
    assert proc.returncode == 2 and proc.stderr.strip() == message and proc.stdout == ""


def test_cli_bad_prices_row_exits_2(tmp_path):
    path = write_csv(tmp_path, "model,input_per_mtok,output_per_mtok\ngpt-4o,2,abc\n")
    proc = run_cli("prices", "gpt-4o", "--prices", str(path), check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"routekit prices: --prices: {path}: row 1: output_per_mtok is not a number: 'abc'"


# -- the price date (--date) ----------------------------------------------------------------------------------------
def test_the_catalog_dates_its_price_changes_from_the_o3_cut_era_on():
    """genai-prices 0.2.3's dated changes: the earliest is Mistral OCR's on 2025-05-22 (o3's cut, 2025-06-10, is
    among the first); the latest are changes scheduled for 2027-01-01 (Gemini preview models)."""
    from routekit.prices import catalog_dates

    first, last = catalog_dates()
    assert first <= date(2025, 6, 10) < last
    if GENAI_SOURCE == "genai-prices 0.2.3":
        assert (first, last) == (date(2025, 5, 22), date(2027, 1, 1))


def test_a_price_date_outside_the_catalog_is_refused_or_noted():
    from routekit.prices import PriceDateError, catalog_dates, check_price_date

    first, last = catalog_dates()
    with pytest.raises(PriceDateError, match=r"--date 1990-01-01: before the first LLM API price \(2020-06-11\); "
                                             rf"genai-prices .* dates price changes from {first} to {last}"):
        check_price_date(date(1990, 1, 1))
    # a day after the last known change, while today is earlier: those prices are unknown
    later = date.fromordinal(last.toordinal() + 1)
    with pytest.raises(PriceDateError, match=rf"--date {later}: after {last}, the last date whose prices are known"):
        check_price_date(later, today=date(2026, 11, 23))
    # once that day has come, it is priced at what is then in force (the latest known)
    assert check_price_date(later, today=later) is None
    assert check_price_date(first) is None and check_price_date(last) is None
    note = check_price_date(date(2024, 3, 1))
    assert note.startswith(f"--date 2024-03-01: {GENAI_SOURCE} dates no price change before {first}")


@pytest.mark.parametrize("command", [["prices", "gpt-4o"], ["estimate", "--requests", "1000", "--input-tokens", "100",
                                                              "--output-tokens", "10", "--mix", "gpt-4o=1"]])
def test_the_cli_refuses_a_price_date_no_price_applies_to(command):
    for day, reason in (("1990-01-01", "before the first LLM API price (2020-06-11)"),
                        ("2099-01-01", "the last date whose prices are known")):
        proc = run_cli(*command, "--date", day, check=False)
        assert proc.returncode == 2, proc.stderr
        assert reason in proc.stderr and "leave --date out for today's prices" in proc.stderr
    proc = run_cli(*command, "--date", "2024-03-01")   # before the first dated change: priced, with a note
    assert "note: --date 2024-03-01:" in proc.stderr and "earliest price the catalog knows" in proc.stderr


# ------------------------------------------------------------------------------------------ time-of-day prices
# DeepSeek's price list (api-docs.deepseek.com, "Models & Pricing"): deepseek-chat $0.27 per million input tokens
# (cache miss), $0.07 (cache hit), $1.10 output; 50 % off from 16:30 to 00:30 UTC (off-peak). genai-prices 0.2.3 has it
# as the off-peak price by default and a TimeOfDateConstraint(00:30, 16:30) for the peak one; its deepseek-flash has
# two peak windows, 01:00-04:00 and 06:00-10:00 UTC, at $0.30 / $0.006 / $1.20 and $0.15 / $0.003 / $0.60 otherwise
# (genai_prices/data.py). Start inclusive, end exclusive (TimeOfDateConstraint.active).
DS_PEAK = (D("0.27"), D("0.07"), D("0.27"), D("1.1"))   # no cache-write price: writes at input
DS_OFF = (D("0.135"), D("0.035"), D("0.135"), D("0.55"))
FLASH_PEAK = (D("0.3"), D("0.006"), D("0.3"), D("1.2"))
FLASH_OFF = (D("0.15"), D("0.003"), D("0.15"), D("0.6"))


def _slices(catalog, model, provider="deepseek"):
    return [(q.from_time, q.to_time, prices(q)) for q in catalog.periods(model, provider)
            if q.variant == "standard" and not q.day_rate]


def test_a_time_of_day_model_is_cut_into_slices_of_the_utc_day_never_across_midnight(catalog):
    from datetime import time

    # the off-peak window 16:30-00:30 wraps midnight: two slices, one at each end of the day
    assert _slices(catalog, "deepseek-chat") == [(None, time(0, 30), DS_OFF), (time(0, 30), time(16, 30), DS_PEAK),
                                                 (time(16, 30), None, DS_OFF)]
    assert _slices(catalog, "deepseek-flash") == [
        (None, time(1), FLASH_OFF), (time(1), time(4), FLASH_PEAK), (time(4), time(6), FLASH_OFF),
        (time(6), time(10), FLASH_PEAK), (time(10), None, FLASH_OFF)]
    # the day rate, for traffic without a time of day: deepseek-chat's peak (16 of 24 hours), deepseek-flash's
    # off-peak (24 - 3 - 4 = 17 hours); each noted in its source
    day = {m: catalog.quote(m, "deepseek", on=date(2026, 10, 1)) for m in ("deepseek-chat", "deepseek-flash")}
    assert prices(day["deepseek-chat"]) == DS_PEAK and "16 h of 24" in day["deepseek-chat"].source
    assert prices(day["deepseek-flash"]) == FLASH_OFF and "17 h of 24" in day["deepseek-flash"].source
    assert all(q.day_rate and not q.timed for q in day.values())
    assert catalog.time_of_day_bounds([("deepseek", "deepseek-flash"), ("openai", "gpt-4o")]) == [
        time(1), time(4), time(6), time(10)]


@pytest.mark.parametrize("at, expected", [
    ("00:00", DS_OFF), ("00:15", DS_OFF), ("00:29:59.999999", DS_OFF), ("00:30", DS_PEAK), ("16:29", DS_PEAK),
    ("16:29:59.999999", DS_PEAK), ("16:30", DS_OFF), ("23:59:59", DS_OFF)])
def test_a_quote_at_a_time_of_day_takes_its_slice(catalog, at, expected):
    from datetime import time

    assert prices(catalog.quote("deepseek-chat", "deepseek", on=date(2026, 10, 1), at=time.fromisoformat(at))) \
        == expected


def test_a_datetime_is_taken_at_its_utc_time_of_day(catalog):
    from datetime import timedelta

    cest = timezone(timedelta(hours=2))
    # 18:29 in UTC+2 is 16:29 UTC: peak; 18:30 is 16:30 UTC: off-peak; a naive datetime is UTC
    assert prices(catalog.quote("deepseek-chat", "deepseek", at=datetime(2026, 10, 1, 18, 29, tzinfo=cest))) \
        == DS_PEAK
    assert prices(catalog.quote("deepseek-chat", "deepseek", at=datetime(2026, 10, 1, 18, 30, tzinfo=cest))) == DS_OFF
    assert prices(catalog.quote("deepseek-chat", "deepseek", at=datetime(2026, 10, 1, 18, 30))) == DS_OFF


def test_a_model_without_time_of_day_prices_keeps_one_all_day_period(catalog):
    from datetime import time

    for provider, model in [("openai", "gpt-4o"), ("openai", "o3"), ("anthropic", "claude-sonnet-4-5")]:
        periods = catalog.periods(model, provider)
        assert all(q.from_time is None and q.to_time is None and not q.day_rate for q in periods), model
        on = date(2026, 10, 1)
        assert catalog.quote(model, provider, on=on, at=time(0, 15)) == catalog.quote(model, provider, on=on) \
            == catalog.quote(model, provider, on=on, at=time(16, 30)), model
        assert catalog.day_slices(model, provider, on=on) == []
    # gpt-4o: still its one standard period, $2.50 / $1.25 / $10 (the module's docstring)
    assert [prices(q)[:2] + prices(q)[3:] for q in catalog.periods("gpt-4o", "openai") if q.variant == "standard"] \
        == [(D("2.5"), D("1.25"), D(10))]
    assert catalog.time_of_day_bounds([("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4-5")]) == []


def test_the_price_table_carries_the_slices_and_the_day_rate(tmp_path, catalog):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    catalog.write_price_table(con, [("deepseek", "deepseek-chat"), ("openai", "gpt-4o")])
    rows = con.execute("""SELECT model, CAST(from_time AS VARCHAR), CAST(to_time AS VARCHAR), day_rate,
                                 input_per_mtok, output_per_mtok
                          FROM price_periods WHERE variant = 'standard' ORDER BY model, day_rate, from_time NULLS FIRST
                          """).fetchall()
    assert rows == [
        ("deepseek-chat", None, "00:30:00", False, D("0.135"), D("0.55")),
        ("deepseek-chat", "00:30:00", "16:30:00", False, D("0.27"), D("1.1")),
        ("deepseek-chat", "16:30:00", None, False, D("0.135"), D("0.55")),
        ("deepseek-chat", None, None, True, D("0.27"), D("1.1")),
        ("gpt-4o", None, None, False, D("2.5"), D(10))]
    con.close()


def test_prices_command_shows_the_slices_of_a_time_of_day_model():
    out = run_cli("prices", "deepseek-chat", "--provider", "deepseek", "--date", "2026-10-01").stdout
    assert ("  by UTC time of day (each call at its own; the rate above is for traffic without a time):\n"
            "    00:00-00:30   input 0.135   cached input 0.035   cache write 0.135   output 0.55\n"
            "    00:30-16:30   input 0.27   cached input 0.07   cache write 0.27   output 1.1\n"
            "    16:30-24:00   input 0.135   cached input 0.035   cache write 0.135   output 0.55\n") in out
    data = json.loads(run_cli("prices", "deepseek-chat", "gpt-4o", "--date", "2026-10-01", "--json").stdout)
    assert [(s["from_time"], s["to_time"]) for s in data["models"][0]["time_of_day"]] == [
        (None, "00:30"), ("00:30", "16:30"), ("16:30", None)]
    assert data["models"][0]["day_rate"] is True and data["models"][1]["time_of_day"] == []

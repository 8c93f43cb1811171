"""Model → tier map: normalisation of real model ids, the shipped rules, client overrides, the model_tiers table."""
from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from routekit.config import ConfigError, load_config
from routekit.ingest import ingest
from routekit.tiers import TierMap, TierMapError, normalise_model, write_model_tiers

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ["brightside_agency", "globex_devtools", "northwind_support"]

# (observed id, provider, normalised id, tier): real ids as providers, gateways and clouds write them.
REAL_IDS = [
    # OpenAI
    ("gpt-4o-2024-08-06", "openai", "gpt-4o", "flagship"),
    ("gpt-4o-mini-2024-07-18", "openai", "gpt-4o-mini", "budget"),
    ("chatgpt-4o-latest", "openai", "chatgpt-4o", "flagship"),
    ("gpt-5-2025-08-07", "openai", "gpt-5", "flagship"),
    ("gpt-5-mini-2025-08-07", "openai", "gpt-5-mini", "mid"),
    ("gpt-5-nano-2025-08-07", "openai", "gpt-5-nano", "budget"),
    ("gpt-5-chat-latest", "openai", "gpt-5-chat", "flagship"),
    ("gpt-4.1-2025-04-14", "openai", "gpt-4.1", "flagship"),
    ("gpt-4.1-mini-2025-04-14", "openai", "gpt-4.1-mini", "mid"),
    ("gpt-4.1-nano", "openai", "gpt-4.1-nano", "budget"),
    ("gpt-4-turbo-2024-04-09", "openai", "gpt-4-turbo", "flagship"),
    ("gpt-3.5-turbo-0125", "openai", "gpt-3.5-turbo", "budget"),
    ("azure/gpt-35-turbo", "azure", "gpt-35-turbo", "budget"),
    ("o1-2024-12-17", "openai", "o1", "reasoning"),
    ("o3-2025-04-16", "openai", "o3", "reasoning"),
    ("o3-mini-2025-01-31", "openai", "o3-mini", "reasoning"),
    ("o4-mini-2025-04-16", "openai", "o4-mini", "reasoning"),
    ("o3-pro-2025-06-10", "openai", "o3-pro", "reasoning"),
    ("gpt-5-pro-2025-10-06", "openai", "gpt-5-pro", "reasoning"),
    ("openai/gpt-oss-120b", "openrouter", "gpt-oss-120b", "mid"),
    ("openai/gpt-oss-20b:free", "openrouter", "gpt-oss-20b", "budget"),
    ("openai.gpt-oss-120b-1:0", "aws.bedrock", "gpt-oss-120b", "mid"),
    ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "openai", "gpt-4o-mini", "budget"),
    # Anthropic: API snapshots, console names, Bedrock ids and inference profiles, OpenRouter and Vertex spellings
    ("claude-sonnet-4-5-20250929", "anthropic", "claude-sonnet-4-5", "flagship"),
    ("claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5", "flagship"),
    ("claude-opus-4-1-20250805", "anthropic", "claude-opus-4-1", "flagship"),
    ("claude-opus-4-5-20251101", "anthropic", "claude-opus-4-5", "flagship"),
    ("claude-opus-4-20250514", "anthropic", "claude-opus-4", "flagship"),
    ("claude-3-7-sonnet-latest", "anthropic", "claude-3-7-sonnet", "flagship"),
    ("claude-3-5-sonnet-20241022", "anthropic", "claude-3-5-sonnet", "flagship"),
    ("claude-haiku-4-5-20251001", "anthropic", "claude-haiku-4-5", "mid"),
    ("claude-3-5-haiku-20241022", "anthropic", "claude-3-5-haiku", "mid"),
    ("claude-3-haiku-20240307", "anthropic", "claude-3-haiku", "budget"),
    ("claude-3-opus-20240229", "anthropic", "claude-3-opus", "flagship"),
    ("anthropic.claude-haiku-4-5-20251001-v1:0", "aws.bedrock", "claude-haiku-4-5", "mid"),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws.bedrock", "claude-sonnet-4-5", "flagship"),
    ("eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "aws.bedrock", "claude-3-7-sonnet", "flagship"),
    ("global.anthropic.claude-opus-4-5-20251101-v1:0", "aws.bedrock", "claude-opus-4-5", "flagship"),
    ("apac.anthropic.claude-3-5-sonnet-20241022-v2:0", "aws.bedrock", "claude-3-5-sonnet", "flagship"),
    ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0", "aws.bedrock",
     "claude-3-haiku", "budget"),
    ("anthropic.claude-3-haiku-20240307-v1:0:200k", "aws.bedrock", "claude-3-haiku", "budget"),
    ("anthropic.claude-v2:1", "aws.bedrock", "claude-v2", "flagship"),
    ("anthropic.claude-instant-v1", "aws.bedrock", "claude-instant", "budget"),
    ("anthropic/claude-3.5-haiku", "openrouter", "claude-3.5-haiku", "mid"),
    ("anthropic/claude-3.7-sonnet:thinking", "openrouter", "claude-3.7-sonnet", "flagship"),
    ("claude-sonnet-4-5@20250929", "vertex_ai", "claude-sonnet-4-5", "flagship"),
    # Google
    ("gemini-2.5-pro", "google", "gemini-2.5-pro", "flagship"),
    ("models/gemini-2.5-flash", "google", "gemini-2.5-flash", "mid"),
    ("gemini-2.5-flash-lite", "google", "gemini-2.5-flash-lite", "budget"),
    ("gemini-2.5-flash-preview-09-2025", "google", "gemini-2.5-flash-preview", "mid"),
    ("gemini-2.5-pro-preview-05-06", "google", "gemini-2.5-pro-preview", "flagship"),
    ("gemini-2.0-flash-001", "google", "gemini-2.0-flash", "budget"),
    ("gemini-2.0-flash-lite-001", "google", "gemini-2.0-flash-lite", "budget"),
    ("gemini-1.5-pro-002", "google", "gemini-1.5-pro", "flagship"),
    ("gemini-1.5-flash-8b", "google", "gemini-1.5-flash-8b", "budget"),
    ("google/gemini-3-pro-preview", "openrouter", "gemini-3-pro-preview", "flagship"),
    # Mistral
    ("mistral-large-latest", "mistral", "mistral-large", "flagship"),
    ("mistral-large-2411", "mistral", "mistral-large", "flagship"),
    ("mistral-medium-2505", "mistral", "mistral-medium", "mid"),
    ("mistral-small-latest", "mistral", "mistral-small", "budget"),
    ("codestral-2501", "mistral", "codestral", "mid"),
    ("ministral-8b-2410", "mistral", "ministral-8b", "budget"),
    ("open-mistral-nemo", "mistral", "open-mistral-nemo", "budget"),
    ("magistral-medium-2506", "mistral", "magistral-medium", "reasoning"),
    ("mistral.mistral-large-2407-v1:0", "aws.bedrock", "mistral-large", "flagship"),
    ("mistral.mixtral-8x7b-instruct-v0:1", "aws.bedrock", "mixtral-8x7b-instruct", "budget"),
    # DeepSeek
    ("deepseek-chat", "deepseek", "deepseek-chat", "mid"),
    ("deepseek-reasoner", "deepseek", "deepseek-reasoner", "reasoning"),
    ("deepseek/deepseek-chat-v3-0324", "openrouter", "deepseek-chat-v3", "mid"),
    ("deepseek/deepseek-r1-0528", "openrouter", "deepseek-r1", "reasoning"),
    ("deepseek.r1-v1:0", "aws.bedrock", "deepseek-r1", "reasoning"),
    # Meta Llama: OpenRouter, Bedrock, Groq, Together, Fireworks, Ollama
    ("meta-llama/llama-3.3-70b-instruct", "openrouter", "llama-3.3-70b-instruct", "mid"),
    ("meta.llama3-3-70b-instruct-v1:0", "aws.bedrock", "llama3-3-70b-instruct", "mid"),
    ("meta.llama3-1-8b-instruct-v1:0", "aws.bedrock", "llama3-1-8b-instruct", "budget"),
    ("llama-3.1-8b-instant", "groq", "llama-3.1-8b-instant", "budget"),
    ("meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo", "together_ai", "meta-llama-3.1-405b-instruct-turbo",
     "flagship"),
    ("accounts/fireworks/models/llama-v3p1-8b-instruct", "fireworks_ai", "llama-v3p1-8b-instruct", "budget"),
    ("llama3.1:8b", "ollama", "llama3.1-8b", "budget"),
    ("meta-llama/llama-4-scout-17b-16e-instruct", "groq", "llama-4-scout-17b-16e-instruct", "budget"),
    ("meta.llama4-maverick-17b-instruct-v1:0", "aws.bedrock", "llama4-maverick-17b-instruct", "mid"),
    # Qwen
    ("qwen/qwen3-235b-a22b-2507", "openrouter", "qwen3-235b-a22b", "mid"),
    ("qwen/qwen3-235b-a22b-thinking-2507", "openrouter", "qwen3-235b-a22b-thinking", "reasoning"),
    ("qwen/qwen3-32b", "openrouter", "qwen3-32b", "budget"),
    ("Qwen/Qwen3-30B-A3B-Instruct-2507", "huggingface", "qwen3-30b-a3b-instruct", "budget"),
    ("qwen.qwen3-coder-480b-a35b-v1:0", "aws.bedrock", "qwen3-coder-480b-a35b", "mid"),
    ("qwen-max", "dashscope", "qwen-max", "flagship"),
    ("qwq-32b", "groq", "qwq-32b", "reasoning"),
    # xAI
    ("grok-4-0709", "xai", "grok-4", "flagship"),
    ("grok-3-mini", "xai", "grok-3-mini", "reasoning"),
    ("grok-4-fast-non-reasoning", "xai", "grok-4-fast-non-reasoning", "mid"),
    ("x-ai/grok-code-fast-1", "openrouter", "grok-code-fast-1", "mid"),
    # Cohere
    ("command-r-plus-08-2024", "cohere", "command-r-plus", "flagship"),
    ("command-r-08-2024", "cohere", "command-r", "budget"),
    ("command-a-03-2025", "cohere", "command-a", "flagship"),
    ("cohere.command-r-plus-v1:0", "aws.bedrock", "command-r-plus", "flagship"),
    # Amazon
    ("amazon.nova-pro-v1:0", "aws.bedrock", "nova-pro", "mid"),
    ("amazon.nova-lite-v1:0", "aws.bedrock", "nova-lite", "budget"),
    ("us.amazon.nova-micro-v1:0", "aws.bedrock", "nova-micro", "budget"),
    ("amazon.nova-premier-v1:0", "aws.bedrock", "nova-premier", "flagship"),
    ("amazon.titan-text-express-v1", "aws.bedrock", "titan-text-express", "budget"),
]

# Every model the three sample clients use, with the tier it must get.
SAMPLE_TIERS = {
    "gpt-4o-2024-08-06": "flagship",
    "gpt-5": "flagship", "gpt-5-2025-08-07": "flagship",
    "gpt-5-mini": "mid", "gpt-5-mini-2025-08-07": "mid",
    "gpt-5-nano": "budget", "gpt-5-nano-2025-08-07": "budget",
    "o3": "reasoning", "o3-2025-04-16": "reasoning",
    "claude-opus-4-1": "flagship", "claude-opus-4-1-20250805": "flagship",
    "claude-sonnet-4-5": "flagship", "claude-sonnet-4-5-20250929": "flagship",
    "anthropic.claude-sonnet-4-5-20250929-v1:0": "flagship",
    "claude-haiku-4-5": "mid", "claude-haiku-4-5-20251001": "mid",
    "anthropic.claude-haiku-4-5-20251001-v1:0": "mid",
    "mistral-large-latest": "flagship", "mistral-small-latest": "budget",
    "deepseek-chat": "mid",
    "meta-llama/llama-3.3-70b-instruct": "mid", "openai/gpt-oss-120b": "mid", "qwen/qwen3-235b-a22b-2507": "mid",
}


@pytest.fixture(scope="module")
def tier_map() -> TierMap:
    return TierMap.default()


@pytest.fixture(scope="module")
def sample_dbs(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("tiers_samples")
    dbs = {}
    for name in SAMPLES:
        dbs[name] = out / f"{name}.duckdb"
        ingest(ROOT / "sample_data" / name, dbs[name])
    return dbs


def observed_pairs(db: Path) -> list[tuple[str | None, str | None]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("""
            SELECT DISTINCT provider, model FROM calls UNION ALL SELECT DISTINCT provider, model FROM usage
            UNION ALL SELECT DISTINCT provider, model FROM invoice""").fetchall()
    finally:
        con.close()


# ---- normalisation and the shipped rules -------------------------------------------------------------------------

def test_the_table_covers_every_family():
    assert len(REAL_IDS) >= 25
    assert len({raw for raw, *_ in REAL_IDS}) == len(REAL_IDS)


@pytest.mark.parametrize("raw, provider, normalised, tier", REAL_IDS, ids=[r[0] for r in REAL_IDS])
def test_normalise_real_ids(raw, provider, normalised, tier):
    assert normalise_model(raw, provider) == normalised
    assert normalise_model(normalised) == normalised     # idempotent: a normalised id is its own normal form


@pytest.mark.parametrize("raw, provider, normalised, tier", REAL_IDS, ids=[r[0] for r in REAL_IDS])
def test_tier_of_real_ids(tier_map, raw, provider, normalised, tier):
    found = tier_map.tier_of(raw, provider)
    assert found is not None, f"{raw} is unmapped"
    assert (found.tier, found.normalised) == (tier, normalised)
    assert found.family and found.rule.startswith("^")


def test_normalise_edge_cases():
    assert normalise_model("") == "" and normalise_model(None) == ""
    assert normalise_model("  GPT-4o  ") == "gpt-4o"
    assert normalise_model("openrouter/anthropic/claude-3.5-sonnet") == "claude-3.5-sonnet"   # LiteLLM route
    assert normalise_model("arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
                           "us.anthropic.claude-sonnet-4-5-20250929-v1:0") == "claude-sonnet-4-5"
    assert normalise_model("deepseek-v3") == "deepseek-v3"           # a version in the name is not a suffix
    assert normalise_model("internal-llm-v2") == "internal-llm-v2"   # -v2 is only a Bedrock version on Bedrock
    assert normalise_model("databricks-claude-sonnet-4-5") == "claude-sonnet-4-5"


def test_default_representatives_and_tiers(tier_map):
    assert tier_map.tiers == ["budget", "mid", "flagship", "reasoning"]
    assert tier_map.representatives == {"budget": "gpt-5-nano", "mid": "gpt-5-mini",
                                        "flagship": "claude-sonnet-4-5", "reasoning": "o3"}
    for tier, model in tier_map.representatives.items():    # each representative sits in its own tier
        assert tier_map.tier_of(model).tier == tier


def test_non_text_models_are_known_but_untiered(tier_map):
    for model in ["text-embedding-3-small", "whisper-1", "tts-1-hd", "dall-e-3", "gpt-image-1",
                  "gpt-4o-realtime-preview-2024-12-17", "gpt-4o-mini-tts", "omni-moderation-latest",
                  "llama-guard-3-8b", "amazon.titan-embed-text-v2:0", "mistral-embed", "gemini-2.5-flash-preview-tts"]:
        assert tier_map.tier_of(model) is None, model
        assert tier_map.match(model).family == "non-text", model


def test_unknown_model_is_unmapped(tier_map):
    assert tier_map.tier_of("internal-llm-v2") is None
    assert tier_map.tier_of("acme-gateway/my-finetune") is None
    assert tier_map.tier_of(None) is None and tier_map.tier_of("  ") is None


def test_a_new_model_slots_in_from_data_alone(tmp_path):
    data = tmp_path / "tiers.yaml"
    data.write_text("representatives: {budget: a, mid: b, flagship: c}\n"
                    "rules:\n  - {pattern: '^zeta-(?:.*-)?small', tier: budget, family: zeta}\n"
                    "  - {pattern: '^zeta-', tier: flagship, family: zeta}\n")
    tm = TierMap.from_file(data)
    assert tm.tier_of("vendor/Zeta-2-Small-2026-01-01").tier == "budget"
    assert tm.tier_of("zeta-2").tier == "flagship"
    assert tm.tiers == ["budget", "mid", "flagship"]          # no reasoning tier in this data


def test_bad_data_file_names_file_and_rule(tmp_path):
    data = tmp_path / "tiers.yaml"
    data.write_text("representatives: {budget: a, mid: b, flagship: c}\n"
                    "rules:\n  - {pattern: '^x', tier: budget}\n  - {pattern: '^y', tier: premium}\n")
    with pytest.raises(TierMapError, match=r"tiers\.yaml: rules\[1\]: unknown tier 'premium'"):
        TierMap.from_file(data)
    data.write_text("representatives: {budget: a, mid: b, flagship: c}\nrules:\n  - {pattern: '^(x', tier: mid}\n")
    with pytest.raises(TierMapError, match=r"rules\[0\]: pattern"):
        TierMap.from_file(data)


# ---- the sample clients ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_model_maps_to_a_tier(tier_map, sample_dbs, name):
    pairs = observed_pairs(sample_dbs[name])
    models = {m for _, m in pairs if m is not None}
    assert models, name
    for provider, model in pairs:
        if model is None:          # an invoice line with no model (Anthropic web search)
            continue
        found = tier_map.tier_of(model, provider)
        assert found is not None, f"{name}: {provider} {model} is unmapped"
        assert found.tier == SAMPLE_TIERS[model], model


def test_model_tiers_table_on_a_real_database(tier_map, sample_dbs):
    db = sample_dbs["northwind_support"]          # Bedrock ids, console names, OpenRouter slugs
    pairs = observed_pairs(db)
    con = duckdb.connect(str(db))
    unmapped = tier_map.write_model_tiers(con, pairs)
    con.close()
    assert unmapped == []

    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                              "WHERE table_name = 'model_tiers' ORDER BY ordinal_position").fetchall()
        assert columns == [(c, "VARCHAR") for c in ("provider", "model", "tier", "family", "normalised", "rule")]
        rows = con.execute("SELECT provider, model, tier, normalised FROM model_tiers ORDER BY ALL").fetchall()
        assert len(rows) == len({p for p in pairs if p[1] is not None})
        assert ("aws.bedrock", "anthropic.claude-haiku-4-5-20251001-v1:0", "mid", "claude-haiku-4-5") in rows
        assert ("openrouter", "qwen/qwen3-235b-a22b-2507", "mid", "qwen3-235b-a22b") in rows
        # the engine joins on the exact observed strings: every call finds its tier
        untiered = con.execute("""
            SELECT count(*) FROM calls c LEFT JOIN model_tiers t
              ON t.model = c.model AND t.provider IS NOT DISTINCT FROM c.provider
            WHERE t.tier IS NULL""").fetchone()[0]
        assert untiered == 0
        by_tier = dict(con.execute("""
            SELECT t.tier, count(*) FROM calls c JOIN model_tiers t
              ON t.model = c.model AND t.provider IS NOT DISTINCT FROM c.provider GROUP BY ALL""").fetchall())
        assert set(by_tier) == {"flagship", "mid"}
    finally:
        con.close()


def test_write_model_tiers_lists_unmapped_and_replaces_the_table(tmp_path):
    db = tmp_path / "t.duckdb"
    con = duckdb.connect(str(db))
    pairs = [("openai", "gpt-4o-2024-08-06"), ("acme", "internal-llm-v2"), (None, "mystery-model"),
             ("openai", "text-embedding-3-small"), ("anthropic", None), ("openai", "gpt-4o-2024-08-06")]
    unmapped = write_model_tiers(con, pairs)
    assert unmapped == [("acme", "internal-llm-v2"), (None, "mystery-model"), ("openai", "text-embedding-3-small")]
    rows = con.execute("SELECT provider, model, tier, family FROM model_tiers ORDER BY model").fetchall()
    assert rows == [("openai", "gpt-4o-2024-08-06", "flagship", "gpt-4o"), ("acme", "internal-llm-v2", None, None),
                    (None, "mystery-model", None, None), ("openai", "text-embedding-3-small", None, "non-text")]
    assert write_model_tiers(con, []) == []          # replaced, not appended: an empty, typed table
    assert con.execute("SELECT count(*) FROM model_tiers").fetchone()[0] == 0
    con.close()


def test_write_model_tiers_is_one_batch(tier_map, tmp_path):
    con = duckdb.connect(str(tmp_path / "many.duckdb"))
    pairs = [("openai", f"gpt-5-mini-{i}") for i in range(2_000)] + \
            [("acme", f"in-house-{i}") for i in range(2_000)]
    start = time.perf_counter()
    unmapped = tier_map.write_model_tiers(con, pairs)
    assert time.perf_counter() - start < 10
    assert len(unmapped) == 2_000
    assert con.execute("SELECT count(*), count(tier) FROM model_tiers").fetchone() == (4_000, 2_000)
    con.close()


# ---- client overrides from routekit.yaml --------------------------------------------------------------------------

def write_config(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "routekit.yaml").write_text(text, encoding="utf-8")
    return folder


def test_client_overrides_change_the_map(tmp_path):
    client = write_config(tmp_path / "acme", """
client: Acme
tiers:
  representatives: {flagship: gpt-5, reasoning: o4-mini}
  models: {ft:gpt-4o-mini:acme::abc123: mid, internal-llm-v2: mid, claude-haiku-4-5: budget}
""")
    config = load_config(client)
    assert config.tiers["models"]["ft:gpt-4o-mini:acme::abc123"] == "mid"
    default, tm = TierMap.default(), TierMap.for_config(config)
    assert tm.representatives == {"budget": "gpt-5-nano", "mid": "gpt-5-mini", "flagship": "gpt-5",
                                  "reasoning": "o4-mini"}

    assert default.tier_of("internal-llm-v2") is None
    found = tm.tier_of("internal-llm-v2")
    assert (found.tier, found.rule, found.family) == ("mid", "routekit.yaml", None)

    # a fine-tune is pinned exactly; its base model keeps the shipped tier
    assert default.tier_of("ft:gpt-4o-mini:acme::abc123").tier == "budget"
    assert tm.tier_of("ft:gpt-4o-mini:acme::abc123").tier == "mid"
    assert tm.tier_of("gpt-4o-mini-2024-07-18").tier == "budget"
    assert tm.tier_of("ft:gpt-4o-mini:acme::other").tier == "budget"

    # a bare model id covers every spelling of that model
    for spelling in ["claude-haiku-4-5-20251001", "anthropic.claude-haiku-4-5-20251001-v1:0"]:
        assert default.tier_of(spelling).tier == "mid"
        found = tm.tier_of(spelling)
        assert (found.tier, found.rule, found.family) == ("budget", "routekit.yaml", "claude-haiku")

    con = duckdb.connect(str(tmp_path / "acme.duckdb"))
    assert tm.write_model_tiers(con, [("acme", "internal-llm-v2"), ("openai", "mystery")]) == [("openai", "mystery")]
    assert con.execute("SELECT tier, rule FROM model_tiers WHERE model = 'internal-llm-v2'").fetchone() == \
        ("mid", "routekit.yaml")
    con.close()


def test_no_tiers_key_means_the_shipped_map(tmp_path):
    assert load_config(tmp_path).tiers == {}
    tm = TierMap.for_config(load_config(write_config(tmp_path / "c", "client: C\n")))
    assert tm.representatives == TierMap.default().representatives
    assert TierMap.for_config(None).tier_of("gpt-5-nano").tier == "budget"


@pytest.mark.parametrize("text, key, what", [
    ("tiers:\n  models: {internal-llm-v2: premium}\n", "tiers.models.internal-llm-v2", "unknown tier 'premium'"),
    ("tiers:\n  representatives: {cheap: gpt-5-nano}\n", "tiers.representatives.cheap", "unknown tier 'cheap'"),
    ("tiers:\n  representatives: {budget: 3}\n", "tiers.representatives.budget", "expected a model id"),
    ("tiers:\n  model: {x: mid}\n", "tiers.model", "unknown key; did you mean 'models'?"),
    ("tiers: [budget, mid]\n", "tiers", "expected a mapping"),
    ("tiers:\n  models: [gpt-5]\n", "tiers.models", "expected a mapping model: tier"),
])
def test_bad_tiers_config_names_file_and_key(tmp_path, text, key, what):
    client = write_config(tmp_path / "bad", text)
    with pytest.raises(ConfigError) as exc:
        load_config(client)
    message = str(exc.value)
    assert str(client / "routekit.yaml") in message
    assert f": {key}: " in message and what in message

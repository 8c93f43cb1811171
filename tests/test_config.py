"""routekit.yaml: a misspelt or misplaced key is refused with the file, the key and the closest known key, never
ignored (a silently ignored `curency: EUR` would load euros as dollars)."""
from __future__ import annotations

import pytest

from conftest import run_cli, write_files
from routekit.config import ConfigError, parse_config


@pytest.mark.parametrize("raw, key, hint", [
    ({"curency_rates": {"EUR": 1.08}}, "curency_rates", "did you mean 'currency_rates'?"),
    ({"ingest": {"exlude": ["a/**"]}}, "ingest.exlude", "did you mean 'exclude'?"),
    ({"sources": {"generic_csvs": []}}, "sources.generic_csvs", "did you mean 'generic_csv'?"),
    ({"sources": {"generic_csv": [{"name": "g", "columns": {"timestamp": "ts", "model": "m", "provider": "p"},
                                   "curency": "EUR"}]}},
     "sources.generic_csv[0].curency", "did you mean 'currency'?"),
    ({"tier": {"representatives": {"budget": "gpt-5-nano"}}}, "tier", "did you mean 'tiers'?"),
])
def test_an_unknown_key_is_refused_with_the_closest_known_one(tmp_path, raw, key, hint):
    with pytest.raises(ConfigError) as err:
        parse_config(raw, tmp_path / "routekit.yaml")
    assert str(err.value).startswith(f"{tmp_path / 'routekit.yaml'}: {key}: unknown key; {hint}")


def test_client_must_be_a_name():
    with pytest.raises(ConfigError, match="client: expected a display name"):
        parse_config({"client": ["a", "b"]})
    assert parse_config({"client": 2026}).client == "2026"


def test_the_cli_stops_on_a_misspelt_key_before_loading_anything(tmp_path):
    client = write_files(tmp_path / "c", {"routekit.yaml": "client: Acme\ncurrency_rate: {EUR: 1.08}\n"})
    proc = run_cli("ingest", str(client), check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"routekit ingest: {client / 'routekit.yaml'}: currency_rate: unknown key; "
                                   "did you mean 'currency_rates'? known: client, ingest, currency_rates, sources, "
                                   "tiers, length_buckets, classify, quality")
    assert not (client / ".routekit").exists()


def test_stakes_name_known_task_types():
    with pytest.raises(ConfigError, match=r"quality.stakes.chatt: unknown task type; did you mean 'chat'\?"):
        parse_config({"quality": {"stakes": {"chatt": 3.0}}})
    # a client's own task type is known once classify.task_types declares it
    config = parse_config({"classify": {"task_types": ["contract_review"]},
                           "quality": {"stakes": {"contract_review": 3.0}}})
    assert config.quality["stakes"] == {"contract_review": 3.0}


# A flow mapping opened on line 3 ("  other: {" puts the brace in column 10) and never closed: the parser notices at
# line 4, column 12 (the ':' after batch_share, where it expected ',' or '}').
UNCLOSED = "tiers: {budget: gpt-5-nano}\nmix:\n  other: {budget: 0.5, mid: 0.5\nbatch_share: {}\n"
UNCLOSED_ERROR = ("not valid YAML: line 4, column 12: did not find expected ',' or '}' "
                  "(while parsing a flow mapping at line 3, column 10)")


def test_a_malformed_routekit_yaml_names_the_file_and_line(tmp_path):
    client = write_files(tmp_path / "c", {"routekit.yaml": "client: Acme\n" + UNCLOSED})
    proc = run_cli("ingest", str(client), check=False)
    assert proc.returncode == 2
    # one line down from UNCLOSED's numbers: the client line comes first
    assert proc.stderr.strip() == (f"routekit ingest: {client / 'routekit.yaml'}: not valid YAML: line 5, column 12: "
                                   "did not find expected ',' or '}' (while parsing a flow mapping at line 4, "
                                   "column 10)")
    assert "<unicode string>" not in proc.stderr


def test_a_malformed_policy_names_the_file_and_line(tmp_path):
    client = write_files(tmp_path / "c", {"calls.csv": "timestamp,model\n2026-09-01T00:00:00Z,gpt-4o\n",
                                          "bad policy.yaml": UNCLOSED})
    proc = run_cli("simulate", str(client), "--policy", str(client / "bad policy.yaml"), check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"routekit simulate: {client / 'bad policy.yaml'}: {UNCLOSED_ERROR}"


def test_a_malformed_tier_map_names_the_file_and_line(tmp_path):
    from routekit.tiers import TierMap, TierMapError

    data = tmp_path / "tiers.yaml"
    data.write_text(UNCLOSED)
    with pytest.raises(TierMapError) as err:
        TierMap.from_file(data)
    assert str(err.value) == f"{data}: {UNCLOSED_ERROR}"
    data.write_text("- budget\n- mid\n")   # valid YAML, but a list: was an AttributeError
    with pytest.raises(TierMapError, match=r"tiers\.yaml: expected a mapping with representatives and rules"):
        TierMap.from_file(data)


def test_a_routekit_yaml_that_is_not_utf8_names_the_byte(tmp_path):
    # "client: Café" in Latin-1: 'é' is byte 0xE9 at offset 11 (8 for "client: " + 3 for "Caf")
    client = write_files(tmp_path / "c", {"routekit.yaml": "client: Café\n".encode("latin-1")})
    proc = run_cli("ingest", str(client), check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"routekit ingest: {client / 'routekit.yaml'}: not UTF-8 text (byte 11); "
                                   "save it as UTF-8")


GENERIC = {"name": "g", "columns": {"timestamp": "ts", "model": "m", "provider": "p"}}


@pytest.mark.parametrize("raw, key, hint", [
    # each section used to say "unknown key(s) X; known: ..." without the closest name (or, for tiers and task
    # types, without any hint but the whole list)
    ({"tiers": {"representative": {"budget": "gpt-5-nano"}}}, "tiers.representative",
     "unknown key; did you mean 'representatives'?"),
    ({"tiers": {"representatives": {"flagshp": "gpt-4o"}}}, "tiers.representatives.flagshp",
     "unknown tier 'flagshp'; did you mean 'flagship'?"),
    ({"tiers": {"models": {"my-llm": "midd"}}}, "tiers.models.my-llm", "unknown tier 'midd'; did you mean 'mid'?"),
    ({"length_buckets": {"inputs": [1000]}}, "length_buckets.inputs", "unknown key; did you mean 'input'?"),
    ({"quality": {"stake": {"chat": 2}}}, "quality.stake", "unknown key; did you mean 'stakes'?"),
    ({"quality": {"bands": {"ambre": 0.02}}}, "quality.bands.ambre", "unknown key; did you mean 'amber'?"),
    ({"quality": {"monte_carlo": {"draw": 500}}}, "quality.monte_carlo.draw", "unknown key; did you mean 'draws'?"),
    ({"quality": {"latency_ms": {"mdi": 900}}}, "quality.latency_ms.mdi", "unknown tier 'mdi'; did you mean 'mid'?"),
    ({"quality": {"long_input_odds": {"budget": {"64k": 2.0}}}}, "quality.long_input_odds.budget.64k",
     "unknown input-length bucket; did you mean '64k+'?"),
    ({"sources": {"generic_csv": [{**GENERIC, "columns": {**GENERIC["columns"], "input_token": "tin"}}]}},
     "sources.generic_csv[0].columns.input_token", "unknown field; did you mean 'input_tokens'?"),
    ({"classify": {"mappings": {"features": {"triage": "classification"}}}}, "classify.mappings.features",
     "unknown kind; did you mean 'feature'?"),
    ({"classify": {"mappings": {"feature": {"triage": "Classification"}}}}, "classify.mappings.feature.triage",
     "unknown task type 'Classification'; did you mean 'classification'?"),
    ({"classify": {"rules": [{"id": "r", "task_type": "qa", "when": {"tool_used": True}}]}},
     "classify.rules[0].when.tool_used", "unknown condition; did you mean 'tool_use'?"),
])
def test_every_section_names_the_closest_known_key(tmp_path, raw, key, hint):
    with pytest.raises(ConfigError) as err:
        parse_config(raw, tmp_path / "routekit.yaml")
    assert str(err.value).startswith(f"{tmp_path / 'routekit.yaml'}: {key}: {hint}"), str(err.value)


def test_client_names_the_reports(tmp_path):
    # documented as the display name for reports, but the reports used the folder's name
    folder = tmp_path / "globex_devtools"
    assert parse_config({"client": "Globex Devtools"}).display_name(folder) == "Globex Devtools"
    assert parse_config({}).display_name(folder) == "globex_devtools"

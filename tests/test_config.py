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

"""The README documents what the code does: every format, every routekit.yaml key, the two set-up commands."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import run_cli
from routekit.config import GENERIC_CSV_KEYS, GENERIC_FIELDS, TOP_KEYS
from routekit.sources import registry

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_opens_with_the_two_setup_commands():
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make audit" in quick_start and "make test" in quick_start


def test_readme_format_table_is_the_registry_output():
    table = run_cli("formats", "--markdown").stdout.strip()
    assert table in README, "README's format table is stale: paste `routekit formats --markdown`"
    for fmt in registry.formats():
        assert fmt.obtain, f"{fmt.name} has no 'how to obtain it' text"


def test_readme_documents_every_config_key():
    yaml_block = README.split("Every key is optional", 1)[1].split("```", 2)[1]
    for key in ("client:", "ingest:", "exclude:", "currency_rates:", "sources:", "generic_csv:", "name:",
                "columns:", "provider:", "currency:", "input_includes_cached:", "success_values:", "tiers:",
                "representatives:", "models:", "length_buckets:", "classify:", "mappings:", "rules:",
                "quality:", "stakes:", "bands:"):
        assert key in yaml_block, key
    for key in (*TOP_KEYS, *GENERIC_CSV_KEYS):            # every key the parser accepts is shown
        assert f"{key}:" in yaml_block, key
    listed = set(re.findall(r"`?([a-z_]+)`?", README.split("may name:", 1)[1]
                            .split("A file is", 1)[0]))
    assert GENERIC_FIELDS <= listed


def test_readme_shows_each_command():
    for cmd in ("routekit ingest", "routekit batch", "routekit formats", "routekit prices", "routekit estimate",
                "routekit simulate", "routekit reconcile", "routekit classify", "routekit optimize",
                "routekit dashboard"):
        assert f"### `{cmd}" in README, cmd


def test_the_readme_example_config_is_valid():
    """The documented routekit.yaml is accepted as a whole by the real parser (no stale or misspelt key)."""
    import yaml

    from routekit.config import parse_config

    block = README.split("Every key is optional", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    config = parse_config(yaml.safe_load(block))
    assert config.currency_rates == {"EUR": 1.08}
    assert config.generic_csv[0].name == "internal_gateway"
    assert config.length_buckets == {"input": [1000, 4000, 16000, 64000], "output": [250, 1000, 4000]}

"""The README documents what the code does: every format, every routekit.yaml key, the two set-up commands."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import run_cli, sample_client
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


# ---------------------------------------------------------------------------------------------------------------
# The README's console examples, run as a reader runs them (from the repository's folder, on the sample clients)

ELIDED = {"…", "...", "  …", "  ..."}   # a README line that stands for any number of lines of output


def _console_examples() -> list[tuple[list[str], list[str]]]:
    """(command words, the output shown) of every ```console block that starts with a `$ routekit` line."""
    import shlex

    found = []
    for block in re.findall(r"```console\n(.*?)```", README, re.S):
        lines = block.rstrip("\n").split("\n")
        if lines[0].startswith("$ routekit "):
            found.append((shlex.split(lines[0][2:])[1:], lines[1:]))
    return found


def _matches(shown: list[str], printed: list[str]) -> bool:
    """Line by line, exactly, where an elided line ('…', '...') takes any run of printed lines."""
    if not shown:
        return not printed
    if shown[0] in ELIDED:
        return any(_matches(shown[1:], printed[i:]) for i in range(len(printed) + 1))
    return bool(printed) and printed[0] == shown[0] and _matches(shown[1:], printed[1:])


def _readme_block_after(marker: str, lang: str) -> str:
    return README.split(marker, 1)[1].split(f"```{lang}\n", 1)[1].split("```", 1)[0]


def test_readme_console_examples_print_what_is_shown(tmp_path):
    """Every `$ routekit ...` example, in the README's order, on a fresh copy of the sample clients (so ingest's
    first run reads `loaded`), prints the lines shown: numbers, names and layout."""
    import subprocess
    import sys

    examples = _console_examples()
    commands = [words[0] for words, _ in examples]
    # every command that prints something a reader can check (dashboard serves a page until Ctrl-C)
    assert {"ingest", "prices", "estimate", "classify", "simulate", "optimize", "reconcile", "audit", "batch",
            "formats"} <= set(commands), "a command without a console example"
    for client in ("brightside_agency", "globex_devtools", "northwind_support"):   # batch shows all three
        sample_client(client, tmp_path / "sample_data" / client)
    (tmp_path / "policy.yaml").write_text(_readme_block_after("With this `policy.yaml`", "yaml"))
    for words, shown in examples:
        proc = subprocess.run([sys.executable, "-m", "routekit.cli", *words], capture_output=True, text=True,
                              cwd=tmp_path, timeout=600)
        assert proc.returncode == 0, (words, proc.stderr)
        printed = proc.stdout.rstrip("\n").split("\n")
        assert _matches(shown, printed), ("routekit " + " ".join(words) + " prints:\n" + proc.stdout)


def test_readme_ingest_json_figures_are_what_ingest_prints(tmp_path):
    """The `--json` example's figures (every "key": number and "key": "text" pair it shows) are in the real output."""
    import json

    sample_client("brightside_agency", tmp_path / "brightside_agency")
    shown = _readme_block_after("`--json` prints one object for automation", "json")
    printed = json.loads(run_cli("ingest", str(tmp_path / "brightside_agency"), "--json").stdout)

    def pairs(value, out):
        if isinstance(value, dict):
            for k, v in value.items():
                out.add((k, json.dumps(v))) if not isinstance(v, (dict, list)) else pairs(v, out)
        elif isinstance(value, list):
            for v in value:
                pairs(v, out)
        return out

    actual = pairs(printed, set())
    actual.add(("db", json.dumps("sample_data/brightside_agency/.routekit/routekit.duckdb")))   # cwd differs
    claimed = set(re.findall(r'"(\w+)": ("[^"]*"|-?[\d.]+|null)', shown))
    assert claimed and claimed <= actual, sorted(claimed - actual)


def test_readme_key_table_is_every_key_the_parser_accepts():
    """Each routekit.yaml key the parser knows has a row (type, default, example) and each row is a key it knows."""
    from routekit.config import config_keys

    table = README.split("<!-- routekit.yaml keys:", 1)[1].split("<!-- end routekit.yaml keys -->", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \|", table, re.M)
    assert len(rows) == len(set(rows)), "a key is listed twice"
    assert sorted(set(rows) - config_keys()) == [], "documented but not read"
    assert sorted(config_keys() - set(rows)) == [], "read but not documented"
    for row in re.findall(r"^\| `[^`]+` \|.*$", table, re.M):
        assert len(re.split(r"(?<!\\)\|", row)) == 6, f"not 4 cells: {row}"


def _command_sections() -> dict[str, str]:
    """The README's text per command: from its `### \\`routekit CMD` heading to the next heading of that level."""
    parts = re.split(r"^### `routekit (\w+)", README, flags=re.M)
    return {parts[i]: parts[i + 1].split("\n## ", 1)[0] for i in range(1, len(parts), 2)}


def test_every_cli_option_is_in_the_readme_of_its_command():
    from routekit.cli import build_parser

    sections = _command_sections()
    commands = build_parser()._subparsers._group_actions[0].choices
    assert sorted(set(commands) - set(sections)) == [], "a command without its README section"
    missing = [f"{name} {option}" for name, sub in commands.items() for action in sub._actions
               for option in action.option_strings
               if option.startswith("--") and option != "--help" and option not in sections[name]]
    assert missing == []


def test_readme_explorer_export_is_what_the_explorer_writes(tmp_path):
    """The tier explorer's policy.yaml shown in the README (batch share 20 %, then summarization's budget slider to
    70 %) is the file Export writes for those two moves: its header figures, tiers and mix."""
    import yaml

    from routekit.widgets import TierExplorer

    shown = _readme_block_after("`policy.yaml`, a `routekit simulate --policy` file that gives the same figures",
                                "yaml")
    # at a fixed price day, as the README's examples are: the header's check line names it
    x = TierExplorer(sample_client("brightside_agency", tmp_path / "brightside_agency"), date="2026-11-01")
    x.batch_slider.value = 20.0
    x.sliders["summarization"]["budget"].value = 70.0
    written = x.export()["policy"].read_text()
    header = [line for line in shown.splitlines() if line.startswith("#")]
    assert written.splitlines()[:len(header)] == header
    readme_policy = yaml.safe_load("\n".join(line for line in shown.splitlines() if "…" not in line))
    policy = yaml.safe_load(written)
    assert {k: policy[k] for k in ("tiers", "mix")} == readme_policy
    assert set(policy["batch_share"].values()) == {0.2}

"""Small command-line conventions shared by every command."""
from __future__ import annotations

from conftest import run_cli
from routekit.report_text import money


def test_money_puts_the_sign_before_the_dollar():
    assert money(-55.19) == "-$55.19"
    assert money(1234.5) == "$1,234.50"
    assert money(0) == "$0.00"
    assert money(None) == "-"


def test_formats_takes_one_output_style():
    proc = run_cli("formats", "--json", "--markdown", check=False)
    assert proc.returncode == 2 and "not allowed with argument --json" in proc.stderr

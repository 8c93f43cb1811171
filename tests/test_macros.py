"""The parsing macros every staging model relies on, on values worked out by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from routekit.db import connect


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = connect(tmp_path_factory.mktemp("m") / "m.duckdb")
    yield c
    c.close()


@pytest.mark.parametrize("value, expected", [
    ("2026-09-28T02:00:00+02:00", dt.datetime(2026, 9, 28, 0, 0)),      # offset applied
    ("2026-09-03 14:22:05.123+00", dt.datetime(2026, 9, 3, 14, 22, 5, 123000)),   # psql's +00
    ("2024-01-15T12:00:00Z", dt.datetime(2024, 1, 15, 12, 0)),
    ("2026-09-28T00:00:00", dt.datetime(2026, 9, 28, 0, 0)),             # naive = UTC
    ("2026-03-31", dt.datetime(2026, 3, 31)),
    ("2026-03-31 14:00", dt.datetime(2026, 3, 31, 14, 0)),
    ("1790553600", dt.datetime(2026, 9, 28, 0, 0)),                      # unix seconds: 20,724 days × 86,400
    ("1790553600.5", dt.datetime(2026, 9, 28, 0, 0, 0, 500000)),
    ("1790553600000", dt.datetime(2026, 9, 28, 0, 0)),                   # unix milliseconds
    (" 2026-03-31 ", dt.datetime(2026, 3, 31)),
    ("yesterday", None), ("", None), (None, None),
])
def test_rk_ts(con, value, expected):
    assert con.execute("SELECT rk_ts(?::VARCHAR)", [value]).fetchone()[0] == expected


@pytest.mark.parametrize("value, expected", [
    ("12", 12), (" 12 ", 12), ("12.0", 12), ("1e3", 1000), ("-3", -3),
    ("1.5", None), ("abc", None), ("1,000", None), ("", None), (None, None),
])
def test_rk_int(con, value, expected):
    assert con.execute("SELECT rk_int(?::VARCHAR)", [value]).fetchone()[0] == expected


@pytest.mark.parametrize("value, expected", [
    ("summarize this", True), ("é", True), ("  x  ", True),
    ("\t", True), ("\n", True),           # trim() strips spaces only: a tab or a newline is text, as rk_text says
    ("", False), ("   ", False), (None, False),
])
def test_rk_has_text(con, value, expected):
    assert con.execute("SELECT rk_has_text(?::VARCHAR), rk_text(?::VARCHAR) IS NOT NULL",
                       [value, value]).fetchone() == (expected, expected)


def test_problem_sentences(con):
    row = con.execute("""SELECT rk_int_problem('prompt_tokens', '-7'), rk_int_problem('x', 'lots'),
                                rk_required_int_problem('y', ''), rk_ts_problem('startTime', 'soon'),
                                rk_ts_problem('startTime', NULL), rk_money_problem('spend', 'abc'),
                                rk_reason(['a', NULL, 'b']), rk_reason([NULL::VARCHAR])""").fetchone()
    assert row == ("negative token count: prompt_tokens = -7", "x is not a whole number: 'lots'", "missing y",
                   "unparseable timestamp startTime: 'soon'", "missing timestamp startTime",
                   "spend is not a number: 'abc'", "a; b", None)


@pytest.mark.parametrize("value, shown", [
    ("abc", "'abc'"), ("n/a", "'n/a'"), ("2026-04-31", "'2026-04-31'"), ("€12,50", "'€12,50'"),
    ("Oct 1, 2026 10:00 AM", "'Oct 1, 2026 10:00 AM'"), ("not available", "'not available'"),
    # a phrase, a text in another script, a long text: prompt text that slipped into a number's column
    ("What is the notice period", "a text of 25 characters (not shown: it may be prompt text)"),
    ("请总结这段文字", "a text of 7 characters (not shown: it may be prompt text)"),
    ("x" * 41, "a text of 41 characters (not shown: it may be prompt text)"),
])
def test_a_bad_value_is_quoted_only_when_it_cannot_be_prompt_text(con, value, shown):
    assert con.execute("SELECT rk_money_problem('spend', ?)", [value]).fetchone()[0] == f"spend is not a number: {shown}"


def test_message_text_from_each_shape(con):
    openai = '[{"role":"system","content":"S"},{"role":"user","content":"u1"},{"role":"user","content":"u2"}]'
    anthropic_parts = '[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]'
    otel = '[{"role":"system","parts":[{"type":"text","content":"sys"}]},' \
           '{"role":"user","parts":[{"type":"text","content":"q"}]}]'
    rows = [con.execute("SELECT rk_messages_system(?), rk_messages_last_user(?)", [m, m]).fetchone()
            for m in (openai, anthropic_parts, otel)]
    assert rows == [("S", "u2"), (None, "a\nb"), ("sys", "q")]

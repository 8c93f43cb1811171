"""Literal atoms that every match of a pattern must contain (routekit/prefilter.py), which classify.py uses to let a
call skip a run of rules with one literal scan. A wrong atom set would silently change task types, so besides
hand-worked cases the implication "the pattern matches ⇒ the text holds an atom" is checked on random patterns with
texts generated to match them, and on every shipped rule against real prompts."""
from __future__ import annotations

import random
import re
from pathlib import Path

import duckdb
import pytest

from routekit.classify import default_settings
from routekit.prefilter import MIN_ATOM, atom_weight, literal_alternation, required_atoms

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "data" / "heldout_prompts.csv"


@pytest.mark.parametrize("pattern, atoms", [
    # an alternation of words: each spelled out, the character class expanded
    (r"\b(?:summari[sz]e|recap)\b", {"summarise", "summarize", "recap"}),
    # an optional letter doubles the spellings
    (r"\bcolou?r scheme\b", {"colour scheme", "color scheme"}),
    (r"\bstep[- ]by[- ]step\b", {"step-by-step", "step by step", "step-by step", "step by-step"}),
    # a gap of unknown text splits the pattern: either side is required, the more selective (longer) side is kept
    (r"^\W*please\s+summarize\b", {"summarize"}),
    # "report" is inside "reporting": a text holding the longer holds the shorter
    (r"report(?:ing)?", {"report"}),
    # a group repeated at least once still requires its text once
    (r"(?:abcd)+xy", {"abcd"}),
    # escapes of punctuation are literals; anchors and word boundaries are zero width
    (r"^tl;dr\.\s", {"tl;dr."}),
    # what follows an unknown piece is no longer spelled out in full: "youre" must not be an atom
    (r"\byou(?:.re| are) (?:\w+ )?(?:nice|kind)\b", {"nice", "kind"}),
    (r"i.m (?:feeling|tired)", {"m feeling", "m tired"}),
    # a class that merely starts with a colon is no POSIX class
    (r"\bin french\s*[:!]", {"in french"}),
])
def test_atoms_worked_by_hand(pattern, atoms):
    assert required_atoms(pattern) == atoms


@pytest.mark.parametrize("pattern", [
    r"\b(?:is|summarize)\b",      # one branch needs only "is": too short to rule anything out
    r"(?i)summarize",             # case-insensitive: the atoms would have to be case-folded
    r"x(?i:summarize)",           # the same for a group
    r"[[:alpha:]]+izing",         # a POSIX class, which Python's parser reads as a set of characters
    r"x[[:^space:]]tion",         # ... negated
    r"\p{L}+ization",             # RE2 syntax Python does not read
    r"(?:summarize)?\w+",         # everything optional
    r"sum.ize",                   # "sum" and "ize" are each under the minimum length
])
def test_no_atoms_where_nothing_safe_is_known(pattern):
    assert required_atoms(pattern) is None


def test_literal_alternation_matches_exactly_its_atoms():
    atoms = {"a.b", "(x|y)", "c+d", "e\\f", "tl;dr", "über"}
    pattern = literal_alternation(atoms)
    con = duckdb.connect()
    for atom in atoms:
        assert con.execute("SELECT regexp_matches(?, ?)", [f"zz {atom} zz", pattern]).fetchone()[0]
    for text in ("aXb", "x|y", "cd", "ccd", "e/f", "uber"):
        assert not con.execute("SELECT regexp_matches(?, ?)", [text, pattern]).fetchone()[0], text


# -- random patterns, with texts made to match them ---------------------------------------------------------------------
def _random_node(rng: random.Random, depth: int):
    """(pattern, generator of a matching string) for a random piece of pattern."""
    kind = rng.choice(["word", "word", "class", "alt", "opt", "plus", "gap", "dot", "seq"] if depth < 3
                      else ["word", "class", "gap"])
    if kind == "word":
        w = "".join(rng.choice("abcde ") for _ in range(rng.randint(1, 6)))
        return re.escape(w), lambda r, w=w: w
    if kind == "class":
        chars = "".join(sorted(set(rng.choice("abcxyz") for _ in range(rng.randint(1, 4)))))
        return f"[{chars}]", lambda r, c=chars: r.choice(c)
    if kind == "gap":
        return r"\w{0,3}", lambda r: "".join(r.choice("pqr") for _ in range(r.randint(0, 3)))
    if kind == "dot":
        return ".", lambda r: r.choice("ab ")
    if kind == "alt":
        parts = [_random_node(rng, depth + 1) for _ in range(rng.randint(2, 4))]
        return "(?:" + "|".join(p for p, _ in parts) + ")", lambda r, ps=parts: r.choice(ps)[1](r)
    if kind == "opt":
        p, g = _random_node(rng, depth + 1)
        return f"(?:{p})?", lambda r, g=g: g(r) if r.random() < 0.5 else ""
    if kind == "plus":
        p, g = _random_node(rng, depth + 1)
        return f"(?:{p}){{1,3}}", lambda r, g=g: "".join(g(r) for _ in range(r.randint(1, 3)))
    parts = [_random_node(rng, depth + 1) for _ in range(rng.randint(2, 4))]
    return "".join(p for p, _ in parts), lambda r, ps=parts: "".join(g(r) for _, g in ps)


def test_every_match_of_random_patterns_holds_an_atom():
    rng = random.Random(20261123)
    with_atoms = 0
    for _ in range(3000):
        pattern, gen = _random_node(rng, 0)
        atoms = required_atoms(pattern)
        if atoms is None:
            continue
        with_atoms += 1
        assert all(atom_weight(a) >= MIN_ATOM for a in atoms)
        compiled = re.compile(pattern)
        for _ in range(20):
            text = "zz" + gen(rng) + "zz"
            m = compiled.search(text)
            assert m, (pattern, text)   # the generator makes matching texts
            assert any(a in m.group(0) for a in atoms), (pattern, sorted(atoms), m.group(0))
    assert with_atoms >= 500           # the check is not vacuous


# -- the shipped rules against real prompts -------------------------------------------------------------------------
@pytest.mark.skipif(not HELDOUT.exists(), reason="tests/data/heldout_prompts.csv is not in this checkout")
def test_shipped_rules_never_match_a_prompt_without_their_atoms():
    con = duckdb.connect()
    # the English held-out prompts, and the Chinese, Japanese and Korean sets (the cjk-* rules' guards)
    sets = [str(HELDOUT)] + sorted(str(p) for p in HELDOUT.parent.glob("cjk_*prompts.csv"))
    con.execute("""CREATE TABLE texts AS SELECT lower(t) AS t FROM (
        SELECT unnest([system_prompt, user_prompt]) AS t FROM read_csv(?, header = true, all_varchar = true))
        WHERE t IS NOT NULL""", [sets])
    guarded = matched = 0
    for rule in default_settings().rules:
        atoms = required_atoms(rule.pattern) if rule.pattern else None
        if atoms is None:
            continue
        guarded += 1
        hits, missed = con.execute("""SELECT count(*) FILTER (WHERE regexp_matches(t, $p)),
                count(*) FILTER (WHERE regexp_matches(t, $p) AND NOT regexp_matches(t, $g)) FROM texts""",
                                   {"p": rule.pattern, "g": literal_alternation(atoms)}).fetchone()
        assert missed == 0, rule.id
        matched += hits > 0
    assert guarded >= 40 and matched >= 30    # most rules have atoms, and most of those fire on these prompts
    assert len(sets) == 5


def test_a_cjk_character_weighs_a_whole_atom():
    """Chinese, Japanese and Korean write a word in one or two characters, and no text in another script holds them:
    总结 (2 characters) is a guard, where 'sum' (3 Latin letters) is too short to be one."""
    assert atom_weight("sum") == 3 and atom_weight("总结") == 8 and atom_weight("写") == 4 and atom_weight("é") == 1
    assert required_atoms("总结|要約|요약") == frozenset({"总结", "要約", "요약"})
    assert required_atoms("(?:写|寫)[^\\n]{0,12}(?:诗|詩)") == frozenset({"写", "寫"})
    assert required_atoms("sum|要約") is None       # one branch too short: no guard

"""Literal atoms that every match of a regular expression must contain: a cheap test that rules a pattern out.

This is the idea of RE2's FilteredRE2 (which DuckDB does not expose): from a pattern's syntax tree, find a set of
literal strings such that any text the pattern matches contains at least one of them. ``\\b(?:summari[sz]e|recap)\\b``
gives {"summarise", "summarize", "recap"}; a text holding none of them cannot match. classify.py puts the atoms of
a run of rules into one alternation of plain literals and tests it once per call before the rules themselves: RE2
scans a literal alternation in one pass whatever its length, so a call without any of a group's keywords pays one
scan instead of one per rule.

The result must never be wrong in the unsafe direction (an atom set a match could lack would silently change a
call's task type), so anything not understood gives no atoms, i.e. no guard:
- Patterns are parsed with Python's own regular expression parser. Its syntax tree agrees with RE2's for what the
  rules use; where the two dialects differ (\\p{..}, \\x{..}, \\Q..\\E, \\z, (?U)) Python refuses the pattern, and the
  one construct Python reads differently without refusing it, a POSIX class such as [[:alpha:]], is refused here.
- Case-insensitive patterns give no atoms: the rules are matched case-sensitively on lower-cased text
  (classify._fold_case), so their atoms are exactly as written.
- Atoms shorter than MIN_ATOM give none: "is" or "do" is in nearly every text, and a guard that always passes
  costs a scan and saves nothing. A character of the CJK scripts (Han, kana, Hangul, fullwidth forms: from U+2E80)
  counts as a whole atom: those scripts write a word in one or two characters (总结, 要約, 요약), and a text in any
  other script holds none of them, so a guard of such words lets the bulk of the traffic skip the rules reading them.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

try:   # Python's regular expression parser (sre_parse before 3.11, kept there as a deprecated alias)
    from re import _constants as _C
    from re import _parser as _P
except ImportError:   # pragma: no cover - a Python without it simply gets no guards
    _C = _P = None

MIN_ATOM = 4          # shortest useful atom (measured: 3 let "add" / "are" in and the guards passed too often)
CJK_START = 0x2E80    # CJK radicals onwards: Han, kana, Hangul, fullwidth forms (each counts MIN_ATOM, see above)
MAX_EXACT = 64        # largest set of exact strings tracked through a concatenation before settling for atoms
REGEX_META = set("\\.^$*+?()[]{}|")
# A POSIX class, [:alpha:] inside a bracket expression: RE2 syntax that Python reads, wrongly, as a set of characters.
_POSIX_CLASS = re.compile(r"\[:[^\]]*:\]")


@dataclass(frozen=True)
class _Info:
    """What a piece of a pattern matches: `exact`, the set of all strings it can match (when small and known), or
    `atoms`, strings one of which every match contains; both None means nothing is known."""
    exact: frozenset[str] | None = None
    atoms: frozenset[str] | None = None


_NOTHING_KNOWN = _Info()
_EMPTY = _Info(exact=frozenset({""}))


def _minimal(atoms: set[str]) -> frozenset[str]:
    """Drop an atom that contains another: a text holding the longer one holds the shorter too."""
    kept: list[str] = []
    for a in sorted(atoms, key=len):
        if not any(k in a for k in kept):
            kept.append(a)
    return frozenset(kept)


def atom_weight(atom: str) -> int:
    """How selective an atom is, in Latin letters: its length, a CJK character counting MIN_ATOM."""
    return sum(MIN_ATOM if ord(c) >= CJK_START else 1 for c in atom)


def _as_atoms(info: _Info) -> frozenset[str] | None:
    if info.exact is not None:
        return None if any(atom_weight(s) < MIN_ATOM for s in info.exact) else _minimal(set(info.exact))
    return info.atoms


def _stronger(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """Of two atom sets that both hold, the more selective: the heavier lightest atom, then the fewer atoms."""
    if a is None or b is None:
        return a if b is None else b
    return a if (min(map(atom_weight, a)), -len(a)) >= (min(map(atom_weight, b)), -len(b)) else b


def _concat(items: list[_Info]) -> _Info:
    exact: set[str] = {""}
    exact_so_far = True           # every piece so far had a known set of spellings
    best: frozenset[str] | None = None
    for it in items:
        if it.exact is not None and len(exact) * len(it.exact) <= MAX_EXACT:
            exact = {a + b for a in exact for b in it.exact}
            continue
        # The run of exact pieces ends here: what it spells is required, and so is anything `it` requires.
        exact_so_far = False
        best = _stronger(best, _as_atoms(_Info(exact=frozenset(exact))))
        if it.exact is not None:
            exact = set(it.exact)
        else:
            best = _stronger(best, it.atoms)
            exact = {""}
    if exact_so_far:
        return _Info(exact=frozenset(exact))
    return _Info(atoms=_stronger(best, _as_atoms(_Info(exact=frozenset(exact)))))


def _alternation(infos: list[_Info]) -> _Info:
    if all(i.exact is not None for i in infos):
        union = frozenset().union(*(i.exact for i in infos))
        if len(union) <= MAX_EXACT:
            return _Info(exact=union)
    atoms: set[str] = set()
    for i in infos:
        a = _as_atoms(i)
        if a is None:        # one branch requires nothing: neither does the alternation
            return _NOTHING_KNOWN
        atoms |= a
    return _Info(atoms=_minimal(atoms))


def _node(op, av) -> _Info:
    if op is _C.LITERAL:
        return _Info(exact=frozenset({chr(av)}))
    if op is _C.AT:                              # ^ $ \b \B \A: zero width
        return _EMPTY
    if op is _C.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return _NOTHING_KNOWN if (add_flags or del_flags) else _sequence(sub)   # (?i:...) and the like
    if op is _C.BRANCH:
        return _alternation([_sequence(b) for b in av[1]])
    if op is _C.IN:                              # a class of a few plain characters, e.g. [sz]
        if len(av) <= 8 and all(o is _C.LITERAL for o, _ in av):
            return _Info(exact=frozenset(chr(a) for _, a in av))
        return _NOTHING_KNOWN
    if op in (_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", None)):
        lo, hi, sub = av
        inner = _sequence(sub)
        if lo == 0:
            return _Info(exact=inner.exact | {""}) if hi == 1 and inner.exact is not None else _NOTHING_KNOWN
        if lo == hi == 1:
            return inner
        atoms = _as_atoms(inner)                 # required at least once, but no longer exact
        return _Info(atoms=atoms) if atoms is not None else _NOTHING_KNOWN
    return _NOTHING_KNOWN                        # ., \w, [^x], ranges, look-arounds, back-references ...


def _sequence(parsed) -> _Info:
    return _concat([_node(op, av) for op, av in parsed])


@lru_cache(maxsize=1024)   # about 2 ms a pattern (the shipped rules: 0.14 s), paid once per process
def required_atoms(pattern: str) -> frozenset[str] | None:
    """Strings (each weighing at least MIN_ATOM, see atom_weight) one of which every match of `pattern` contains, or
    None when no such set is known. The pattern must already be valid RE2 (classify checks that first)."""
    if _P is None or _POSIX_CLASS.search(pattern):
        return None
    try:
        with warnings.catch_warnings():   # "possible nested set" and the like: about Python's future syntax
            warnings.simplefilter("ignore")
            parsed = _P.parse(pattern)
    except Exception:    # noqa: BLE001 - syntax Python does not read the way RE2 does: no guard, never a wrong one
        return None
    if parsed.state.flags & _C.SRE_FLAG_IGNORECASE:
        return None
    return _as_atoms(_sequence(parsed))


def literal_alternation(atoms) -> str:
    """One RE2 pattern matching any of `atoms` as plain text."""
    return "|".join("".join("\\" + c if c in REGEX_META else c for c in a) for a in sorted(atoms))

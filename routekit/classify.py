"""Task type of every call, in DuckDB SQL over the whole table: the client's mappings, then ordered rules over the
request's structure and its prompt text, then (optionally) a learned model where the rules abstain.

The rules are data: ``routekit/data/task_rules.yaml`` ships the defaults and a client's ``routekit.yaml`` adds,
overrides or disables rules and maps its own feature, endpoint, tag, project/workspace and API-key names to task
types (``classify:``). They compile into ONE expression over ``calls`` (``sql/intermediate/int_task_types.sql``):
a WHEN per mapping kind (a list lookup) and per rule, in order, first match wins, with runs of rules behind a test
for the literal text their patterns require (``routekit/prefilter.py``); every pattern and key is a bound
parameter, never SQL text. The text is lower-cased once per call (patterns are case-folded to match) and a long
prompt is read by its first 3,000 and last 1,000 characters. The result is ``call_task_types`` (one row per call:
task type, reason, confidence, kind of decision, rule), which ``int_calls`` joins.

The learned model (TF-IDF + logistic regression) is trained offline by ``routekit classify --train LABELS.csv`` and
stored as its coefficients in ``CLIENT_DIR/.routekit/task_model.json`` (plain numbers, no pickle to trust); it is
scored in SQL too (``sql/intermediate/int_task_learned.sql``), on the calls the rules left undecided.

Aggregated usage rows have no text: ``usage_task_types`` attributes them through project/workspace and API-key
mappings only, and leaves the rest unattributed.
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from routekit.config import CONFIG_NAME, ConfigError, did_you_mean, known_keys, load_yaml
from routekit.db import sql_text, store_fingerprint, stored_fingerprint
from routekit.prefilter import literal_alternation, required_atoms

DEFAULT_RULES_NAME = "routekit/data/task_rules.yaml"
MODEL_PATH = Path(".routekit") / "task_model.json"
MODEL_FORMAT = "routekit-task-model/1"
DECIDED_BY = ("mapping", "structure", "keyword", "learned", "abstained")

# Mapping kinds of routekit.yaml `classify.mappings`, in precedence order, and the calls column each one reads.
# `endpoint` is the API operation the call went to (chat, embeddings, InvokeModel, acompletion ...); `workspace` is
# the Anthropic name for what `project` holds.
CALL_MAPPING_KINDS = {"feature": "feature", "endpoint": "operation", "tag": "tags", "project": "project",
                      "workspace": "project", "api_key": "api_key"}
# Rules read the lower-cased text (int_task_types.sql: sys, usr); patterns are case-folded to match (_fold_case).
# `instruction` reads the user message too, but where the message is a request plus pasted material (the shipped
# macros `instruction` and `closing_instruction` find the request: an opening line, or a closing paragraph) only the
# request counts, so a cue word inside the material ("ping me", "yes or no") cannot overrule it (_match_sql).
WHERE = {"system": ("sys",), "user": ("usr",), "both": ("sys", "usr"), "instruction": ("usr",)}
WHERE_LABEL = {"system": "system prompt", "user": "user prompt", "both": "prompt",
               "instruction": "user prompt's instruction"}
CONDITIONS: dict[str, type] = {"tool_use": bool, "json_mode": bool, "code_block": bool, "has_text": bool,
                               "has_system": bool, "min_messages": int, "max_messages": int}
RULE_KEYS = {"id", "task_type", "where", "regex", "unless", "when", "confidence", "reason", "enabled"}
CLASSIFY_KEYS = {"rules", "mappings", "task_types", "learned"}
LEARNED_KEYS = ("enabled", "min_probability")
# Finish reasons that mean the model stopped to call a tool (OpenAI tool_calls/function_call, Anthropic tool_use).
# int_task_types.sql runs it only where the attributes contain `finish_reason`: every match must contain that text.
TOOL_FINISH_RE = r'"finish_reasons?(?:_raw)?"\s*:\s*(?:\[[^\]]*)?"(?:tool_use|tool_calls|function_call)"'
# Code in a prompt, fenced or not: a ``` fence (checked apart), or lines that look like code (definitions, imports,
# SQL, a diff, a shebang, statements ending in ; or {, arrows, regex look-arounds). Matched on the lower-cased text.
CODE_LIKE_RE = (r"(?m)^\s*(?:def |class \w|async (?:def|function)\b|function\b|const \w|let \w|var \w|import \w"
                r"|from [\w.]+ import\b|#include\b|public |private |package \w|using \w[\w.]*;"
                r"|select\s+(?:\*|distinct\b|[\w.*()]+(?:\s*,\s*[\w.*()]+)*)\s+from\s+\w|insert into\b"
                r"|update \w+ set\b|create (?:table|index|view)\b|diff --git|#!/|@@ |(?:if|for|while) ?\()"
                r"|[;{]\s*$|=>|\(\?[=!:<]|\\[dwsb][*+?{]")
# Conditions computed where a rule asks for them rather than for every call (int_task_types.sql has the others).
CONDITION_SQL = {"code_block": "rk_code_block(usr_raw, sys_raw, $code_re)"}
_MACRO = re.compile(r"\{\{(\w+)\}\}")

# The learned model's features: the macros rk_model_tokens and rk_model_terms (sql/macros.sql), in training
# (model_terms) as in scoring (int_task_learned.sql). TOKENIZERS: 'unicode' (words in any script, bigrams of CJK
# characters), what every model is now trained with; 'ascii' ([a-z0-9]{2,} words), what a model file naming no
# tokenizer was trained with before, so it still scores as it was trained.
TOKENIZERS = ("unicode", "ascii")
MODEL_MAX_CHARS = 4000
MODEL_MAX_TOKENS = 300
DEFAULT_MIN_PROBABILITY = 0.5
# Rules per guarded run (compile_rules): 4, 8 and 16 measured alike at 1 M calls; longer runs pass more often.
GUARD_GROUP = 8
# Longest guard pattern. RE2 scans an alternation of up to 1,500 random words (15,000 characters) in one pass, but
# at 2,000 (20,000 characters) its DFA outgrew DuckDB's memory budget and one guard took 18 s over 200 k prompts
# instead of 0.07 s; the shipped rules' longest guard is 6,865 characters.
GUARD_MAX_CHARS = 8000


# -- rules and mappings -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    id: str
    task_type: str
    confidence: float
    reason: str
    where: str | None = None
    regex: str | None = None          # as written (macros unexpanded): what reasons show
    pattern: str | None = None        # macros expanded: what runs
    unless: str | None = None         # macros expanded
    when: tuple[tuple[str, Any], ...] = ()
    source: str = "default rules"

    @property
    def kind(self) -> str:
        return "keyword" if self.pattern else "structure"

    def describe(self) -> str:
        """The call's `reason` when this rule decides."""
        origin = "" if self.source == "default rules" else f", {self.source}"
        if self.pattern and len(self.regex) <= 60 and "{{" not in self.regex:   # a short pattern says it itself
            return f"{WHERE_LABEL[self.where]} matches /{self.regex}/ → {self.task_type} (rule {self.id}{origin})"
        if self.pattern:   # a long one is named by its rule's reason (the pattern is in the rules file)
            return f"{WHERE_LABEL[self.where]}: {self.reason} → {self.task_type} (rule {self.id}{origin})"
        return f"{self.reason} → {self.task_type} (rule {self.id}{origin})"


@dataclass
class ClassifySettings:
    """Everything the classifier needs from the shipped rules and the client's routekit.yaml."""

    rules: list[Rule]
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)   # kind -> {client's name: task type}
    task_types: list[str] = field(default_factory=list)
    learned: bool = True
    min_probability: float = DEFAULT_MIN_PROBABILITY
    source: str = CONFIG_NAME
    # where: instruction: the patterns of an opening and a closing request (shipped macros, expanded and folded)
    instruction: tuple[str, str] | None = None

    def fingerprint(self) -> str:
        data = {"rules": [r.__dict__ for r in self.rules], "mappings": self.mappings, "learned": self.learned,
                "min_probability": self.min_probability, "instruction": self.instruction}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _expect(cond: bool, path: Path | str | None, key: str, what: str) -> None:
    if not cond:
        raise ConfigError(f"{path or CONFIG_NAME}: {key}: {what}")


@lru_cache(maxsize=1)
def _default_rules_raw() -> dict:
    text = resources.files("routekit").joinpath("data", "task_rules.yaml").read_text(encoding="utf-8")
    return load_yaml(text)


_re2 = None


def _check_regexes(checks: list[tuple[str, Any, str]]) -> None:
    """RE2 (DuckDB's regex engine), not Python's: look-around and back-references are refused here, by name.
    checks: (pattern, file, key). All are compiled in one query (one per pattern cost 0.2 s for the shipped rules
    in every process that loads them); only when one fails are they compiled one by one, to name it."""
    global _re2
    if _re2 is None:
        _re2 = duckdb.connect()
    try:
        _re2.execute("SELECT count(regexp_matches('', p)) FROM unnest($p::VARCHAR[]) AS t(p)",
                     {"p": [c[0] for c in checks]}).fetchone()
        return
    except duckdb.Error:
        pass
    for pattern, path, key in checks:
        try:
            _re2.execute("SELECT regexp_matches('', $p)", {"p": pattern}).fetchone()
        except duckdb.Error as exc:
            msg = str(exc).split("Error: ", 1)[-1]
            raise ConfigError(f"{path}: {key}: not a valid RE2 regular expression ({msg}): {pattern!r}") from None
    # each compiled on its own: valid (the joint query failed for another reason)


def _expand(pattern: str, macros: dict[str, str], path, key: str) -> str:
    """Replace {{name}} by the macro's text, macros inside macros included (up to a few levels)."""
    def sub(m: re.Match) -> str:
        _expect(m.group(1) in macros, path, key, f"unknown macro {{{{{m.group(1)}}}}}; known: "
                + ", ".join(sorted(macros)))
        return f"(?:{macros[m.group(1)]})"   # a macro is one unit, whatever alternation it holds
    for _ in range(5):
        if not _MACRO.search(pattern):
            return pattern
        pattern = _MACRO.sub(sub, pattern)
    _expect(False, path, key, "macros nest more than 5 levels deep (a macro that uses itself?)")
    return pattern


def _fold_case(pattern: str) -> str:
    """Lower-case a pattern's literal letters (escapes such as \\W, \\S, \\p{Lu}, \\x{41} kept) so it matches the
    lower-cased text the way a case-insensitive pattern would. Matching lower-cased text without RE2's case-folding
    keeps unions of patterns small enough for RE2's DFA (case-folded, the same union ran 15x slower)."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt in "pPx" and pattern[i + 2:i + 3] == "{":
                end = pattern.find("}", i)
                end = len(pattern) - 1 if end < 0 else end
                out.append(pattern[i:end + 1])
                i = end + 1
                continue
            out.append(pattern[i:i + 2])
            i += 2
            continue
        out.append(ch.lower())
        i += 1
    return "".join(out)


def _parse_rule(spec: dict, path, key: str, task_types: list[str], macros: dict[str, str], source: str,
                checks: list[tuple[str, Any, str]]) -> Rule:
    """One rule; its patterns are appended to ``checks`` for _check_regexes."""
    known_keys(spec, tuple(sorted(RULE_KEYS)), path, key)
    rule_id = spec.get("id")
    _expect(isinstance(rule_id, str) and rule_id.strip() != "", path, f"{key}.id", "expected a name")
    task = spec.get("task_type")
    _expect(task in task_types, path, f"{key}.task_type",
            f"unknown task type {task!r}; {did_you_mean(str(task), task_types)}known: {', '.join(task_types)} "
            "(add yours under classify.task_types)")
    conf = spec.get("confidence", 0.8)
    _expect(isinstance(conf, (int, float)) and not isinstance(conf, bool) and 0 <= conf <= 1, path,
            f"{key}.confidence", f"expected a number between 0 and 1, got {conf!r}")
    regex, unless, where = spec.get("regex"), spec.get("unless"), spec.get("where")
    when = spec.get("when") or {}
    _expect(isinstance(when, dict), path, f"{key}.when", "expected a mapping of conditions")
    for cond, value in when.items():
        _expect(cond in CONDITIONS, path, f"{key}.when.{cond}",
                f"unknown condition; {did_you_mean(str(cond), CONDITIONS)}known: {', '.join(CONDITIONS)}")
        kind = CONDITIONS[cond]
        ok = isinstance(value, bool) if kind is bool else isinstance(value, int) and not isinstance(value, bool)
        _expect(ok, path, f"{key}.when.{cond}", f"expected {'true or false' if kind is bool else 'a whole number'}")
    _expect(regex is not None or when, path, key, "a rule needs a regex, a when, or both")
    pattern = unless_pattern = None
    if regex is not None:
        _expect(isinstance(regex, str) and regex != "", path, f"{key}.regex", "expected a regular expression")
        _expect(where in WHERE, path, f"{key}.where", f"expected one of {', '.join(WHERE)}, got {where!r}")
        pattern = _fold_case(_expand(regex, macros, path, f"{key}.regex"))
        checks.append((pattern, path, f"{key}.regex"))
    if unless is not None:
        _expect(regex is not None, path, f"{key}.unless", "needs a regex (it vetoes that regex's matches)")
        _expect(isinstance(unless, str) and unless != "", path, f"{key}.unless", "expected a regular expression")
        unless_pattern = _fold_case(_expand(unless, macros, path, f"{key}.unless"))
        checks.append((unless_pattern, path, f"{key}.unless"))
    reason = spec.get("reason") or (f"{WHERE_LABEL[where]} pattern" if regex else "structural signal")
    _expect(isinstance(reason, str), path, f"{key}.reason", "expected text")
    return Rule(id=rule_id.strip(), task_type=task, confidence=float(conf), reason=reason.strip(), where=where,
                regex=regex, pattern=pattern, unless=unless_pattern,
                when=tuple(sorted(when.items())), source=source)


def default_settings() -> ClassifySettings:
    return parse_classify(None, None)


def parse_classify(section: Any, path: Path | None) -> ClassifySettings:
    """The shipped rules merged with a client's `classify:` section (None: the defaults alone).

    A client rule whose id names a default rule replaces that rule's keys in place (``enabled: false`` drops it);
    a client rule with a new id is evaluated before every default rule. Errors name the file and the key.
    """
    shipped = _default_rules_raw()
    where_from = path or CONFIG_NAME
    section = {} if section is None else section
    _expect(isinstance(section, dict), where_from, "classify",
            "expected a mapping (rules, mappings, task_types, learned)")
    known_keys(section, tuple(sorted(CLASSIFY_KEYS)), where_from, "classify")

    extra = section.get("task_types") or []
    _expect(isinstance(extra, list) and all(isinstance(t, str) and re.fullmatch(r"[a-z][a-z0-9_]*", t) for t in extra),
            where_from, "classify.task_types", "expected a list of lower-case names (letters, digits, _)")
    task_types = list(shipped["task_types"]) + [t for t in extra if t not in shipped["task_types"]]
    macros = dict(shipped.get("macros") or {})

    specs: list[tuple[dict, str, str]] = [(dict(r), DEFAULT_RULES_NAME, f"rules[{i}]")
                                          for i, r in enumerate(shipped["rules"])]
    client_rules = section.get("rules") or []
    _expect(isinstance(client_rules, list), where_from, "classify.rules", "expected a list of rules")
    ids = {s["id"]: n for n, (s, _, _) in enumerate(specs)}
    added: list[tuple[dict, str, str]] = []
    for i, spec in enumerate(client_rules):
        key = f"classify.rules[{i}]"
        _expect(isinstance(spec, dict), where_from, key, "expected a mapping (id, task_type, where, regex, ...)")
        spec = dict(spec)
        if "enabled" in spec:
            _expect(isinstance(spec["enabled"], bool), where_from, f"{key}.enabled", "expected true or false")
        rule_id = spec.setdefault("id", f"client-{i + 1}")
        if rule_id in ids:
            base, _, _ = specs[ids[rule_id]]
            if "regex" in spec and "where" not in spec:
                spec["where"] = base.get("where")
            specs[ids[rule_id]] = ({**base, **spec}, str(where_from), key)
        else:
            # without a task type it can only be meant to change a shipped rule: a misspelt id would leave that rule
            # as it was (`{id: open-sumarize, enabled: false}` kept open-summarize on) without a word
            _expect("task_type" in spec, where_from, f"{key}.id",
                    f"no shipped rule {rule_id!r}; {did_you_mean(str(rule_id), ids)}a new rule needs a task_type "
                    "and a regex or a when")
            added.append((spec, str(where_from), key))
    rules, checks = [], []
    instruction = tuple(_fold_case(_expand(macros[m], macros, DEFAULT_RULES_NAME, f"macros.{m}"))
                        for m in ("instruction", "closing_instruction"))
    checks += [(pattern, DEFAULT_RULES_NAME, "macros.instruction") for pattern in instruction]
    for spec, origin, key in added + specs:
        if spec.get("enabled", True) is False:
            continue
        source = "default rules" if origin == DEFAULT_RULES_NAME else CONFIG_NAME
        rules.append(_parse_rule(spec, origin, key, task_types, macros, source, checks))
    _check_regexes(checks)
    seen = set()
    for r in rules:
        _expect(r.id not in seen, where_from, "classify.rules", f"rule id {r.id!r} is used twice")
        seen.add(r.id)

    mappings_raw = section.get("mappings") or {}
    _expect(isinstance(mappings_raw, dict), where_from, "classify.mappings",
            f"expected a mapping of kinds ({', '.join(CALL_MAPPING_KINDS)}) to {{name: task type}}")
    mappings: dict[str, dict[str, str]] = {}
    for kind, entries in mappings_raw.items():
        _expect(kind in CALL_MAPPING_KINDS, where_from, f"classify.mappings.{kind}",
                f"unknown kind; {did_you_mean(str(kind), CALL_MAPPING_KINDS)}known: {', '.join(CALL_MAPPING_KINDS)}")
        entries = entries or {}
        _expect(isinstance(entries, dict), where_from, f"classify.mappings.{kind}",
                "expected a mapping of the client's names to task types")
        clean = {}
        for name, task in entries.items():
            _expect(task in task_types, where_from, f"classify.mappings.{kind}.{name}",
                    f"unknown task type {task!r}; {did_you_mean(str(task), task_types)}known: "
                    f"{', '.join(task_types)}")
            clean[str(name)] = task
        mappings[kind] = clean

    learned = section.get("learned") or {}
    _expect(isinstance(learned, dict), where_from, "classify.learned", "expected a mapping (enabled, min_probability)")
    known_keys(learned, LEARNED_KEYS, where_from, "classify.learned")
    enabled = learned.get("enabled", True)
    _expect(isinstance(enabled, bool), where_from, "classify.learned.enabled", "expected true or false")
    min_p = learned.get("min_probability", DEFAULT_MIN_PROBABILITY)
    _expect(isinstance(min_p, (int, float)) and not isinstance(min_p, bool) and 0 <= min_p <= 1, where_from,
            "classify.learned.min_probability", f"expected a number between 0 and 1, got {min_p!r}")
    return ClassifySettings(rules=rules, mappings=mappings, task_types=task_types, learned=enabled,
                            min_probability=float(min_p), source=str(where_from), instruction=instruction)


def settings_for(config) -> ClassifySettings:
    """The classify settings of a loaded ClientConfig (the defaults when it has none)."""
    settings = getattr(config, "classify", None) if config is not None else None
    return settings if settings is not None else default_settings()


# -- compiling the rules into one SQL expression -------------------------------------------------------------------
@dataclass
class Compiled:
    expression: str                   # the outcome expression (columns and $parameters only)
    params: dict[str, Any]
    outcomes: list[dict]              # index i+1 in SQL -> {task, reason, confidence, kind, rule}


def _condition_sql(name: str, value, params: dict, pname: str) -> str:
    if name == "min_messages":
        params[pname] = value
        return f"coalesce(n_messages, 0) >= ${pname}"
    if name == "max_messages":
        params[pname] = value
        return f"coalesce(n_messages, 0) <= ${pname}"
    signal = CONDITION_SQL.get(name, name)
    return signal if value else f"NOT {signal}"


def _match_sql(where: str, pname: str) -> str:
    if where == "instruction":
        # The pattern must match the message and, when the message is a request plus material, the request itself
        # (the opening line or the closing paragraph; '' where there is none). The CASE matters: DuckDB evaluates
        # every operand of an AND on every row, and finding the request costs some 15 µs a call, so only the calls
        # whose message holds the cue (few) look for it.
        return (f"CASE WHEN coalesce(regexp_matches(usr, ${pname}), false) THEN regexp_matches(coalesce(nullif("
                f"regexp_extract(usr, $instruction_open), ''), nullif(regexp_extract(usr, $instruction_close), ''), "
                f"usr), ${pname}) ELSE false END")
    parts = [f"coalesce(regexp_matches({col}, ${pname}), false)" for col in WHERE[where]]
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def _guard_chars(atoms) -> int:
    return len(literal_alternation(atoms))


def _guard_sql(where: str, pname: str, atoms) -> str:
    # A guard whose every atom holds a character beyond ASCII (the cjk-* rules' words) cannot match an ASCII text,
    # and most traffic is ASCII: comparing the text's bytes with its characters rules those calls out for less than
    # the literal scan. (The cjk-* rules' two guards on every call reaching them cost 15 % of the classification at
    # 10 M calls without it.)
    beyond_ascii = all(any(ord(c) > 127 for c in a) for a in atoms)
    return " OR ".join(f"(strlen({col}) <> length({col}) AND regexp_matches({col}, ${pname}))" if beyond_ascii
                       else f"regexp_matches({col}, ${pname})" for col in WHERE[where])


def compile_rules(settings: ClassifySettings, *, guards: bool = True) -> Compiled:
    """The outcome expression. With `guards`, runs of 2 to GUARD_GROUP consecutive rules on the same text whose
    patterns all have literal atoms (routekit/prefilter.py) sit behind one test of those atoms: a call holding none
    of them skips the whole run, and the outcome is the same (tests/test_classify.py compares both ways)."""
    params: dict[str, Any] = {"tool_finish_re": TOOL_FINISH_RE, "code_re": CODE_LIKE_RE}
    if any(r.where == "instruction" for r in settings.rules):
        params["instruction_open"], params["instruction_close"] = settings.instruction
    outcomes: list[dict] = []
    # The expression is a chain of segments, coalesce(seg1, seg2, ...): each a CASE over its rules in order, NULL
    # where none decides. DuckDB evaluates a coalesce argument only on the rows still NULL and a CASE's THEN only on
    # the rows its WHEN selected, so a guarded segment, CASE WHEN <atoms> THEN CASE <rules> END END, costs a call
    # that reaches it one literal scan, plus its rules only if an atom is there. Segments: [guard key, atoms, WHENs].
    segments: list[list] = [[None, None, []]]

    # Mappings: one list lookup per kind, in precedence order; their outcomes come first in the outcome list.
    for kind, column in CALL_MAPPING_KINDS.items():
        entries = settings.mappings.get(kind) or {}
        if not entries:
            continue
        keys = list(entries)
        base = len(outcomes)
        label = kind.replace("_", " ")
        outcomes += [{"task": task, "reason": f"{label} '{name}' → {task} ({settings.source})", "confidence": 0.95,
                      "kind": "mapping", "rule": f"{kind}:{name}"} for name, task in entries.items()]
        params[f"m_{kind}"] = keys
        if column == "tags":
            pos = f"list_min(list_transform(tags, lambda t: list_position($m_{kind}, t)))"
        else:
            pos = f"list_position($m_{kind}, {column})"
        segments[-1][2].append(f"WHEN {pos} IS NOT NULL THEN {base} + {pos}")

    # Rules, in order: one WHEN each. (One alternation of whole patterns as a pre-filter was measured and dropped:
    # RE2's DFA for a union of dozens of these patterns outgrows its memory budget and falls back to the NFA, so it
    # ran 1-5x SLOWER than the rules one by one. The guards are alternations of plain literals, which RE2 scans in
    # one pass: a guard costs about two thirds of one rule.)
    for n, r in enumerate(settings.rules):
        parts = []
        if r.pattern:
            params[f"r{n}"] = r.pattern
            parts.append(_match_sql(r.where, f"r{n}"))
        if r.unless:
            params[f"u{n}"] = r.unless
            parts.append(f"NOT {_match_sql(r.where, f'u{n}')}")
        for c, (name, value) in enumerate(r.when):
            parts.append(_condition_sql(name, value, params, f"n{n}_{c}"))
        outcomes.append({"task": r.task_type, "reason": r.describe(), "confidence": r.confidence,
                         "kind": r.kind, "rule": r.id})
        branch = f"WHEN {' AND '.join(parts)} THEN {len(outcomes)}"
        atoms = required_atoms(r.pattern) if (guards and r.pattern) else None
        if atoms is not None and _guard_chars(atoms) > GUARD_MAX_CHARS:
            atoms = None
        last = segments[-1]
        if atoms is None:
            if last[0] is not None:
                segments.append(last := [None, None, []])
        elif (last[0] is None or WHERE[last[0]] != WHERE[r.where] or len(last[2]) >= GUARD_GROUP
              or _guard_chars(last[1] | atoms) > GUARD_MAX_CHARS):
            segments.append(last := [r.where, set(atoms), []])
        else:
            last[1] |= atoms
        last[2].append(branch)

    # Assemble: a run left unguarded (one rule measured slower behind its own guard) joins its unguarded neighbours.
    merged: list[tuple[str | None, list[str]]] = []
    for where, atoms, branches in segments:
        guard = None
        if where is not None and len(branches) > 1:
            guard = f"g{len(merged)}"
            params[guard] = literal_alternation(atoms)
            guard = _guard_sql(where, guard, atoms)
        if guard is None and merged and merged[-1][0] is None:
            merged[-1][1].extend(branches)
        elif branches:
            merged.append((guard, branches))
    cases = [f"CASE {' '.join(b)} END" if g is None else f"CASE WHEN {g} THEN CASE {' '.join(b)} END END"
             for g, b in merged]
    if not cases:
        expression = "CAST(NULL AS INTEGER)"
    else:
        expression = cases[0] if len(cases) == 1 else "coalesce(" + ", ".join(cases) + ")"
    return Compiled(expression, params, outcomes)


# -- running the classifier ---------------------------------------------------------------------------------------
@dataclass
class ClassifyInfo:
    calls: int = 0
    seconds: float = 0.0
    skipped: bool = False             # nothing changed since the last run: call_task_types was kept
    learned_model: str | None = None  # the model file applied, if any
    learned_calls: int = 0
    warnings: list[str] = field(default_factory=list)   # mappings that matched nothing (mapping_warnings)


def model_path(client_dir: Path | str) -> Path:
    return Path(client_dir) / MODEL_PATH


def _fingerprint(con: duckdb.DuckDBPyConnection, settings: ClassifySettings, model: Path | None) -> str:
    files = con.execute("SELECT string_agg(path || ':' || coalesce(sha256, ''), ',' ORDER BY path) "
                        "FROM ingested_files").fetchone()[0]
    n = con.execute("SELECT count(*) FROM calls").fetchone()[0]
    model_id = hashlib.sha256(model.read_bytes()).hexdigest() if model else ""
    sql = sql_text("intermediate/int_task_types.sql") + sql_text("intermediate/call_task_types.sql")
    return hashlib.sha256(f"{settings.fingerprint()}|{files}|{n}|{model_id}|{sql}".encode()).hexdigest()


def classify_calls(con: duckdb.DuckDBPyConnection, client_dir: Path | str | None = None,
                   settings: ClassifySettings | None = None, *, force: bool = False,
                   model: Path | str | None = None) -> ClassifyInfo:
    """(Re)write call_task_types and usage_task_types. Skipped when neither the rules, the model nor the data
    changed since the last run (classification is the costliest step of a build at millions of calls).

    model: the learned model file; by default CLIENT_DIR/.routekit/task_model.json when it exists.
    """
    start = time.perf_counter()
    settings = settings or default_settings()
    if model is None and client_dir is not None and model_path(client_dir).exists():
        model = model_path(client_dir)
    model = Path(model) if (model and settings.learned) else None
    info = ClassifyInfo(learned_model=str(model) if model else None)
    fingerprint = _fingerprint(con, settings, model)
    info.calls = con.execute("SELECT count(*) FROM calls").fetchone()[0]
    info.warnings = mapping_warnings(con, settings)   # on every run: a skipped one must not hide them
    current_columns = con.execute("""SELECT count(*) FROM duckdb_columns() WHERE table_name = 'call_task_types'
        AND column_name IN ('decided_by', '_key') AND NOT internal""").fetchone()[0] == 2
    if not force and stored_fingerprint(con, "classify_state") == fingerprint and current_columns:
        info.skipped = True
        info.seconds = time.perf_counter() - start
        return info
    store_fingerprint(con, "classify_state", None)   # until usage_task_types is written too

    compiled = compile_rules(settings)
    outcome_sql = sql_text("intermediate/int_task_types.sql").replace("/*OUTCOME*/", compiled.expression)
    ctt_sql = sql_text("intermediate/call_task_types.sql")
    # The learned model reads the rules' outcome twice (the calls left undecided, then the join), so it is kept in a
    # temp table; without a model the rules run inside call_task_types' one write (the temp table of 10 M outcomes
    # cost 3 s more). A view cannot hold the bound patterns, hence the subquery.
    if model is None:
        ctt_sql, ctt_params = ctt_sql.replace("FROM rk_task_outcome o", f"FROM ({outcome_sql}) o"), compiled.params
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE rk_task_outcome AS {outcome_sql}", compiled.params)
        ctt_params = {}
    con.execute("CREATE OR REPLACE TEMP TABLE rk_task_learned (rid BIGINT, task_type VARCHAR, probability DOUBLE)")
    model_name = None
    if model is not None:
        lm = LinearTaskModel.load(model)
        model_name = model.name
        lm.write_tables(con)
        con.execute("""CREATE OR REPLACE TEMP TABLE rk_learn_input AS
            SELECT c.rowid AS rid, c.system_prompt, c.user_prompt
            FROM calls c SEMI JOIN (SELECT rid FROM rk_task_outcome WHERE outcome IS NULL AND has_text) o
                ON c.rowid = o.rid""")
        con.execute(f"INSERT INTO rk_task_learned {sql_text('intermediate/int_task_learned.sql')}",
                    {"max_chars": MODEL_MAX_CHARS, "max_tokens": MODEL_MAX_TOKENS, "tokenizer": lm.tokenizer})
        for t in ("rk_learn_input", "rk_model_vocab", "rk_model_weights", "rk_model_classes"):
            con.execute(f"DROP TABLE IF EXISTS temp.{t}")
    o = compiled.outcomes
    con.execute(f"CREATE OR REPLACE TABLE call_task_types AS {ctt_sql}", {
        **ctt_params, "o_task": [x["task"] for x in o], "o_reason": [x["reason"] for x in o],
        "o_confidence": [float(x["confidence"]) for x in o], "o_kind": [x["kind"] for x in o],
        "o_rule": [x["rule"] for x in o], "min_probability": settings.min_probability,
        "model_name": model_name or "none"})
    if model is not None:
        info.learned_calls = con.execute(
            "SELECT count(*) FROM call_task_types WHERE decided_by = 'learned'").fetchone()[0]
    con.execute("DROP TABLE IF EXISTS temp.rk_task_outcome")
    con.execute("DROP TABLE temp.rk_task_learned")
    classify_usage(con, settings)
    store_fingerprint(con, "classify_state", fingerprint)
    info.seconds = time.perf_counter() - start
    return info


# The mapping kinds that also attribute aggregated usage rows (classify_usage, int_usage_task_types.sql): the calls'
# column of the same name, project or api_key, is the usage table's too.
USAGE_MAPPING_KINDS = ("project", "workspace", "api_key")


def _mapping_values_sql(kind: str) -> str:
    """The names a mapping kind is matched against: its calls column (CALL_MAPPING_KINDS; tags are lists, hence
    unnest), and the usage rows' for the kinds that attribute usage."""
    column = CALL_MAPPING_KINDS[kind]
    sql = f"SELECT {'unnest(tags)' if column == 'tags' else column} AS v FROM calls"
    return sql + (f" UNION ALL SELECT {column} AS v FROM usage" if kind in USAGE_MAPPING_KINDS else "")


def mapping_warnings(con: duckdb.DuckDBPyConnection, settings: ClassifySettings) -> list[str]:
    """One line per mapping name that no call (or usage row, for the kinds that attribute usage) carries: a misspelt
    name maps nothing and the calls it meant fall to the rules without a word, so it is named, with the closest
    name the data does carry (mappings match exactly, case included: `Ticket-Triage` is such a near miss)."""
    out = []
    for kind, entries in settings.mappings.items():
        if not entries:
            continue
        values = _mapping_values_sql(kind)
        keys = list(entries)
        found = {r[0] for r in con.execute(
            f"SELECT DISTINCT v FROM ({values}) WHERE list_contains($keys, v)", {"keys": keys}).fetchall()}
        missing = [k for k in keys if k not in found]
        if not missing:
            continue
        # the data's names, only when some mapping missed (an API-key column can hold many distinct values), each
        # with whether ingest's reject reasons would quote it (rk_quote): warnings reach reports and logs, and a
        # feature or tag column that slipped can hold prompt text
        known = dict(con.execute(f"SELECT DISTINCT v, rk_quote(v) = chr(39) || v || chr(39) FROM ({values}) "
                                 "WHERE v IS NOT NULL").fetchall())
        where = "call or usage row" if kind in USAGE_MAPPING_KINDS else "call"
        label = kind.replace("_", " ")
        for name in missing:
            close = difflib.get_close_matches(name, list(known), n=1)
            if not close:
                hint = ""
            elif kind == "api_key":   # never quoted: one character off a real key is the key
                hint = "; the data holds a key close to it (not shown: an API key may be a secret)"
            elif not known[close[0]]:
                hint = "; the data holds a name close to it (not shown: it may be prompt text)"
            else:
                hint = f"; {did_you_mean(name, close).strip()}"
            out.append(f"mapping {label} {name!r} matched no {where}{hint}")
    return out


def classify_usage(con: duckdb.DuckDBPyConnection, settings: ClassifySettings) -> None:
    """usage_task_types: each aggregated usage row's task type through project/workspace and API-key mappings."""
    params: dict[str, list] = {}
    # USAGE_MAPPING_KINDS: workspace is project's other name
    project = {**(settings.mappings.get("workspace") or {}), **(settings.mappings.get("project") or {})}
    for kind, entries in (("project", project), ("api_key", settings.mappings.get("api_key") or {})):
        label = "project" if kind == "project" else "API key"
        params[f"{kind}_keys"] = list(entries)
        params[f"{kind}_tasks"] = list(entries.values())
        params[f"{kind}_reasons"] = [f"{label} '{k}' → {t} ({settings.source})" for k, t in entries.items()]
    con.execute(f"CREATE OR REPLACE TABLE usage_task_types AS {sql_text('intermediate/int_usage_task_types.sql')}",
                params)


# -- the learned model ----------------------------------------------------------------------------------------------
_terms_con = None


def model_terms_many(texts: list[tuple[str | None, str | None]], tokenizer: str = "unicode") -> list[list[str]]:
    """The learned model's terms of each (system prompt, user prompt): the SQL macros int_task_learned.sql scores
    with, run by DuckDB here too, so training and scoring cannot tokenize differently (one query for all texts)."""
    global _terms_con
    if _terms_con is None:
        _terms_con = duckdb.connect()
        _terms_con.execute(sql_text("macros.sql"))
    if not texts:
        return []
    rows = _terms_con.execute("""
        SELECT rk_model_terms(u, s) FROM (
            SELECT i, rk_model_tokens($usr[i], $max_chars, $max_tokens, $tokenizer) AS u,
                   rk_model_tokens($sys[i], $max_chars, $max_tokens, $tokenizer) AS s
            FROM range(1, len($usr) + 1) r(i)) ORDER BY i""",
        {"usr": [u for _, u in texts], "sys": [s for s, _ in texts], "max_chars": MODEL_MAX_CHARS,
         "max_tokens": MODEL_MAX_TOKENS, "tokenizer": tokenizer}).fetchall()
    return [r[0] for r in rows]


def model_terms(system_prompt: str | None, user_prompt: str | None, tokenizer: str = "unicode") -> list[str]:
    """The learned model's terms of one call (model_terms_many)."""
    return model_terms_many([(system_prompt, user_prompt)], tokenizer)[0]


class TrainError(ValueError):
    """The labels cannot train a model; the message says why."""


@dataclass
class LinearTaskModel:
    """A TF-IDF + logistic regression model as plain numbers: portable JSON, no pickle to trust."""

    classes: list[str]
    intercepts: list[float]
    vocabulary: list[str]
    idf: list[float]
    weights: list[list[float]]        # per class, per vocabulary term
    meta: dict = field(default_factory=dict)
    tokenizer: str = "unicode"        # TOKENIZERS

    @classmethod
    def fit(cls, texts: list[tuple[str | None, str | None]], labels: list[str], *, c: float = 10.0,
            min_df: int = 2) -> "LinearTaskModel":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if len(set(labels)) < 2:
            raise TrainError(f"need labelled calls of at least two task types, got {sorted(set(labels))}")
        docs = model_terms_many(texts)
        vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=min(min_df, len(docs)))
        x = vec.fit_transform(docs)
        clf = LogisticRegression(C=c, max_iter=2000)
        clf.fit(x, labels)
        classes = [str(k) for k in clf.classes_]
        coef, intercept = clf.coef_, clf.intercept_
        if len(classes) == 2:   # scikit-learn keeps one row for two classes: softmax([0, z]) is its sigmoid(z)
            coef = [[0.0] * coef.shape[1], list(coef[0])]
            intercept = [0.0, float(intercept[0])]
        vocab = [""] * len(vec.vocabulary_)
        for term, j in vec.vocabulary_.items():
            vocab[j] = term
        return cls(classes=classes, intercepts=[float(b) for b in intercept], vocabulary=vocab,
                   idf=[float(v) for v in vec.idf_], weights=[[float(w) for w in row] for row in coef],
                   meta={"C": c, "min_df": min_df, "trained_on": len(docs)})

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"format": MODEL_FORMAT, "tokenizer": self.tokenizer, "meta": self.meta, "classes": self.classes,
               "intercepts": self.intercepts,
               "vocabulary": self.vocabulary, "idf": [float(f"{v:.9g}") for v in self.idf],
               "weights": [[float(f"{w:.9g}") for w in row] for row in self.weights]}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "LinearTaskModel":
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
            if doc.get("format") != MODEL_FORMAT:
                raise ValueError(f"format is {doc.get('format')!r}, expected {MODEL_FORMAT!r}")
            tokenizer = doc.get("tokenizer", "ascii")   # files naming none were trained on [a-z0-9] words
            if tokenizer not in TOKENIZERS:
                raise ValueError(f"tokenizer is {tokenizer!r}, expected one of {', '.join(TOKENIZERS)}")
            return cls(doc["classes"], doc["intercepts"], doc["vocabulary"], doc["idf"], doc["weights"],
                       doc.get("meta") or {}, tokenizer)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: not a usable task model ({exc}); retrain with routekit classify --train")

    def write_tables(self, con: duckdb.DuckDBPyConnection) -> None:
        import pandas as pd

        vocab = pd.DataFrame({"term": self.vocabulary, "idf": self.idf})
        n = len(self.vocabulary)
        weights = pd.DataFrame({
            "term": self.vocabulary * len(self.classes),
            "class_idx": [k for k in range(len(self.classes)) for _ in range(n)],
            "weight": [w for row in self.weights for w in row]})
        weights = weights[weights["weight"] != 0]
        classes = pd.DataFrame({"class_idx": range(len(self.classes)), "task_type": self.classes,
                                "intercept": self.intercepts})
        for name, df in (("rk_model_vocab", vocab), ("rk_model_weights", weights), ("rk_model_classes", classes)):
            con.register("rk_df", df)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM rk_df")
            con.unregister("rk_df")

    def predict(self, texts: list[tuple[str | None, str | None]]) -> list[tuple[str, float]]:
        """Pure-Python scoring of a few calls (tests and checks; bulk scoring is SQL)."""
        import math

        index = {t: j for j, t in enumerate(self.vocabulary)}
        out = []
        for terms in model_terms_many(texts, self.tokenizer):
            counts: dict[int, int] = {}
            for term in terms:
                if term in index:
                    counts[index[term]] = counts.get(index[term], 0) + 1
            x = {j: (1 + math.log(n)) * self.idf[j] for j, n in counts.items()}
            norm = math.sqrt(sum(v * v for v in x.values())) or 1.0
            z = [sum(v * self.weights[k][j] for j, v in x.items()) / norm + self.intercepts[k]
                 for k in range(len(self.classes))]
            zmax = max(z)
            total = sum(math.exp(v - zmax) for v in z)
            best = max(range(len(z)), key=z.__getitem__)
            out.append((self.classes[best], 1.0 / total))
        return out


def read_labels(path: Path | str, task_types: list[str] | None = None) -> list[tuple[str, str]]:
    """A labels CSV with columns request_id and task_type (others ignored), one label per request id.

    Every row either gives a label or is refused with the file, line and reason: a label quietly dropped or
    misread would move the reported accuracy without a word. Refused: a file that is not UTF-8 (an Excel save as
    Windows-1252), a quote left open, a row with one of the two cells empty, a task type the client does not have
    (``task_types``; ``Summarization`` for ``summarization`` too), and a request id labelled twice with different
    task types (the same label twice counts once). Wholly empty rows are skipped."""

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such labels file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise TrainError(f"{path}: line {line}: not UTF-8 text (an Excel save as Windows-1252?); save it as "
                         "\"CSV UTF-8\"") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        fields = reader.fieldnames or []
        missing = {"request_id", "task_type"} - set(fields)
        if missing:
            raise TrainError(f"{path}: expected columns request_id and task_type; missing {', '.join(sorted(missing))}")
        seen: dict[str, tuple[str, int]] = {}
        last = reader.line_num   # the last line read whole: a quote left open starts after it
        for r in reader:
            line, last = reader.line_num, reader.line_num
            rid, task = (r.get("request_id") or "").strip(), (r.get("task_type") or "").strip()
            if not rid and not task:
                continue
            if not rid or not task:
                raise TrainError(f"{path}: line {line}: {'request_id' if not rid else 'task_type'} is empty")
            if "\n" in rid or "\n" in task:
                raise TrainError(f"{path}: line {line}: a quote opened here is closed lines later; check the quoting")
            if task_types is not None and task not in task_types:
                raise TrainError(f"{path}: line {line}: unknown task type {task!r}; "
                                 f"{did_you_mean(task, task_types)}known: {', '.join(task_types)}")
            if rid in seen and seen[rid][0] != task:
                raise TrainError(f"{path}: line {line}: request {rid} is labelled {task}, but line {seen[rid][1]} "
                                 f"labels it {seen[rid][0]}")
            seen.setdefault(rid, (task, line))
    except csv.Error as exc:
        raise TrainError(f"{path}: line {last + 1}: a quote opened here is never closed ({exc})") from None
    if not seen:
        raise TrainError(f"{path}: no labels: expected a row per request with its request_id and task_type")
    return [(rid, task) for rid, (task, _) in seen.items()]


def _load_labels_table(con: duckdb.DuckDBPyConnection, labels: list[tuple[str, str]]) -> None:
    import pandas as pd

    df = pd.DataFrame(labels, columns=["request_id", "task_type"]).drop_duplicates("request_id", keep="last")
    con.register("rk_labels_df", df)
    con.execute("CREATE OR REPLACE TEMP TABLE rk_labels AS SELECT * FROM rk_labels_df")
    con.unregister("rk_labels_df")


def train(con: duckdb.DuckDBPyConnection, labels_path: Path | str, out: Path, *,
          task_types: list[str] | None = None) -> dict:
    """Fit the learned model on the calls whose request_id is labelled, report a held-out accuracy (a stratified
    fifth of the labelled calls, fitted on the rest), then refit on all of them and save to ``out``."""
    labels = read_labels(labels_path, task_types)
    _load_labels_table(con, labels)
    rows = con.execute("""
        SELECT c.system_prompt, c.user_prompt, l.task_type FROM calls c JOIN rk_labels l USING (request_id)
        WHERE rk_has_text(c.user_prompt) OR rk_has_text(c.system_prompt)
        ORDER BY c._source_file, c._source_row""").fetchall()
    matched = con.execute("SELECT count(DISTINCT request_id) FROM calls SEMI JOIN rk_labels USING (request_id)"
                          ).fetchone()[0]
    con.execute("DROP TABLE temp.rk_labels")
    if len(rows) < 10:
        raise TrainError(f"{labels_path}: only {len(rows)} labelled calls with prompt text in the logs "
                         f"({len(labels)} labels); need at least 10")
    texts = [(s, u) for s, u, _ in rows]
    y = [t for _, _, t in rows]
    holdout = None
    counts = {t: y.count(t) for t in set(y)}
    if len(rows) >= 50 and min(counts.values()) >= 2:
        from sklearn.model_selection import train_test_split

        tr, te = train_test_split(range(len(rows)), test_size=0.2, random_state=0, stratify=y)
        m = LinearTaskModel.fit([texts[i] for i in tr], [y[i] for i in tr])
        pred = m.predict([texts[i] for i in te])
        holdout = sum(p == y[i] for (p, _), i in zip(pred, te)) / len(te)
    model = LinearTaskModel.fit(texts, y)
    model.meta.update({"labels_file": Path(labels_path).name, "holdout_accuracy": holdout})
    model.save(out)
    return {"model": str(out), "labels": len(labels), "labels_matched": matched, "trained_on": len(rows),
            "classes": model.classes, "vocabulary": len(model.vocabulary), "holdout_accuracy": holdout}


# -- reports ----------------------------------------------------------------------------------------------------------
def report(con: duckdb.DuckDBPyConnection, *, labels: list[tuple[str, str]] | None = None) -> dict:
    """Requests, tokens and cost per task type and segment, who decided, usage attribution and (with labels) the
    evaluation. Reads int_calls / int_usage of a built database (engine.open_built)."""
    from routekit.engine import table_records

    total = con.execute("SELECT count(*), sum(cost_usd) FROM int_calls").fetchone()
    task_types = table_records(con, """
        SELECT task_type, count(*) AS requests, count(*) / nullif(sum(count(*)) OVER (), 0) AS share,
               sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
               sum(cost_usd) AS cost_usd, sum(cost_usd) / nullif(sum(sum(cost_usd)) OVER (), 0) AS cost_share,
               count(*) FILTER (cost_usd IS NULL) AS unpriced_requests
        FROM int_calls GROUP BY task_type ORDER BY cost_usd DESC NULLS LAST, requests DESC, task_type""")
    segments = table_records(con, """
        SELECT task_type, len_in, len_out, count(*) AS requests, sum(input_tokens) AS input_tokens,
               sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd
        FROM int_calls GROUP BY ALL ORDER BY task_type, min(input_tokens), min(output_tokens), len_in, len_out""")
    rules = table_records(con, """
        SELECT coalesce(t.decided_by, 'abstained') AS decided_by, t.rule, i.task_type, count(*) AS requests
        FROM int_calls i LEFT JOIN call_task_types t USING (_source_file, _source_row)
        GROUP BY ALL ORDER BY requests DESC, rule""")
    # who decided, summed from the rules' counts: a second join of every call with its task row took as long again
    decided: dict[str, int] = {}
    for r in rules:
        decided[r["decided_by"]] = decided.get(r["decided_by"], 0) + r["requests"]
    n = total[0] or 0
    decided_by = {k: (decided.get(k, 0) / n if n else None) for k in DECIDED_BY}
    result = {"requests": n, "cost_usd": float(round(total[1], 2)) if total[1] is not None else None,
              "task_types": task_types, "segments": segments, "decided_by": decided_by,
              "decided_by_requests": {k: decided.get(k, 0) for k in DECIDED_BY}, "rules": rules,
              "usage_attribution": usage_attribution(con)}
    if labels is not None:
        result["eval"] = evaluate(con, labels)
    return result


def usage_attribution(con: duckdb.DuckDBPyConnection) -> dict:
    """How much of the aggregated usage spend the mappings attribute to a task type, and what stays unattributed."""
    from routekit.engine import table_records

    row = con.execute("""
        SELECT count(*), sum(u.cost_usd), sum(u.cost_usd) FILTER (t.task_type IS NOT NULL),
               count(*) FILTER (u.cost_usd IS NULL), sum(u.requests), sum(u.requests) FILTER (t.task_type IS NOT NULL)
        FROM int_usage u LEFT JOIN usage_task_types t USING (_source_file, _source_row)""").fetchone()
    rows, cost, attributed, unpriced, requests, attributed_requests = row
    cost = float(cost or 0)
    attributed = float(attributed or 0)
    by_task = table_records(con, """
        SELECT t.task_type, count(*) AS usage_rows, sum(u.requests) AS requests, sum(u.cost_usd) AS cost_usd
        FROM int_usage u JOIN usage_task_types t USING (_source_file, _source_row)
        WHERE t.task_type IS NOT NULL GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST""")
    unattributed = table_records(con, """
        SELECT u.provider, u.project, u.api_key, count(*) AS usage_rows, sum(u.requests) AS requests,
               sum(u.cost_usd) AS cost_usd
        FROM int_usage u JOIN usage_task_types t USING (_source_file, _source_row)
        WHERE t.task_type IS NULL GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST""")
    return {"usage_rows": rows, "cost_usd": round(cost, 2), "attributed_cost_usd": round(attributed, 2),
            "unattributed_cost_usd": round(cost - attributed, 2),
            "attributed_share": (attributed / cost) if cost else None,
            "unattributed_share": ((cost - attributed) / cost) if cost else None,
            "unpriced_rows": unpriced, "by_task_type": by_task, "unattributed": unattributed}


def metrics(pairs: list[tuple[str, str]]) -> dict:
    """Accuracy, per-class precision / recall / F1 / support and the confusion matrix of (true, predicted) pairs.

    A class never predicted has precision None (undefined, not 0); one never true has recall None.
    confusion[true][predicted] = count.
    """
    classes = sorted({t for t, _ in pairs} | {p for _, p in pairs})
    confusion = {t: {p: 0 for p in classes} for t in classes}
    for t, p in pairs:
        confusion[t][p] += 1
    n = len(pairs)
    per_class = {}
    for c in classes:
        tp = confusion[c][c]
        predicted = sum(confusion[t][c] for t in classes)
        actual = sum(confusion[c].values())
        precision = tp / predicted if predicted else None
        recall = tp / actual if actual else None
        f1 = (2 * precision * recall / (precision + recall)) if precision and recall else (
            0.0 if precision is not None and recall is not None else None)
        per_class[c] = {"precision": precision, "recall": recall, "f1": f1, "support": actual,
                        "predicted": predicted}
    return {"n": n, "accuracy": (sum(confusion[c][c] for c in classes) / n) if n else None,
            "per_class": per_class, "confusion": confusion, "classes": classes}


def evaluate(con: duckdb.DuckDBPyConnection, labels: list[tuple[str, str]]) -> dict:
    """The classifier's task types (int_calls') against labelled request ids."""
    _load_labels_table(con, labels)
    pairs = con.execute("""SELECT l.task_type, i.task_type
                           FROM calls c JOIN rk_labels l USING (request_id)
                           JOIN int_calls i USING (_source_file, _source_row)
                           ORDER BY i._source_file, i._source_row""").fetchall()
    matched_labels = con.execute("SELECT count(*) FROM rk_labels SEMI JOIN calls USING (request_id)").fetchone()[0]
    n_labels = con.execute("SELECT count(*) FROM rk_labels").fetchone()[0]
    con.execute("DROP TABLE temp.rk_labels")
    result = metrics(pairs)
    result.update({"labels": n_labels, "labels_matched": matched_labels, "labels_unmatched": n_labels - matched_labels,
                   "note": None})
    if not matched_labels:
        # Empty tables would read as a classifier that got nothing right; the usual cause is ids from elsewhere
        # (row numbers, another gateway's ids), so say what a label is matched on.
        result["note"] = (f"none of the {n_labels:,} labels matched a logged call (a label matches a call by its "
                          "request_id, the id the export carries; check that the ids come from this client's logs)")
    return result

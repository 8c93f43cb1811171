"""Traffic classification: client mappings, structural and keyword rules, the learned model, abstention, usage
attribution, evaluation, the `routekit classify` command, and accuracy on the sample clients and a held-out set."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import run_cli, sample_client, write_files
from routekit.classify import (
    LinearTaskModel, classify_calls, compile_rules, default_settings, metrics, parse_classify, usage_attribution,
)
from routekit.config import ConfigError, load_config, parse_config
from routekit.db import connect
from routekit.engine import INPUT_BUCKETS, OUTPUT_BUCKETS, bucket_labels, length_buckets

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ["brightside_agency", "globex_devtools", "northwind_support"]
HELDOUT = ROOT / "tests" / "data" / "heldout_prompts.csv"
# Realistic prompts labelled by hand before the classifier saw them; 32 are an instruction of one task type followed
# (or preceded) by pasted material carrying another type's cue words, in seven languages.
INSTRUCTED = ROOT / "tests" / "data" / "instruction_vs_material_prompts.csv"
# Chinese, Japanese and Korean prompts, each set labelled by hand before the rules ran on it: the first two shaped the
# cjk-* rules (43 written before the rules, 24 after their first draft, then the rules were broadened); the third
# (cjk_fresh2) was written after the rules were final and run once (9/24), then its misses widened the rules'
# vocabulary; the fourth (cjk_fresh3) was written before that widening and run once after it: 28/30 (24/30 with the
# rules before). It was written by the rules' author, in the commonest wording, so it flatters them: cjk_fresh2's 9/24
# is the harder figure.
CJK_SETS = {name: ROOT / "tests" / "data" / f"{name}.csv" for name in ("cjk_prompts", "cjk_fresh_prompts",
                                                                          "cjk_fresh2_prompts", "cjk_fresh3_prompts")}


# -- helpers -----------------------------------------------------------------------------------------------------------
def calls_db(path: Path, rows: list[dict]) -> duckdb.DuckDBPyConnection:
    """A client database whose `calls` holds these rows (only the columns the classifier reads)."""
    con = connect(path)
    for i, row in enumerate(rows):
        row = {"request_id": f"r{i}", "_format": "test", "_source_file": "calls.csv", "_source_row": f"row {i}",
               **row}
        cols = ", ".join(row)
        con.execute(f"INSERT INTO calls ({cols}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    return con


def decisions(con) -> dict[str, tuple]:
    """request_id -> (task_type, decided_by, rule, reason, confidence)."""
    return {r[0]: r[1:] for r in con.execute("""
        SELECT c.request_id, t.task_type, t.decided_by, t.rule, t.reason, t.confidence
        FROM calls c JOIN call_task_types t USING (_source_file, _source_row)""").fetchall()}


def settings(section: dict | None = None):
    return parse_classify(section, None)


# -- each kind of decision ---------------------------------------------------------------------------------------------
def test_mapping_structure_keyword_and_abstain(tmp_path):
    con = calls_db(tmp_path / "c.duckdb", [
        {"feature": "email-draft", "user_prompt": "Summarize this thread in 3 bullets."},          # r0 mapping
        {"user_prompt": "Summarize this thread in 3 bullets."},                                   # r1 keyword
        {"has_tools": True, "user_prompt": "Summarize this thread in 3 bullets."},                # r2 structure
        {"json_mode": True, "user_prompt": "Acme Corp, 12 Baker St, 2024-03-01"},                 # r3 structure
        {"user_prompt": "zorblax frobnicate the wibble"},                                         # r4 abstains
        {"project": "ops"},                                                                        # r5 no text
        {"tags": ["team:ops", "feature:leads"], "user_prompt": "zorblax"},                        # r6 tag mapping
        {"api_key": "key-7", "user_prompt": "zorblax"},                                           # r7 key mapping
    ])
    s = settings({"mappings": {"feature": {"email-draft": "drafting"}, "tag": {"feature:leads": "extraction"},
                               "api_key": {"key-7": "qa"}}})
    classify_calls(con, None, s, force=True)
    d = decisions(con)
    assert d["r0"][:3] == ("drafting", "mapping", "feature:email-draft")
    assert d["r0"][3] == "feature 'email-draft' → drafting (routekit.yaml)"
    assert d["r1"][:3] == ("summarization", "keyword", "open-summarize")
    assert d["r1"][3] == ("user prompt: the message opens by asking for a summary, recap or commit message of some "
                          "material → summarization (rule open-summarize)")
    assert d["r2"][:3] == ("agentic", "structure", "tool-use")           # an agent step whatever the text says
    assert d["r3"][:3] == ("extraction", "structure", "json-mode")       # JSON output and no text cue
    assert d["r4"][:2] == ("other", "abstained") and d["r4"][3] == "no mapping or rule matched → other"
    assert d["r4"][4] == 0.0
    assert d["r5"][:2] == ("other", "abstained") and d["r5"][3] == "no prompt text and no mapping → other"
    assert d["r6"][:3] == ("extraction", "mapping", "tag:feature:leads")
    assert d["r7"][:3] == ("qa", "mapping", "api_key:key-7")
    assert 0 < d["r1"][4] <= 1


def test_mapping_beats_keyword_and_tool_signals(tmp_path):
    con = calls_db(tmp_path / "c.duckdb", [
        {"feature": "support", "has_tools": True, "user_prompt": "Summarize this ticket and translate it to French."},
    ])
    classify_calls(con, None, settings({"mappings": {"feature": {"support": "chat"}}}), force=True)
    assert decisions(con)["r0"][:2] == ("chat", "mapping")


def test_client_overrides_disables_and_adds_rules(tmp_path):
    rows = [{"user_prompt": "Summarize this thread in 3 bullets."},
            {"user_prompt": "Hi there!"},
            {"user_prompt": "ACME-TICKET 4411 needs a look"}]
    con = calls_db(tmp_path / "c.duckdb", rows)
    classify_calls(con, None, default_settings(), force=True)
    before = decisions(con)
    assert [before[r][0] for r in ("r0", "r1", "r2")] == ["summarization", "chat", "other"]

    s = settings({"rules": [
        {"id": "open-summarize", "task_type": "extraction", "confidence": 0.6},      # override: keys replaced
        {"id": "greeting", "enabled": False},                                          # dropped
        {"id": "acme-tickets", "task_type": "classification", "where": "user",        # new: evaluated first
         "regex": r"\bacme-ticket \d+", "reason": "our ticket router"},
    ]})
    classify_calls(con, None, s, force=True)
    after = decisions(con)
    assert after["r0"][:3] == ("extraction", "keyword", "open-summarize") and after["r0"][4] == 0.6
    assert after["r0"][3].endswith("(rule open-summarize, routekit.yaml)")
    assert after["r1"][2] != "greeting"
    assert after["r2"][:3] == ("classification", "keyword", "acme-tickets")
    assert after["r2"][3] == r"user prompt matches /\bacme-ticket \d+/ → classification (rule acme-tickets, routekit.yaml)"
    assert s.rules[0].id == "acme-tickets"


def test_patterns_and_keys_are_bound_never_spliced_into_sql(tmp_path):
    nasty = "it's'); DROP TABLE calls; --"
    con = calls_db(tmp_path / "c.duckdb", [{"feature": nasty, "user_prompt": "x"},
                                          {"user_prompt": "please handle it's'); DROP TABLE calls; -- now"}])
    s = settings({"mappings": {"feature": {nasty: "qa"}},
                  "rules": [{"id": "quote", "task_type": "rewrite", "where": "user", "regex": "it's'\\); drop"}]})
    compiled = compile_rules(s)
    assert "DROP" not in compiled.expression and "it's" not in compiled.expression
    classify_calls(con, None, s, force=True)
    assert [decisions(con)[r][0] for r in ("r0", "r1")] == ["qa", "rewrite"]
    assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 2


def test_unchanged_inputs_are_not_classified_twice(tmp_path):
    con = calls_db(tmp_path / "c.duckdb", [{"user_prompt": "Summarize this."}])
    assert not classify_calls(con, None, default_settings()).skipped
    assert classify_calls(con, None, default_settings()).skipped
    assert not classify_calls(con, None, settings({"mappings": {"feature": {"x": "qa"}}})).skipped


# -- the learned model -------------------------------------------------------------------------------------------------
TRAIN = ([("", f"zorblax {w} frobnicate") for w in ("alpha", "beta", "gamma", "delta", "eps")] * 4
         + [("", f"quuxify {w} wibble") for w in ("alpha", "beta", "gamma", "delta", "eps")] * 4)
TRAIN_LABELS = ["reasoning"] * 20 + ["creative"] * 20


def test_learned_model_decides_where_rules_abstain_scored_in_sql(tmp_path):
    model = LinearTaskModel.fit(TRAIN, TRAIN_LABELS)
    path = tmp_path / "task_model.json"
    model.save(path)
    con = calls_db(tmp_path / "c.duckdb", [
        {"user_prompt": "zorblax gamma frobnicate again"},      # rules abstain, model: reasoning
        {"user_prompt": "quuxify wibble"},                      # rules abstain, model: creative
        {"user_prompt": "Summarize this thread."},              # a rule decides: the model is not asked
    ])
    info = classify_calls(con, None, default_settings(), force=True, model=path)
    d = decisions(con)
    assert d["r0"][:3] == ("reasoning", "learned", "learned") and d["r1"][:2] == ("creative", "learned")
    assert d["r2"][:2] == ("summarization", "keyword")
    assert info.learned_calls == 2 and d["r0"][3] == "learned model (task_model.json) → reasoning"
    # the SQL scoring is the model's own: same class and probability as Python (and so as scikit-learn)
    expected = LinearTaskModel.load(path).predict([(None, "zorblax gamma frobnicate again"), (None, "quuxify wibble")])
    assert [(d["r0"][0], d["r0"][4]), (d["r1"][0], d["r1"][4])] == [(t, round(p, 3)) for t, p in expected]

    unsure = settings({"learned": {"min_probability": 0.999}})
    classify_calls(con, None, unsure, force=True, model=path)
    d = decisions(con)
    assert d["r0"][:2] == ("other", "abstained") and "learned model is unsure (best guess reasoning)" in d["r0"][3]


def test_python_scoring_matches_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from routekit.classify import model_terms

    texts = TRAIN + [("Be brief.", "zorblax quuxify mixed"), ("", "totally unrelated words")] * 3
    labels = TRAIN_LABELS + ["reasoning", "other"] * 3
    ours = LinearTaskModel.fit(texts, labels)
    vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=2)
    clf = LogisticRegression(C=10.0, max_iter=2000).fit(vec.fit_transform([model_terms(*t) for t in texts]), labels)
    probe = [("", "zorblax alpha"), ("Be brief.", "quuxify beta wibble"), ("", "unrelated words here")]
    x = vec.transform([model_terms(*t) for t in probe])
    for (task, p), sk_task, sk_p in zip(ours.predict(probe), clf.predict(x), clf.predict_proba(x).max(axis=1)):
        assert task == sk_task and abs(p - sk_p) < 1e-6


def test_model_terms_read_every_script():
    """Words in any script, character bigrams of Chinese, Japanese and Korean runs (no spaces between their words),
    lower-cased; one-character runs of other scripts dropped, as the ASCII tokenizer dropped them."""
    from routekit.classify import model_terms

    # user "Résumé 東京タワー, Привет мир": résumé; 東京タワー is one CJK run of 5 characters (ー counted) → its 4
    # bigrams; привет, мир; then the 7 - 1 = 6 adjacent pairs; the system prompt "Sé breve" → s:sé, s:breve.
    tokens = ["résumé", "東京", "京タ", "タワ", "ワー", "привет", "мир"]
    assert model_terms("Sé breve", "Résumé 東京タワー, Привет мир") == (
        tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])] + ["s:sé", "s:breve"])
    assert model_terms(None, "请总结") == ["请总", "总结", "请总 总结"]      # 3 characters → 2 bigrams, 1 pair
    assert model_terms(None, "번역 x 해") == ["번역", "해", "번역 해"]       # a lone Hangul character is a token
    assert model_terms(None, "हिन्दी भाषा") == ["हिन्दी", "भाषा", "हिन्दी भाषा"]   # vowel signs (marks) stay in the word
    # the tokenizer of models trained before: [a-z0-9]{2,} of "café crème 東京" is caf, cr, me
    assert model_terms(None, "Café crème 東京", "ascii") == ["caf", "cr", "me", "caf cr", "cr me"]


CJK_SUMMARY = ["请总结这篇{}", "请帮我总结一下这份{}", "この{}を要約してください", "{}の要点を要約して", "이 {}를 요약해 주세요",
               "{} 내용을 요약해 줘"]
CJK_TRANSLATE = ["请把这篇{}翻译成英文", "请帮我翻译这份{}", "この{}を英語に翻訳してください", "{}をフランス語に翻訳して",
                 "이 {}를 영어로 번역해 주세요", "{} 내용을 일본어로 번역해 줘"]
CJK_THINGS = ["文章", "报告", "邮件", "記事", "メール", "報告書", "기사", "보고서", "이메일"]


def test_learned_model_trained_on_cjk_prompts_predicts_them_in_sql(tmp_path):
    """Chinese, Japanese and Korean prompts had no features at all under the [a-z0-9] tokenizer (training refused:
    an empty vocabulary). Trained on 6 x 9 summary and 6 x 9 translation requests, the model scores new ones,
    whose objects it never saw with those verbs, in SQL as Python does."""
    texts = [(None, f.format(x)) for f in CJK_SUMMARY + CJK_TRANSLATE for x in CJK_THINGS]
    labels = ["summarization"] * 54 + ["rewrite"] * 54
    path = tmp_path / "task_model.json"
    LinearTaskModel.fit(texts, labels).save(path)
    probes = [("请总结这份会议纪要", "summarization"), ("この議事録を要約してください", "summarization"),
              ("회의록을 요약해 주세요", "summarization"), ("请把这份合同翻译成英文", "rewrite"),
              ("この契約書を英語に翻訳してください", "rewrite"), ("계약서를 영어로 번역해 주세요", "rewrite")]
    con = calls_db(tmp_path / "c.duckdb", [{"user_prompt": u} for u, _ in probes])
    # the shipped rules read these requests too (cjk-summarize, cjk-rewrite): off, so that the model decides them
    from routekit.classify import parse_classify

    rules_off = parse_classify({"rules": [{"id": r, "enabled": False} for r in ("cjk-summarize", "cjk-rewrite")]},
                               None)
    classify_calls(con, None, rules_off, force=True, model=path)
    d = decisions(con)
    assert [d[f"r{i}"][:2] for i in range(len(probes))] == [(task, "learned") for _, task in probes]
    expected = LinearTaskModel.load(path).predict([(None, u) for u, _ in probes])
    assert [(d[f"r{i}"][0], d[f"r{i}"][4]) for i in range(len(probes))] == [(t, round(p, 3)) for t, p in expected]


def test_a_model_file_naming_no_tokenizer_scores_as_it_was_trained(tmp_path):
    """Model files written before routekit read other scripts name no tokenizer: they keep the [a-z0-9] words they
    were trained on; an unknown tokenizer is refused, naming the file."""
    path = tmp_path / "task_model.json"
    LinearTaskModel.fit(TRAIN, TRAIN_LABELS).save(path)
    doc = json.loads(path.read_text())
    assert doc["tokenizer"] == "unicode"
    del doc["tokenizer"]
    path.write_text(json.dumps(doc))
    assert LinearTaskModel.load(path).tokenizer == "ascii"
    doc["tokenizer"] = "bpe"
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match="task_model.json: not a usable task model .*tokenizer is 'bpe'"):
        LinearTaskModel.load(path)


def test_train_from_labelled_request_ids(tmp_path):
    from routekit.classify import TrainError, train

    con = calls_db(tmp_path / "c.duckdb", [{"request_id": f"q{i}", "user_prompt": u}
                                          for i, (_, u) in enumerate(TRAIN)])
    labels = tmp_path / "labels.csv"
    labels.write_text("request_id,task_type\n" + "".join(f"q{i},{t}\n" for i, t in enumerate(TRAIN_LABELS))
                      + "not-in-logs,qa\n")
    out = tmp_path / "m.json"
    result = train(con, labels, out)
    assert result["trained_on"] == 40 and result["labels"] == 41 and result["labels_matched"] == 40
    assert result["classes"] == ["creative", "reasoning"] and out.exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("id,label\nq1,qa\n")
    with pytest.raises(TrainError, match="expected columns request_id and task_type"):
        train(con, bad, out)


# -- evaluation, usage attribution, length buckets ---------------------------------------------------------------------
def test_eval_metrics_on_a_hand_made_label_set():
    pairs = [("qa", "qa"), ("qa", "qa"), ("qa", "chat"), ("chat", "chat"), ("chat", "qa"),
             ("summarization", "summarization"), ("extraction", "qa")]
    m = metrics(pairs)
    # 4 of 7 right.
    assert m["accuracy"] == pytest.approx(4 / 7)
    # qa: predicted 4 times (2 right, plus a chat and an extraction) -> precision 2/4; 3 true qa, 2 found -> recall 2/3
    assert (m["per_class"]["qa"]["precision"], m["per_class"]["qa"]["recall"]) == (pytest.approx(0.5),
                                                                                  pytest.approx(2 / 3))
    # chat: predicted twice, right once -> 1/2; 2 true chat, 1 found -> 1/2
    assert (m["per_class"]["chat"]["precision"], m["per_class"]["chat"]["recall"]) == (0.5, 0.5)
    # summarization: 1 of 1 both ways; extraction: never predicted -> precision undefined (None), recall 0/1
    assert (m["per_class"]["summarization"]["precision"], m["per_class"]["summarization"]["recall"]) == (1.0, 1.0)
    assert (m["per_class"]["extraction"]["precision"], m["per_class"]["extraction"]["recall"]) == (None, 0.0)
    # confusion[true][predicted]
    assert m["confusion"]["qa"] == {"chat": 1, "extraction": 0, "qa": 2, "summarization": 0}
    assert m["confusion"]["extraction"]["qa"] == 1 and sum(map(sum, (r.values() for r in m["confusion"].values()))) == 7


def test_mappings_that_match_nothing_are_named_with_the_closest_name(tmp_path):
    """A misspelt mapping name maps nothing, and its calls fall to the rules without a word: each such name is
    named, with the closest name the data carries (feature, tag, API key), or alone when none is close."""
    con = calls_db(tmp_path / "c.duckdb", [
        {"feature": "ticket-triage", "user_prompt": "Label this ticket"},
        {"feature": "email-draft", "tags": ["team:legal"], "user_prompt": "Write an email"},
        {"api_key": "nightly-digest", "user_prompt": "Summarize"}])
    con.execute("INSERT INTO usage (provider, project, api_key, _format, _source_file, _source_row) "
                "VALUES ('anthropic', 'Support Analytics', 'kb-tool', 'test', 'usage.csv', 'row 1')")
    s = settings({"mappings": {
        "feature": {"ticket-triag": "classification", "email-draft": "drafting", "zzqx-unknown": "qa"},
        "tag": {"team:legl": "extraction"},
        "api_key": {"kb-tool": "qa", "nightly-digst": "summarization"},    # kb-tool: only in the usage export
        "workspace": {"Support Analytics": "summarization"}}})              # likewise
    info = classify_calls(con, None, s, force=True)
    assert info.warnings == [
        "mapping feature 'ticket-triag' matched no call; did you mean 'ticket-triage'?",
        "mapping feature 'zzqx-unknown' matched no call",
        "mapping tag 'team:legl' matched no call; did you mean 'team:legal'?",
        "mapping api key 'nightly-digst' matched no call or usage row; the data holds a key close to it (not shown: "
        "an API key may be a secret)"]
    # a run that finds nothing changed still says so
    again = classify_calls(con, None, s)
    assert again.skipped and again.warnings == info.warnings
    assert classify_calls(con, None, settings({"mappings": {"feature": {"email-draft": "drafting"}}})).warnings == []


def test_a_mapping_hint_quotes_no_secret(tmp_path):
    """The hint quotes a value of the data only when ingest's reject reasons would (rk_quote: at most 40 printable
    ASCII characters, not a phrase of three words), and never an API key: a key near the mapping's name is said to
    exist, not shown (one character off a real key is the key)."""
    key = "sk-proj-4f9aXq2LmT81"
    phrase = "please summarise this customer thread"          # a phrase in the feature column: prompt-like
    long_name = "x" * 41                                      # 41 characters: over rk_quote's 40
    con = calls_db(tmp_path / "c.duckdb", [
        {"api_key": key, "feature": phrase, "user_prompt": "a"},
        {"feature": long_name, "tags": ["Ticket-Triage"], "user_prompt": "b"}])
    s = settings({"mappings": {
        "api_key": {key[:-1] + "2": "qa"},
        "feature": {phrase + "s": "summarization", "x" * 40: "qa"},
        "tag": {"ticket-triage": "classification"}}})
    warnings = classify_calls(con, None, s, force=True).warnings
    assert warnings == [
        "mapping api key 'sk-proj-4f9aXq2LmT82' matched no call or usage row; the data holds a key close to it "
        "(not shown: an API key may be a secret)",
        "mapping feature 'please summarise this customer threads' matched no call; the data holds a name close to "
        "it (not shown: it may be prompt text)",
        f"mapping feature '{'x' * 40}' matched no call; the data holds a name close to it (not shown: it may be "
        "prompt text)",
        "mapping tag 'ticket-triage' matched no call; did you mean 'Ticket-Triage'?"]
    assert not any(key in w or phrase + "'" in w or long_name in w for w in warnings)


def test_cli_classify_warns_of_a_misspelt_mapping(tmp_path):
    client = tmp_path / "northwind_support"
    sample_client("northwind_support", client)
    config = client / "routekit.yaml"
    config.write_text(config.read_text().replace("      ticket-triage: classification",
                                                 "      ticket-triag: classification"))
    text = run_cli("classify", str(client)).stdout
    assert "warning: mapping feature 'ticket-triag' matched no call; did you mean 'ticket-triage'?" in text
    out = json.loads(run_cli("classify", str(client), "--json").stdout)
    assert out["warnings"] == ["mapping feature 'ticket-triag' matched no call; did you mean 'ticket-triage'?"]


def test_usage_rows_attributed_only_through_mappings(tmp_path):
    from routekit.classify import classify_usage

    con = connect(tmp_path / "u.duckdb")
    con.execute("""INSERT INTO usage (project, api_key, requests, _format, _source_file, _source_row) VALUES
        ('p1', NULL, 10, 't', 'u.json', '1'), ('p2', 'k9', 20, 't', 'u.json', '2'),
        ('p2', NULL, 30, 't', 'u.json', '3'), ('wrk', NULL, 5, 't', 'u.json', '4')""")
    s = settings({"mappings": {"project": {"p1": "summarization"}, "workspace": {"wrk": "qa"},
                               "api_key": {"k9": "qa"}}})
    classify_usage(con, s)
    con.execute("""CREATE TABLE int_usage AS SELECT *, CAST(CASE _source_row WHEN '1' THEN 30 WHEN '2' THEN 20
                   WHEN '3' THEN 50 ELSE 0 END AS DECIMAL(18, 6)) AS cost_usd, 'openai' AS provider FROM usage""")
    u = usage_attribution(con)
    # $30 by project p1, $20 by key k9, $0 by workspace wrk; $50 (p2 without a mapped key) stays unattributed
    assert (u["cost_usd"], u["attributed_cost_usd"], u["unattributed_cost_usd"]) == (100.0, 50.0, 50.0)
    assert u["unattributed_share"] == pytest.approx(0.5)
    assert {r["task_type"]: r["cost_usd"] for r in u["by_task_type"]} == {"summarization": 30.0, "qa": 20.0}
    assert [(r["project"], r["cost_usd"]) for r in u["unattributed"]] == [("p2", 50.0)]
    reasons = dict(con.execute("SELECT _source_row, reason FROM usage_task_types").fetchall())
    assert reasons["2"] == "API key 'k9' → qa (routekit.yaml)" and "unattributed" in reasons["3"]


def test_length_buckets_from_config_or_defaults():
    assert bucket_labels([1000, 4000, 16000, 64000]) == INPUT_BUCKETS[1]
    assert bucket_labels([250, 1000, 4000]) == OUTPUT_BUCKETS[1]
    assert length_buckets(None) == {"in_bounds": INPUT_BUCKETS[0], "in_labels": INPUT_BUCKETS[1],
                                    "out_bounds": OUTPUT_BUCKETS[0], "out_labels": OUTPUT_BUCKETS[1]}
    custom = length_buckets(parse_config({"length_buckets": {"input": [500, 2500]}}))
    assert custom["in_labels"] == ["<500", "500-2.5k", "2.5k+"] and custom["out_labels"] == OUTPUT_BUCKETS[1]


# -- configuration errors ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("section, key, what", [
    ({"mappings": {"feature": {"email-draft": "drafting-ish"}}}, "classify.mappings.feature.email-draft",
     "unknown task type 'drafting-ish'"),
    ({"mappings": {"team": {"ops": "qa"}}}, "classify.mappings.team", "unknown kind"),
    ({"rules": [{"id": "x", "task_type": "qa", "where": "user", "regex": "(?=look)ahead"}]}, "classify.rules[0].regex",
     "not a valid RE2 regular expression"),
    ({"rules": [{"id": "x", "task_type": "qa", "regex": "hi"}]}, "classify.rules[0].where", "expected one of"),
    ({"rules": [{"id": "x", "task_type": "qa", "when": {"has_gpu": True}}]}, "classify.rules[0].when.has_gpu",
     "unknown condition"),
    ({"rules": [{"id": "x", "task_type": "qa", "where": "user", "regex": "a", "confidence": 2}]},
     "classify.rules[0].confidence", "between 0 and 1"),
    ({"rules": [{"id": "x", "task_type": "qa", "where": "user", "regex": "{{nope}}"}]}, "classify.rules[0].regex",
     "unknown macro"),
    ({"learned": {"min_probability": "high"}}, "classify.learned.min_probability", "between 0 and 1"),
    ({"colour": "blue"}, "classify.colour", "unknown key"),
    ({"mapping": {"feature": {"x": "qa"}}}, "classify.mapping", "unknown key; did you mean 'mappings'?"),
    ({"learned": {"min_prob": 0.5}}, "classify.learned.min_prob", "did you mean 'min_probability'?"),
    # a misspelt shipped rule id would leave that rule on without a word
    ({"rules": [{"id": "open-sumarize", "enabled": False}]}, "classify.rules[0].id",
     "no shipped rule 'open-sumarize'; did you mean 'open-summarize'? a new rule needs a task_type"),
])
def test_bad_classify_config_names_file_and_key(tmp_path, section, key, what):
    import yaml

    write_files(tmp_path, {"routekit.yaml": yaml.safe_dump({"classify": section})})
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    assert str(exc.value).startswith(f"{tmp_path / 'routekit.yaml'}: {key}: ") and what in str(exc.value)


def test_client_task_types_extend_the_taxonomy_and_bad_buckets_are_refused():
    s = settings({"task_types": ["translation_qa"], "mappings": {"feature": {"tq": "translation_qa"}}})
    assert "translation_qa" in s.task_types and s.mappings["feature"] == {"tq": "translation_qa"}
    with pytest.raises(ConfigError, match="length_buckets.output: expected strictly increasing"):
        parse_config({"length_buckets": {"output": [1000, 250]}})


def test_default_rules_are_valid_and_documented():
    s = default_settings()
    assert len(s.rules) >= 40 and len({r.id for r in s.rules}) == len(s.rules)
    assert all(r.reason and 0 < r.confidence <= 1 for r in s.rules)
    assert {r.task_type for r in s.rules} == set(s.task_types)


# -- accuracy: the sample clients and the held-out prompts -------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_copies(tmp_path_factory):
    """The sample clients copied (without any .routekit cache) and ingested once for this module."""
    from routekit.ingest import ingest

    root = tmp_path_factory.mktemp("samples")
    for name in CLIENTS:
        sample_client(name, root / name)
        ingest(root / name)
    return root


def _accuracy(con, labels_csv: Path) -> float:
    with labels_csv.open(newline="") as fh:
        truth = {r["request_id"]: r["task_type"] for r in csv.DictReader(fh)}
    pairs = [(truth[rid], task) for rid, task in con.execute("""
        SELECT c.request_id, t.task_type FROM calls c JOIN call_task_types t USING (_source_file, _source_row)
        """).fetchall() if rid in truth]
    assert len(pairs) == len(truth)
    return metrics(pairs)["accuracy"]


@pytest.mark.parametrize("name", CLIENTS)
def test_sample_client_accuracy_with_default_rules_and_its_mappings(sample_copies, name):
    from routekit.classify import settings_for

    client = sample_copies / name
    con = connect(client / ".routekit" / "routekit.duckdb")
    try:
        classify_calls(con, client, settings_for(load_config(client)), force=True)
        assert _accuracy(con, client / "truth" / "labels.csv") >= 0.90
    finally:
        con.close()


@pytest.mark.skipif(not HELDOUT.exists(), reason="tests/data/heldout_prompts.csv (independent labelled prompts) is "
                                                  "not in this checkout yet")
def test_heldout_prompts_from_text_alone(tmp_path):
    """Labelled prompts written independently of the rules: text only, no feature tags, no client config."""
    con = connect(tmp_path / "heldout.duckdb")
    con.execute("""INSERT INTO calls (request_id, system_prompt, user_prompt, _format, _source_file, _source_row)
        SELECT CAST(id AS VARCHAR), nullif(system_prompt, ''), nullif(user_prompt, ''), 'heldout', 'heldout.csv',
               CAST(id AS VARCHAR)
        FROM read_csv(?, header = true, all_varchar = true)""", [str(HELDOUT)])
    classify_calls(con, None, default_settings(), force=True)
    truth = dict(con.execute("SELECT CAST(id AS VARCHAR), task_type FROM read_csv(?, header = true, "
                             "all_varchar = true)", [str(HELDOUT)]).fetchall())
    pairs = [(truth[rid], task) for rid, task in con.execute(
        "SELECT c.request_id, t.task_type FROM calls c JOIN call_task_types t USING (_source_file, _source_row)"
    ).fetchall()]
    assert len(pairs) == len(truth) >= 100
    assert metrics(pairs)["accuracy"] >= 0.80


@pytest.mark.skipif(not HELDOUT.exists(), reason="tests/data/heldout_prompts.csv is not in this checkout")
def test_guarded_rules_decide_exactly_as_the_rules_alone(sample_copies, tmp_path):
    """The literal guards (compile_rules(guards=True), routekit/prefilter.py) only let calls skip rules that cannot
    match: on the held-out prompts and every sample client's calls, each call gets the same outcome either way."""
    from routekit.classify import settings_for
    from routekit.db import sql_text

    con = connect(tmp_path / "heldout.duckdb")
    con.execute("""INSERT INTO calls (request_id, system_prompt, user_prompt, _format, _source_file, _source_row)
        SELECT CAST(id AS VARCHAR), nullif(system_prompt, ''), nullif(user_prompt, ''), 'heldout', 'heldout.csv',
               CAST(id AS VARCHAR)
        FROM read_csv(?, header = true, all_varchar = true)""", [str(HELDOUT)])
    databases = [(con, default_settings()), (_prompts_db(tmp_path / "instructed.duckdb", INSTRUCTED), default_settings())]
    for name in CLIENTS:
        client = sample_copies / name
        databases.append((connect(client / ".routekit" / "routekit.duckdb"), settings_for(load_config(client))))
    decided = guards = 0
    for db, s in databases:
        outcomes = []
        for guarded in (False, True):
            compiled = compile_rules(s, guards=guarded)
            sql = sql_text("intermediate/int_task_types.sql").replace("/*OUTCOME*/", compiled.expression)
            outcomes.append(db.execute(f"SELECT rid, outcome FROM ({sql}) ORDER BY rid", compiled.params).fetchall())
            guards += guarded * sum(k.startswith("g") for k in compiled.params)
        assert outcomes[0] == outcomes[1]
        decided += sum(o is not None for _, o in outcomes[0])
        db.close()
    assert decided >= 1000 and guards >= 5 * 6     # real decisions, and each database's rules ran behind guards


def test_guards_stay_short_enough_for_re2(tmp_path):
    """A client's rules with long keyword lists: no guard pattern grows past GUARD_MAX_CHARS (past about 20,000
    characters RE2's DFA outgrew its memory and one guard took 18 s over 200 k prompts instead of 0.07 s), a rule
    whose keywords alone are longer is left unguarded, and the calls still get the rules' outcome."""
    import hashlib

    # Words without a shared prefix (Python's parser would factor one out, and the atom would be that prefix alone).
    words = [hashlib.sha256(str(i).encode()).hexdigest()[:11] for i in range(3000)]   # 12 characters with the "|"
    rules = [{"id": f"client-{k}", "task_type": "extraction", "where": "user",
              "regex": r"\b(?:" + "|".join(words[k * 300:(k + 1) * 300]) + r")\b"} for k in range(4)]
    rules.append({"id": "client-huge", "task_type": "qa", "where": "user",
                  "regex": r"\b(?:" + "|".join(words[1500:]) + r")\b"})
    s = settings({"rules": rules})
    guards = {k: v for k, v in compile_rules(s).params.items() if k.startswith("g")}
    # the 4 x 300 words are 14,400 characters: not one guard; and the 1,500 words of client-huge are in none
    assert len(guards) >= 2 and all(len(v) <= 8000 for v in guards.values())
    guarded = [a for v in guards.values() for a in v.split("|")]
    assert set(guarded) & set(words) == set(words[:1200])
    con = calls_db(tmp_path / "c.duckdb", [{"user_prompt": f"see {words[899]} please"},
                                            {"user_prompt": f"and {words[2999]} too"}])
    classify_calls(con, None, s, force=True)
    got = decisions(con)
    assert got["r0"][2] == "client-2" and got["r1"][2] == "client-huge"


def _prompts_db(path: Path, csv_path: Path) -> duckdb.DuckDBPyConnection:
    """A database whose calls are the prompts of a labelled CSV (id, task_type, system_prompt, user_prompt, note)."""
    con = connect(path)
    con.execute("""INSERT INTO calls (request_id, system_prompt, user_prompt, _format, _source_file, _source_row)
        SELECT CAST(id AS VARCHAR), nullif(system_prompt, ''), nullif(user_prompt, ''), 'heldout', 'heldout.csv',
               CAST(id AS VARCHAR)
        FROM read_csv(?, header = true, all_varchar = true)""", [str(csv_path)])
    return con


def test_the_instruction_wins_over_cue_words_in_pasted_material(tmp_path):
    """62 prompts: before the `where: instruction` rules, 32 of them (51.6 %) were right and 5 of the 32 adversarial
    ones (a cue such as "ping me", "yes or no" or "weighted scoring" in the pasted material decided); the rules must
    now get at least 56 of 62 (90 %) and 29 of the 32 adversarial ones (90 %)."""
    con = _prompts_db(tmp_path / "p.duckdb", INSTRUCTED)
    classify_calls(con, None, default_settings(), force=True)
    rows = con.execute("""SELECT h.task_type, t.task_type, h.note LIKE '%adversarial%'
        FROM read_csv(?, header = true, all_varchar = true) h JOIN calls c ON c.request_id = h.id
        JOIN call_task_types t USING (_source_file, _source_row)""", [str(INSTRUCTED)]).fetchall()
    adversarial = [(truth, got) for truth, got, adv in rows if adv]
    assert len(rows) == 62 and len(adversarial) == 32
    assert sum(truth == got for truth, got, _ in rows) >= 56
    assert sum(truth == got for truth, got in adversarial) >= 29


def _cjk_outcomes(tmp_path, name):
    con = _prompts_db(tmp_path / f"{name}.duckdb", CJK_SETS[name])
    classify_calls(con, None, default_settings(), force=True)
    return con.execute("""SELECT h.task_type, t.task_type, t.rule
        FROM read_csv(?, header = true, all_varchar = true) h JOIN calls c ON c.request_id = h.id
        JOIN call_task_types t USING (_source_file, _source_row)""", [str(CJK_SETS[name])]).fetchall()


def test_requests_in_chinese_japanese_and_korean_are_read_by_the_rules(tmp_path):
    """Before the cjk-* rules no rule read these scripts: 3 of the 43 prompts of the first set were right (the three
    bare records, 'other'), and 1 of the 24 of the third. The sets that shaped the rules must stay as they are: the
    first two whole, the third 23 of 24 (9 of 24 when it was unseen; its one miss, a Korean request to review a SQL
    query, is decided by code-block first). The fourth, unseen while widening them, got 28 of 30 (the two misses, a
    Chinese request to find invoice fields and a Japanese evening greeting with small talk, stay 'other' for the
    learned model)."""
    for name, least in (("cjk_prompts", 43), ("cjk_fresh_prompts", 24), ("cjk_fresh2_prompts", 23),
                        ("cjk_fresh3_prompts", 28)):
        rows = _cjk_outcomes(tmp_path, name)
        assert sum(truth == got for truth, got, _ in rows) >= least, name


def test_the_cjk_rules_are_seldom_wrong_when_they_decide(tmp_path):
    """Of the 121 prompts, the cjk-* rules decide 114, all right: 40 + 24 + 22 of the sets that shaped them and 28 of
    the unseen fourth. (Before the third set widened them they decided 73, 72 right: a request to condense a report
    ending in '你能帮我抓住重点吗？' was read as a question.) At least 95 % must be right."""
    decided = [(truth, got) for name in CJK_SETS for truth, got, rule in _cjk_outcomes(tmp_path, name)
               if rule and "cjk" in rule]
    assert len(decided) >= 110
    assert sum(t == g for t, g in decided) / len(decided) >= 0.95


def test_a_sentence_in_another_script_is_not_a_bare_greeting(tmp_path):
    """RE2's \\W is every character but [0-9A-Za-z_]: a whole message in Korean or Russian that ended in "." or "?"
    matched the bare-greeting rule (other, decided by a keyword, so a learned model never saw it). Now only ASCII
    punctuation and a few common marks may surround the greeting."""
    prompts = ["Переведи этот текст на английский.", "오늘 회의는 몇 시에 시작하나요?", "hi!", "...", "  ok  "]
    con = calls_db(tmp_path / "g.duckdb", [{"user_prompt": p} for p in prompts])
    classify_calls(con, None, default_settings(), force=True)
    d = decisions(con)
    assert [d[f"r{i}"][2] for i in range(len(prompts))] == [None, "cjk-question", "bare-greeting", "bare-greeting",
                                                            "bare-greeting"]
    assert d["r0"][:2] == ("other", "abstained")


@pytest.mark.parametrize("prompt, task, rule", [
    # the cue sits in the pasted material: the request decides
    ("Summarize this Slack thread:\n[dana] deploy blocked\n[mark] ok, ping me when the fix is merged",
     "summarization", "open-summarize"),
    ("Translate this email into Spanish:\n\nIs the PO approved? Please reply with just yes or no.",
     "rewrite", "open-rewrite"),
    ("Notes:\n- vote yes or no on the budget\n- check my calendar and then book the room\n\n"
     "Summarize the notes above.", "summarization", "later-summarize"),
    ("Based on the memo below, who owns the rollout?\n\nWe ranked vendors with a weighted scoring model.",
     "qa", "open-question"),
    # the cue sits in the request itself: it still decides
    ("Summarize your verdict in one word: is this email spam or not spam?\n\nFrom: prize@win.biz",
     "classification", "answer-format-strong"),
    ("Summarize my unread emails and ping me if one is urgent\nthanks", "agentic", "agentic-action"),
    # no material: the whole message is the instruction, as before
    ("Summarize the thread and ping me when done", "agentic", "agentic-action"),
])
def test_where_instruction_reads_the_request_not_the_material(tmp_path, prompt, task, rule):
    con = calls_db(tmp_path / "c.duckdb", [{"user_prompt": prompt}])
    classify_calls(con, None, default_settings(), force=True)
    assert decisions(con)["r0"][0:3:2] == (task, rule)


def test_a_client_rule_may_read_the_instruction_only(tmp_path):
    rule = {"id": "refund-cue", "task_type": "chat", "where": "instruction", "regex": r"\brefund\b"}
    con = calls_db(tmp_path / "c.duckdb", [
        {"user_prompt": "Translate this ticket into German:\n\nI want a refund now."},   # cue in the material
        {"user_prompt": "Where is my refund?"}])                                          # cue in the request
    classify_calls(con, None, settings({"rules": [rule]}), force=True)
    got = decisions(con)
    assert got["r0"][0:3:2] == ("rewrite", "open-rewrite") and got["r1"][0:3:2] == ("chat", "refund-cue")
    assert got["r1"][3] == "user prompt's instruction matches /\\brefund\\b/ → chat (rule refund-cue, routekit.yaml)"


# -- the command line --------------------------------------------------------------------------------------------------
def test_cli_classify_eval_json_on_a_sample_client(sample_copies):
    client = sample_copies / "northwind_support"
    out = json.loads(run_cli("classify", str(client), "--eval", str(client / "truth" / "labels.csv"),
                             "--json").stdout)
    types = {t["task_type"]: t for t in out["task_types"]}
    assert set(types["chat"]) >= {"task_type", "requests", "share", "cost_usd"}
    assert sum(t["requests"] for t in out["task_types"]) == out["requests"] == 3402
    assert sum(t["share"] for t in out["task_types"]) == pytest.approx(1.0)
    assert out["eval"]["accuracy"] >= 0.90 and out["eval"]["labels_matched"] == 3402
    assert set(out["eval"]["per_class"]["chat"]) >= {"precision", "recall"}
    assert sum(out["eval"]["confusion"]["chat"].values()) == out["eval"]["per_class"]["chat"]["support"]
    assert sum(out["decided_by"].values()) == pytest.approx(1.0) and out["decided_by"]["mapping"] > 0.9
    seg = out["segments"][0]
    assert set(seg) >= {"task_type", "len_in", "len_out", "requests", "cost_usd"}
    # the Console usage export: both API keys are mapped, so all of its spend is attributed
    usage = out["usage_attribution"]
    assert usage["usage_rows"] == 79 and usage["attributed_share"] == pytest.approx(1.0)

    text = run_cli("classify", str(client)).stdout
    assert "decided by: mapping" in text and "aggregated usage:" in text and "eval" not in text


TINY_CONFIG = """\
sources:
  generic_csv:
    - name: gateway
      provider: openai
      columns: {request_id: id, timestamp: ts, model: model, feature: route, input_tokens: tin, output_tokens: tout,
                prompt: prompt}
length_buckets: {input: [100], output: [20]}
classify:
  mappings:
    feature: {faq: qa}
"""


def test_cli_train_then_classify_with_the_learned_model(client):
    prompts = [u for _, u in TRAIN]
    rows = "".join(f"r{i},2026-09-01T10:00:00Z,gpt-4o-mini,,{50 + i * 10},{5 + i},{p}\n" for i, p in enumerate(prompts))
    rows += "faq1,2026-09-01T11:00:00Z,gpt-4o-mini,faq,80,10,zorblax alpha frobnicate\n"
    write_files(client, {"routekit.yaml": TINY_CONFIG, "gw/calls.csv": "id,ts,model,route,tin,tout,prompt\n" + rows,
                         "labels/train.csv": "request_id,task_type\n" + "".join(
                             f"r{i},{t}\n" for i, t in enumerate(TRAIN_LABELS))})
    out = json.loads(run_cli("classify", str(client), "--train", str(client / "labels" / "train.csv"),
                             "--json").stdout)
    assert out["trained"]["trained_on"] == 40 and (client / ".routekit" / "task_model.json").exists()
    assert out["learned_model"].endswith("task_model.json")
    assert out["decided_by"]["learned"] == pytest.approx(40 / 41)
    assert out["decided_by"]["mapping"] == pytest.approx(1 / 41)
    assert {t["task_type"]: t["requests"] for t in out["task_types"]} == {"reasoning": 20, "creative": 20, "qa": 1}
    # the client's length buckets: one bound each
    assert {(s["len_in"], s["len_out"]) for s in out["segments"]} <= {("<100", "<20"), ("<100", "20+"),
                                                                     ("100+", "<20"), ("100+", "20+")}
    assert {s["len_in"] for s in out["segments"]} == {"<100", "100+"}


def test_cli_eval_whose_labels_match_no_call_says_so_in_one_line(client):
    """Three labels, none of whose request ids is a logged call (the ids of another export): no empty precision
    table or confusion header, one line that says why, and the same words in --json."""
    write_files(client, {"routekit.yaml": TINY_CONFIG,
                         "gw/calls.csv": "id,ts,model,route,tin,tout,prompt\n"
                                         "a1,2026-09-01T10:00:00Z,gpt-4o-mini,faq,80,10,hello\n",
                         "labels.csv": "request_id,task_type\nrow-1,qa\nrow-2,chat\nrow-3,qa\n"})
    labels = client / "labels.csv"
    text = run_cli("classify", str(client), "--eval", str(labels)).stdout
    tail = text[text.index("eval against"):].splitlines()
    assert tail == [f"eval against {labels}: none of the 3 labels matched a logged call (a label matches a call by "
                    "its request_id, the id the export carries; check that the ids come from this client's logs)"]
    assert "precision" not in text and "confusion" not in text
    ev = json.loads(run_cli("classify", str(client), "--eval", str(labels), "--json").stdout)["eval"]
    assert (ev["labels"], ev["labels_matched"], ev["accuracy"], ev["per_class"]) == (3, 0, None, {})
    assert ev["note"] == ("none of the 3 labels matched a logged call (a label matches a call by its request_id, "
                          "the id the export carries; check that the ids come from this client's logs)")


def test_cli_refuses_a_missing_labels_file(client):
    proc = run_cli("classify", str(client), "--eval", "/no/such/labels.csv", check=False)
    assert proc.returncode == 2 and "--eval /no/such/labels.csv: no such file" in proc.stderr


@pytest.mark.parametrize("content, message", [
    (b"request_id,task_type\nr1,summarization\nr2,r\xe9sum\xe9\n",
     "line 3: not UTF-8 text (an Excel save as Windows-1252?)"),
    (b'request_id,task_type\n"r1,summarization\nr2,qa\n', "line 2: a quote opened here is never closed"),
    (b"request_id,task_type\nr1,summarization\nr2,\n", "line 3: task_type is empty"),
    (b"request_id,task_type\nr1,Summarization\n", "line 2: unknown task type 'Summarization'; did you mean "
                                                   "'summarization'?"),
    (b"request_id,task_type\nr1,sentiment\n", "line 2: unknown task type 'sentiment'; known: classification"),
    (b"request_id,task_type\nr1,summarization\nr2,qa\nr1,drafting\n",
     "line 4: request r1 is labelled drafting, but line 2 labels it summarization"),
    (b"request_id,task_type\n", "no labels"),
])
def test_a_bad_labels_file_is_refused_naming_the_line(client, tmp_path, content, message):
    """A label dropped or misread would move the reported accuracy without a word (every one of these exited 0
    or with a traceback before)."""
    labels = tmp_path / "labels.csv"
    labels.write_bytes(content)
    for option in ("--eval", "--train"):
        proc = run_cli("classify", str(client), option, str(labels), check=False)
        assert proc.returncode == 2 and f"{labels}: {message}" in proc.stderr, (option, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_the_same_label_twice_counts_once(tmp_path):
    from routekit.classify import read_labels

    labels = tmp_path / "labels.csv"
    labels.write_text("request_id,task_type\nr1,qa\n\nr1,qa\nr2,chat\n")
    assert read_labels(labels) == [("r1", "qa"), ("r2", "chat")]


def test_cli_classify_of_a_client_without_call_logs_says_so(tmp_path):
    """A usage-only client (Claude Console token CSV, no call logs): classify prints no table of zeros without a word,
    but says why there is nothing to classify; its --json carries the same note."""
    client = tmp_path / "usage_only"
    client.mkdir()
    shutil.copy(Path(__file__).parent / "data" / "real" / "anthropic_claude_api_tokens_2025-06.csv", client / "tokens.csv")
    text = run_cli("classify", str(client)).stdout
    assert "note: no calls to classify: the client's data has no call logs" in text
    assert "decided by:" not in text
    out = json.loads(run_cli("classify", str(client), "--json").stdout)
    assert out["requests"] == 0 and out["note"].startswith("no calls to classify")

"""engine.build: int_calls carries each call's own task type, once, however the task rows are keyed; a build whose
inputs did not change keeps its tables, and any change to them rebuilds."""
from __future__ import annotations

import json

import pytest

from routekit.classify import classify_calls
from routekit.db import connect
from routekit.engine import build
from routekit.ingest import ingest
from conftest import write_files

HEADER = "request_id,model,prompt_tokens,completion_tokens,startTime,spend,custom_llm_provider,messages"


def _client(tmp_path):
    rows = [HEADER,
            'a,gpt-4o,100,10,2026-10-01 10:00:00+00,0.001,openai,"[{""role"":""user"",""content"":""Summarize this '
            'call transcript in 3 bullets""}]"',
            'b,gpt-4o,200,20,2026-10-01 11:00:00+00,0.002,openai,"[{""role"":""user"",""content"":""Write a Python '
            'function that parses ticket ids""}]"',
            'c,gpt-4o,300,30,2026-10-01 12:00:00+00,0.003,openai,"[{""role"":""user"",""content"":""Translate into '
            'French: good morning""}]"']
    client = tmp_path / "client"
    write_files(client, {"spendlogs.csv": "\n".join(rows) + "\n"})
    return client


def _built(tmp_path):
    client = _client(tmp_path)
    db = tmp_path / "rk.duckdb"
    ingest(client, db)
    con = connect(db)
    build(con, client)
    return client, con


def _tasks(con):
    return dict(con.execute("""SELECT c.request_id, i.task_type FROM int_calls i JOIN calls c USING (_source_file, _source_row)
                               ORDER BY ALL""").fetchall())


def test_int_calls_has_one_row_per_call_with_its_task(tmp_path):
    _, con = _built(tmp_path)
    # worked out from the prompts: a summary request, a code request, a translation (rewrite)
    assert _tasks(con) == {"a": "summarization", "b": "code_generation", "c": "rewrite"}


def test_a_shared_task_key_falls_back_to_the_exact_join(tmp_path):
    """Two calls whose 64-bit keys collide must not pick up each other's task type nor be counted twice."""
    client, con = _built(tmp_path)
    # force the collision the hash makes improbable: call b's task row now carries call a's key
    con.execute("""UPDATE call_task_types SET _key = (SELECT _key FROM call_task_types WHERE _source_row = 'row 1')
                   WHERE _source_row = 'row 2'""")
    # classification unchanged (same fingerprint): the tampered keys stay; the tampering is beneath what the build's
    # fingerprint watches (it is not a load, a re-classification or a price), so the rebuild is forced
    build(con, client, force=True)
    assert con.execute("SELECT count(*) FROM int_calls").fetchone()[0] == 3
    assert _tasks(con) == {"a": "summarization", "b": "code_generation", "c": "rewrite"}
    assert con.execute("SELECT sum(calls) FROM mart_cube").fetchone()[0] == 3


# -- the build's fingerprint: kept when nothing changed, rebuilt when anything did ---------------------------------
def _cost(con):
    return float(con.execute("SELECT sum(cost_usd) FROM mart_cube").fetchone()[0])


def _built_at(con):
    return con.execute("SELECT built_at FROM build_state").fetchone()[0]


def test_an_unchanged_client_keeps_its_built_tables(tmp_path):
    client, con = _built(tmp_path)
    first = _built_at(con)
    cube = con.execute("SELECT * FROM mart_cube ORDER BY ALL").fetchall()
    info = build(con, client)
    assert info.skipped and info.classify.skipped and _built_at(con) == first
    assert con.execute("SELECT * FROM mart_cube ORDER BY ALL").fetchall() == cube
    info = build(con, client, force=True)
    assert not info.skipped and _built_at(con) > first


def test_each_input_of_the_build_rebuilds_it(tmp_path):
    client, con = _built(tmp_path)
    # genai-prices' gpt-4o: $2.50 per M input, $10 per M output; 600 input and 60 output tokens in all
    assert _cost(con) == pytest.approx((600 * 2.50 + 60 * 10) / 1e6)
    # a negotiated rate in prices.csv: 600 x $2 + 60 x $8 per M
    write_files(client, {"prices.csv": "model,input_per_mtok,output_per_mtok\ngpt-4o,2,8\n"})
    info = build(con, client)
    assert not info.skipped and _cost(con) == pytest.approx((600 * 2 + 60 * 8) / 1e6)
    assert build(con, client).skipped
    # other length buckets (routekit.yaml): the calls of 100, 200 and 300 input tokens split at 150 and 250
    write_files(client, {"routekit.yaml": "length_buckets: {input: [150, 250]}\n"})
    info = build(con, client)
    assert not info.skipped
    assert con.execute("SELECT list(DISTINCT len_in ORDER BY len_in) FROM int_calls").fetchone()[0] == \
        ["150-250", "250+", "<150"]
    # a tier map that moves gpt-4o (routekit.yaml tiers.models)
    write_files(client, {"routekit.yaml": "length_buckets: {input: [150, 250]}\ntiers: {models: {gpt-4o: budget}}\n"})
    info = build(con, client)
    assert not info.skipped and con.execute("SELECT DISTINCT tier FROM int_calls").fetchall() == [("budget",)]
    assert build(con, client).skipped


def test_new_data_a_reclassification_or_a_missing_table_rebuilds(tmp_path):
    client, con = _built(tmp_path)
    # a fourth call in the export: ingest reloads the file, and the build counts 4 calls
    csv = client / "spendlogs.csv"
    csv.write_text(csv.read_text() + 'd,gpt-4o,400,40,2026-10-02 10:00:00+00,0.004,openai,"[]"\n')
    ingest(client, tmp_path / "rk.duckdb")
    info = build(con, client)
    assert not info.skipped and con.execute("SELECT sum(calls) FROM mart_cube").fetchone()[0] == 4
    assert build(con, client).skipped
    # a forced re-classification (same rules, a new run) is a new input too
    classify_calls(con, client, force=True)
    assert not build(con, client).skipped
    # a built table gone, or a build cut short before its last mart (no build_state): rebuilt
    con.execute("DROP TABLE mart_models")
    assert not build(con, client).skipped and con.execute("SELECT count(*) FROM mart_models").fetchone()[0] == 1
    con.execute("DELETE FROM build_state")
    assert not build(con, client).skipped and build(con, client).skipped


# ------------------------------------------------------------------------------------------------- price cliffs

TOKENS_HEADER = ("usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,"
                 "usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,"
                 "usage_output_tokens,web_search_count,inference_geo,speed")


def test_a_price_cliff_is_per_request_so_a_days_usage_row_is_above_it_only_when_the_export_says_so(tmp_path):
    sonnet = "claude-sonnet-4-5-20250929"
    client = tmp_path / "client"
    write_files(client, {
        # one day of traffic, each request under 200k: 1,000,000 + 100,000 tokens in all
        "anthropic/claude_api_tokens_2026-10.csv": "\n".join([
            TOKENS_HEADER,
            f"2026-10-01,{sonnet},k,Default,standard,≤ 200k,1000000,0,0,0,100000,0,global,",
            f"2026-10-02,{sonnet},k,Default,standard,200k-1M,300000,0,0,0,10000,0,global,"]) + "\n",
        # one request of 250,000 input tokens, 50,000 of them written to the cache
        "spendlogs.csv": "\n".join([
            "request_id,model,prompt_tokens,completion_tokens,startTime,spend,custom_llm_provider,metadata",
            'x,claude-sonnet-4-5,250000,1000,2026-10-03 10:00:00+00,1.5,anthropic,'
            '"{""usage_object"": {""cache_creation_input_tokens"": 50000}}"']) + "\n"})
    db = tmp_path / "rk.duckdb"
    ingest(client, db)
    con = connect(db)
    build(con, client)
    usage = [float(c) for (c,) in con.execute("SELECT cost_usd FROM int_usage ORDER BY period_start").fetchall()]
    # claude-sonnet-4-5 list prices per million tokens: $3 in / $15 out; above 200k: $6 in / $22.50 out, $7.50 write
    # below the cliff: 1.0 * 3 + 0.1 * 15 = 4.50 (the day's 1.1 M tokens are many requests, not one)
    # the export's 200k-1M bucket: 0.3 * 6 + 0.01 * 22.5 = 2.025
    assert usage == pytest.approx([4.5, 2.025], abs=1e-9)
    (call,) = con.execute("SELECT cost_usd FROM int_calls").fetchone()
    # 200,000 uncached * 6 + 50,000 written * 7.5 + 1,000 out * 22.5 = 1.2 + 0.375 + 0.0225
    assert float(call) == pytest.approx(1.5975, abs=1e-9)


def test_the_cube_adds_usage_only_for_providers_and_months_without_logs(tmp_path):
    sonnet = "claude-sonnet-4-5-20250929"
    client = tmp_path / "client"
    oct_15 = 1792022400   # 2026-10-15 00:00 UTC
    write_files(client, {
        # October's logs: OpenAI calls only
        "spendlogs.csv": "\n".join([
            "request_id,model,prompt_tokens,completion_tokens,startTime,spend,custom_llm_provider",
            "a,gpt-4o,1000,100,2026-10-15 10:00:00+00,0.0035,openai"]) + "\n",
        # OpenAI's usage export for the same month: the same traffic, already in the logs
        "openai_usage.json": json.dumps({"object": "page", "has_more": False, "next_page": None, "data": [
            {"object": "bucket", "start_time": oct_15, "end_time": oct_15 + 86400, "results": [
                {"object": "organization.usage.completions.result", "input_tokens": 1000, "output_tokens": 100,
                 "num_model_requests": 1, "model": "gpt-4o"}]}]}),
        # Anthropic's console usage: traffic no log shows
        "anthropic/claude_api_tokens_2026-10.csv": "\n".join([
            TOKENS_HEADER, f"2026-10-15,{sonnet},k,Default,standard,≤ 200k,1000000,0,0,0,100000,0,global,",
            # days the logs do not cover: left out, or they would widen the window the logs' totals are divided by
            f"2026-09-15,{sonnet},k,Default,standard,≤ 200k,7000000,0,0,0,100000,0,global,",
            f"2026-10-20,{sonnet},k,Default,standard,≤ 200k,7000000,0,0,0,100000,0,global,"]) + "\n"})
    db = tmp_path / "rk.duckdb"
    ingest(client, db)
    con = connect(db)
    build(con, client)
    cube = con.execute("""SELECT provider, task_type, len_in, calls, requests, round(cost_usd, 6) FROM mart_cube
                          ORDER BY provider""").fetchall()
    # gpt-4o at $2.50 / $10 per million: 1000 * 2.5e-6 + 100 * 1e-5 = $0.0035, once (from the log, not the usage)
    # claude-sonnet-4-5 at $3 / $15: 1.0 * 3 + 0.1 * 15 = $4.50, as 'other' of unknown length (Anthropic counts no
    # requests in this export)
    assert [(p, t, li, c, float(cost)) for p, t, li, c, _, cost in cube] == [
        ("anthropic", "other", "unknown", None, 4.5), ("openai", "other", "1k-4k", 1, 0.0035)]   # 1,000 is 1k-4k


def test_a_logged_call_with_no_provider_keeps_its_months_usage_out_of_the_cube(tmp_path):
    client = tmp_path / "client"
    oct_15 = 1792022400   # 2026-10-15 00:00 UTC
    write_files(client, {
        "spendlogs.csv": "request_id,model,prompt_tokens,completion_tokens,startTime,spend\n"
                         "a,gpt-4o,1000,100,2026-10-15 10:00:00+00,0.0035\n",      # no provider column
        "openai_usage.json": json.dumps({"object": "page", "has_more": False, "next_page": None, "data": [
            {"object": "bucket", "start_time": oct_15, "end_time": oct_15 + 86400, "results": [
                {"object": "organization.usage.completions.result", "input_tokens": 1000, "output_tokens": 100,
                 "num_model_requests": 1, "model": "gpt-4o"}]}]})})
    db = tmp_path / "rk.duckdb"
    ingest(client, db)
    con = connect(db)
    build(con, client)
    # the call could be OpenAI's: its month's OpenAI usage is the same traffic, not more
    assert con.execute("SELECT provider, calls, round(cost_usd, 6)::DOUBLE FROM mart_cube").fetchall() == [
        (None, 1, 0.0035)]

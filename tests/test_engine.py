"""engine.build: int_calls carries each call's own task type, once, however the task rows are keyed; a build whose
inputs did not change keeps its tables, and any change to them rebuilds."""
from __future__ import annotations

import json
from decimal import Decimal

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


def _built(tmp_path, client=None):
    """The client folder (default _client's) ingested and built into tmp_path/rk.duckdb: (folder, connection)."""
    client = client or _client(tmp_path)
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


def _usage_day(start: int, model: str, input_tokens: int, output_tokens: int, requests: int) -> str:
    """One day of an OpenAI Usage API completions page (organization.usage.completions) for one model."""
    return json.dumps({"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": start, "end_time": start + 86400, "results": [
            {"object": "organization.usage.completions.result", "input_tokens": input_tokens,
             "output_tokens": output_tokens, "num_model_requests": requests, "model": model}]}]})


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
        "openai_usage.json": _usage_day(oct_15, "gpt-4o", 1000, 100, 1),
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
        "openai_usage.json": _usage_day(oct_15, "gpt-4o", 1000, 100, 1)})
    db = tmp_path / "rk.duckdb"
    ingest(client, db)
    con = connect(db)
    build(con, client)
    # the call could be OpenAI's: its month's OpenAI usage is the same traffic, not more
    assert con.execute("SELECT provider, calls, round(cost_usd, 6)::DOUBLE FROM mart_cube").fetchall() == [
        (None, 1, 0.0035)]


# -- time-of-day prices: each call at its slice of the UTC day, usage at the day rate, the cube keyed by slot ------
# deepseek-chat (genai-prices 0.2.3, DeepSeek's price list): $0.27 input / $1.10 output per million tokens from 00:30 to
# 16:30 UTC, half that (0.135 / 0.55) from 16:30 to 00:30. Every row below is 1,000,000 input and 100,000 output tokens:
# peak 0.27 + 0.11 = $0.38, off-peak 0.135 + 0.055 = $0.19.
PEAK, OFF_PEAK = 0.38, 0.19
OCT_1 = 1790812800   # 2026-10-01 00:00 UTC


def _deepseek_client(tmp_path):
    client = tmp_path / "client"
    write_files(client, {
        "spendlogs.csv": "\n".join([
            "request_id,model,prompt_tokens,completion_tokens,startTime,spend,custom_llm_provider",
            "a,deepseek-chat,1000000,100000,2026-10-01 00:15:00+00,0,deepseek",
            "b,deepseek-chat,1000000,100000,2026-10-01 00:30:00+00,0,deepseek",
            "c,deepseek-chat,1000000,100000,2026-10-01 16:29:00+00,0,deepseek",
            "d,deepseek-chat,1000000,100000,2026-10-01 16:30:00+00,0,deepseek",
            # 18:29 at UTC+2 is 16:29 UTC: peak
            "e,deepseek-chat,1000000,100000,2026-10-01 18:29:00+02:00,0,deepseek"]) + "\n",
        # a day's aggregated usage of the same model: its requests ran at any hour; it starts at midnight
        "openai_usage.json": _usage_day(OCT_1, "deepseek-chat", 1000000, 100000, 10)})
    return _built(tmp_path, client)


def test_each_call_is_priced_at_the_rate_of_its_utc_time_of_day(tmp_path):
    _, con = _deepseek_client(tmp_path)
    costs = dict(con.execute("""SELECT c.request_id, i.cost_usd FROM int_calls i JOIN calls c USING (_source_file,
                                _source_row)""").fetchall())
    assert {k: float(v) for k, v in costs.items()} == pytest.approx(
        {"a": OFF_PEAK, "b": PEAK, "c": PEAK, "d": OFF_PEAK, "e": PEAK}, abs=1e-12)


def test_a_usage_row_without_a_time_of_day_keeps_the_day_rate(tmp_path):
    """Its period starts at midnight, in the off-peak slice; its requests ran all day: the rate in force for most
    of the day (deepseek-chat's peak, 16 of 24 hours) prices it, as before time-of-day prices were carried."""
    _, con = _deepseek_client(tmp_path)
    (cost, source), = con.execute("SELECT cost_usd, price_source FROM int_usage").fetchall()
    assert float(cost) == pytest.approx(PEAK, abs=1e-12)
    assert "16 h of 24" in source


def test_the_cube_has_a_time_of_day_slot_and_the_simulator_prices_each_at_its_rate(tmp_path):
    from routekit.prices import PriceCatalog
    from routekit.scenario import Policy, Simulator, load_cube

    _, con = _deepseek_client(tmp_path)
    assert con.execute("SELECT slot, CAST(from_time AS VARCHAR), CAST(to_time AS VARCHAR) FROM time_slots "
                       "ORDER BY from_time").fetchall() == [
        ("00:00-00:30", "00:00:00", "00:30:00"), ("00:30-16:30", "00:30:00", "16:30:00"),
        ("16:30-24:00", "16:30:00", None)]
    slots = con.execute("""SELECT tod_slot, sum(calls), round(sum(cost_usd), 6) FROM mart_cube WHERE calls IS NOT NULL
                           GROUP BY ALL ORDER BY ALL""").fetchall()
    assert [(s, n, float(c)) for s, n, c in slots] == [
        ("00:00-00:30", 1, pytest.approx(OFF_PEAK)), ("00:30-16:30", 3, pytest.approx(3 * PEAK)),
        ("16:30-24:00", 1, pytest.approx(OFF_PEAK))]
    # the usage row (OpenAI's export, a provider without logs, so it is in the cube) has no slot: the day rate
    assert con.execute("SELECT tod_slot, requests FROM mart_cube WHERE calls IS NULL").fetchall() == [(None, 10)]
    rows, projection = load_cube(con)
    sim = Simulator(rows, projection, PriceCatalog(), {"mid": "deepseek-chat", "budget": "gpt-5-nano"})
    # one day of logs, projected to an average month (x 30.4375): two off-peak calls, three peak ones, the usage row
    month = round(30.4375 * (2 * OFF_PEAK + 3 * PEAK + PEAK), 2)   # 161.32
    assert sim.evaluate(None)["baseline_monthly_cost_usd"] == month
    assert sim.row_prices().totals(None)["baseline_monthly_cost_usd"] == month
    # everything to mid, whose representative here is deepseek-chat itself (mid's expected output factor is 1.0): a
    # mix that moves a row prices it at its slot's rate, so the same traffic costs the same
    to_mid = Policy(name="all mid", default={"mid": Decimal(1)})
    assert sim.evaluate(to_mid)["monthly_cost_usd"] == month
    assert sim.row_prices().totals(to_mid)["monthly_cost_usd"] == month
    # and to budget (gpt-5-nano, $0.05 / $0.40, no time of day): 30.4375 x 6 rows x (0.05 + 0.1 x 0.4)
    to_budget = Policy(name="all budget", default={"budget": Decimal(1)})
    assert sim.evaluate(to_budget)["monthly_cost_usd"] == round(30.4375 * 6 * 0.09, 2)


def test_a_time_of_day_representative_alone_gives_the_cube_its_slots(tmp_path):
    """gpt-4o calls only, but routekit.yaml makes deepseek-chat the mid representative: a mix may move the calls to
    it, so the cube carries the slots and the simulator prices the moved calls at their time's rate."""
    from routekit.config import load_config
    from routekit.prices import PriceCatalog
    from routekit.scenario import Policy, Simulator, load_cube
    from routekit.tiers import TierMap

    client = tmp_path / "client"
    write_files(client, {
        "routekit.yaml": "tiers:\n  representatives:\n    mid: deepseek-chat\n",
        "spendlogs.csv": "\n".join([
            "request_id,model,prompt_tokens,completion_tokens,startTime,spend,custom_llm_provider",
            "a,gpt-4o,1000000,100000,2026-10-01 10:00:00+00,0,openai",
            "b,gpt-4o,1000000,100000,2026-10-01 20:00:00+00,0,openai"]) + "\n"})
    db = tmp_path / "rk.duckdb"
    ingest(client, db)
    con = connect(db)
    build(con, client)
    assert [s for (s,) in con.execute("SELECT tod_slot FROM mart_cube ORDER BY 1").fetchall()] == [
        "00:30-16:30", "16:30-24:00"]
    rows, projection = load_cube(con)
    sim = Simulator(rows, projection, PriceCatalog(), TierMap.for_config(load_config(client)).representatives)
    # gpt-4o: 2.5 + 0.1 x 10 = $3.50 a call; at deepseek-chat: $0.38 at 10:00 (peak), $0.19 at 20:00 (off-peak)
    assert sim.evaluate(None)["baseline_monthly_cost_usd"] == round(30.4375 * 7, 2)
    to_mid = Policy(name="all mid", default={"mid": Decimal(1)})
    assert sim.evaluate(to_mid)["monthly_cost_usd"] == round(30.4375 * (PEAK + OFF_PEAK), 2)
    assert sim.row_prices().totals(to_mid)["monthly_cost_usd"] == round(30.4375 * (PEAK + OFF_PEAK), 2)


def test_calls_past_a_price_cliff_are_priced_past_it_by_the_simulator_too(tmp_path):
    """claude-sonnet-4-5 (Anthropic's price page: $3 / $15 per Mtok, $6 / $22.50 for a request over 200,000 input
    tokens) and gemini-2.5-pro ($1.25 / $10, $2.50 / $15 over 200,000). The spend was priced per call; the simulator
    prices the cube, whose rows hold many calls, so the cube keeps calls on either side of every cliff apart
    (int_calls.input_floor) and a mix prices them exactly, at today's model and at a representative's."""
    from routekit.config import load_config
    from routekit.prices import PriceCatalog
    from routekit.scenario import Policy, Simulator, load_cube
    from routekit.tiers import TierMap

    client = tmp_path / "client"
    write_files(client, {
        "routekit.yaml": "tiers:\n  representatives:\n    flagship: gemini-2.5-pro\n",
        "spendlogs.csv": "\n".join([
            "request_id,model,prompt_tokens,completion_tokens,startTime,spend,custom_llm_provider",
            "a,claude-sonnet-4-5,250000,1000,2026-10-01 10:00:00+00,0,anthropic",
            "b,claude-sonnet-4-5,150000,1000,2026-10-01 11:00:00+00,0,anthropic",
            "c,claude-sonnet-4-5,200000,1000,2026-10-01 12:00:00+00,0,anthropic",   # at the cliff, not over it
            "d,claude-sonnet-4-5,200001,1000,2026-10-01 13:00:00+00,0,anthropic"]) + "\n"})
    db = tmp_path / "rk.duckdb"
    ingest(client, db)
    con = connect(db)
    build(con, client)
    # the largest of the catalog's cliffs (32,000 ... 524,288; 199,999 is grok-4.20's) each call is over
    assert con.execute("""SELECT c.request_id, i.input_floor FROM int_calls i JOIN calls c USING (_source_file,
                          _source_row) ORDER BY 1""").fetchall() == [("a", 200000), ("b", 128000), ("c", 199999),
                                                                      ("d", 200000)]
    # per call at Sonnet:  a 0.25 x 6 + 0.001 x 22.5 = 1.5225      b 0.15 x 3 + 0.001 x 15 = 0.465
    #                      c 0.2 x 3 + 0.001 x 15 = 0.615          d 0.200001 x 6 + 0.001 x 22.5 = 1.222506
    sonnet = Decimal("1.5225") + Decimal("0.465") + Decimal("0.615") + Decimal("1.222506")   # 3.825006 a day
    # at Gemini 2.5 Pro:   a 0.25 x 2.5 + 0.001 x 15 = 0.64        b 0.15 x 1.25 + 0.001 x 10 = 0.1975
    #                      c 0.2 x 1.25 + 0.001 x 10 = 0.26        d 0.200001 x 2.5 + 0.001 x 15 = 0.5150025
    gemini = Decimal("0.64") + Decimal("0.1975") + Decimal("0.26") + Decimal("0.5150025")   # 1.6125025 a day
    assert con.execute("SELECT sum(cost_usd) FROM int_calls").fetchone()[0] == sonnet
    rows, projection = load_cube(con)
    sim = Simulator(rows, projection, PriceCatalog(), TierMap.for_config(load_config(client)).representatives)
    # one day of logs, projected to an average month (x 30.4375); flagship's expected output factor is 1.0
    month = float(round(sonnet * Decimal("30.4375"), 2))   # 116.42 (at the base rate alone: 2.460003 a day, 74.88)
    assert sim.evaluate(None)["baseline_monthly_cost_usd"] == month
    assert sim.row_prices().totals(None)["baseline_monthly_cost_usd"] == month
    to_gemini = Policy(name="all flagship", default={"flagship": Decimal(1)})
    flagship = float(round(gemini * Decimal("30.4375"), 2))   # 49.08 (at the base rate alone: 1.04 a day, 31.66)
    assert sim.evaluate(to_gemini)["monthly_cost_usd"] == flagship
    assert sim.row_prices().totals(to_gemini)["monthly_cost_usd"] == flagship
    assert sim.evaluate(None)["all_flagship_monthly_cost_usd"] == flagship


def test_without_time_of_day_prices_the_cube_has_one_constant_slot(tmp_path):
    _, con = _built(tmp_path)
    assert con.execute("SELECT * FROM time_slots").fetchall() == [("all day", None, None)]
    assert con.execute("SELECT DISTINCT tod_slot FROM int_calls").fetchall() == [("all day",)]

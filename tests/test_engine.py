"""engine.build: int_calls carries each call's own task type, once, however the task rows are keyed."""
from __future__ import annotations

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
    build(con, client)   # classification unchanged (same fingerprint): the tampered keys stay
    assert con.execute("SELECT count(*) FROM int_calls").fetchone()[0] == 3
    assert _tasks(con) == {"a": "summarization", "b": "code_generation", "c": "rewrite"}
    assert con.execute("SELECT sum(calls) FROM mart_cube").fetchone()[0] == 3

"""Langfuse observations: public API pages (v1 camelCase), the UI's JSON export, blob storage JSONL (snake_case)."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from conftest import detected_format, file_entry, ingest_and_price


def generation(obs_id, model, usage_details, *, start="2026-09-14T08:15:30.000Z", end="2026-09-14T08:15:31.500Z",
               **extra):
    obs = {"id": obs_id, "traceId": "tr-" + obs_id, "type": "GENERATION", "name": "OpenAI-generation",
           "startTime": start, "endTime": end, "completionStartTime": None, "model": model, "modelId": "m-1",
           "modelParameters": {"temperature": 0}, "input": None, "output": None, "metadata": {},
           "level": "DEFAULT", "statusMessage": None, "parentObservationId": None, "promptName": None,
           "usageDetails": usage_details, "costDetails": {}, "environment": "production", "latency": 1.5}
    obs.update(extra)
    return obs


PAGE = {"data": [
    # $.data[0]: the OpenAI integration keeps cached tokens apart from "input": 400 + 400 cached = 800 input;
    # output 60 + 40 reasoning = 100
    generation("obs-1", "gpt-4o", {"input": 400, "input_cached_tokens": 400, "output": 60,
                                   "output_reasoning_tokens": 40, "total": 900},
               costDetails={"input": 0.001, "input_cached_tokens": 0.0005, "output": 0.001, "total": 0.0025},
               modelParameters={"response_format": {"type": "json_object"}},
               input=[{"role": "system", "content": "You label tickets."},
                      {"role": "user", "content": "Ticket 12: refund please"}],
               metadata={"feature": "ticket-triage"}),
    # $.data[1]: a span: not a model call
    {"id": "obs-2", "traceId": "tr-obs-1", "type": "SPAN", "name": "retrieve", "startTime": "2026-09-14T08:15:29Z",
     "usageDetails": {}},
    # $.data[2]: an errored LangChain generation: no usage, kept as an error call; provider from ls_provider
    generation("obs-3", "claude-sonnet-4-5-20250929", {}, level="ERROR", statusMessage="overloaded_error",
               metadata={"ls_provider": "anthropic"}, promptName="call-notes",
               input={"messages": [{"role": "user", "content": "Summarise this call"}], "tools": [{"name": "x"}]}),
    # $.data[3]: Anthropic keys: 50 + 1,000 read + 200 written = 1,250 input
    generation("obs-4", "claude-haiku-4-5", {"input": 50, "cache_read_input_tokens": 1000,
                                             "cache_creation_input_tokens": 200, "output": 30},
               input="Translate to French: hello", start="2026-09-14T10:00:00Z", end=None),
    # $.data[4]: a count that is not a number
    generation("obs-5", "gpt-4o", {"input": 10, "output": "x"}),
    # $.data[5]: a successful generation without usage would be priced as free
    generation("obs-6", "gpt-4o", {}),
    # $.data[6]: an agent step (Langfuse v3 observation types): not loaded
    {"id": "obs-7", "traceId": "tr-7", "type": "AGENT", "name": "planner", "startTime": "2026-09-14T08:15:29Z"},
], "meta": {"page": 1, "limit": 50, "totalItems": 7, "totalPages": 1}}

# blob storage export, observations_v2: snake_case, input and metadata as strings holding JSON, trace fields inline
BLOB = {"id": "b-1", "trace_id": "t-9", "project_id": "proj-abc", "environment": "default", "type": "GENERATION",
        "parent_observation_id": None, "start_time": "2026-09-15 07:00:00.000000",
        "end_time": "2026-09-15 07:00:00.800000", "name": "llm", "metadata": "{\"team\": \"growth\"}",
        "level": "DEFAULT", "status_message": None, "version": None,
        "input": "[{\"role\": \"user\", \"content\": \"Extract the email from the signature below\"}]",
        "output": "ana@example.com", "provided_model_name": "gpt-4o-mini", "model_parameters": "{}",
        "usage_details": {"input": 120, "output": 8, "total": 128}, "cost_details": {"total": 0.0000228},
        "total_cost": 0.0000228, "user_id": "u-1", "session_id": "s-1", "trace_name": "lead-intake",
        "tags": ["prod"]}
# exports made before Langfuse v3: only the deprecated usage object
OLD = generation("old-1", "gpt-4o-mini", None, usage={"input": 1000, "output": 10, "total": 1010, "unit": "TOKENS",
                                                      "inputCost": 0.00015, "totalCost": 0.000156})


def test_api_pages(ingest):
    report, con = ingest({"langfuse/observations-p1.json": json.dumps(PAGE, indent=2)})
    f = file_entry(report, "langfuse/observations-p1.json")
    assert f["format"] == "langfuse_observations"
    # 7 observations: 5 generations (3 loaded, 2 rejected); a span and an agent step named in the note
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (5, 3, 2)
    assert f["note"] == "2 non-model observations not loaded (agent 1, span 1)"
    rows = {r[0]: r[1:] for r in con.execute("""
        SELECT request_id, provider, model, feature, status, error, input_tokens, cached_input_tokens,
               cache_write_tokens, output_tokens, reasoning_tokens, reported_cost_usd, latency_ms, operation,
               system_prompt, user_prompt, n_messages, has_tools, json_mode, ts, _source_row
        FROM calls""").fetchall()}
    o1 = rows["obs-1"]
    assert o1[:5] == (None, "gpt-4o", "ticket-triage", "success", None)
    assert o1[5:10] == (800, 400, 0, 100, 40)
    assert float(o1[10]) == 0.0025 and o1[11] == 1500.0 and o1[12] == "generation"
    assert o1[13:18] == ("You label tickets.", "Ticket 12: refund please", 2, False, True)
    assert o1[18:] == (datetime(2026, 9, 14, 8, 15, 30), "$.data[0]")

    o3 = rows["obs-3"]
    assert o3[:5] == ("anthropic", "claude-sonnet-4-5-20250929", "call-notes", "error", "overloaded_error")
    assert o3[14:17] == ("Summarise this call", 1, True)

    o4 = rows["obs-4"]
    assert o4[5:9] == (1250, 1000, 200, 30)
    assert o4[11] == 1500.0       # no end time: the API's latency (seconds)
    assert o4[14] == "Translate to French: hello"

    assert con.execute("SELECT _source_row, reason FROM rejects ORDER BY 1").fetchall() == [
        ("$.data[4]", "usage output is not a whole number: 'x'"),
        ("$.data[5]", "missing input token count (usageDetails); missing output token count (usageDetails)")]


def test_blob_storage_jsonl_and_old_exports(ingest):
    report, con = ingest({"observations_v2/2026/09/15/part-0001.jsonl": json.dumps(BLOB) + "\n",
                          "old-export.json": json.dumps([OLD])})
    assert file_entry(report, "observations_v2/2026/09/15/part-0001.jsonl")["format"] == "langfuse_observations"
    rows = {r[0]: r[1:] for r in con.execute("""
        SELECT request_id, model, feature, project, user_id, tags, input_tokens, output_tokens, latency_ms,
               user_prompt, ts FROM calls""").fetchall()}
    assert rows["b-1"] == ("gpt-4o-mini", "lead-intake", "growth", "u-1", ["prod"], 120, 8, 800.0,
                           "Extract the email from the signature below", datetime(2026, 9, 15, 7, 0))
    # the deprecated usage object: input and output only (its costs and unit are not counts)
    assert rows["old-1"][5:7] == (1000, 10)


def test_priced_through_the_cli(client):
    report, costs = ingest_and_price(client, {"langfuse.json": json.dumps(PAGE)})
    assert report["files"][0]["format"] == "langfuse_observations"
    # gpt-4o per million: $2.50 in, $1.25 cached, $10 out: 400 * 2.5 + 400 * 1.25 + 100 * 10 = 2,500 → $0.0025
    assert costs["line 1 $.data[0]"] == pytest.approx(0.0025, abs=1e-12)
    # claude-haiku-4-5: $1 in, $0.10 read, $1.25 write, $5 out: 50 + 100 + 250 + 150 = 550 → $0.00055
    assert costs["line 1 $.data[3]"] == pytest.approx(0.00055, abs=1e-12)


def test_detected_by_content_alone(tmp_path):
    for name, text in [("a.json", json.dumps(PAGE, indent=2)), ("b.jsonl", json.dumps(BLOB) + "\n"),
                       ("c.json", json.dumps([OLD]))]:
        assert detected_format(tmp_path, name, text) == "langfuse_observations", name


def test_a_generation_without_readable_usage_is_rejected_not_loaded_as_free(ingest):
    no_usage = generation("nu-1", "gpt-4o", None)
    del no_usage["usageDetails"]                                             # line 1: no usage field at all
    nulls = generation("nu-2", "gpt-4o", {"input": None, "output": None})   # line 2: every type null
    as_text = generation("nu-3", "gpt-4o", '{"input": 120, "output": 8}')   # line 3: the map as a string of JSON
    a_list = generation("nu-4", "gpt-4o", [120, 8])                          # line 4: not a map
    report, con = ingest({"obs.jsonl": "".join(json.dumps(o) + "\n" for o in (no_usage, nulls, as_text, a_list))})
    assert (file_entry(report, "obs.jsonl")["rows_loaded"], file_entry(report, "obs.jsonl")["rows_rejected"]) == (1, 3)
    assert con.execute("SELECT request_id, input_tokens, output_tokens FROM calls").fetchall() == [("nu-3", 120, 8)]
    missing = "missing input token count (usageDetails); missing output token count (usageDetails)"
    assert con.execute("SELECT _source_row, reason FROM rejects ORDER BY 1").fetchall() == [
        ("line 1", missing), ("line 2", missing), ("line 4", "usageDetails is not an object: '[120,8]'")]


def v2_observation(obs_id, obs_type="GENERATION", **groups):
    """An observation of the v2 API (GET /api/public/v2/observations) with the `core` and `basic` field groups, the
    ones it returns when `fields` names none, plus the groups given (langfuse/langfuse,
    fern/apis/server/definition/observations-v2.yml)."""
    obs = {"id": obs_id, "traceId": "tr-" + obs_id, "startTime": "2026-09-14T08:15:30.000Z",
           "endTime": "2026-09-14T08:15:31.000Z", "projectId": "proj-1", "parentObservationId": None,
           "type": obs_type, "name": "llm", "level": "DEFAULT", "statusMessage": None, "version": None,
           "environment": "default", "bookmarked": False, "public": False, "userId": None, "sessionId": None}
    obs.update(groups)
    return obs


USAGE_GROUP = {"usageDetails": {"input": 400, "output": 100}, "costDetails": {"total": 0.002}, "totalCost": 0.002}
MODEL_GROUP = {"providedModelName": "gpt-4o", "internalModelId": "m-1", "modelParameters": {}}


def v2_page(*observations):
    return json.dumps({"data": list(observations), "meta": {"cursor": "eyJsYXN0IjoxfQ=="}})


@pytest.mark.parametrize("groups, missing, lacks", [
    # `fields` not given: core and basic only
    ({}, "the usage and model field groups", "has token counts or a model"),
    # fields=core,basic,usage: counts, but no model to price them with
    (USAGE_GROUP, "the model field group", "has a model"),
    # fields=core,basic,model
    (MODEL_GROUP, "the usage field group", "has token counts"),
])
def test_a_v2_page_fetched_without_the_usage_fields_is_refused_once(ingest, groups, missing, lacks):
    """Not three generations rejected one by one for what the request left out: one line for the file, saying what
    it was fetched without and how to fetch it."""
    page = v2_page(v2_observation("g-1", **groups), v2_observation("g-2", **groups),
                   v2_observation("s-1", "SPAN"), v2_observation("g-3", **groups))
    report, con = ingest({"langfuse/v2-page-1.json": page})
    f = file_entry(report, "langfuse/v2-page-1.json")
    assert (f["status"], f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == \
        ("skipped", "langfuse_observations", 0, 0, 0)
    assert f["skipped_reason"] == (
        f"Langfuse observations (API pages, JSON export, blob storage JSONL): fetched without {missing}: none of its "
        f"3 generations {lacks}, so none is loaded (Langfuse's v2 observations API returns only the core and basic "
        "fields unless asked); fetch these pages again with `fields=core,basic,usage,model,io,metadata`")
    assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
    # the next ingest finds the file unchanged, still listed as not loaded
    report, _ = ingest()
    again = file_entry(report, "langfuse/v2-page-1.json")
    assert (again["status"], again["skipped_reason"]) == ("unchanged", f["skipped_reason"])


def test_a_v2_page_fetched_with_the_field_groups_loads(ingest):
    page = v2_page(v2_observation("g-1", **USAGE_GROUP, **MODEL_GROUP), v2_observation("s-1", "SPAN"))
    report, con = ingest({"langfuse/v2-page-1.json": page})
    f = file_entry(report, "langfuse/v2-page-1.json")
    assert (f["status"], f["rows_loaded"], f["rows_rejected"]) == ("loaded", 1, 0)
    assert con.execute("SELECT request_id, model, input_tokens, output_tokens FROM calls").fetchall() == [
        ("g-1", "gpt-4o", 400, 100)]
    # the same page saved again without the field groups: its call goes, and the file is listed as not loaded
    page = v2_page(v2_observation("g-1"))
    report, con = ingest({"langfuse/v2-page-1.json": page})
    assert file_entry(report, "langfuse/v2-page-1.json")["status"] == "skipped"
    assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 0


def test_real_input_that_already_holds_its_cache_reads(client):
    # A generation as Langfuse's Codex plugin wrote it (langfuse/codex-observability-plugin #22, usage as the issue
    # gives it; tests/data/real/README.md): "input" is Codex's input_tokens 117231, which already holds the
    # 115584 cache reads sent beside it. Summed like separate usage types, the input was 232815 and 117231 tokens
    # were priced as uncached. The record's own total, 117456 = 117231 + 225, is the sum without the cache: the
    # reads are inside "input"
    import duckdb

    from conftest import real_sample

    report, cost = ingest_and_price(client, {"langfuse/p1.json":
                                             real_sample("langfuse_observations_codex_cached_input.json")})
    f = file_entry(report, "langfuse/p1.json")
    assert (f["format"], f["rows_loaded"], f["rows_rejected"]) == ("langfuse_observations", 1, 0)
    with duckdb.connect(report["db"], read_only=True) as con:
        assert con.execute("""SELECT input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
                                     attributes ->> 'input_included_cache' FROM calls""").fetchall() == [
            (117231, 115584, 0, 225, "true")]
    # gpt-5-codex ($1.25 in, $0.125 cached, $10 out per MTok): (117231 - 115584) x 1.25 + 115584 x 0.125 + 225 x 10
    # = 2058.75 + 14448 + 2250 = 18756.75 µ$ (before: 117231 x 1.25 + 14448 + 2250 = 163236.75 µ$, 8.7x)
    assert cost == {"$.data[0]": 0.01875675}


def test_separate_usage_types_whose_total_is_their_sum_are_summed(ingest):
    # The same counts written apart, as Langfuse asks (total = 1647 + 115584 + 225 = 117456): summed as before;
    # and a total that fits neither reading leaves the sum alone
    page = {"data": [generation("apart", "gpt-5-codex", {"input": 1647, "cache_read_input_tokens": 115584,
                                                         "output": 225, "total": 117456}),
                     generation("odd", "gpt-5-codex", {"input": 1000, "input_cached_tokens": 500, "output": 10,
                                                       "total": 7})]}
    report, con = ingest({"p.json": json.dumps(page)})
    assert con.execute("""SELECT request_id, input_tokens, cached_input_tokens, output_tokens,
                                 attributes ->> 'input_included_cache' FROM calls ORDER BY 1""").fetchall() == [
        ("apart", 117231, 115584, 225, None), ("odd", 1500, 500, 10, None)]


def test_output_that_already_holds_its_reasoning(ingest):
    # total 1150 = 1000 input + 150 output: the 100 reasoning tokens beside "output" are inside it
    page = {"data": [generation("r", "gpt-5", {"input": 1000, "output": 150, "output_reasoning_tokens": 100,
                                               "total": 1150})]}
    report, con = ingest({"p.json": json.dumps(page)})
    assert con.execute("""SELECT input_tokens, output_tokens, reasoning_tokens,
                                 attributes ->> 'output_included_reasoning' FROM calls""").fetchall() == [
        (1000, 150, 100, "true")]

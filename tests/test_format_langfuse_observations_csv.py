"""Langfuse's UI batch export as CSV, in the layout Langfuse writes it.

The columns are the keys of the rows Langfuse's worker exports (worker/src/features/database-read-stream/
observation-stream.ts: convertObservation's fields, then traceName, traceTags, traceTimestamp, userId, the model's
prices, one column per score name, comments), and each value is written as transformStreamToCsv does: every field
double-quoted, a string as it is, anything else JSON.stringify'd (a Date becomes a JSON string, quotes included), null
as an empty field. Exports made before stringifyForCsv JSON-encoded strings too.
"""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from conftest import detected_format, file_entry, ingest_and_price

COLUMNS = [
    "id", "traceId", "projectId", "type", "environment", "parentObservationId", "startTime", "endTime", "name",
    "metadata", "level", "statusMessage", "version", "input", "output", "modelParameters", "completionStartTime",
    "promptId", "createdAt", "updatedAt", "usageDetails", "costDetails", "providedCostDetails", "model",
    "internalModelId", "promptName", "promptVersion", "latency", "timeToFirstToken", "inputCost", "outputCost",
    "totalCost", "inputUsage", "outputUsage", "totalUsage", "traceName", "traceTags", "traceTimestamp", "userId",
    "modelId", "inputPrice", "outputPrice", "totalPrice", "helpfulness", "comments"]


class Date(str):
    """A JavaScript Date in the row: JSON.stringify writes it as a JSON string."""


def _cell(value, legacy: bool) -> str:
    if value is None:
        text = ""
    elif isinstance(value, str) and not isinstance(value, Date) and not legacy:
        text = value
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return '"' + text.replace('"', '""') + '"'


def langfuse_csv(rows: list[dict], columns: list[str] = COLUMNS, legacy: bool = False) -> str:
    lines = [",".join('"' + c + '"' for c in columns)]
    lines += [",".join(_cell(row.get(c), legacy) for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def observation(obs_id, obs_type, model, usage, cost, *, start="2026-09-14T08:15:30.000Z",
                end="2026-09-14T08:15:31.500Z", **extra):
    row = {"id": obs_id, "traceId": "tr-" + obs_id, "projectId": "proj-1", "type": obs_type,
           "environment": "production", "startTime": Date(start), "endTime": Date(end) if end else None,
           "name": "llm-call", "metadata": {}, "level": "DEFAULT", "version": None, "input": None, "output": None,
           "modelParameters": {"temperature": "0"}, "createdAt": Date(start), "updatedAt": Date(start),
           "usageDetails": usage, "costDetails": cost, "providedCostDetails": {}, "model": model,
           "internalModelId": "m-1" if model else None, "promptName": None, "promptVersion": None,
           "latency": 1500, "totalCost": cost.get("total"), "inputUsage": usage.get("input", 0),
           "outputUsage": usage.get("output", 0), "totalUsage": usage.get("total", 0), "traceName": "support-bot",
           "traceTags": ["prod"], "traceTimestamp": Date(start), "userId": "u-7", "helpfulness": None, "comments": []}
    row.update(extra)
    return row


ROWS = [
    # row 1: the OpenAI integration keeps cached and reasoning tokens apart: 400 + 400 cached = 800 in, 60 + 40 out;
    # the prompt holds a comma, quotes and a line break
    observation("obs-1", "GENERATION", "gpt-4o",
                {"input": 400, "input_cached_tokens": 400, "output": 60, "output_reasoning_tokens": 40, "total": 900},
                {"input": 0.001, "input_cached_tokens": 0.0005, "output": 0.001, "total": 0.0025},
                input=[{"role": "system", "content": "You label tickets."},
                       {"role": "user", "content": 'Ticket 12: "refund", please\nthanks'}],
                metadata={"feature": "ticket-triage"},
                modelParameters={"response_format": "{\"type\": \"json_object\"}"}),
    # row 2: a span, not a model call
    observation("obs-2", "SPAN", None, {}, {}, name="retrieve"),
    # row 3: Anthropic's keys: 50 + 1,000 read + 200 written = 1,250 in; a plain-text input; the prompt name is the
    # feature
    observation("obs-3", "GENERATION", "claude-haiku-4-5",
                {"input": 50, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 200, "output": 30},
                {"total": 0.00055}, input="Translate to French: hello", promptName="translate",
                start="2026-09-14T10:00:00.000Z", end=None, latency=None),
    # row 4: a failed generation: no usage, kept as an error call
    observation("obs-4", "GENERATION", "gpt-4o", {}, {}, level="ERROR",
                statusMessage="Rate limit reached, retry in 20s"),
    # row 5: no output count for a generation that succeeded: it would be priced without its output
    observation("obs-5", "GENERATION", "gpt-4o", {"input": 10}, {}),
]


def test_ui_csv_export(ingest):
    report, con = ingest({"langfuse/observations.csv": langfuse_csv(ROWS)})
    f = file_entry(report, "langfuse/observations.csv")
    assert f["format"] == "langfuse_observations_csv"
    # 5 rows: 4 generations (3 loaded, 1 rejected) and a span named in the note
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (4, 3, 1)
    assert f["note"] == "1 non-model observation not loaded (span 1)"
    rows = {r[0]: r[1:] for r in con.execute("""
        SELECT request_id, model, feature, project, user_id, tags, status, error, input_tokens, cached_input_tokens,
               cache_write_tokens, output_tokens, reasoning_tokens, reported_cost_usd, latency_ms, system_prompt,
               user_prompt, n_messages, json_mode, ts, _source_row
        FROM calls""").fetchall()}
    o1 = rows["obs-1"]
    assert o1[:7] == ("gpt-4o", "ticket-triage", "proj-1", "u-7", ["prod"], "success", None)
    assert o1[7:12] == (800, 400, 0, 100, 40)
    assert float(o1[12]) == 0.0025 and o1[13] == 1500.0          # 08:15:31.5 - 08:15:30
    assert o1[14:18] == ("You label tickets.", 'Ticket 12: "refund", please\nthanks', 2, True)
    assert o1[18:] == (datetime(2026, 9, 14, 8, 15, 30), "row 1")

    o3 = rows["obs-3"]
    assert o3[1] == "translate" and o3[7:11] == (1250, 1000, 200, 30)
    assert o3[13] is None and o3[15] == "Translate to French: hello" and o3[19] == "row 3"
    assert rows["obs-4"][5:7] == ("error", "Rate limit reached, retry in 20s")
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("row 5", "missing output token count (usageDetails)")]


def test_an_older_export_with_every_value_json_encoded_and_fewer_columns(ingest):
    # before stringifyForCsv, strings were JSON.stringify'd too ("gpt-4o" with its quotes); and no environment,
    # prompt or score columns
    columns = [c for c in COLUMNS if c not in ("environment", "promptId", "promptName", "promptVersion",
                                               "helpfulness", "comments")]
    report, con = ingest({"old.csv": langfuse_csv(ROWS[:1], columns, legacy=True)})
    assert file_entry(report, "old.csv")["format"] == "langfuse_observations_csv"
    assert con.execute("""SELECT request_id, model, feature, input_tokens, output_tokens, user_prompt, ts
                          FROM calls""").fetchall() == [
        ("obs-1", "gpt-4o", "ticket-triage", 800, 100, 'Ticket 12: "refund", please\nthanks',
         datetime(2026, 9, 14, 8, 15, 30))]


def test_the_csv_and_the_json_export_of_one_generation_count_once(ingest):
    as_json = {"id": "obs-1", "traceId": "tr-obs-1", "type": "GENERATION", "startTime": "2026-09-14T08:15:30.000Z",
               "model": "gpt-4o", "usageDetails": {"input": 800, "output": 100}, "costDetails": {"total": 0.0025}}
    report, con = ingest({"a.json": json.dumps([as_json]), "b.csv": langfuse_csv(ROWS[:1])})
    assert file_entry(report, "b.csv")["rows_rejected"] == 1
    assert con.execute("SELECT request_id, _source_file FROM calls").fetchall() == [("obs-1", "a.json")]
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("row 1", "duplicate request_id: already loaded from a.json line 1 $[0]")]


def test_priced_through_the_cli(client):
    report, costs = ingest_and_price(client, {"observations.csv": langfuse_csv(ROWS)})
    assert report["files"][0]["format"] == "langfuse_observations_csv"
    # gpt-4o per million: $2.50 in, $1.25 cached, $10 out: 400 * 2.5 + 400 * 1.25 + 100 * 10 = 2,500 → $0.0025
    assert costs["row 1"] == pytest.approx(0.0025, abs=1e-12)
    # claude-haiku-4-5: $1 in, $0.10 read, $1.25 write, $5 out: 50 + 100 + 250 + 150 = 550 → $0.00055
    assert costs["row 3"] == pytest.approx(0.00055, abs=1e-12)


def test_detected_by_content_alone(tmp_path):
    assert detected_format(tmp_path, "export.csv", langfuse_csv(ROWS)) == "langfuse_observations_csv"

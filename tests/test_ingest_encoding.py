"""Files that are not UTF-8 where a JSON export must be: the unreadable lines are named, never silently lost."""
from __future__ import annotations

import json

from conftest import file_entry
from test_format_helicone_requests import RECORDS


def _line(rec: dict) -> bytes:
    return json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n"


def test_a_latin1_line_in_json_lines_is_rejected_by_its_number_and_the_rest_loads(ingest):
    # line 2 was written by a tool that saved "café" in Latin-1 (one byte 0xE9, not UTF-8's 0xC3 0xA9)
    latin1 = dict(RECORDS[5], request_id="hc-latin1", request_body={"messages": [{"role": "user", "content": "café"}]})
    text = _line(RECORDS[0]) + json.dumps(latin1, ensure_ascii=False).encode("latin-1") + b"\n" + _line(RECORDS[1])
    report, con = ingest({"helicone/output.jsonl": text})
    f = file_entry(report, "helicone/output.jsonl")
    # 3 lines: lines 1 and 3 loaded, line 2 rejected
    assert (f["status"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("loaded", 3, 2, 1)
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("line 2", "not UTF-8 text (bytes that are not UTF-8 on this line; re-export the file as UTF-8)")]
    # the line after the unreadable one keeps its own number (the reader's count skips the line it set aside)
    assert con.execute("SELECT request_id, _source_row FROM calls ORDER BY 1").fetchall() == [
        ("hc-1", "line 1"), ("hc-2", "line 3")]


def test_a_json_document_with_a_latin1_line_is_refused_whole(ingest):
    # pretty-printed: dropping the unreadable line would leave valid JSON that says something else
    doc = json.dumps([dict(RECORDS[0], request_properties={"Helicone-Property-Feature": "résumé"})], indent=2,
                     ensure_ascii=False)
    report, con = ingest({"export.json": doc.encode("latin-1")})
    f = file_entry(report, "export.json")
    assert f["status"] == "failed" and f["rows_loaded"] == 0
    bad_line = next(i for i, line in enumerate(doc.splitlines(), 1) if "résumé" in line)
    assert f["skipped_reason"].endswith(
        f"line {bad_line}: not UTF-8 text (bytes that are not UTF-8 on this line; re-export the file as UTF-8); "
        "the file is one JSON document, so none of it was loaded")
    assert con.execute("SELECT count(*) FROM calls").fetchone() == (0,)


def test_utf16_exports_are_read_as_text(ingest):
    # Excel's "Unicode Text" and PowerShell's Out-File save UTF-16 with a byte-order mark (every other byte 0): it
    # was skipped as "not text (binary ...)". A CSV and JSON Lines with Windows line ends, each loaded whole.
    from test_format_openrouter_activity_csv import HEADER, ROWS
    csv_text = "\r\n".join([HEADER, *ROWS[:2]]) + "\r\n"
    jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in RECORDS[:2])
    report, con = ingest({"openrouter.csv": csv_text.encode("utf-16"), "helicone.jsonl": jsonl.encode("utf-16")})
    assert file_entry(report, "openrouter.csv")["format"] == "openrouter_activity_csv"
    assert file_entry(report, "helicone.jsonl")["format"] == "helicone_requests"
    # OpenRouter rows 1 and 2: 10,389 + 512 input tokens; Helicone lines 1 and 2: 1,200 + 1,250
    assert con.execute("SELECT _format, count(*), sum(input_tokens) FROM calls GROUP BY 1 ORDER BY 1").fetchall() == [
        ("helicone_requests", 2, 2450), ("openrouter_activity_csv", 2, 10901)]
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)

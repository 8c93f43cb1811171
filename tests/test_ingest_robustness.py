"""Bad input never ends in a traceback and loses nothing; re-ingest is idempotent; each file loads atomically."""
from __future__ import annotations

import json

import duckdb
import pytest

from routekit.db import out_of_memory_text
from routekit.sources.base import _clean_duckdb_message

from conftest import file_entry, run_cli, sample_client, write_files
from test_format_litellm import CSV as LITELLM_CSV, HEADER, _row

GOOD_PAGE = json.dumps({"object": "page", "has_more": False, "next_page": None, "data": [
    {"object": "bucket", "start_time": 1790553600, "end_time": 1790640000, "results": [
        {"object": "organization.usage.completions.result", "input_tokens": 100, "output_tokens": 10,
         "num_model_requests": 2, "model": "gpt-4o"}]}]})


def _invariant(report):
    for f in report["files"]:
        assert f["rows_read"] == f["rows_loaded"] + f["rows_rejected"], f


def test_unusable_files_are_listed_with_a_reason(ingest, client):
    (client / "broken.csv.gz").write_bytes(b"this is not gzip data")   # a .gz that is not gzip
    report, con = ingest({
        "empty.csv": "",
        "blank.jsonl": "\n\n",
        "login.csv": "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Session expired</body></html>",
        "notes.csv": "name,comment\nx,y\n",
        "binary.json": b"\x00\x01\x02\x03 not text",
    })
    by_path = {f["path"]: f for f in report["files"]}
    assert by_path["empty.csv"]["skipped_reason"] == "empty file"
    assert by_path["blank.jsonl"]["skipped_reason"] == "empty file"
    assert by_path["login.csv"]["skipped_reason"].startswith("an HTML page, not an export")
    assert by_path["notes.csv"]["skipped_reason"] == "not a known export format: a CSV with columns name, comment"
    assert by_path["binary.json"]["skipped_reason"].startswith("not text")
    assert by_path["broken.csv.gz"]["skipped_reason"].startswith("not text")
    assert all(f["status"] == "skipped" and f["rows_read"] == 0 for f in report["files"])
    # skipped files are remembered in the manifest with their reason
    assert con.execute("SELECT count(*) FROM ingested_files WHERE skipped_reason IS NOT NULL").fetchone() == (6,)


def test_a_csv_without_a_header_is_described_without_quoting_its_first_row(ingest):
    """A file with no header has a data row where the column names go, and 'not a known export format: a CSV with
    columns ...' quoted it, prompt and all, into the report's file list."""
    prompt = "Summarise the board minutes: the merger plan"            # 44 characters, 7 words
    report, _ = ingest({"calls.csv": f"req-1,2026-10-01,gpt-4o,{prompt},Total Cost (USD)\n"
                                     f"req-2,2026-10-02,gpt-4o,{prompt},2\n",
                        "jp.csv": "要約してください。取締役会の議事録と合併計画について,1\n"})   # 26 characters: 9 + 17
    assert file_entry(report, "calls.csv")["skipped_reason"] == (
        "not a known export format: a CSV with columns req-1, 2026-10-01, gpt-4o, (a text of 44 characters), "
        "Total Cost (USD)")
    assert file_entry(report, "jp.csv")["skipped_reason"] == (
        "not a known export format: a CSV with columns (a text of 26 characters), 1")
    assert "merger" not in json.dumps(report) and "合併" not in json.dumps(report, ensure_ascii=False)


def test_truncated_json_document_is_refused_whole_with_a_clear_reason(ingest):
    text = json.dumps(json.loads(GOOD_PAGE), indent=2)
    report, con = ingest({"usage.json": text[: len(text) // 2]})
    f = file_entry(report, "usage.json")
    # whether or not the surviving half still shows which export it was, the reason says what happened
    assert f["status"] == "failed" and f["rows_read"] == 0
    assert "truncated or malformed JSON" in f["skipped_reason"] and "none of it was loaded" in f["skipped_reason"]
    assert report["tables"]["usage"]["rows"] == 0


def test_a_json_document_that_does_not_parse_is_refused_with_the_place(ingest):
    """The reason says where the document stops parsing (line and column), and whether the file was cut short or is
    malformed inside, without quoting it: "the document (319 lines) does not parse" left the consultant to look."""
    lines = json.dumps(json.loads(GOOD_PAGE), indent=2).splitlines()
    # 21 lines; line 15 is '          "num_model_requests": 2,' (10 spaces of indent)
    assert len(lines) == 21 and lines[14] == '          "num_model_requests": 2,'
    cut = "\n".join(lines[:15])[:-3]                # cut inside line 15: '..."num_model_requests":'
    bad = "\n".join(lines[:14] + ["          oops " + lines[14].lstrip()] + lines[15:])
    report, _ = ingest({"cut.json": cut, "bad.json": bad})
    assert file_entry(report, "cut.json")["skipped_reason"].endswith(
        "does not parse (it ends at line 15 in the middle of a value: the file was cut short), so none of it was "
        "loaded; re-export the file")
    # column 11: the first character after the 10 spaces, where "oops" stands instead of a quoted name
    assert "does not parse (line 15, column 11: expecting property name enclosed in double quotes)" in \
        file_entry(report, "bad.json")["skipped_reason"]
    assert "oops" not in json.dumps(report)


def _gzip_cut(text: str, at: int) -> tuple[bytes, bytes]:
    """(the whole .gz, a copy cut short that decompresses to exactly text[:at]): the compressor flushes at `at` (a
    full flush: every byte before it can be decoded without what follows), and the copy ends there, with neither the
    rest of the stream nor gzip's trailer, as a download stopped at that byte would."""
    import zlib

    z = zlib.compressobj(6, zlib.DEFLATED, 31)   # 31: a gzip header and trailer
    head = z.compress(text[:at].encode()) + z.flush(zlib.Z_FULL_FLUSH)
    whole = head + z.compress(text[at:].encode()) + z.flush()
    assert zlib.decompressobj(31).decompress(head) == text[:at].encode()
    return whole, head


def _litellm_rows(n: int, first: int = 1) -> list[str]:
    # 100 input and 10 output tokens a call, $0.001 each; a new minute per call, ids unique
    return [_row(f"req-{i}", "0.001", "100", "10", f"2026-09-03 {i // 60 % 24:02d}:{i % 60:02d}:00+00")
            for i in range(first, first + n)]


CUT = "the .gz file is cut short (an interrupted download or copy): "


def test_a_gz_call_log_cut_short_loads_its_complete_rows_and_records_the_cut(ingest, client):
    """A .gz whose download stopped part-way was refused whole ('the .gz file is cut short: copy it again'), so 700
    good calls counted for nothing. Now the complete rows before the cut load, and the cut is one reject that says
    where the file ends and what to do; loading the whole file later replaces the partial load, counting each call
    once."""
    rows = _litellm_rows(1000)
    text = HEADER + "\n" + "\n".join(rows) + "\n"
    # cut after 700 complete rows and 30 characters of row 701: lines 1 (header) to 701 are whole, line 702 is not
    at = len(HEADER) + 1 + sum(len(r) + 1 for r in rows[:700]) + 30
    whole, cut = _gzip_cut(text, at)
    (client / "spend.csv.gz").write_bytes(cut)
    report, con = ingest()
    f = file_entry(report, "spend.csv.gz")
    assert (f["status"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("loaded", 701, 700, 1)
    # 700 calls x 100 input, x 10 output, x $0.001
    calls = report["tables"]["calls"]
    assert (calls["rows"], calls["input_tokens"], calls["output_tokens"], calls["reported_cost_usd"]) == \
        (700, 70_000, 7_000, 0.7)
    assert con.execute("SELECT max(request_id[5:]::INT), count(DISTINCT request_id) FROM calls").fetchone() == \
        (700, 700)
    assert con.execute("SELECT _source_file, _source_row, reason FROM rejects").fetchall() == [
        ("spend.csv.gz", "line 702", CUT + "it ends in line 702, after row 700 (line 701); the rows before the cut "
         "are loaded, the rest of the file is missing: copy it again")]
    assert f["note"] == "cut short after row 700: the rest of the file is missing, copy it again"
    _invariant(report)

    # the whole file, copied again: it replaces the partial load, no call counted twice, the cut forgotten
    (client / "spend.csv.gz").write_bytes(whole)
    report, con = ingest()
    f = file_entry(report, "spend.csv.gz")
    assert (f["status"], f["rows_read"], f["rows_loaded"], f["rows_rejected"], f["note"]) == \
        ("replaced", 1000, 1000, 0, None)
    assert report["tables"]["calls"]["input_tokens"] == 100_000 and report["tables"]["calls"]["rows"] == 1000
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)


def test_a_gz_json_lines_file_cut_short_loads_its_complete_lines(ingest, client):
    """JSON Lines (the OpenAI usage page saved a line at a time): 600 whole lines and 57 characters of the 601st."""
    text = "\n".join([GOOD_PAGE] * 1000) + "\n"
    whole, cut = _gzip_cut(text, 600 * (len(GOOD_PAGE) + 1) + 57)
    (client / "usage.jsonl.gz").write_bytes(cut)
    report, con = ingest()
    f = file_entry(report, "usage.jsonl.gz")
    assert (f["status"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("loaded", 601, 600, 1)
    usage = report["tables"]["usage"]
    assert (usage["rows"], usage["requests"], usage["input_tokens"]) == (600, 1200, 60_000)   # 2 and 100 a line
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("line 601", CUT + "it ends in line 601, after line 600; the lines before the cut are loaded, the rest of "
         "the file is missing: copy it again")]
    (client / "usage.jsonl.gz").write_bytes(whole)
    report, _ = ingest()
    assert report["tables"]["usage"]["input_tokens"] == 100_000
    assert file_entry(report, "usage.jsonl.gz")["rows_rejected"] == 0


def test_a_small_gz_cut_short_is_still_recognised(ingest, client):
    """Under 64 KB decompressed the whole file is the format-detection sample, and reading it ended in EOFError:
    the file was listed as 'not text (binary or unreadable compressed data)'. 5 rows and half of the 6th."""
    rows = _litellm_rows(10)
    text = HEADER + "\n" + "\n".join(rows) + "\n"
    _, cut = _gzip_cut(text, len(HEADER) + 1 + sum(len(r) + 1 for r in rows[:5]) + len(rows[5]) // 2)
    (client / "spend.csv.gz").write_bytes(cut)
    report, _ = ingest()
    f = file_entry(report, "spend.csv.gz")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("litellm_spendlogs_csv", 6, 5, 1)
    assert report["tables"]["calls"]["input_tokens"] == 500


def test_a_gz_cut_short_exactly_at_a_line_end_still_records_the_cut(ingest, client):
    """Cut between two lines, every row read is whole, but the file is still incomplete: the cut is recorded."""
    rows = _litellm_rows(10)
    text = HEADER + "\n" + "\n".join(rows) + "\n"
    _, cut = _gzip_cut(text, len(HEADER) + 1 + sum(len(r) + 1 for r in rows[:4]))
    (client / "spend.csv.gz").write_bytes(cut)
    report, con = ingest()
    f = file_entry(report, "spend.csv.gz")
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (5, 4, 1)
    assert con.execute("SELECT _source_row FROM rejects").fetchall() == [("line 6",)]


def test_a_gz_cut_short_does_not_replace_a_whole_earlier_version(ingest, client):
    """A complete export loaded before, then a fresh download of it that stopped part-way: the cut copy is damaged
    and the earlier version whole, so the earlier rows stay (as for any file that fails), and the reason says so.
    An earlier version that was itself cut short is replaced by the new one."""
    rows = _litellm_rows(1000)
    text = HEADER + "\n" + "\n".join(rows) + "\n"
    whole, cut = _gzip_cut(text, len(HEADER) + 1 + sum(len(r) + 1 for r in rows[:300]) + 10)
    (client / "spend.csv.gz").write_bytes(whole)
    ingest()
    (client / "spend.csv.gz").write_bytes(cut)
    report, _ = ingest()
    f = file_entry(report, "spend.csv.gz")
    assert f["status"] == "failed" and f["skipped_reason"] == (
        "LiteLLM proxy SpendLogs (CSV): the .gz file is cut short (an interrupted download or copy): copy it again; "
        "the rows of its earlier version are kept")
    assert report["tables"]["calls"]["rows"] == 1000
    # a partial load is replaced by a longer partial copy (another try that also stopped, later)
    _, cut2 = _gzip_cut(text, len(HEADER) + 1 + sum(len(r) + 1 for r in rows[:600]) + 10)
    (client / "spend.csv.gz").write_bytes(cut)
    (client / ".routekit" / "routekit.duckdb").unlink()   # start again from the partial load alone
    report, _ = ingest()
    assert report["tables"]["calls"]["rows"] == 300
    (client / "spend.csv.gz").write_bytes(cut2)
    report, _ = ingest()
    f = file_entry(report, "spend.csv.gz")
    assert (f["status"], f["rows_loaded"], f["rows_rejected"]) == ("replaced", 600, 1)
    assert report["tables"]["calls"]["rows"] == 600


def test_truncated_last_jsonl_line_rejects_only_that_line(ingest):
    text = GOOD_PAGE + "\n" + GOOD_PAGE + "\n" + GOOD_PAGE[:57]   # the export was cut off mid-line
    report, con = ingest({"usage.jsonl": text})
    f = file_entry(report, "usage.jsonl")
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (3, 2, 1)
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("line 3", "truncated or malformed JSON line (57 characters)")]
    assert report["tables"]["usage"]["input_tokens"] == 200


def test_a_jsonl_file_whose_first_line_was_cut_loads_the_lines_after_it(ingest):
    """A copy resumed mid-file (or a cut line sorted to the top) leaves a first line that does not parse: the file was
    taken for one JSON document and refused whole, losing every good record for the sake of one."""
    text = GOOD_PAGE[40:] + "\n" + GOOD_PAGE + "\n" + GOOD_PAGE + "\n"
    report, con = ingest({"usage.jsonl": text})
    f = file_entry(report, "usage.jsonl")
    assert (f["status"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("loaded", 3, 2, 1)
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("line 1", f"truncated or malformed JSON line ({len(GOOD_PAGE) - 40} characters)")]
    assert report["tables"]["usage"]["input_tokens"] == 200


def test_jsonl_with_mixed_crlf_and_lf_line_ends_loads(ingest):
    """Logs joined from a Windows and a Unix machine: DuckDB's strict reader stopped at the change of line end ('The
    CSV Parser state machine reached an invalid state') and the whole file was refused."""
    report, _ = ingest({"usage.jsonl": GOOD_PAGE + "\r\n" + GOOD_PAGE + "\n" + GOOD_PAGE + "\r\n" + GOOD_PAGE + "\n"})
    f = file_entry(report, "usage.jsonl")
    assert (f["status"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("loaded", 4, 4, 0)
    assert report["tables"]["usage"]["input_tokens"] == 400


def test_a_database_error_never_quotes_the_text_it_failed_on():
    """DuckDB's JSON errors end with 'Input: "<the text>"', which may be a prompt; the file list of reports and logs
    shows these messages."""
    from routekit.sources.base import _clean_duckdb_message

    with pytest.raises(duckdb.Error) as caught:
        duckdb.connect().execute("""SELECT json_type('{"messages": "Summarise the merger plan')""")
    assert "merger plan" in str(caught.value)   # DuckDB quotes it
    # the text is 39 characters long ({"messages": is 12, a space, a quote, then 25): it ends inside the string
    assert _clean_duckdb_message(caught.value) == "Malformed JSON at byte 39 of input: unexpected end of data."


def test_bom_crlf_and_unknown_columns_are_accepted(ingest):
    lines = LITELLM_CSV.strip("\n").split("\n")[:3]   # header + two good rows
    lines[0] += ",x_internal_note"
    lines[1] += ",hello"
    lines[2] += ",world"
    data = b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n"
    report, con = ingest({"spend.csv": data})
    f = file_entry(report, "spend.csv")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("litellm_spendlogs_csv", 2, 2, 0)
    # 2000 + 1000 input tokens; the BOM did not hide the first column (request_id)
    assert report["tables"]["calls"]["input_tokens"] == 3000
    assert con.execute("SELECT list(request_id ORDER BY request_id) FROM calls").fetchone() == (["req-1", "req-2"],)


def test_rows_with_the_wrong_number_of_fields_are_rejected_by_line(ingest):
    good = [_row(f"r{i}", "0.01", "10", "1", "2026-09-01 00:00:00+00") for i in range(1, 5)]
    text = "\n".join([HEADER, good[0], "r-short,acompletion", good[1], good[2] + ",extra,fields", good[3]]) + "\n"
    report, con = ingest({"spend.csv": text})
    f = file_entry(report, "spend.csv")
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (5, 3, 2)
    rejects = con.execute("SELECT _source_row, reason FROM rejects ORDER BY _source_row").fetchall()
    assert [r[0] for r in rejects] == ["line 3", "line 5"]
    assert rejects[0][1].startswith("too few fields") and rejects[1][1].startswith("more fields")
    # good rows keep their data-row numbers despite the malformed rows between them
    rows = con.execute("SELECT request_id, _source_row FROM calls ORDER BY request_id").fetchall()
    # data rows: 1 r1, 2 short (rejected), 3 r2, 4 r3 with extra fields (rejected), 5 r4
    assert rows == [("r1", "row 1"), ("r2", "row 3"), ("r4", "row 5")]


def test_reingest_adds_nothing_and_copies_are_not_double_counted(ingest, client):
    first, _ = ingest({"spend.csv": LITELLM_CSV, "usage.json": GOOD_PAGE})
    write_files(client, {"backup/spend-copy.csv": LITELLM_CSV})
    second, con = ingest()
    assert first["tables"] == second["tables"]
    status = {f["path"]: f["status"] for f in second["files"]}
    assert status == {"spend.csv": "unchanged", "usage.json": "unchanged", "backup/spend-copy.csv": "duplicate"}
    assert file_entry(second, "backup/spend-copy.csv")["skipped_reason"] == "same content as spend.csv, already loaded"
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (2,)
    _invariant(second)


def test_a_changed_file_replaces_its_rows_and_a_removed_file_takes_them_away(ingest, client):
    ingest({"spend.csv": LITELLM_CSV, "usage.json": GOOD_PAGE})
    smaller = "\n".join(LITELLM_CSV.split("\n")[:2]) + "\n"       # header + req-1 only
    report, con = ingest({"spend.csv": smaller})
    assert file_entry(report, "spend.csv")["status"] == "replaced"
    assert report["tables"]["calls"]["rows"] == 1 and report["tables"]["calls"]["input_tokens"] == 2000
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)
    con.close()
    (client / "usage.json").unlink()
    report, con = ingest()
    assert report["removed"] == ["usage.json"]
    assert report["tables"]["usage"]["rows"] == 0


def test_a_failure_inside_a_file_leaves_the_database_as_before(ingest, client, monkeypatch):
    before, con = ingest({"spend.csv": LITELLM_CSV})
    snapshot = con.execute("SELECT * FROM calls ORDER BY request_id").fetchall()
    rejects = con.execute("SELECT * FROM rejects ORDER BY _source_row").fetchall()
    manifest = con.execute("SELECT sha256, rows_loaded FROM ingested_files").fetchall()
    con.close()

    from routekit.sources import base

    def fail_after_rows_were_written(con, *args, **kwargs):
        # by now the old rows are deleted and the new ones inserted: the transaction must undo both
        assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 1
        raise duckdb.IOException("disk full")

    monkeypatch.setattr(base, "record_file", fail_after_rows_were_written)
    smaller = "\n".join(LITELLM_CSV.split("\n")[:2]) + "\n"
    after, con = ingest({"spend.csv": smaller})
    f = file_entry(after, "spend.csv")
    assert f["status"] == "failed" and "disk full" in f["skipped_reason"]
    assert con.execute("SELECT * FROM calls ORDER BY request_id").fetchall() == snapshot
    assert con.execute("SELECT * FROM rejects ORDER BY _source_row").fetchall() == rejects
    assert con.execute("SELECT sha256, rows_loaded FROM ingested_files").fetchall() == manifest


def test_a_truncated_replacement_keeps_the_earlier_good_rows(ingest, client):
    ingest({"usage.json": json.dumps(json.loads(GOOD_PAGE), indent=2)})
    report, _ = ingest({"usage.json": GOOD_PAGE[:40]})
    f = file_entry(report, "usage.json")
    assert f["status"] == "failed" and f["skipped_reason"].endswith("the rows of its earlier version are kept")
    assert report["tables"]["usage"]["input_tokens"] == 100


@pytest.mark.parametrize("args, message", [
    (["ingest", "/no/such/folder"], "no such client folder"),
    (["ingest", "{tmp}", "--db", "{tmp}"], "is a folder"),
    (["ingest", "{tmp}/spend.csv"], "spend.csv: a file; give the client folder that holds the exports"),
    (["ingest", "{tmp}", "--memory-limit", "lots"],
     "--memory-limit: 'lots' is not a size; write a number and a unit, such as 2GB or 500MB"),
    (["reconcile", "{tmp}"], "prices.csv: row 1: input_per_mtok is not a number: 'cheap'"),
    (["classify", "{tmp}"], "prices.csv: row 1: input_per_mtok is not a number: 'cheap'"),
])
def test_cli_arguments(args, message, tmp_path):
    write_files(tmp_path, {"spend.csv": LITELLM_CSV,
                           "prices.csv": "model,input_per_mtok,output_per_mtok\ngpt-4o,cheap,9\n"})
    proc = run_cli(*[a.replace("{tmp}", str(tmp_path)) for a in args], check=False)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", ["classify", "audit"])
def test_out_of_memory_says_which_limit_and_how_to_raise_it(command, tmp_path):
    """DuckDB's own out-of-memory advice names SET statements a routekit user never types: a command under a limit too
    small for its work says, in one line, what DuckDB needed and how to raise routekit's limit, and exits 1 (the
    audit's error comes from its notebook's kernel, as text)."""
    client = sample_client("northwind_support", tmp_path / "client")
    run_cli("ingest", str(client))
    extra = ["--out", str(tmp_path / "reports")] if command == "audit" else []
    proc = run_cli(command, str(client), *extra, check=False, env={"ROUTEKIT_MEMORY_LIMIT": "1MB"})
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    said = {"classify": "routekit classify: DuckDB needed ", "audit": "routekit audit: client: DuckDB needed "}
    assert proc.stderr.startswith(said[command]), proc.stderr
    assert "raise routekit's memory limit with --memory-limit (ingest) or ROUTEKIT_MEMORY_LIMIT" in proc.stderr


def test_out_of_memory_text_reads_duckdbs_figures():
    # DuckDB 1.x's words; the three sizes are read out of them, not recomputed
    exc = duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB "
                                      "(60.8 MiB/61.0 MiB used)\n\nPossible solutions:\n* Reducing the number of threads")
    assert out_of_memory_text(exc).startswith(
        "DuckDB needed 256.0 KiB more beyond its limit of 61.0 MiB (60.8 MiB in use): raise routekit's memory limit")
    # a message in other words still gets the advice
    assert out_of_memory_text(duckdb.OutOfMemoryException("Out of Memory Error: no space")).startswith(
        "DuckDB ran out of memory within its limit: raise routekit's memory limit with --memory-limit")
    # a file that runs out while loading is listed as failed with the same advice (ingest's file table)
    assert _clean_duckdb_message(exc) == out_of_memory_text(exc)


def test_cli_json_contract(client):
    write_files(client, {"spend.csv": LITELLM_CSV, "junk.csv": ""})
    out = json.loads(run_cli("ingest", str(client), "--json", "--db", str(client / "x.duckdb")).stdout)
    assert out["db"] == str(client / "x.duckdb")
    assert set(out["files"][0]) >= {"path", "format", "rows_read", "rows_loaded", "rows_rejected", "skipped_reason"}
    assert set(out["tables"]) == {"calls", "usage", "invoice"}
    assert set(out["tables"]["calls"]) == {"rows", "requests", "input_tokens", "cached_input_tokens",
                                           "output_tokens", "reported_cost_usd"}
    assert set(out["tables"]["usage"]) >= {"rows", "requests", "input_tokens", "cached_input_tokens",
                                           "output_tokens"}
    assert set(out["tables"]["invoice"]) == {"rows", "billed_usd"}



# -- unchanged files are known by size and modification time, without reading them again -------------------------
# req-1's prompt tokens 2000 -> 3000: the same number of bytes, 1,000 more input tokens (3,500 -> 4,500 loaded)
SAME_SIZE_OTHER_CONTENT = LITELLM_CSV.replace(",2000,750,", ",3000,750,", 1)
LONG_AGO = 1_790_000_000_000_000_000        # 2026-09-21 in ns: a modification time ingest can vouch for


def _touch(path, ns):
    import os

    os.utime(path, ns=(ns, ns))


def test_a_file_with_the_size_and_time_already_loaded_is_not_read_again_unless_rehash(ingest, client):
    assert len(SAME_SIZE_OTHER_CONTENT.encode()) == len(LITELLM_CSV.encode()) and SAME_SIZE_OTHER_CONTENT != LITELLM_CSV
    path = write_files(client, {"spend.csv": LITELLM_CSV}) / "spend.csv"
    _touch(path, LONG_AGO)
    first, con = ingest()
    assert first["tables"]["calls"]["input_tokens"] == 3500
    assert con.execute("SELECT mtime_ns FROM ingested_files WHERE path = 'spend.csv'").fetchone() == (LONG_AGO,)
    # Other content, same size, and the modification time put back as it was (what only a deliberate copy with its
    # times kept does): taken as unchanged, unread; that is the trade for not hashing gigabytes at every open.
    write_files(client, {"spend.csv": SAME_SIZE_OTHER_CONTENT})
    _touch(path, LONG_AGO)
    second, con = ingest()
    assert file_entry(second, "spend.csv")["status"] == "unchanged"
    assert second["tables"]["calls"]["input_tokens"] == 3500
    con.close()   # the command below writes to the database
    # --rehash reads it and finds the change
    proc = run_cli("ingest", str(client), "--rehash", "--json")
    third = json.loads(proc.stdout)
    assert file_entry(third, "spend.csv")["status"] == "replaced"
    assert third["tables"]["calls"]["input_tokens"] == 4500


def test_a_new_modification_time_or_size_is_read_and_compared_by_content(ingest, client):
    path = write_files(client, {"spend.csv": LITELLM_CSV}) / "spend.csv"
    _touch(path, LONG_AGO)
    ingest()
    # the same bytes written again (a new time): hashed, found unchanged, and the new time is vouched for
    write_files(client, {"spend.csv": LITELLM_CSV})
    _touch(path, LONG_AGO + 10**9)
    report, con = ingest()
    assert file_entry(report, "spend.csv")["status"] == "unchanged"
    assert con.execute("SELECT mtime_ns FROM ingested_files").fetchone() == (LONG_AGO + 10**9,)
    # other bytes of the same size with a new time: replaced
    write_files(client, {"spend.csv": SAME_SIZE_OTHER_CONTENT})
    _touch(path, LONG_AGO + 2 * 10**9)
    report, _ = ingest()
    assert file_entry(report, "spend.csv")["status"] == "replaced" and report["tables"]["calls"]["input_tokens"] == 4500


def test_a_file_modified_just_now_is_always_hashed(ingest, client):
    """On a filesystem with coarse times (2 s on FAT and in zip archives) a write right after the load could keep the
    time it was read with, so a time within RACY_NS of the load is not vouched for."""
    import time

    path = write_files(client, {"spend.csv": LITELLM_CSV}) / "spend.csv"
    recent = time.time_ns() - 10**8
    _touch(path, recent)
    _, con = ingest()
    assert con.execute("SELECT mtime_ns FROM ingested_files").fetchone() == (None,)
    write_files(client, {"spend.csv": SAME_SIZE_OTHER_CONTENT})
    _touch(path, recent)                          # the same size and the same (too recent) time: still read
    report, _ = ingest()
    assert file_entry(report, "spend.csv")["status"] == "replaced" and report["tables"]["calls"]["input_tokens"] == 4500


def test_a_database_made_before_mtime_ns_gains_the_column_and_keeps_its_manifest(tmp_path):
    from routekit.db import connect

    db = tmp_path / "old.duckdb"
    old = duckdb.connect(str(db))
    old.execute("""CREATE TABLE ingested_files (path VARCHAR PRIMARY KEY, sha256 VARCHAR, size_bytes BIGINT,
        format VARCHAR, target VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT,
        skipped_reason VARCHAR, note VARCHAR, loaded_at TIMESTAMP)""")
    old.execute("INSERT INTO ingested_files VALUES ('a.csv', 'abc', 10, 'x', 'calls', 1, 1, 0, NULL, NULL, now())")
    old.close()
    con = connect(db)
    assert con.execute("SELECT path, sha256, mtime_ns FROM ingested_files").fetchall() == [("a.csv", "abc", None)]


def test_a_renamed_file_keeps_its_rows_and_the_copy_of_a_deleted_file_takes_its_place(ingest, client):
    first, _ = ingest({"spend.csv": LITELLM_CSV})
    calls = first["tables"]["calls"]
    (client / "spend.csv").rename(client / "spend-october.csv")
    report, _ = ingest()
    assert report["removed"] == ["spend.csv"]
    assert file_entry(report, "spend-october.csv")["status"] == "loaded"
    assert report["tables"]["calls"] == calls
    # a copy, then the file it copies is deleted: the copy is loaded, once
    write_files(client, {"backup/spend.csv": LITELLM_CSV})
    report, _ = ingest()
    assert file_entry(report, "backup/spend.csv")["status"] == "duplicate"
    again, _ = ingest()                                     # still a copy on the quick path (size and time unchanged)
    assert file_entry(again, "backup/spend.csv")["status"] == "duplicate"
    (client / "spend-october.csv").unlink()
    report, _ = ingest()
    assert report["removed"] == ["spend-october.csv"]
    assert file_entry(report, "backup/spend.csv")["status"] == "loaded"
    assert report["tables"]["calls"] == calls
    _invariant(report)


def test_a_small_file_cut_inside_a_quoted_prompt_loads_its_good_rows(ingest):
    """On a small file the dialect sniffer, upset by an unterminated quote, can pick another delimiter (one column)
    and fail the whole file; the header line that identified the format decides the columns instead."""
    prompt = lambda i: [{"role": "user", "content": f"Summarise ticket {i}, politely."}]   # noqa: E731
    rows = [_row(f"r{i}", "0.01", "10", "1", "2026-09-01 00:00:00+00", messages=prompt(i)) for i in range(1, 21)]
    cut = rows[14][:rows[14].index("Summarise") + 5]          # row 15 ends inside its quoted messages field
    report, con = ingest({"spend.csv": "\n".join([HEADER, *rows[:14], cut]) + "\n"})
    f = file_entry(report, "spend.csv")
    assert (f["status"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("loaded", 15, 14, 1)
    (where, reason), = con.execute("SELECT _source_row, reason FROM rejects").fetchall()
    assert where == "line 16" and reason.startswith("badly quoted value")
    assert "Summ" not in reason                                # the prompt is not quoted back


def test_a_short_row_is_reported_with_the_number_of_fields_it_has(ingest):
    good = [_row(f"r{i}", "0.01", "10", "1", "2026-09-01 00:00:00+00") for i in range(1, 4)]
    short = ",".join(good[1].split(",")[:5])                    # 5 of 27 fields
    report, con = ingest({"spend.csv": "\n".join([HEADER, good[0], short, good[2]]) + "\n"})
    (where, reason), = con.execute("SELECT _source_row, reason FROM rejects").fetchall()
    assert where == "line 3" and reason.endswith("Expected Number of Columns: 27 Found: 5)")


def test_a_call_repeated_in_a_file_or_in_an_overlapping_export_counts_once(ingest, client):
    rows = [_row(f"r{i}", "0.01", str(100 * i), "1", "2026-09-01 00:00:00+00") for i in range(1, 6)]
    # a paginated export that repeated r3 at a page boundary: 6 rows read, 5 calls
    first, con = ingest({"sept-1-15.csv": "\n".join([HEADER, *rows[:3], rows[2], *rows[3:]]) + "\n"})
    f = file_entry(first, "sept-1-15.csv")
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (6, 5, 1)
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("row 4", "duplicate request_id: the same call as row 3")]
    # an overlapping export: r4 and r5 again, then r6 and r7
    more = [_row(f"r{i}", "0.01", str(100 * i), "1", "2026-09-12 00:00:00+00") for i in (6, 7)]
    second, con = ingest({"sept-10-30.csv": "\n".join([HEADER, rows[3], rows[4], *more]) + "\n"})
    f = file_entry(second, "sept-10-30.csv")
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (4, 2, 2)
    assert con.execute("SELECT _source_row, reason FROM rejects WHERE _source_file = 'sept-10-30.csv' "
                       "ORDER BY 1").fetchall() == [
        ("row 1", "duplicate request_id: already loaded from sept-1-15.csv row 5"),
        ("row 2", "duplicate request_id: already loaded from sept-1-15.csv row 6")]
    # 100 + 200 + 300 + 400 + 500 + 600 + 700 prompt tokens, each call once
    assert second["tables"]["calls"]["rows"] == 7 and second["tables"]["calls"]["input_tokens"] == 2800
    _invariant(second)
    # the first export is taken away: the second one's r4 and r5 are its own again
    (client / "sept-1-15.csv").unlink()
    third, con = ingest()
    assert file_entry(third, "sept-10-30.csv")["status"] == "replaced"
    assert third["tables"]["calls"]["rows"] == 4 and third["tables"]["calls"]["input_tokens"] == 2200
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)


def test_files_routekit_does_not_read_are_listed_without_being_read(ingest, client):
    (client / "exports.zip").write_bytes(b"PK\x03\x04 not really")
    report, con = ingest({"spend.csv": LITELLM_CSV, "notes.txt": "Summarise the board minutes: secret plan\n",
                          "invoice.pdf": "%PDF-1.7", "README": "read me"})
    reasons = {f["path"]: (f["status"], f["skipped_reason"]) for f in report["files"] if f["path"] != "spend.csv"}
    assert reasons == {
        "exports.zip": ("skipped", "not read: a zip archive: unpack it into the client folder"),
        "notes.txt": ("skipped", "not read: a .txt file; routekit reads .csv, .json, .jsonl and .ndjson exports, "
                                 "also gzipped"),
        "invoice.pdf": ("skipped", "not read: a PDF (an invoice document?): routekit reads the providers' CSV and "
                                   "JSON exports"),
        "README": ("skipped", "not read: a file with no extension; routekit reads .csv, .json, .jsonl and .ndjson "
                              "exports, also gzipped")}
    # the manifest lists them for the audit's appendix; their content is never quoted
    assert con.execute("SELECT count(*) FROM ingested_files WHERE skipped_reason LIKE 'not read:%'").fetchone() == (4,)
    assert "secret" not in json.dumps(report)
    again, _ = ingest()
    assert [f["status"] for f in again["files"] if f["path"] == "notes.txt"] == ["skipped"]


def test_a_csv_missing_a_column_of_a_known_format_says_which(ingest):
    header = ",".join(c for c in HEADER.split(",") if c != "prompt_tokens")
    report, _ = ingest({"spend.csv": header + "\n"})
    assert file_entry(report, "spend.csv")["skipped_reason"] == (
        "looks like LiteLLM proxy SpendLogs (CSV) but lacks the column prompt_tokens; re-export it with every column")
    # a CSV that shares one column with a format is not said to look like it
    report, _ = ingest({"other.csv": "model,comment\nx,y\n"})
    assert file_entry(report, "other.csv")["skipped_reason"] == (
        "not a known export format: a CSV with columns model, comment")


def test_a_header_with_an_empty_first_name_loads(ingest):
    """pandas' to_csv writes its index column with an empty name: DuckDB names it column0 and the rest loads."""
    rows = [_row(f"r{i}", "0.01", "10", "1", "2026-09-01 00:00:00+00") for i in range(1, 4)]
    text = "\n".join(["," + HEADER, *(f"{i}," + r for i, r in enumerate(rows))]) + "\n"
    report, _ = ingest({"spend.csv": text})
    f = file_entry(report, "spend.csv")
    assert (f["status"], f["rows_loaded"], f["rows_rejected"]) == ("loaded", 3, 0)


def _calls_file(ids, day="2026-09-01"):
    return "\n".join([HEADER, *(_row(i, "0.01", "10", "1", f"{day} 00:00:00+00") for i in ids)]) + "\n"


def _ids(con):
    return sorted(r for (r,) in con.execute("SELECT request_id FROM calls").fetchall())


def test_overlapping_files_edited_together_keep_every_call_once(ingest):
    # B is loaded first, so A's id1 is set aside as B's
    ingest({"B.csv": _calls_file(["id1", "id2"])})
    _, con = ingest({"A.csv": _calls_file(["id1", "id3"])})
    assert _ids(con) == ["id1", "id2", "id3"]
    # both edited in one go: A is read (still sets id1 aside, B has it), then B drops id1
    report, con = ingest({"A.csv": _calls_file(["id1", "id3", "id5"]), "B.csv": _calls_file(["id2", "id4"])})
    assert _ids(con) == ["id1", "id2", "id3", "id4", "id5"]
    _invariant(report)


def test_emptying_the_file_a_call_was_first_loaded_from_hands_the_call_to_the_other(ingest):
    ingest({"A.csv": _calls_file(["id1", "id2"])})
    _, con = ingest({"B.csv": _calls_file(["id1", "id3"])})
    assert _ids(con) == ["id1", "id2", "id3"]
    report, con = ingest({"A.csv": ""})
    assert file_entry(report, "A.csv")["status"] == "skipped"
    assert _ids(con) == ["id1", "id3"]


def test_a_copy_read_before_its_edited_original_loads_in_the_same_run(ingest, client):
    ingest({"z.csv": _calls_file(["id1", "id2"])})
    write_files(client, {"a.csv": _calls_file(["id1", "id2"])})
    report, con = ingest()
    assert file_entry(report, "a.csv")["status"] == "duplicate"
    report, con = ingest({"z.csv": _calls_file(["id7", "id8"], day="2026-09-02")})
    assert file_entry(report, "a.csv")["status"] == "loaded"
    assert _ids(con) == ["id1", "id2", "id7", "id8"]


def test_a_repeat_with_another_timestamp_precision_is_still_a_repeat(ingest):
    a = [_row("P", "0.01", "10", "1", "2026-09-01 00:00:00+00"), _row("X", "0.01", "10", "1", "2026-09-05 10:00:00+00")]
    b = [_row("X", "0.01", "10", "1", "2026-09-05 10:00:00.5+00"), _row("Q", "0.01", "10", "1", "2026-09-20 00:00:00+00")]
    _, con = ingest({"a.csv": "\n".join([HEADER, *a]) + "\n", "b.csv": "\n".join([HEADER, *b]) + "\n"})
    assert _ids(con) == ["P", "Q", "X"]


def test_a_damaged_dependent_is_tried_once_and_keeps_its_rows(ingest, client, monkeypatch):
    def doc(ids):   # LiteLLM SpendLogs as one JSON document (json_agg)
        return json.dumps([{"request_id": i, "model": "gpt-4o", "custom_llm_provider": "openai", "spend": 0.01,
                            "prompt_tokens": 10, "completion_tokens": 1, "startTime": "2026-09-01T00:00:00Z"}
                           for i in ids], indent=1)

    ingest({"a.json": doc(["id1", "id2"])})
    ingest({"b.json": doc(["id2", "id3"])})
    import routekit.ingest as ingest_module
    loads = []
    real = ingest_module.ingest_file
    monkeypatch.setattr(ingest_module, "ingest_file", lambda *a, **k: loads.append(a[2]) or real(*a, **k))
    # a drops id2 and b is cut off mid-document: b fails, keeps its earlier rows, and is tried once, not every round
    report, con = ingest({"a.json": doc(["id1"]), "b.json": doc(["id2", "id3"])[:60]})
    assert file_entry(report, "b.json")["status"] == "failed"
    assert loads.count("b.json") == 2                      # the ordinary read, then one reload
    assert _ids(con) == ["id1", "id3"]                     # id2 waits for a readable b.json
    report, con = ingest({"b.json": doc(["id2", "id3"])})
    assert _ids(con) == ["id1", "id2", "id3"]


def test_an_unnamed_index_column_and_a_damaged_row_load_the_good_rows(ingest):
    rows = [_row(f"r{i}", "0.01", "10", "1", "2026-09-01 00:00:00+00") for i in range(1, 6)]
    cut = rows[4][:rows[4].index("acompletion") + 4]          # the last row ends inside its fields
    text = "\n".join(["," + HEADER, *(f"{i}," + r for i, r in enumerate(rows[:4])), "4," + cut + ',"x']) + "\n"
    report, _ = ingest({"spend.csv": text})
    f = file_entry(report, "spend.csv")
    assert (f["status"], f["rows_loaded"], f["rows_rejected"]) == ("loaded", 4, 1)

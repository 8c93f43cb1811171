"""The one-pass load of call-log CSVs (rows numbered after a parallel insert) must load exactly what the materialised
path loads: the same rows, the same row numbers, the same rejects with the same reasons, nothing lost."""
from __future__ import annotations

import pytest

import routekit.sources.base as base
from conftest import file_entry
from test_format_litellm import CSV, HEADER, _row

TABLES = {
    "calls": "SELECT * EXCLUDE (_format) FROM calls ORDER BY _source_file, _source_row",
    "formats": "SELECT DISTINCT _format FROM calls ORDER BY ALL",
    "rejects": "SELECT * FROM rejects ORDER BY _source_file, _source_row",
    "files": "SELECT path, format, rows_read, rows_loaded, rows_rejected FROM ingested_files ORDER BY path",
}
# A line with more fields than the header (the reader sets it aside), then good rows after it.
MALFORMED = "\n".join([HEADER, _row("m-1", "0.001", "10", "1", "2026-09-03 10:00:00+00"),
                       "x,y,z," + ",".join(["1"] * 40),
                       _row("m-2", "0.002", "20", "2", "2026-09-03 11:00:00+00"),
                       _row("m-3", "0.003", "30", "3", "2026-09-03 12:00:00+00")]) + "\n"


def _snapshot(con) -> dict:
    return {name: con.execute(sql).fetchall() for name, sql in TABLES.items()}


@pytest.fixture
def force(monkeypatch):
    """force(True): call-log CSVs take the stream (the default); force(False): the materialised path."""
    def _force(stream: bool):
        if stream:
            monkeypatch.undo()
        else:
            monkeypatch.setattr(base.SourceFormat, "_stage_call_log", lambda self, *args: None)
    return _force


@pytest.mark.parametrize("files", [{"spend.csv": CSV}, {"bad.csv": MALFORMED}, {"spend.csv": CSV, "bad.csv": MALFORMED}],
                         ids=["staging rejects", "malformed line", "both"])
def test_stream_loads_what_the_materialised_path_loads(tmp_path, force, files):
    import duckdb

    from conftest import write_files
    from routekit.ingest import ingest

    snaps = []
    for stream in (False, True):
        force(stream)
        client = write_files(tmp_path / ("stream" if stream else "table"), files)
        report = ingest(client).to_json()
        con = duckdb.connect(report["db"], read_only=True)
        snaps.append(_snapshot(con))
        con.close()
    assert snaps[0] == snaps[1]
    assert snaps[1]["formats"] == [("litellm_spendlogs_csv",)]   # no row left marked as a reject


def test_stream_numbers_rows_and_rejects_by_hand(ingest, force):
    force(True)
    report, con = ingest({"spend.csv": CSV})
    f = file_entry(report, "spend.csv")
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (5, 3, 2)
    # req-4 has prompt_tokens -7 and req-5 the start time 'yesterday': data rows 4 and 5
    assert con.execute("SELECT _source_row FROM rejects ORDER BY 1").fetchall() == [("row 4",), ("row 5",)]
    assert con.execute("SELECT request_id, _source_row FROM calls ORDER BY 2").fetchall() == [
        ("req-1", "row 1"), ("req-2", "row 2"), ("req-3", "row 3")]


def test_stream_falls_back_around_a_malformed_line(ingest, force):
    force(True)
    report, con = ingest({"bad.csv": MALFORMED})
    f = file_entry(report, "bad.csv")
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (4, 3, 1)
    # m-2 and m-3 are data rows 3 and 4 (the malformed line 3 of the file is data row 2)
    assert con.execute("SELECT request_id, _source_row FROM calls ORDER BY 1").fetchall() == [
        ("m-1", "row 1"), ("m-2", "row 3"), ("m-3", "row 4")]
    assert con.execute("SELECT _source_row FROM rejects").fetchall() == [("line 3",)]


def test_streamed_file_loaded_twice_counts_once(ingest, force):
    force(True)
    ingest({"spend.csv": CSV})
    _, con = ingest()
    assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 3
    # changed (one more good row): its rows are replaced, not added to
    _, con = ingest({"spend.csv": CSV + _row("req-6", "0.001", "10", "1", "2026-09-05 10:00:00+00") + "\n"})
    assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 4


def test_row_size_limit_with_the_small_read_buffer(ingest, force):
    """The read buffer is only as large as the longest row accepted (base.CSV_BUFFER_BYTES): a prompt just under the
    limit, between short rows and so crossing buffer ends, loads whole; a row over it is a reject naming its line,
    and the rows after it keep their numbers."""
    force(True)
    limit = base.MAX_CSV_ROW_BYTES
    near = "n" * (limit - 4096)   # the row's other fields take under 4 KB
    over = "o" * (limit + 1024)
    user = lambda text: [{"role": "user", "content": text}]   # noqa: E731
    rows = [_row(f"s-{i}", "0.001", "10", "1", "2026-09-03 10:00:00+00", messages=user("hi " * 500))
            for i in range(1, 2001)]
    rows.insert(700, _row("near-1", "0.001", "10", "1", "2026-09-03 10:00:00+00", messages=user(near)))
    rows.insert(1500, _row("over-1", "0.001", "10", "1", "2026-09-03 10:00:00+00", messages=user(over)))
    rows.insert(1800, _row("near-2", "0.001", "10", "1", "2026-09-03 10:00:00+00", messages=user(near)))
    report, con = ingest({"big.csv": "\n".join([HEADER, *rows]) + "\n"})
    f = file_entry(report, "big.csv")
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (2003, 2002, 1)
    # over-1 is data row 1501, so line 1502 of the file (the header is line 1)
    (where, reason), = con.execute("SELECT _source_row, reason FROM rejects").fetchall()
    assert where == "line 1502" and reason.startswith("line size over maximum") and str(limit) in reason
    assert con.execute("""SELECT request_id, _source_row, strlen(user_prompt) FROM calls
                          WHERE request_id LIKE 'near-%' ORDER BY 1""").fetchall() == [
        ("near-1", "row 701", len(near)), ("near-2", "row 1801", len(near))]
    assert con.execute("SELECT _source_row FROM calls WHERE request_id = 's-2000'").fetchone() == ("row 2003",)


def test_a_load_killed_between_its_two_steps_is_undone_by_the_next_ingest(ingest, force, monkeypatch):
    """A call log's rows are committed once as pending, then numbered in a second transaction. If the process dies
    in between, the pending rows must not count: the next ingest deletes them and loads the file again."""
    force(True)
    _, con = ingest({"spend.csv": CSV})
    changed = CSV + _row("req-6", "0.001", "10", "1", "2026-09-05 10:00:00+00") + "\n"

    def killed(*args, **kwargs):
        raise KeyboardInterrupt   # the process dies right after the pending rows were committed

    monkeypatch.setattr(base, "delete_file_rows", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest({"spend.csv": changed})
    monkeypatch.undo()
    _, con = ingest()
    # 4 good rows and 2 rejects of the changed file, and nothing else: neither its pending rows nor the first version
    assert con.execute("SELECT request_id, _source_row FROM calls ORDER BY 2").fetchall() == [
        ("req-1", "row 1"), ("req-2", "row 2"), ("req-3", "row 3"), ("req-6", "row 6")]
    assert con.execute("SELECT _source_row FROM rejects ORDER BY 1").fetchall() == [("row 4",), ("row 5",)]
    assert con.execute("SELECT rows_loaded, rows_rejected FROM ingested_files").fetchall() == [(4, 2)]

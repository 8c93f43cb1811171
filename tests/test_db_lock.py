"""Two routekit processes on one client database: DuckDB lets one process write a database file (or several only
read it). A second command used to end in DuckDB's traceback ('IO Error: Could not set lock on file ...'); it now
waits a little for the other to finish, then says in one line which database and which process holds it, exit 4."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT, run_cli, write_files
from test_format_litellm import HEADER, _row

CALLS = "\n".join([HEADER, _row("r1", "0.01", "10", "1", "2026-09-01 00:00:00+00"),
                   _row("r2", "0.02", "20", "2", "2026-09-01 01:00:00+00")]) + "\n"


def _hold(db, seconds: float = 60, read_only: bool = False) -> subprocess.Popen:
    """Another process holding the database open (as a second routekit command, or a notebook's connection, does)
    for `seconds`; returns once it holds it."""
    code = ("import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=sys.argv[3] == 'ro'); "
            "print('holding', flush=True); time.sleep(float(sys.argv[2])); con.close()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(db), str(seconds), "ro" if read_only else "rw"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


@pytest.fixture
def built(tmp_path):
    client = write_files(tmp_path / "acme", {"spend.csv": CALLS})
    run_cli("ingest", str(client))
    return client, client / ".routekit" / "routekit.duckdb"


def _run(*args, wait="1"):
    env = {**os.environ, "ROUTEKIT_LOCK_WAIT": wait}
    return subprocess.run([sys.executable, "-m", "routekit.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=300)


@pytest.mark.parametrize("command", [["ingest"], ["classify"], ["simulate"], ["reconcile"]])
def test_a_command_on_a_database_another_process_writes_says_so_in_one_line(built, command):
    client, db = built
    holder = _hold(db)
    try:
        held_by = _cmdline(holder.pid)
        proc = _run(*command, str(client))
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 4, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines[-1] == (
        f"routekit {command[0]}: {db}: in use by another process (PID {holder.pid}: {held_by}) after "
        "waiting 1 s; let it finish or stop it (a notebook: close its connection), then run this again")
    assert len(lines) == 2 and lines[0].startswith(f"routekit: waiting up to 1 s for {db}")


def _cmdline(pid: int) -> str:
    """What ps shows for the process, shortened as routekit shortens it (independently: from ps, not /proc): the
    holders here are `python -c SCRIPT ARGS`, whose script and arguments are left out."""
    args = subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    assert f"{sys.executable} -c " in args
    args = f"{sys.executable} -c …"
    return args if len(args) <= 80 else args[:79] + "…"


def test_a_holder_whose_command_line_has_line_breaks_is_named_in_one_line(built):
    """A `python -c` script written over several lines (as one pastes a notebook's cells into a terminal) holds the
    file: its command line holds newlines and a tab, and the message must still be the one line it promises, without
    the script's text."""
    client, db = built
    code = ("import duckdb, sys, time\n"
            "con = duckdb.connect(sys.argv[1])\n"
            "print('holding', flush=True)\n"
            "if True:\n\ttime.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        proc = _run("ingest", str(client), wait="0")
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 4, proc.stderr
    # the program, and in place of its script (code somebody typed: it can hold a prompt or a key) and the script's
    # arguments, an ellipsis: one line, and nothing of the script reaches a log
    args = f"{sys.executable} -c …"
    shown = args if len(args) <= 80 else args[:79] + "…"
    assert "duckdb.connect" not in proc.stderr and "time.sleep" not in proc.stderr
    assert proc.stderr.splitlines() == [
        f"routekit ingest: {db}: in use by another process (PID {holder.pid}: {shown}) after waiting 0 s; let it "
        "finish or stop it (a notebook: close its connection), then run this again"]


def test_a_reader_in_another_process_blocks_a_writer_too(built):
    """A notebook with `duckdb.connect(path, read_only=True)` open: readers share, a writer must wait for them."""
    client, db = built
    holder = _hold(db, read_only=True)
    try:
        proc = _run("ingest", str(client))
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 4 and f"PID {holder.pid}" in proc.stderr.splitlines()[-1]


def test_a_command_waits_for_a_process_that_finishes_soon(built):
    """The other routekit command holds the database only while it loads and builds (seconds): the second one waits
    for it rather than failing, and says what it is waiting for."""
    client, db = built
    holder = _hold(db, seconds=2)
    started = time.monotonic()
    proc = _run("ingest", str(client), "--json", wait="60")
    holder.wait()
    assert proc.returncode == 0, proc.stderr
    assert 1 < time.monotonic() - started < 60
    assert proc.stderr.startswith(f"routekit: waiting up to 60 s for {db}: in use by another process (PID {holder.pid}")
    assert "Traceback" not in proc.stderr


def test_zero_wait_fails_at_once_and_a_bad_setting_is_refused(built):
    client, db = built
    holder = _hold(db)
    try:
        started = time.monotonic()
        proc = _run("ingest", str(client), wait="0")
        took = time.monotonic() - started
        bad = _run("ingest", str(client), wait="soon")
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 4 and len(proc.stderr.splitlines()) == 1 and took < 30   # no 'waiting up to' line
    assert proc.stderr.strip().endswith("after waiting 0 s; let it finish or stop it (a notebook: close its "
                                        "connection), then run this again")
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "routekit ingest: ROUTEKIT_LOCK_WAIT: 'soon' is not a number of seconds; write one such as 30, or 0 to "
        "fail at once")


def test_audit_and_batch_say_which_process_holds_the_database(built, tmp_path):
    client, db = built
    holder = _hold(db)
    try:
        audit = _run("audit", str(client), "--out", str(tmp_path / "out"))
        batch = _run("batch", str(client.parent), "--out", str(tmp_path / "batch"))
    finally:
        holder.kill()
        holder.wait()
    assert audit.returncode == 4, audit.stderr
    expected = f"{db}: in use by another process (PID {holder.pid}"
    assert audit.stderr.strip().splitlines()[-1].startswith(f"routekit audit: acme: {expected}")
    # it waited where the terminal sees it, as every command does (in the notebook's kernel the line was lost)
    assert audit.stderr.startswith(f"routekit: waiting up to 1 s for {expected}")
    assert "Traceback" not in audit.stderr
    assert batch.returncode == 1
    assert f"failed: routekit audit: acme: {expected}" in batch.stdout


def test_the_tier_explorer_says_which_process_holds_the_database(built, monkeypatch):
    """The dashboard's notebook opens the TierExplorer inside nbparams.one_line: the page shows the one line."""
    from routekit import nbparams
    from routekit.db import DatabaseBusy
    from routekit.widgets import TierExplorer

    client, db = built
    monkeypatch.setenv("ROUTEKIT_LOCK_WAIT", "0")
    holder = _hold(db)
    try:
        with pytest.raises(DatabaseBusy) as exc:
            with nbparams.one_line():
                TierExplorer(client)
    finally:
        holder.kill()
        holder.wait()
    assert str(exc.value).startswith(f"{db}: in use by another process (PID {holder.pid}")
    assert exc.value._render_traceback_() == [f"DatabaseBusy: {exc.value}"]

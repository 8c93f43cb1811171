"""One DuckDB database per client: open it, create the canonical schema, run the package's SQL files."""
from __future__ import annotations

import os
import re
import sys
import time
from functools import lru_cache
from importlib import resources
from pathlib import Path

import duckdb

DEFAULT_DB = Path(".routekit") / "routekit.duckdb"
DEFAULT_MEMORY_LIMIT = "2GB"
_MEMORY_RE = re.compile(r"\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*", re.IGNORECASE)


class SettingError(ValueError):
    """A setting of the environment routekit reads is unusable (one line, exit 2)."""


class MemoryLimitError(SettingError):
    """--memory-limit or ROUTEKIT_MEMORY_LIMIT is not a size."""


class DatabaseBusy(RuntimeError):
    """The client's database is held by another process: one line naming the file and the process, exit 4."""

    def _render_traceback_(self) -> list[str]:   # in a notebook: this line, not routekit's frames
        return [f"{type(self).__name__}: {self}"]


# How long a command waits for another process to let go of the database. DuckDB lets one process write a database
# file (or several only read it) and has no wait of its own: a second process fails at once. routekit's own commands
# hold the file only while they work (an ingest, a build: seconds for the samples, about 16 s for a 1 M-call audit;
# the dashboard only while it opens), so a command started meanwhile (an audit while the dashboard opens, a second
# terminal) succeeds if it waits a little, as SQLite's busy timeout and apt's lock wait do. Something that holds it
# for good (a notebook's open connection) would make a longer wait a hang: after this long the command stops, naming
# the process. ROUTEKIT_LOCK_WAIT sets it (0: fail at once, for scripts that schedule their own retries).
DEFAULT_LOCK_WAIT_SECONDS = 30.0
_HOLDER_RE = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")


def lock_wait_seconds() -> float:
    value = os.environ.get("ROUTEKIT_LOCK_WAIT", "").strip()
    if not value:
        return DEFAULT_LOCK_WAIT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise SettingError(f"ROUTEKIT_LOCK_WAIT: {value!r} is not a number of seconds; write one such as 30, or 0 to "
                           "fail at once")
    return seconds


def _lock_holder(message: str) -> str | None:
    """'PID 1234: python -m routekit.cli audit acme' for DuckDB's lock error (None for another error): the process
    that holds the file, with its command line where the system shows it (Linux's /proc), so the user knows whether
    it is a dashboard, an audit or a notebook's kernel."""
    if "Could not set lock on file" not in message:
        return None
    found = _HOLDER_RE.search(message)
    if not found:
        return "a process DuckDB does not name"
    program, pid = found.group(1), found.group(2)
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").decode(errors="replace").split("\0")
    except OSError:
        argv = [program]
    # A `python -c` script is code somebody typed or pasted, which can hold a prompt or a key, and messages reach
    # logs: it and what follows it are not shown. The rest is one line, as the message promises.
    if "-c" in argv:
        argv = argv[:argv.index("-c") + 1] + ["…"]
    args = " ".join(" ".join(argv).split()) or program
    return f"PID {pid}: {args if len(args) <= 80 else args[:79] + '…'}"


def _open(db_path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, waiting up to lock_wait_seconds() while another process holds the file."""
    wait = lock_wait_seconds()
    deadline = time.monotonic() + wait
    said = False
    while True:
        try:
            return duckdb.connect(str(db_path), read_only=read_only)
        except duckdb.IOException as exc:
            holder = _lock_holder(str(exc))
            if holder is None:
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise DatabaseBusy(f"{db_path}: in use by another process ({holder}) after waiting {wait:g} s; let "
                                   "it finish or stop it (a notebook: close its connection), then run this again") \
                    from None
            if not said:
                print(f"routekit: waiting up to {wait:g} s for {db_path}: in use by another process ({holder})",
                      file=sys.stderr, flush=True)
                said = True
            time.sleep(min(0.25, left))


def wait_until_free(db_path: Path) -> None:
    """Return once no other process holds an existing client database, waiting as every command does (the line on
    stderr, DatabaseBusy after the wait). For a caller whose own connection is opened where stderr does not reach
    the user: the audit notebook's kernel waited silently, its 'waiting up to 30 s' line lost in a cell's output."""
    if Path(db_path).is_file():
        _open(Path(db_path), read_only=False).close()


def memory_limit_setting(memory_limit: str | None) -> str:
    """The DuckDB memory limit to use: the argument, else ROUTEKIT_MEMORY_LIMIT, else the default; checked to be a
    size such as 2GB or 500MB before it reaches SQL."""
    if memory_limit:
        value, where = memory_limit, "--memory-limit"
    elif os.environ.get("ROUTEKIT_MEMORY_LIMIT"):
        value, where = os.environ["ROUTEKIT_MEMORY_LIMIT"], "ROUTEKIT_MEMORY_LIMIT"
    else:
        return DEFAULT_MEMORY_LIMIT
    if not _MEMORY_RE.fullmatch(value):
        raise MemoryLimitError(f"{where}: {value!r} is not a size; write a number and a unit, such as 2GB or 500MB")
    return value.strip()


def out_of_memory_text(exc: duckdb.OutOfMemoryException | str) -> str:
    """What to do when DuckDB could not stay within its memory limit, in one line (DuckDB's own advice is about SET
    statements a routekit user never types); ``exc`` may be its text, as a notebook kernel reports it. Up to the
    limit DuckDB spills to disk; what it cannot spill (the blocks a running query holds) is what ran out, so the fix
    is a larger limit, not a smaller client."""
    found = re.search(r"of size ([\d.]+ \w+) \(([\d.]+ \w+)/([\d.]+ \w+) used\)", str(exc))
    need = (f" needed {found.group(1)} more beyond its limit of {found.group(3)} ({found.group(2)} in use)"
            if found else " ran out of memory within its limit")
    return (f"DuckDB{need}: raise routekit's memory limit with --memory-limit (ingest) or ROUTEKIT_MEMORY_LIMIT "
            f"(every command), e.g. 4GB; the default, {DEFAULT_MEMORY_LIMIT}, holds a 10 M-call client")


@lru_cache(maxsize=None)
def sql_text(name: str) -> str:
    """The text of a SQL file shipped in routekit/sql, e.g. ``sql_text("staging/stg_openrouter_activity.sql")``."""
    return resources.files("routekit").joinpath("sql", name).read_text(encoding="utf-8")


def default_db_path(client_dir: Path) -> Path:
    return Path(client_dir) / DEFAULT_DB


def connect(db_path: Path | str, *, memory_limit: str | None = None, threads: int | None = None,
            read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) a client database with the schema and parsing macros in place.

    Timestamps without an offset are read as UTC, whatever the machine's zone: provider exports are UTC.
    """
    db_path = Path(db_path)
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(db_path, read_only)
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        # Spill to a folder beside the database instead of failing when a big client outgrows memory.
        con.execute("SET temp_directory = ?", [str(db_path.parent / "tmp")])
    # A laptop-sized default: beyond it DuckDB spills to temp_directory rather than growing (a 10 M-call client
    # stays under 3 GB of memory); --memory-limit or ROUTEKIT_MEMORY_LIMIT sets another.
    con.execute(f"SET memory_limit = '{memory_limit_setting(memory_limit)}'")
    con.execute("SET enable_progress_bar = false")   # reports and batch logs, not a terminal
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if not read_only:
        con.execute(sql_text("schema.sql"))
    # Macros are the connection's (TEMP), not stored in the client's database: code stays in the package.
    con.execute(sql_text("macros.sql"))
    return con


def stored_fingerprint(con: duckdb.DuckDBPyConnection, state: str) -> str | None:
    """The fingerprint a step recorded in its state table (classify_state, build_state) when it last finished."""
    row = con.execute(f"SELECT fingerprint FROM {state}").fetchone()
    return row[0] if row else None


def store_fingerprint(con: duckdb.DuckDBPyConnection, state: str, fingerprint: str | None) -> None:
    """Record a step's fingerprint with the time; None empties the table while the step's tables are being redone."""
    con.execute(f"DELETE FROM {state}")
    if fingerprint is not None:
        con.execute(f"INSERT INTO {state} VALUES (?, now())", [fingerprint])

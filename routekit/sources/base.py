"""What every source format shares: looking at a file, and loading it atomically with its rejects.

A format supplies only how to recognise its file (``matches``) and a staging model
(``sql/staging/stg_<name>.sql``) that renames and casts the raw rows into the canonical table. The base class owns
the lifecycle in one template method, ``load``: read the file into a raw temp table, stage, split good rows from
rejected ones, replace the file's earlier rows, record the manifest, all in one transaction. Call-log CSVs, the big
files, skip the raw temp table: read, staged and inserted in one pass, their rows numbered once in
(``_stage_call_log``).

The layers, as in dbt: the raw layer (``sql/raw/``) holds the file's rows as read; the staging model
(``sql/staging/stg_<name>.sql``) renames and casts them into ``calls``, ``usage`` or ``invoice``.
- CSV formats: ``raw`` has one VARCHAR column per header name plus ``_source_row``; an optional
  ``sql/raw/raw_<name>.sql`` select-list adds columns parsed once while the file is read (JSON-valued cells).
- JSON formats: ``docs`` has one object per document (``_source_row``, ``doc``); a format's ``prepare_raw`` may
  build ``raw`` from it with ``sql/raw/raw_<name>.sql`` (OTel spans, Bedrock records) or the shared API page walk
  (``sql/raw/api_page_results.sql``).
Staging models return the target table's columns by name, ``_source_row`` and ``_problems`` (a list of reasons,
NULL entries meaning fine). Rows with any problem go to ``rejects``.
"""
from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import time
import zlib
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import duckdb

from routekit.db import out_of_memory_text, sql_text

SAMPLE_BYTES = 64 * 1024
# Longest CSV row / JSON line accepted; a longer row is rejected with DuckDB's reason. DuckDB sizes its read
# buffers from these (16 times the longest line unless told), so they cost time on every file: 256 MB made a 1 GB CSV
# read 50 % slower, and 16 MB instead of 8 MB made a 10 M-row call log's load end with a 17 s checkpoint (1.4 s at
# 8 MB). 8 MB holds a row carrying a 1 M-token prompt (about 4 MB of text). The CSV read buffer is set to that size:
# DuckDB's default of 128 MB for it made reading 1 M calls (511 MB) take 5.4 s against 3.9 s (three runs each); rows
# that cross a buffer's end are still read whole.
MAX_CSV_ROW_BYTES = 8 * 1024 * 1024
CSV_BUFFER_BYTES = MAX_CSV_ROW_BYTES
# The row label of call-log rows loaded but not yet numbered (no format makes such a label: "row N", "line N", "$...")
PENDING_ROW = "(being loaded)"
MAX_JSON_LINE_BYTES = 64 * 1024 * 1024     # one OTLP batch or a Bedrock invocation with its bodies
_KEY_RE = re.compile(r'"((?:[^"\\]|\\.){1,80})"\s*:')


class LoadError(Exception):
    """A file could not be loaded at all; the message is for a person."""


class CutShort(LoadError):
    """A .gz file whose compressed stream stops before its end: a download or copy interrupted part-way."""


class Refused(LoadError):
    """A file of a known source that cannot be priced as it was exported (fetched without the fields pricing needs):
    listed as not loaded with this reason, said once for the file, rather than rejecting its rows one by one."""


@dataclass(frozen=True)
class RefusedLayout:
    """An export layout routekit recognises but does not load, because it lacks what pricing needs: a file with
    this CSV header is listed as not loaded, with ``reason`` (what is missing and how to export it instead), rather
    than as an unknown format. Registered by the module of the source it belongs to (``registry.refuse``)."""

    title: str
    columns: tuple[str, ...]     # every one in the header identifies the layout
    reason: str

    def matches(self, sample: "FileSample") -> bool:
        return sample.kind == "csv" and sample.has_columns(*self.columns)

    def skip_reason(self) -> str:
        return f"{self.title}: {self.reason}"


@dataclass
class FileSample:
    """The first bytes of a file, decompressed, with what its shape says about it."""

    path: Path
    text: str
    kind: str                      # csv | json | jsonl | html | empty | binary
    header: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    parse_error: str | None = None      # a whole (small) JSON document that does not parse
    encoding: str = "utf-8"             # the reader's name for the text's encoding (read_csv's `encoding`)

    @classmethod
    def read(cls, path: Path) -> "FileSample":
        try:
            head = _gzip_head(path, SAMPLE_BYTES) if path.name.endswith(".gz") else _file_head(path, SAMPLE_BYTES)
        except (OSError, EOFError, zlib.error) as exc:
            return cls(path, "", "binary", keys={f"unreadable: {exc}"})
        encoding = text_encoding(head)
        if encoding == "utf-16":
            # Excel's "Unicode Text" and PowerShell's Out-File write UTF-16 with a byte-order mark: text, not binary
            head = head[: len(head) // 2 * 2].decode("utf-16", errors="replace").encode("utf-8")
        if b"\x00" in head[:4096]:
            return cls(path, "", "binary")
        text = head.decode("utf-8-sig", errors="replace")
        stripped = text.lstrip()
        if not stripped:
            return cls(path, text, "empty", encoding=encoding)
        low = stripped[:512].lower()
        if low.startswith("<!doctype html") or low.startswith("<html") or "<html" in low[:200] or low.startswith("<?xml"):
            return cls(path, text, "html", encoding=encoding)
        # JSON Lines whose first line was cut (a copy resumed mid-record) is still JSON Lines, as read_json_docs
        # reads it: the first line is rejected there, the others load
        later_lines = stripped.split("\n")[1:-1]
        if stripped[0] in "{[" or _mostly_json_objects(later_lines):
            first_line = stripped.split("\n", 1)[0].strip()
            try:
                json.loads(first_line)
                kind = "jsonl"
            except ValueError:
                kind = "jsonl" if _mostly_json_objects(later_lines) else "json"
            sample = cls(path, text, kind, keys=set(_KEY_RE.findall(text)), encoding=encoding)
            if kind == "json" and len(head) < SAMPLE_BYTES:
                try:
                    json.loads(text)
                except ValueError as exc:
                    sample.parse_error = f"line {exc.lineno} column {exc.colno}: {exc.msg}"
            return sample
        return cls(path, text, "csv", header=_csv_header(text), encoding=encoding)

    def has_columns(self, *names: str) -> bool:
        return set(names) <= set(self.header)

    def has_keys(self, *names: str) -> bool:
        return set(names) <= self.keys

    def describe(self) -> str:
        """What the file looks like, for a 'not a known format' message."""
        if self.kind == "csv":
            cols = ", ".join(map(_column_name, self.header[:8])) + (", …" if len(self.header) > 8 else "")
            return f"a CSV with columns {cols}" if self.header else "a text file with no CSV header"
        if self.kind in ("json", "jsonl"):
            keys = ", ".join(sorted(self.keys)[:10])
            return f"JSON with keys {keys}" if keys else "JSON with no object keys"
        return self.kind


def _file_head(path: Path, size: int) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(size)


def _gzip_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes a .gz decompresses to, or all it holds before a cut: a download stopped part-way
    ends in EOFError, which GzipFile.read(size) raises with the bytes it had (a file of under 64 KB, cut, was taken
    for binary data and its format never recognised). The load says where the cut is (complete_lines_of)."""
    head = bytearray()
    with gzip.open(path, "rb") as fh:
        try:
            while len(head) < size:
                chunk = fh.read1(size - len(head))
                if not chunk:
                    break
                head += chunk
        except EOFError:
            if not head:
                raise
    return bytes(head)


def _column_name(name: str) -> str:
    """A CSV header cell as a 'not a known format' message names it. A file without a header has a data row there,
    and its cells may be prompt text (a client secret): a cell that reads like a sentence (more than 4 words, more
    than 40 characters, or more than 16 characters of another script) is given by its length only."""
    if len(name) > 40 or len(name.split()) > 4 or sum(ord(c) > 127 for c in name) > 16:
        return f"(a text of {len(name)} characters)"
    return name


def _json_lines_by_majority(objects: int, lines: int) -> bool:
    """JSON Lines whose first line does not parse: most of its non-blank lines are JSON objects each on its own. One
    document laid out over lines has at most a few such lines. The sample's test and read_json_docs' alike."""
    return objects >= 2 and 2 * objects > lines


def _mostly_json_objects(lines: list[str]) -> bool:
    """_json_lines_by_majority of whole lines (a sample's, its first and last left out: they may be cut)."""
    lines = [ln for ln in lines if ln.strip()]
    objects = 0
    for line in lines:
        try:
            objects += isinstance(json.loads(line), dict)
        except ValueError:
            pass
    return _json_lines_by_majority(objects, len(lines))


def text_encoding(head: bytes) -> str:
    """utf-16 for text that starts with a UTF-16 byte-order mark, else utf-8 (a UTF-8 BOM is stripped by the reader)."""
    return "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"


def _csv_header(text: str) -> list[str]:
    return _csv_header_and_delimiter(text)[0]


def _csv_header_and_delimiter(text: str) -> tuple[list[str], str]:
    line = text.splitlines()[0] if text.splitlines() else ""
    try:
        delim = csv.Sniffer().sniff(line, delimiters=",;\t|").delimiter
    except csv.Error:
        delim = ","
    try:
        return [c.strip() for c in next(csv.reader(io.StringIO(line), delimiter=delim))], delim
    except (StopIteration, csv.Error):
        return [], delim


@dataclass
class LoadResult:
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    note: str | None = None


class SourceFormat:
    """Base of every format. Subclasses set the class attributes and implement ``matches``."""

    name: ClassVar[str]                  # registry key; also names the staging model
    target: ClassVar[str]                # calls | usage | invoice
    title: ClassVar[str]                 # for people: "OpenAI Usage API completions (JSON)"
    obtain: ClassVar[str] = ""           # how to get this export from the provider (README)
    reader: ClassVar[str] = "csv"        # csv | json
    optional_columns: ClassVar[tuple[str, ...]] = ()   # CSV columns older exports lack: added as NULL
    staging_model: ClassVar[str] = ""    # default stg_<name>; formats of one source in two encodings share one
    required_columns: ClassVar[tuple[str, ...]] = ()   # a CSV format: the header columns that identify it
    # A call-log CSV whose staging model yields one call per row is streamed in one pass (_stage_call_log), its rows
    # numbered by their order in ``calls``; one whose model leaves rows out (Langfuse's spans) cannot be numbered so.
    one_call_per_row: ClassVar[bool] = True

    def matches(self, sample: FileSample) -> bool:
        """A CSV format is recognised by its required columns; other formats say how they are recognised."""
        if not self.required_columns:
            raise NotImplementedError
        return sample.kind == "csv" and sample.has_columns(*self.required_columns)

    def staging_sql(self) -> str:
        return sql_text(f"staging/{self.staging_model or 'stg_' + self.name}.sql")

    def raw_extra_sql(self) -> str:
        """Columns parsed once while the file is read (``sql/raw/raw_<model>.sql``, a select-list), if any.

        DuckDB inlines CTEs, so a JSON document parsed in a staging CTE and used for ten fields is parsed ten
        times; parsed here, into the materialised raw table, it is parsed once.
        """
        model = (self.staging_model or "stg_" + self.name).replace("stg_", "raw_", 1)
        try:
            return sql_text(f"raw/{model}.sql")
        except FileNotFoundError:
            return ""

    def prepare_raw(self, con: duckdb.DuckDBPyConnection) -> None:
        """Hook for formats that reshape ``raw`` before staging (the generic CSV renames columns)."""

    def loader_fingerprint(self) -> str:
        """What decides how this format's files become rows: its SQL (staging, raw parse, macros) and the Python that
        runs it. A file loaded by another version of these is loaded again (ingest), so a fix in a loader reaches
        databases built before it. Computed once per format object (a month of Bedrock deliveries is thousands of
        files)."""
        if getattr(self, "_loader_fingerprint", None) is None:
            parts = [self.staging_sql(), self.raw_extra_sql(), sql_text("macros.sql"), repr(self.fingerprint_extra()),
                     *(sql_text(name) for name in self.shared_raw_sql)]
            for module in sorted({type(self).__module__, __name__}):
                parts.append(Path(sys.modules[module].__file__).read_text(encoding="utf-8"))
            self._loader_fingerprint = hashlib.md5("\0".join(parts).encode("utf-8")).hexdigest()
        return self._loader_fingerprint

    # SQL files of the raw layer that prepare_raw runs besides this format's own raw_<model>.sql (walks shared by
    # several formats): part of the loader fingerprint, so a fix in one reloads the files it read.
    shared_raw_sql: ClassVar[tuple[str, ...]] = ()

    def fingerprint_extra(self) -> object:
        """Hook: settings of this format's instance that change its rows (the generic CSV's column mapping)."""
        return None

    def note(self, con: duckdb.DuckDBPyConnection, rel: str) -> str | None:
        """Hook: something a person should know about the file once its rows are in (rows deliberately not
        loaded, amounts left unconverted). ``raw`` and the file's loaded rows (``_source_file = rel``) are there."""
        return None

    def same_source_formats(self) -> list[str]:
        """The formats whose calls are this source's: those staged by the same model, the one source in two encodings
        (LiteLLM's CSV and JSON, Langfuse's JSON and CSV). A call exported in both is one call."""
        from routekit.sources import registry   # the registry's module imports this one
        model = self.staging_model or "stg_" + self.name
        return sorted({self.name} | {f.name for f in registry.formats()
                                     if (f.staging_model or "stg_" + f.name) == model})

    # -- the lifecycle -------------------------------------------------------------------------------------
    def load(self, con: duckdb.DuckDBPyConnection, path: Path, rel: str, sha256: str | Future, *,
             keep_complete_rows: bool = True) -> LoadResult:
        """Load one file atomically: on any failure the database is as it was before.

        A .gz cut short (CutShort) is loaded again from the complete lines before the cut, with the cut as one
        reject, when ``keep_complete_rows`` (ingest says no when a whole earlier version is loaded: it stays). The
        cut is found only after DuckDB's read fails, so a whole file is read once, as before."""
        try:
            return self._load(con, path, rel, sha256)
        except CutShort:
            if not keep_complete_rows:
                raise
        with complete_lines_of(path, con) as cut:
            return self._load(con, path, rel, sha256, cut)

    def _load(self, con: duckdb.DuckDBPyConnection, path: Path, rel: str, sha256: str | Future,
              cut: "CutLines | None" = None) -> LoadResult:
        clock = _PhaseClock(f"{self.name} {rel}")
        source = cut.path if cut else path   # what is read; the manifest is the file's as it lies in the folder
        con.execute("BEGIN TRANSACTION")
        try:
            counts = None
            if self.reader == "csv" and self.target == "calls" and self.one_call_per_row:
                counts = self._stage_call_log(con, source, rel, clock)
            loaded, rejected = counts if counts is not None else self._stage_materialised(con, source, rel, clock)
            if self.target == "calls":
                repeated = reject_repeated_calls(con, rel, self.name, self.same_source_formats())
                loaded, rejected = loaded - repeated, rejected + repeated
                clock.lap("repeated calls")
            note = self.note(con, rel)
            if cut:
                cut_note = self._record_cut(con, rel, cut)
                rejected += 1
                note = "; ".join(filter(None, [note, cut_note]))
            result = LoadResult(loaded + rejected, loaded, rejected, note)
            record_file(con, rel, sha256, path.stat().st_size, self.name, self.target, result, None,
                        loader=self.loader_fingerprint())
            con.execute("COMMIT")
            clock.lap("commit")
            return result
        except LoadError:
            _undo(con, rel)
            raise
        except duckdb.Error as exc:
            _undo(con, rel)
            raise load_error(exc) from None
        finally:
            drop_temp_objects(con)

    def _record_cut(self, con: duckdb.DuckDBPyConnection, rel: str, cut: "CutLines") -> str:
        """The cut as one reject, at the line it falls in, naming the last complete row (CSV) or line (JSON) before
        it; returns the file's note. Every row read is loaded or rejected, and the rows the file lost were never
        read: this says they are missing."""
        if self.reader == "csv":
            # the data rows read (good and malformed): a quoted value may span lines, so rows are counted, not lines
            rows = con.execute("SELECT count(*) FROM raw").fetchone()[0]
            if con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'pre_rejects'"
                           ).fetchone()[0]:
                rows += con.execute("SELECT count(*) FROM pre_rejects").fetchone()[0]
            last, before = f"row {rows:,} (line {cut.lines:,})", "rows"
            short = f"row {rows:,}"
        else:
            last = short = f"line {cut.lines:,}"
            before = "lines"
        reason = (f"{CUT_SHORT}: it ends in line {cut.lines + 1:,}, after {last}; the {before} before the cut are "
                  "loaded, the rest of the file is missing: copy it again")
        con.execute("INSERT INTO rejects (_source_file, _format, _source_row, reason) VALUES (?, ?, ?, ?)",
                    [rel, self.name, f"line {cut.lines + 1}", reason])
        return f"cut short after {short}: the rest of the file is missing, copy it again"

    def _stage_materialised(self, con: duckdb.DuckDBPyConnection, path: Path, rel: str,
                            clock: "_PhaseClock") -> tuple[int, int]:
        """Raw rows into a temp table, then staged into the target: (rows loaded, rows rejected)."""
        pre_rejects = self._read_raw(con, path)
        self.prepare_raw(con)
        clock.lap("read raw")
        delete_file_rows(con, rel)
        staging = self.staging_sql()
        # Good rows stream from the staging model straight into the target table (no staged copy); a second
        # pass over the same model keeps only what a reject needs, so DuckDB prunes every other column.
        loaded = con.execute(f"""INSERT INTO {self.target} BY NAME
            SELECT * EXCLUDE (_problems), ? AS _format, ? AS _source_file
            FROM ({staging}) WHERE rk_reason(_problems) IS NULL""", [self.name, rel]).fetchone()[0]
        clock.lap("stage and insert")
        rejected = 0
        # A CSV staging model yields one row per raw row: all loaded means nothing to reject (the common case,
        # and at millions of rows a pass worth skipping). JSON models unnest, so they always look.
        if self.reader != "csv" or loaded < con.execute("SELECT count(*) FROM raw").fetchone()[0]:
            rejected = con.execute(f"""INSERT INTO rejects (_source_file, _format, _source_row, reason)
                SELECT ?, ?, _source_row, rk_reason(_problems)
                FROM ({staging}) WHERE rk_reason(_problems) IS NOT NULL""", [rel, self.name]).fetchone()[0]
        con.execute("""INSERT INTO rejects (_source_file, _format, _source_row, reason)
                       SELECT ?, ?, _source_row, reason FROM pre_rejects""", [rel, self.name])
        clock.lap("rejects")
        return loaded, rejected + pre_rejects

    def _stage_call_log(self, con: duckdb.DuckDBPyConnection, path: Path, rel: str,
                        clock: "_PhaseClock") -> tuple[int, int] | None:
        """A call log CSV read, staged and inserted in one pass on every core: (rows loaded, rows rejected).

        Call logs are the big files (10 M rows, gigabytes): materialising the raw rows first, as the other paths do,
        writes them all to a temp table (spilling to disk past the memory limit) and reads them back: 10 M calls
        took 124 s and 1 M took 7.3 s that way, against 57 s and 6.4 s here, in 30 % less memory. Here every
        staged row goes straight into ``calls``; a row with a problem is marked (``_format`` '!reject', its reason in
        ``error``), then moved to ``rejects``, so nothing is read twice and nothing is lost. Rows are numbered after
        the insert: DuckDB inserts in file order (insertion order is preserved), so this file's rows hold
        consecutive row ids in file order, and ``row N`` is the N-th of them. (Numbering while reading, with
        ``row_number() OVER ()``, forced the whole read onto one thread: 10 M calls took 89 s.)

        Two transactions, so that the numbering is cheap: the rows go in marked PENDING_ROW, next to the file's
        earlier rows, and that is committed; then the earlier rows go, the new ones are numbered and the file is
        recorded, and that is committed. (Numbered in the insert's own transaction, the rows just written to disk
        were written again at commit: 8.5 s at 10 M calls, against 2.3 s this way.) If the second step fails, the
        pending rows are deleted (SourceFormat.load) and the earlier rows are still there; if the process dies
        between the two, the next ingest deletes them before it loads anything (``discard_pending_rows``).

        Returns None when the reader set malformed lines aside: the numbering would skip them, so this file's rows
        are taken out again and the materialised path, which numbers around them, loads it instead.
        """
        read_csv_stream(con, path, self.optional_columns, self.raw_extra_sql())
        self.prepare_raw(con)
        clock.lap("open stream")
        rows = con.execute(f"""INSERT INTO calls BY NAME
            SELECT * EXCLUDE (_problems, error, _source_row), ? AS _source_row,
                   CASE WHEN rk_reason(_problems) IS NULL THEN ? ELSE '!reject' END AS _format,
                   ? AS _source_file, coalesce(rk_reason(_problems), error) AS error
            FROM ({self.staging_sql()})""", [PENDING_ROW, self.name, rel]).fetchone()[0]
        clock.lap("stream, stage and insert")
        malformed = con.execute("SELECT count(*) FROM rk_csv_errors").fetchone()[0]
        con.execute("DROP TABLE IF EXISTS rk_csv_errors")
        con.execute("DROP TABLE IF EXISTS rk_csv_scans")
        if malformed:   # still the first transaction: nothing was committed
            discard_pending_rows(con, rel)
            drop_temp_objects(con)
            return None
        con.execute("COMMIT")
        con.execute("BEGIN TRANSACTION")
        clock.lap("commit the pending rows")
        delete_file_rows(con, rel, keep_pending=True)
        first, last = con.execute("SELECT min(rowid), max(rowid) FROM calls WHERE _source_file = ? AND _source_row = ?",
                                  [rel, PENDING_ROW]).fetchone()
        if rows and last - first + 1 != rows:   # never seen: DuckDB gives a new table's rows consecutive ids
            raise LoadError(f"the {rows:,} rows inserted hold {last - first + 1:,} row ids, so they cannot be numbered")
        con.execute("UPDATE calls SET _source_row = 'row ' || (rowid - ? + 1) WHERE _source_file = ? AND _source_row = ?",
                    [first, rel, PENDING_ROW])
        clock.lap("number rows")
        rejected = con.execute("""INSERT INTO rejects (_source_file, _format, _source_row, reason)
            SELECT _source_file, ?, _source_row, error FROM calls WHERE _source_file = ? AND _format = '!reject'""",
                               [self.name, rel]).fetchone()[0]
        if rejected:
            con.execute("DELETE FROM calls WHERE _source_file = ? AND _format = '!reject'", [rel])
        clock.lap("rejects")
        return rows - rejected, rejected

    def _read_raw(self, con: duckdb.DuckDBPyConnection, path: Path) -> int:
        """Create ``raw`` (CSV) or ``docs`` (JSON) and ``pre_rejects``; return how many rows failed to parse."""
        if self.reader == "csv":
            return read_csv_raw(con, path, self.optional_columns, self.raw_extra_sql())
        return read_json_docs(con, path)


class _PhaseClock:
    """Per-phase timings on stderr when ROUTEKIT_PROFILE is set (for benchmarks and slow clients)."""

    def __init__(self, label: str) -> None:
        self.label, self.on, self.t = label, bool(os.environ.get("ROUTEKIT_PROFILE")), time.perf_counter()

    def lap(self, phase: str) -> None:
        if self.on:
            now = time.perf_counter()
            print(f"[profile] {self.label}: {phase} {now - self.t:.2f}s", file=sys.stderr)
            self.t = now


class ApiPageFormat(SourceFormat):
    """Formats saved from OpenAI's and Anthropic's Admin APIs: one shared walk of the page envelope builds
    ``page_results`` (``_source_row``, bucket bounds ``bk``, the result as JSON ``rec``) for the staging model."""

    reader = "json"
    shared_raw_sql = ("raw/api_page_results.sql",)

    def prepare_raw(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(sql_text("raw/api_page_results.sql"))


class RecordListFormat(SourceFormat):
    """Call logs exported as JSON records: JSON Lines, a JSON array, or saved API pages that hold them in ``data``.
    The shared walk (``sql/raw/records.sql``) builds ``records`` (``_source_row``, ``rec``: one record as JSON); the
    format's ``sql/raw/raw_<name>.sql`` parses each record once into ``raw``."""

    reader = "json"
    shared_raw_sql = ("raw/records.sql",)

    def prepare_raw(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(sql_text("raw/records.sql"))
        con.execute(f"CREATE OR REPLACE TEMP TABLE raw AS {self.raw_extra_sql()}")


def _undo(con: duckdb.DuckDBPyConnection, rel: str) -> None:
    """A failed load's way back to the database as it was: roll back, then drop rows a call log's first step
    committed."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass   # the failure fell between a call log's two transactions: none was open
    discard_pending_rows(con, rel)


CUT_SHORT = "the .gz file is cut short (an interrupted download or copy)"
_GZIP_CUT = "Unexpected end of GZIP stream"   # DuckDB's words, then the path the file list already shows


def load_error(exc: Exception, prefix: str = "") -> LoadError:
    """DuckDB's error as a LoadError for a person; CutShort when the file is a .gz cut short."""
    if _GZIP_CUT in str(exc):
        return CutShort(_clean_duckdb_message(exc))
    return LoadError(prefix + _clean_duckdb_message(exc))


@dataclass
class CutLines:
    """The complete lines of a .gz cut short, decompressed into ``path`` (a temporary file): ``lines`` of them."""

    path: Path
    lines: int


@contextlib.contextmanager
def complete_lines_of(path: Path, con: duckdb.DuckDBPyConnection):
    """The complete lines a .gz cut short holds before its cut, in a temporary file beside the database (its
    spill folder, where DuckDB already writes the client's rows; never the system's /tmp: the lines hold prompts),
    removed afterwards. Python's gzip reads up to the cut, which DuckDB's reader refuses whole; the partial line at
    the cut is left out, since a value cut in its middle ('0.00125' become '0.00') could still parse."""
    folder = Path(con.execute("SELECT current_setting('temp_directory')").fetchone()[0] or tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="routekit-cut-", suffix=Path(path.name.removesuffix(".gz")).suffix,
                                dir=folder)
    lines = 0
    try:
        with os.fdopen(fd, "wb") as out, gzip.open(path, "rb") as fh:
            tail = b""
            try:
                while chunk := fh.read1(1 << 20):
                    chunk, tail = tail + chunk, b""
                    end = chunk.rfind(b"\n") + 1
                    chunk, tail = chunk[:end], chunk[end:]
                    lines += chunk.count(b"\n")
                    out.write(chunk)
            except EOFError:
                pass   # the cut: what came before it is written
        yield CutLines(Path(name), lines)
    finally:
        os.unlink(name)


def _clean_duckdb_message(exc: Exception) -> str:
    if isinstance(exc, duckdb.OutOfMemoryException):
        return out_of_memory_text(exc)
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if _GZIP_CUT in msg:
        return f"{CUT_SHORT}: copy it again"
    # DuckDB's JSON errors end with the text they failed on ('Input: "{"messages": [...'): it may be a prompt, and
    # this message goes into the file list of reports and logs
    msg = re.sub(r"\s*Input: .*$", "", msg)
    return re.sub(r"^[A-Za-z ]+ Error: ", "", msg)


# How every CSV is read: each value VARCHAR, the header taken as is. RFC 4180 quoting stated, not sniffed: on a small
# file the sniffer can choose no quote character and split "gpt-5-nano, input_tokens" in two without a reject.
# Malformed rows are skipped while sniffing too (without that, a short row can make the sniffer pick another dialect).
_CSV_OPTIONS = f"""all_varchar = true, header = true, normalize_names = false, quote = '"', escape = '"',
                   ignore_errors = true, max_line_size = {MAX_CSV_ROW_BYTES}, buffer_size = {CSV_BUFFER_BYTES}"""


def _read_csv_call(columns: list[str], delim: str, encoding: str) -> str:
    """The read_csv call, with the columns, delimiter and encoding found by _csv_columns (no sniffing while reading);
    malformed rows go to rk_csv_errors."""
    cols = ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in columns)
    return f"""read_csv(?, {_CSV_OPTIONS}, auto_detect = false, delim = {quote_literal(delim)}, columns = {{{cols}}},
                          encoding = {quote_literal(encoding)},
                          store_rejects = true, rejects_table = 'rk_csv_errors', rejects_scan = 'rk_csv_scans')"""


def _csv_columns(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[list[str], str, str]:
    """The file's column names and delimiter, as DuckDB's sniffer finds them, or from the header line when it gives
    up: it fails on the whole file ("CSV Error on Line: 1") when a row it samples is longer than MAX_CSV_ROW_BYTES, and
    so does a read that sniffs. Reading with these named, such a row is set aside by its line, like any malformed
    row, and the rest loads. Third, the text's encoding."""
    sample = FileSample.read(path)
    names, header_delim = _csv_header_and_delimiter(sample.text)
    # an empty name (pandas' index column) gets the name DuckDB gives it: column<position>
    names = [name or f"column{i}" for i, name in enumerate(names)]
    header_ok = bool(names) and len(set(names)) == len(names)
    try:   # on a cursor of its own: a failed sniff must not abort the load's transaction
        with con.cursor() as cur:
            delim, columns = cur.execute(f"""SELECT Delimiter, Columns FROM sniff_csv(?, {_CSV_OPTIONS},
                                                encoding = {quote_literal(sample.encoding)})""",
                                         [str(path)]).fetchone()
    except duckdb.Error as exc:
        if not header_ok:
            raise load_error(exc, "not readable as CSV: ") from None
        return names, header_delim, sample.encoding
    sniffed = [c["name"] for c in columns]
    # The format was recognised by its header line. On a small file with a damaged row (an unterminated quote) the
    # sniffer can settle on another delimiter and one column; the header line is then the better witness, and the
    # damaged row becomes a reject.
    if header_ok and sniffed != names:
        return names, header_delim, sample.encoding
    return sniffed, delim, sample.encoding


def _csv_source_and_select(con: duckdb.DuckDBPyConnection, path: Path, optional_columns: tuple[str, ...],
                           extra_sql: str) -> tuple[str, str, str]:
    """The read_csv call, its select-list with the optional columns an older export lacks, and the raw-parse extra
    columns."""
    header, delim, encoding = _csv_columns(con, path)
    source = _read_csv_call(header, delim, encoding)
    # Columns an older export lacks are NULL, so staging models can name every column of the newest one.
    missing = [f"NULL::VARCHAR AS {quote_ident(c)}" for c in optional_columns if c not in header]
    select = ", ".join(["*"] + missing)
    extra = f", {extra_sql.strip().rstrip(',')}" if extra_sql.strip() else ""
    return source, select, extra


def read_csv_stream(con: duckdb.DuckDBPyConnection, path: Path, optional_columns: tuple[str, ...] = (),
                    extra_sql: str = "") -> None:
    """``raw`` as a view streaming the CSV: every value VARCHAR, ``_source_row`` left empty for the loader to number
    once the rows are in (SourceFormat._stage_call_log)."""
    source, select, extra = _csv_source_and_select(con, path, optional_columns, extra_sql)
    literal = quote_literal(str(path))   # a view cannot hold a bound parameter
    con.execute(f"""CREATE OR REPLACE TEMP VIEW raw AS
        SELECT *{extra}, '' AS _source_row FROM (SELECT {select} FROM {source.replace('?', literal, 1)})""")


# Why the reader set a line aside (its store_rejects error), for a person. CSV rows and JSON lines alike.
_READ_ERROR_REASON = """CASE error_type
    WHEN 'MISSING COLUMNS' THEN 'too few fields for the header (' || error_message || ')'
    WHEN 'TOO MANY COLUMNS' THEN 'more fields than the header (' || error_message || ')'
    WHEN 'UNQUOTED VALUE' THEN 'badly quoted value (' || error_message || ')'
    -- a file saved in Latin-1 or Windows-1252: the line cannot be read as text without guessing its characters
    WHEN 'INVALID ENCODING' THEN 'not UTF-8 text (bytes that are not UTF-8 on this line; re-export the file as UTF-8)'
    ELSE lower(error_type) || ' (' || error_message || ')' END"""

# One entry per line: DuckDB records one per missing column ('Found: 5', 'Found: 6', ...); the first one speaks for it.
_FIRST_ERROR_PER_LINE = """SELECT line, arg_min(error_type, coalesce(column_idx, 0)) AS error_type,
                               arg_min(error_message, coalesce(column_idx, 0)) AS error_message
                        FROM {errors} GROUP BY line"""


def _position_around(con: duckdb.DuckDBPyConnection, set_aside: str, header_lines: int) -> str:
    """The SQL position (1-based, in file order, header lines not counted) of good row ``g`` (1-based among the rows
    read) when the reader set aside the lines in table ``set_aside`` (column ``line``): good row g sits at position
    g + #{set-aside i : m_i - i < g}, m_i being the i-th set-aside line's position."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE rk_bad AS
        SELECT line - {header_lines} - row_number() OVER (ORDER BY line) AS good_before FROM {set_aside}""")
    return "(g + (SELECT count(*) FROM rk_bad WHERE good_before < g))"


def read_csv_raw(con: duckdb.DuckDBPyConnection, path: Path, optional_columns: tuple[str, ...] = (),
                 extra_sql: str = "") -> int:
    """Every CSV value as VARCHAR in ``raw`` with its data-row number; malformed rows into ``pre_rejects``.

    DuckDB's reader detects the dialect, strips a BOM and handles CRLF. Rows with too many or too few fields are
    set aside by ``store_rejects`` with their line number; good rows keep their position as ``row N`` (the N-th data
    row after the header), corrected for the malformed rows before them.
    """
    source, select, extra = _csv_source_and_select(con, path, optional_columns, extra_sql)
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE raw_file AS
                        SELECT *{extra} FROM (SELECT {select} FROM {source})""", [str(path)])
    except duckdb.Error as exc:
        raise load_error(exc, "not readable as CSV: ") from None
    con.execute(f"""CREATE OR REPLACE TEMP TABLE pre_rejects AS
        SELECT 'line ' || line AS _source_row, line, {_READ_ERROR_REASON} AS reason
        FROM ({_FIRST_ERROR_PER_LINE.format(errors="rk_csv_errors")})""")
    n_bad = con.execute("SELECT count(*) FROM pre_rejects").fetchone()[0]
    # Temp tables number rows from an offset; row N is the N-th row in file order (CTAS keeps insertion order).
    first_rowid = con.execute("SELECT coalesce(min(rowid), 0) FROM raw_file").fetchone()[0]
    position = _position_around(con, "pre_rejects", header_lines=1) if n_bad else "g"
    con.execute(f"""CREATE OR REPLACE TEMP VIEW raw AS
        SELECT f.* EXCLUDE (g), 'row ' || {position} AS _source_row
        FROM (SELECT *, rowid - {first_rowid} + 1 AS g FROM raw_file) f""")
    con.execute("DROP TABLE IF EXISTS rk_csv_errors")
    con.execute("DROP TABLE IF EXISTS rk_csv_scans")
    return n_bad


def read_json_docs(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """JSON documents in ``docs``: one per line for JSON Lines, else the whole file as one document.

    A file whose first line parses on its own is JSON Lines, and so is one whose lines are mostly JSON objects each
    on its own (its first line was cut or garbled); a line that does not parse (a truncated last line) is rejected
    with its line number and the rest loads. Otherwise the file must be one document; if it does not parse the whole
    file is refused with the reason.
    """
    try:
        # NUL as the delimiter and no quoting: each physical line arrives whole. Works on .gz too. A line the reader
        # cannot take (not UTF-8, longer than MAX_JSON_LINE_BYTES) is set aside with its line number, not the file.
        # Not strict: logs joined from Windows and Unix files mix CRLF and LF line ends, and a strict reader stopped
        # at the first change ("The CSV Parser state machine reached an invalid state") and refused the whole file.
        con.execute(f"""CREATE OR REPLACE TEMP TABLE raw_lines AS
            SELECT line FROM read_csv(?, columns = {{'line': 'VARCHAR'}}, header = false, delim = '\\0',
                                      quote = '', escape = '', auto_detect = false, strict_mode = false,
                                      max_line_size = {MAX_JSON_LINE_BYTES}, ignore_errors = true,
                                      encoding = {quote_literal(FileSample.read(path).encoding)},
                                      store_rejects = true, rejects_table = 'rk_json_errors',
                                      rejects_scan = 'rk_json_scans')""", [str(path)])
    except duckdb.Error as exc:
        raise load_error(exc, "not readable as text: ") from None
    con.execute(f"""CREATE OR REPLACE TEMP TABLE rk_unread AS
        SELECT line, {_READ_ERROR_REASON} AS reason FROM ({_FIRST_ERROR_PER_LINE.format(errors="rk_json_errors")})""")
    con.execute("DROP TABLE IF EXISTS rk_json_errors")
    con.execute("DROP TABLE IF EXISTS rk_json_scans")
    unread = con.execute("SELECT line, reason FROM rk_unread ORDER BY line LIMIT 1").fetchone()
    first_rowid = con.execute("SELECT coalesce(min(rowid), 0) FROM raw_lines").fetchone()[0]
    position = _position_around(con, "rk_unread", header_lines=0) if unread else "g"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE raw_lines AS
        SELECT {position} AS line_no, ltrim(line, chr(65279)) AS line
        FROM (SELECT line, rowid - {first_rowid} + 1 AS g FROM raw_lines)""")
    first = con.execute("""SELECT json_valid(line) FROM raw_lines WHERE trim(line, ' \t\r') <> ''
                           ORDER BY line_no LIMIT 1""").fetchone()
    if first is None:
        raise LoadError(f"line {unread[0]}: {unread[1]}" if unread else "no JSON content (only blank lines)")
    if not first[0]:
        # The first line does not parse: JSON Lines whose first record was cut (a copy resumed, a file moved to the
        # top) is still JSON Lines, and refusing it whole would drop every good record for the sake of one
        first = (_json_lines_by_majority(*con.execute("""
            SELECT count(*) FILTER (WHERE CASE WHEN json_valid(line) THEN json_type(line) END = 'OBJECT'), count(*)
            FROM raw_lines WHERE trim(line, ' \t\r') <> ''""").fetchone()),)
    if first[0]:
        con.execute("""CREATE OR REPLACE TEMP TABLE docs AS
            SELECT 'line ' || line_no AS _source_row, CAST(line AS JSON) AS doc FROM raw_lines
            WHERE trim(line, ' \t\r') <> '' AND json_valid(line)""")
        _expand_arrays(con)
        con.execute("""CREATE OR REPLACE TEMP TABLE pre_rejects AS
            SELECT 'line ' || line_no AS _source_row,
                   -- the line may hold prompt text, a client secret: say its size, never its content
                   'truncated or malformed JSON line (' || length(line) || ' characters)' AS reason
            FROM raw_lines WHERE trim(line, ' \t\r') <> '' AND NOT json_valid(line)
            UNION ALL
            SELECT 'line ' || line, reason FROM rk_unread""")
        return con.execute("SELECT count(*) FROM pre_rejects").fetchone()[0]
    if unread:   # a document missing a line could still parse, and say something else: none of it is loaded
        raise LoadError(f"line {unread[0]}: {unread[1]}; the file is one JSON document, so none of it was loaded")
    con.execute("""CREATE OR REPLACE TEMP TABLE docs AS
        SELECT 'document' AS _source_row, string_agg(line, chr(10) ORDER BY line_no) AS text FROM raw_lines""")
    if not con.execute("SELECT json_valid(text) FROM docs").fetchone()[0]:
        # One comma too many before the closing bracket, as Helicone's export tool writes (`--format json`
        # puts ",\n" after every record, the last too): the one fix that cannot change what the records say.
        con.execute(r"""UPDATE docs SET text = regexp_replace(text, ',\s*\]\s*$', ']')
                        WHERE json_valid(regexp_replace(text, ',\s*\]\s*$', ']'))""")
    if not con.execute("SELECT json_valid(text) FROM docs").fetchone()[0]:
        n_lines = con.execute("SELECT count(*) FROM raw_lines").fetchone()[0]
        where = _json_error_place(con.execute("SELECT text FROM docs").fetchone()[0])
        raise LoadError(f"truncated or malformed JSON: the document ({n_lines} lines) does not parse ({where}), "
                        "so none of it was loaded; re-export the file")
    con.execute("CREATE OR REPLACE TEMP TABLE docs AS SELECT '' AS _source_row, CAST(text AS JSON) AS doc FROM docs")
    con.execute("CREATE OR REPLACE TEMP TABLE pre_rejects (_source_row VARCHAR, reason VARCHAR)")
    _expand_arrays(con)
    return 0


def _json_error_place(text: str) -> str:
    """Where a JSON document stops parsing, by line and column, and whether it was cut short (it ends there) or is
    malformed inside; never the text around it, which may be a prompt. The file's own line numbers: the document
    was joined from its lines in order."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            return f"it ends at line {exc.lineno} in the middle of a value: the file was cut short"
        return f"line {exc.lineno}, column {exc.colno}: {exc.msg.lower()}"
    return "DuckDB's parser refuses it"   # valid for Python but not for DuckDB (e.g. NaN)


def _expand_arrays(con: duckdb.DuckDBPyConnection) -> None:
    """A document that is a JSON array (an export of records, a list of API pages) becomes one doc per element.

    ``_source_row`` is the location prefix staging models extend with ``rk_at``: ``line 3`` for JSON Lines, empty
    for a single document.
    """
    con.execute("""CREATE OR REPLACE TEMP TABLE docs AS
        SELECT _source_row, doc FROM docs WHERE json_type(doc) <> 'ARRAY'
        UNION ALL
        -- the array is parsed once into a list; doc -> i per element would re-parse it for every element
        SELECT rk_at(_source_row, '[' || i || ']'), element
        FROM (SELECT _source_row, unnest(range(len(CAST(doc AS JSON[])))) AS i, unnest(CAST(doc AS JSON[])) AS element
              FROM docs WHERE json_type(doc) = 'ARRAY')""")


def not_loaded_note(con: duckdb.DuckDBPyConnection, column: str, noun: str) -> str | None:
    """"3 non-model spans not loaded (execute_tool 1, invoke_agent 1, ...)": the rows of ``raw`` whose ``column`` is
    not 'model', by class. For formats whose files mix model calls with other records (agent, tool, workflow
    steps) that are deliberately not loaded: the load note says what was left out, so no row goes unaccounted."""
    rows = con.execute(f"""SELECT {column}, count(*) AS n FROM raw WHERE {column} <> 'model'
                           GROUP BY {column} ORDER BY n DESC, {column}""").fetchall()
    if not rows:
        return None
    total = sum(n for _, n in rows)
    parts = ", ".join(f"{cls} {n}" for cls, n in rows)
    return f"{total} {noun}{'s' if total != 1 else ''} not loaded ({parts})"


def drop_temp_objects(con: duckdb.DuckDBPyConnection) -> None:
    """Temp tables and views of one load: gone before the next file so no file sees another's rows."""
    for name, kind in con.execute("""SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary
                                     UNION ALL
                                     SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary""").fetchall():
        con.execute(f"DROP {kind} IF EXISTS temp.{quote_ident(name)}")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


REPEATED_ELSEWHERE = "duplicate request_id: already loaded from "


def reject_repeated_calls(con: duckdb.DuckDBPyConnection, rel: str, fmt: str,
                          same_source: list[str] | None = None) -> int:
    """Move this file's calls whose request id was already seen to ``rejects``: a later row of the file with the
    same id (a paginated export that repeats a row at a page boundary), or a row another file of the same source
    (``same_source``: the formats of its encodings, by default ``fmt`` alone) already loaded (overlapping exports,
    Sept 1-15 and Sept 10-30; the JSON and the CSV export of one month). The first occurrence stays. Returns how
    many.

    The common case, no repeat and no other file of the format over the same hours, costs one count of distinct
    id hashes: about 0.1 s per million calls (1 s at 10 M, where grouping by the ids themselves took 2.9 s). Another
    file is compared only over this file's time span, an hour either side: a repeated call has the same time, give
    or take its precision, and a month of Bedrock deliveries (thousands of files of a few minutes each) does not
    join each file with every call before it."""
    # an hour either side: two exports of one call may stamp it with another precision (10:00:00 and 10:00:00.5)
    lo, hi, repeats = con.execute("""SELECT min(ts) - INTERVAL 1 HOUR, max(ts) + INTERVAL 1 HOUR,
                                            count(request_id) - count(DISTINCT hash(request_id))
                                     FROM calls WHERE _source_file = ?""", [rel]).fetchone()
    overlap = lo is not None and con.execute(
        """SELECT count(*) FROM (SELECT 1 FROM calls WHERE ts BETWEEN ? AND ? AND list_contains(?, _format)
                                 AND _source_file <> ? AND request_id IS NOT NULL LIMIT 1)""",
        [lo, hi, same_source or [fmt], rel]).fetchone()[0]
    if not overlap and not repeats:
        return 0   # distinct hashes: distinct ids (equal hashes of different ids are settled below)
    con.execute("""CREATE OR REPLACE TEMP TABLE rk_repeated AS
        WITH mine AS (SELECT rowid AS rid, request_id, _source_row FROM calls
                      WHERE _source_file = $rel AND request_id IS NOT NULL),
             twice AS (SELECT request_id FROM mine GROUP BY request_id HAVING count(*) > 1),
             within AS (SELECT m.rid, 'duplicate request_id: the same call as '
                                      || first_value(m._source_row) OVER (PARTITION BY m.request_id ORDER BY m.rid)
                                      AS reason,
                               row_number() OVER (PARTITION BY m.request_id ORDER BY m.rid) AS n
                        FROM mine m SEMI JOIN twice t ON t.request_id = m.request_id),
             elsewhere AS (SELECT m.rid, any_value(m.request_id) AS request_id,
                                  arg_min($prefix || o._source_file || ' ' || o._source_row,
                                          o._source_file || o._source_row) AS reason
                           FROM mine m JOIN calls o ON o.request_id = m.request_id
                           WHERE o._source_file <> $rel AND list_contains($formats, o._format) AND $overlap
                             AND o.ts BETWEEN $lo AND $hi
                           GROUP BY m.rid)
        SELECT rid, coalesce(e.reason, w.reason) AS reason, e.request_id AS repeated_request_id
        FROM (SELECT rid, reason FROM within WHERE n > 1) w FULL JOIN elsewhere e USING (rid)""",
                {"rel": rel, "formats": same_source or [fmt], "prefix": REPEATED_ELSEWHERE, "overlap": bool(overlap),
                 "lo": lo, "hi": hi})
    n = con.execute("SELECT count(*) FROM rk_repeated").fetchone()[0]
    if n:
        con.execute("""INSERT INTO rejects (_source_file, _format, _source_row, reason, repeated_request_id)
                       SELECT ?, ?, c._source_row, r.reason, r.repeated_request_id
                       FROM calls c JOIN rk_repeated r ON r.rid = c.rowid""", [rel, fmt])
        con.execute("DELETE FROM calls WHERE rowid IN (SELECT rid FROM rk_repeated)")
    con.execute("DROP TABLE rk_repeated")
    return n


def delete_file_rows(con: duckdb.DuckDBPyConnection, rel: str, *, keep_pending: bool = False) -> None:
    for table in ("calls", "usage", "invoice", "rejects"):
        pending = " AND _source_row <> ?" if keep_pending and table == "calls" else ""
        con.execute(f"DELETE FROM {table} WHERE _source_file = ?{pending}", [rel] + ([PENDING_ROW] if pending else []))


def discard_pending_rows(con: duckdb.DuckDBPyConnection, rel: str | None = None) -> int:
    """Delete the call-log rows a load committed but did not finish numbering (SourceFormat._stage_call_log): those of
    ``rel``, or every file's (at the start of an ingest, after a load that was killed between its two steps)."""
    where, params = ("_source_row = ?", [PENDING_ROW]) if rel is None else \
        ("_source_file = ? AND _source_row = ?", [rel, PENDING_ROW])
    return con.execute(f"DELETE FROM calls WHERE {where}", params).fetchone()[0]


def record_file(con: duckdb.DuckDBPyConnection, rel: str, sha256: str | Future | None, size: int | None,
                fmt: str | None, target: str | None, result: LoadResult | None, skipped: str | None, *,
                loader: str | None = None) -> None:
    """The file's manifest row. ``sha256`` is the hash, or a Future of it (ingest hashes a new file while it loads);
    ``loader`` the fingerprint of the code that loaded it."""
    sha256 = sha256.result() if isinstance(sha256, Future) else sha256
    con.execute("DELETE FROM ingested_files WHERE path = ?", [rel])
    con.execute("""INSERT INTO ingested_files (path, sha256, size_bytes, format, target, rows_read, rows_loaded,
                                               rows_rejected, skipped_reason, note, loaded_at, loader)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?)""",
                [rel, sha256, size, fmt, target,
                 result.rows_read if result else 0, result.rows_loaded if result else 0,
                 result.rows_rejected if result else 0, skipped, result.note if result else None, loader])

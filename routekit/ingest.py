"""Load every export in a client folder into the client's DuckDB database.

Each file is recognised by its content, loaded atomically by its format, and recorded in ``ingested_files`` with
its sha256: a file whose content was loaded before adds nothing (under its own or another name), a changed file
replaces its earlier rows, and a file gone from the folder takes its rows with it, so the database always mirrors
the folder.
"""
from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from routekit.config import ClientConfig, load_config
from routekit.db import connect, default_db_path
from routekit.sources import FileSample, LoadError, Refused, detect, registry
from routekit.sources.base import CUT_SHORT, delete_file_rows, discard_pending_rows, record_file
from routekit.sources.generic_csv import GenericCsv

DATA_SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson", ".csv.gz", ".json.gz", ".jsonl.gz", ".ndjson.gz")


@dataclass
class FileReport:
    path: str
    format: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    skipped_reason: str | None = None
    status: str = "loaded"           # loaded | replaced | unchanged | duplicate | skipped | failed
    note: str | None = None


@dataclass
class IngestReport:
    db: str
    files: list[FileReport] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    reject_reasons: list[dict] = field(default_factory=list)

    def files_frame(self):
        """The per-file report as a pandas DataFrame (for notebooks)."""
        import pandas as pd

        return pd.DataFrame([asdict(f) for f in self.files])

    def to_json(self) -> dict:
        return {"db": self.db, "files": [asdict(f) for f in self.files], "removed": self.removed,
                "tables": self.tables, "reject_reasons": self.reject_reasons}


def discover(client_dir: Path, config: ClientConfig) -> list[tuple[Path, str]]:
    """Files under the folder, recursively, in a stable order, minus routekit's own and excluded files."""
    found = []
    for root, dirs, files in os.walk(client_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            rel = path.relative_to(client_dir).as_posix()
            if not config.is_excluded(rel):
                found.append((path, rel))
    return found


# What a file routekit does not read probably is, and what to do with it. Its content is never sampled: a text file
# beside the exports may hold prompts, and a 'not a known format' reason would quote its first line.
OTHER_FILES = {".zip": "a zip archive: unpack it into the client folder",
               ".xlsx": "a spreadsheet workbook: export each sheet as CSV",
               ".xls": "a spreadsheet workbook: export each sheet as CSV",
               ".pdf": "a PDF (an invoice document?): routekit reads the providers' CSV and JSON exports",
               ".parquet": "a Parquet file: export it as CSV or JSON Lines"}


def _other_file_reason(rel: str) -> str:
    suffix = Path(rel).suffix.lower()
    if suffix in OTHER_FILES:
        return f"not read: {OTHER_FILES[suffix]}"
    kind = f"a {suffix} file" if suffix else "a file with no extension"
    return f"not read: {kind}; routekit reads .csv, .json, .jsonl and .ndjson exports, also gzipped"


def _skip_other_file(con: duckdb.DuckDBPyConnection, path: Path, rel: str) -> FileReport:
    """List a file that is not an export format routekit reads, without reading it."""
    st = path.stat()
    reason = _other_file_reason(rel)
    prev = con.execute("SELECT size_bytes, mtime_ns, skipped_reason FROM ingested_files WHERE path = ?",
                       [rel]).fetchone()
    if prev != (st.st_size, st.st_mtime_ns, reason):
        _record_skip(con, rel, None, st.st_size, None, reason)
        con.execute("UPDATE ingested_files SET mtime_ns = ? WHERE path = ?", [st.st_mtime_ns, rel])
    return FileReport(rel, None, skipped_reason=reason, status="skipped")


_HASHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="routekit-sha256")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def formats_for(config: ClientConfig):
    return registry.formats() + [GenericCsv(m) for m in config.generic_csv]


def _near_miss(sample: FileSample, formats) -> str | None:
    """A CSV that has most of a format's identifying columns but not all: the format, and what it lacks (a column
    dropped while the export was edited, or an older layout), rather than 'not a known export format'."""
    best = None
    for fmt in formats:
        need = fmt.required_columns
        if not need or fmt.reader != "csv":
            continue
        missing = [c for c in need if c not in sample.header]
        if missing and len(missing) * 2 <= len(need) and (best is None or len(missing) < len(best[1])):
            best = (fmt, missing)
    if best is None:
        return None
    fmt, missing = best
    return (f"looks like {fmt.title} but lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            "re-export it with every column")


def _skip_reason(sample: FileSample, formats=()) -> str:
    if sample.kind == "empty":
        return "empty file"
    if sample.kind == "html":
        return "an HTML page, not an export (a login or error page saved instead of the download?)"
    if sample.kind == "binary":
        return "not text (binary or unreadable compressed data)"
    if sample.parse_error:
        return f"truncated or malformed JSON ({sample.parse_error}); none of it was loaded, re-export the file"
    refused = registry.refusal(sample)
    if refused:
        return refused
    if sample.kind == "csv":
        near = _near_miss(sample, formats)
        if near:
            return near
    return f"not a known export format: {sample.describe()}"


def ingest(client_dir: Path | str, db_path: Path | str | None = None, *,
           config: ClientConfig | None = None, memory_limit: str | None = None, rehash: bool = False) -> IngestReport:
    """Load every export under the client folder; a file already loaded with the same size and modification time is
    not read again, unless `rehash` (then every file is hashed and compared by content)."""
    client_dir = Path(client_dir)
    if not client_dir.is_dir():
        raise FileNotFoundError(f"{client_dir}: no such client folder")
    config = config if config is not None else load_config(client_dir)
    db_path = Path(db_path) if db_path else default_db_path(client_dir)
    con = connect(db_path, memory_limit=memory_limit)
    try:
        set_currency_rates(con, config)
        discard_pending_rows(con)   # left by a call-log load killed between its two steps
        formats = formats_for(config)
        report = IngestReport(db=str(db_path))
        files = discover(client_dir, config)
        present = {rel for _, rel in files}
        # Files gone from the folder go first: a renamed file, or the copy of a file that was deleted, is then new
        # content to load, not a duplicate of rows about to disappear.
        for (rel,) in con.execute("SELECT path FROM ingested_files ORDER BY path").fetchall():
            if rel not in present:
                con.execute("BEGIN TRANSACTION")
                delete_file_rows(con, rel)
                con.execute("DELETE FROM ingested_files WHERE path = ?", [rel])
                con.execute("COMMIT")
                report.removed.append(rel)
        for path, rel in files:
            if rel.lower().endswith(DATA_SUFFIXES):
                report.files.append(ingest_file(con, path, rel, formats, rehash=rehash))
            else:
                report.files.append(_skip_other_file(con, path, rel))
        _settle_dependents(con, report, [(p, r) for p, r in files if r.lower().endswith(DATA_SUFFIXES)], formats)
        con.execute("DELETE FROM ingest_failures")
        failed = [[f.path, f.skipped_reason] for f in report.files if f.status == "failed"]
        if failed:
            con.executemany("INSERT INTO ingest_failures VALUES (?, ?)", failed)
        report.tables = table_summary(con)
        report.reject_reasons = reject_summary(con)
        return report
    finally:
        con.close()


def _settle_dependents(con: duckdb.DuckDBPyConnection, report: IngestReport, files: list[tuple[Path, str]],
                       formats) -> None:
    """Load again, until none is left, each file whose content may now be nobody's: one that set calls aside as
    already loaded from another file which no longer holds them (removed, replaced, emptied: they would count
    never), and a copy whose original changed. Files are read in name order, so the file a dependent points at may
    change after the dependent was read; each round looks at every file again. A reload takes only calls another
    file holds now, so rounds end (a failed reload does not start another round); the bound is a guard."""
    failed: set[str] = set()
    for _ in range(len(files) + 1):
        stale = {r for (r,) in con.execute("""
            SELECT DISTINCT j._source_file FROM rejects j
            WHERE j.repeated_request_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.request_id = j.repeated_request_id
                              AND c._format = j._format AND c._source_file <> j._source_file)""").fetchall()}
        again = False
        at = {f.path: i for i, f in enumerate(report.files)}
        for path, rel in files:
            entry = at[rel]
            if rel in failed:
                continue   # damaged now: its earlier rows stay (tried once a run)
            if rel in stale:
                report.files[entry] = ingest_file(con, path, rel, formats, reload=True)
            elif report.files[entry].status == "duplicate":
                # ingest_file keeps a copy a copy only while its original is loaded with that content
                report.files[entry] = ingest_file(con, path, rel, formats)
                if report.files[entry].status == "duplicate":
                    continue
            else:
                continue
            if report.files[entry].status == "failed":
                failed.add(rel)
            else:
                again = True
        if not again:
            return


def ingest_file(con: duckdb.DuckDBPyConnection, path: Path, rel: str, formats, *, rehash: bool = False,
                reload: bool = False) -> FileReport:
    """Load one file unless it is unchanged (or a copy of a loaded file); `reload` loads it even so."""
    st = path.stat()   # before anything is read: a write during the load leaves a newer time than this
    report = _ingest_file(con, path, rel, formats, st, rehash, reload)
    if report.status != "failed":   # a failed load leaves the earlier version's entry as it was
        _vouch_for_mtime(con, rel, st)
    return report


# A modification time within this of the moment it was read could still be shared by a later write on a filesystem
# with coarse timestamps (FAT and zip archives keep 2 s), so such a file is always hashed again.
RACY_NS = 2_000_000_000


def _vouch_for_mtime(con: duckdb.DuckDBPyConnection, rel: str, st: os.stat_result) -> None:
    """Record the file's modification time as seen before it was read, unless that time is too recent or the size
    recorded after the load is not the one seen before it (the file changed meanwhile)."""
    trusted = st.st_mtime_ns if st.st_mtime_ns < time.time_ns() - RACY_NS else None
    con.execute("UPDATE ingested_files SET mtime_ns = ? WHERE path = ? AND size_bytes = ?",
                [trusted, rel, st.st_size])


def _ingest_file(con: duckdb.DuckDBPyConnection, path: Path, rel: str, formats, st: os.stat_result,
                 rehash: bool, reload: bool = False) -> FileReport:
    size = st.st_size
    prev = con.execute("""SELECT sha256, format, rows_read, rows_loaded, rows_rejected, skipped_reason, note,
                                 size_bytes, mtime_ns, loader
                          FROM ingested_files WHERE path = ?""", [rel]).fetchone()
    # Read by other loader code than today's (routekit was upgraded, a generic_csv mapping changed), or skipped as
    # no known format by another set of formats: read it again.
    was_copy = prev is not None and prev[1] is None and (prev[5] or "").startswith(DUPLICATE_REASON)
    reload = reload or (prev is not None and not was_copy and prev[9] != _loader_of(formats, prev[1]))
    # The same size and modification time as when it was last read: unchanged, without reading 5 GB again to hash it
    # (what git's index does). --rehash reads every file anyway.
    # A copy stays a copy only while the file it copies is loaded with that content (it may have been edited since).
    still_copy = was_copy and _loaded_twin(con, prev[0], rel) is not None
    if prev and not (rehash or reload) and prev[7] == size and prev[8] == st.st_mtime_ns \
            and (still_copy or not was_copy):
        return FileReport(rel, prev[1], prev[2], prev[3], prev[4], prev[5],
                          status="duplicate" if was_copy else "unchanged", note=prev[6])
    if con.execute("SELECT count(*) FROM ingested_files WHERE size_bytes = ? AND path <> ?", [size, rel]).fetchone()[0] \
            or (prev and prev[7] == size):
        sha: str | Future = file_sha256(path)
        if prev and prev[0] == sha and not was_copy and not reload:
            return FileReport(rel, prev[1], prev[2], prev[3], prev[4], prev[5], status="unchanged", note=prev[6])
        twin = _loaded_twin(con, sha, rel)
        if twin:
            reason = f"{DUPLICATE_REASON} {twin}, already loaded"
            _record_skip(con, rel, sha, size, None, reason)
            return FileReport(rel, None, skipped_reason=reason, status="duplicate")
    else:
        # No file of this size was recorded, so this one is neither unchanged nor a copy: it is hashed on a thread
        # while it loads (hashlib lets go of the GIL), and the manifest gets the hash at commit. A 5 GB export's
        # 5 s of hashing hides behind DuckDB's work.
        sha = _HASHER.submit(file_sha256, path)
    sample = FileSample.read(path)
    try:
        fmt = detect(sample, formats)
    except LookupError as exc:
        fmt, reason = None, str(exc)
    else:
        reason = None if fmt else _skip_reason(sample, formats)
    kept = "; the rows of its earlier version are kept" if prev and prev[3] else ""
    if fmt is None and sample.parse_error:
        # A damaged file is a failed load, not a new empty version: the database stays as it was.
        return FileReport(rel, None, skipped_reason=reason + kept, status="failed")
    if fmt is None:
        _record_skip(con, rel, sha, size, None, reason, loader=_loader_of(formats, None))
        return FileReport(rel, None, skipped_reason=reason, status="skipped")
    # A .gz cut short loads its complete rows, unless a whole earlier version of the file is loaded: that one stays
    # (a fresh download that stopped part-way must not take away rows the database has whole), as for any file
    # that fails. An earlier version that was cut short itself is replaced.
    whole_earlier = bool(prev and prev[3]) and not con.execute(
        "SELECT count(*) FROM rejects WHERE _source_file = ? AND starts_with(reason, ?)", [rel, CUT_SHORT]).fetchone()[0]
    try:
        result = fmt.load(con, path, rel, sha, keep_complete_rows=not whole_earlier)
    except Refused as exc:
        # Listed as not loaded, like a file of no known format; recorded with the format and its loader, so a file
        # refused by an older loader is read again.
        reason = f"{fmt.title}: {exc}"
        _record_skip(con, rel, sha, size, fmt.name, reason, loader=fmt.loader_fingerprint())
        return FileReport(rel, fmt.name, skipped_reason=reason, status="skipped")
    except LoadError as exc:
        return FileReport(rel, fmt.name, skipped_reason=f"{fmt.title}: {exc}{kept}", status="failed")
    return FileReport(rel, fmt.name, result.rows_read, result.rows_loaded, result.rows_rejected,
                      status="replaced" if prev and prev[1] is not None else "loaded", note=result.note)


DUPLICATE_REASON = "same content as"


def _loaded_twin(con: duckdb.DuckDBPyConnection, sha: str, rel: str) -> str | None:
    """Another file loaded with exactly this content, if any."""
    twin = con.execute("""SELECT path FROM ingested_files WHERE sha256 = ? AND path <> ? AND format IS NOT NULL
                          AND skipped_reason IS NULL ORDER BY path LIMIT 1""", [sha, rel]).fetchone()
    return twin[0] if twin else None


def _loader_of(formats, name: str | None) -> str | None:
    """The fingerprint of the format called `name` (None when no such format is configured now); for None, that of
    format detection as a whole, which decided a file is no known format."""
    if name is None:
        return hashlib.md5(" ".join(sorted(f.name + ":" + f.loader_fingerprint() for f in formats))
                           .encode("utf-8")).hexdigest()
    return next((f.loader_fingerprint() for f in formats if f.name == name), None)


def _record_skip(con, rel: str, sha: str | Future | None, size: int, fmt: str | None, reason: str, *,
                 loader: str | None = None) -> None:
    con.execute("BEGIN TRANSACTION")
    delete_file_rows(con, rel)
    record_file(con, rel, sha, size, fmt, None, None, reason, loader=loader)
    con.execute("COMMIT")


def set_currency_rates(con: duckdb.DuckDBPyConnection, config: ClientConfig) -> None:
    con.execute("DELETE FROM currency_rates")
    rates = {"USD": 1.0, **config.currency_rates}
    con.executemany("INSERT INTO currency_rates VALUES (?, ?)", list(rates.items()))


def table_summary(con: duckdb.DuckDBPyConnection) -> dict:
    calls = con.execute("""SELECT count(*), coalesce(sum(requests), 0), coalesce(sum(input_tokens), 0),
                                  coalesce(sum(cached_input_tokens), 0), coalesce(sum(output_tokens), 0),
                                  sum(reported_cost_usd)
                           FROM calls""").fetchone()
    usage = con.execute("""SELECT count(*), coalesce(sum(requests), 0), coalesce(sum(input_tokens), 0),
                                  coalesce(sum(cached_input_tokens), 0), coalesce(sum(output_tokens), 0),
                                  count(*) FILTER (requests IS NULL)
                           FROM usage""").fetchone()
    inv = con.execute("SELECT count(*), sum(billed_usd) FROM invoice").fetchone()
    money = lambda v: None if v is None else float(round(v, 6))  # noqa: E731  (JSON has no decimal type)
    return {
        "calls": {"rows": calls[0], "requests": int(calls[1]), "input_tokens": int(calls[2]),
                  "cached_input_tokens": int(calls[3]), "output_tokens": int(calls[4]),
                  "reported_cost_usd": money(calls[5])},
        # Some exports (Anthropic's) count tokens but not requests: those rows are counted, not guessed.
        "usage": {"rows": usage[0], "requests": int(usage[1]), "input_tokens": int(usage[2]),
                  "cached_input_tokens": int(usage[3]), "output_tokens": int(usage[4]),
                  "rows_without_request_count": usage[5]},
        "invoice": {"rows": inv[0], "billed_usd": money(inv[1])},
    }


def reject_summary(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict]:
    """Rejected rows grouped by file and the first clause of their reason (values stripped)."""
    rows = con.execute("""
        SELECT _source_file, regexp_replace(split_part(reason, ';', 1), '[:=(].*$', '') AS kind, count(*) AS n,
               min(_source_row) AS example_row, min(reason) AS example
        FROM rejects GROUP BY ALL ORDER BY n DESC, _source_file LIMIT ?""", [limit]).fetchall()
    return [{"file": r[0], "reason": r[1].strip(), "rows": r[2], "example_row": r[3], "example": r[4]}
            for r in rows]

"""What every entry point (the command line, the notebooks' parameters, the dashboard) checks of what it was given,
and the errors it says so with: one line, exit 2 for unusable arguments, exit 3 for a folder with nothing to load,
exit 4 for a database another process holds."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path


class UsageError(Exception):
    """Unusable arguments: one clear line, exit 2."""


class NoDataError(Exception):
    """The folder gave nothing to load: one line naming it, each file and the fix, exit 3 (as `batch` counts a
    client with no data)."""


EXIT_USAGE, EXIT_NO_DATA = 2, 3
# The client's database is held by another process (routekit.db.DatabaseBusy): try again once it is done.
EXIT_BUSY = 4
# What to do about a folder with nothing loadable, whatever the command.
NO_DATA_FIX = ("copy the client's provider exports into it (CSV, JSON or JSON Lines, .gz too; `routekit formats` "
               "lists what is read)")


def existing_client_folder(value: str) -> Path:
    """A client folder as given: it exists and is a folder (a file given instead is named as such)."""
    path = Path(value)
    if path.is_file():
        raise UsageError(f"{value}: a file; give the client folder that holds the exports")
    if not path.is_dir():
        raise UsageError(f"{value}: no such client folder")
    return path


def writable_folder(option: str, value: str, folder: Path) -> None:
    """``folder`` (the one an option writes into) exists or can be made, and can be written: checked before the
    work, where it was a traceback (a file in the way) or Python's '[Errno 2] ...' naming neither option nor fix."""
    blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise UsageError(f"{option} {value}: {blocking} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{option} {value}: cannot create {folder} ({exc.strerror or exc}); give a folder you can "
                         "write to") from None
    try:   # a file made and dropped at once: os.access says yes to root on read-only mounts (/proc, a ro volume)
        with tempfile.TemporaryFile(dir=folder, prefix=".routekit-"):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {value}: cannot write in {folder} ({exc.strerror or exc}); give a folder you "
                         "can write to") from None


def no_data(client: Path, files: list[dict]) -> NoDataError:
    """The one-line refusal for a folder whose files gave no row (report.no_data_reason says what became of each)."""
    from routekit.report import no_data_reason

    return NoDataError(f"{client}: {no_data_reason(files, [], [])}; {NO_DATA_FIX}")


def check_has_data(con, client: Path) -> None:
    """classify and reconcile on a folder with nothing loaded: the refusal, not an empty table and exit 0."""
    from routekit.engine import table_records

    if not con.execute("SELECT (SELECT count(*) FROM calls) + (SELECT count(*) FROM usage) "
                       "+ (SELECT count(*) FROM invoice)").fetchone()[0]:
        raise no_data(client, table_records(con, "SELECT path, skipped_reason, rows_read, rows_loaded "
                                                  "FROM ingested_files ORDER BY path"))


def price_date(value: str | None):
    """--date as a date the price catalog covers (routekit.prices.check_price_date): refused outside it, a note on
    stderr where the catalog can only approximate."""
    from routekit.prices import PriceDateError, check_price_date, checked_price_date

    try:
        on = checked_price_date(value)
    except PriceDateError as exc:
        raise UsageError(str(exc)) from None
    if on is None:
        return None
    note = check_price_date(on)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return on

"""Notebook parameters checked the way the command line checks its arguments, and failures shown as one line.

A notebook run by papermill (or opened in Voilà) that is given a wrong folder, share or date should say which
parameter is wrong and why, as ``routekit`` does with exit code 2, not print a stack of routekit's frames. IPython
prints what an exception's ``_render_traceback_`` returns in place of its traceback; papermill copies that into
the executed notebook and its PapermillExecutionError (``routekit audit`` reads its ename and evalue).
"""
from __future__ import annotations

import contextlib
from pathlib import Path


def _one_line(exc: BaseException) -> list[str]:
    return [f"{type(exc).__name__}: {exc}"]


class ParameterError(ValueError):
    """A notebook parameter that cannot be used: its name, its value and why."""

    def _render_traceback_(self) -> list[str]:
        return _one_line(self)


def client_errors() -> tuple[type[BaseException], ...]:
    """What the command line reports in one line with exit code 2: a client that cannot be used (invoices only, a
    routekit.yaml, prices.csv, evals.csv or policy that does not parse), or an audit refused; and (exit 4) its
    database held by another process."""
    from routekit.arguments import UsageError
    from routekit.config import ConfigError
    from routekit.db import DatabaseBusy, SettingError
    from routekit.prices import PriceFileError
    from routekit.quality import QualityError
    from routekit.report import AuditError
    from routekit.scenario import PolicyError

    return (UsageError, ConfigError, SettingError, DatabaseBusy, PriceFileError, QualityError, PolicyError,
            AuditError)


@contextlib.contextmanager
def one_line(*errors: type[BaseException]):
    """Errors of these types (default: client_errors()) leave the block as one line and are also displayed as the
    cell's output: Voilà strips error outputs from the page it serves, and the dashboard's user must still read why
    there is no explorer."""
    errors = errors or client_errors()
    try:
        yield
    except errors as exc:
        import html

        from IPython.display import HTML, display

        display(HTML(f"<p class='rk-error' style='color:#b00'>{html.escape(str(exc))}</p>"))
        lines = _one_line(exc)   # computed now: Python unbinds ``exc`` when the except block ends
        exc._render_traceback_ = lambda: lines
        raise


def client_folder(value, name: str = "client_dir") -> Path:
    """The client's folder of exports (the command line's check: not a file, exists)."""
    from routekit.arguments import UsageError, existing_client_folder

    if not isinstance(value, (str, Path)) or not str(value):
        raise ParameterError(f"{name} {value!r}: expected the path of the client's folder of exports")
    try:
        return existing_client_folder(str(value))
    except UsageError as exc:
        raise ParameterError(f"{name} {exc}") from None


def share(value, name: str) -> float:
    """A share of requests between 0 and 1 (a risk budget: report.check_risk_budget, the audit's own check)."""
    from routekit.report import AuditError, check_risk_budget

    hint = "(0.02 = two extra failures per hundred requests)"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{name} {value!r}: expected a share of requests between 0 and 1 {hint}")
    try:
        check_risk_budget(value, name)
    except AuditError as exc:
        raise ParameterError(f"{exc} {hint}") from None
    return float(value)


def price_date(value, name: str = "price_date"):
    """None (today's prices, UTC) or a YYYY-MM-DD the price catalog covers; returned as given (a string)."""
    from routekit.prices import PriceDateError, checked_price_date

    if value is None:
        return None
    bad_form = ParameterError(f"{name} {value!r}: expected None or a date as \"YYYY-MM-DD\"")
    if not isinstance(value, str):
        raise bad_form
    try:
        checked_price_date(value)   # the catalog's range, as --date (its note, on early dates, is the CLI's)
    except PriceDateError as exc:
        if str(exc).endswith("expected YYYY-MM-DD"):
            raise bad_form from None
        # its message speaks to the command line's --date option
        raise ParameterError(f"{name} {value}: {str(exc).removeprefix(f'--date {value}: ')}") from None
    return value


def optional_file(value, name: str) -> str | None:
    """None or an existing file (a policy, a prices.csv)."""
    if value is None:
        return None
    if not isinstance(value, (str, Path)) or not Path(value).is_file():
        raise ParameterError(f"{name} {value!r}: no such file")
    return str(value)


def optional_output(value, name: str, *, folder: bool, inside: Path | str | None = None) -> str | None:
    """None or where to write: a folder (created if missing) or a file, not something of the other kind.

    ``inside``: a relative path is taken inside that folder (the tier explorer's export_dir, inside the client's
    folder as its Export box does) and returned joined to it, made absolute: TierExplorer.export takes a relative
    path inside the client's folder too, so a relative client_dir joined here (``clients/acme/out``) was joined to it
    again (``clients/acme/clients/acme/out``); otherwise it is relative to the working folder."""
    if value is None:
        return None
    if not isinstance(value, (str, Path)) or not str(value):
        raise ParameterError(f"{name} {value!r}: expected None or a path")
    path = Path(value)
    if inside is not None:
        path = Path(inside) / path.expanduser()   # an absolute path stays as it is
        if folder and path.is_file():
            raise ParameterError(f"{name} {value}: {path} is a file; give a folder")
        return str(path.absolute())
    if folder and path.is_file():
        raise ParameterError(f"{name} {value}: is a file; give a folder")
    if not folder and path.is_dir():
        raise ParameterError(f"{name} {value}: is a folder; give the path of a database file")
    return str(value)


def flag(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise ParameterError(f"{name} {value!r}: expected True or False")
    return value

"""Small command-line conventions shared by every command."""
from __future__ import annotations

from conftest import run_cli, write_files
from routekit.report_text import money


def test_money_puts_the_sign_before_the_dollar():
    assert money(-55.19) == "-$55.19"
    assert money(1234.5) == "$1,234.50"
    assert money(0) == "$0.00"
    assert money(None) == "-"


def test_formats_takes_one_output_style():
    proc = run_cli("formats", "--json", "--markdown", check=False)
    assert proc.returncode == 2 and "not allowed with argument --json" in proc.stderr


def _one_line_error(proc, code: int = 2) -> str:
    """The usual mistakes end in one line on stderr (no usage block, no traceback) and a non-zero exit."""
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def test_a_misspelt_command_names_the_closest_one():
    line = _one_line_error(run_cli("ingets", "sample_data/brightside_agency", check=False))
    assert line.startswith("routekit: unknown command 'ingets'; did you mean 'ingest'? commands: ingest, formats,")
    assert line.endswith("(`routekit --help` shows the usage)")


def test_a_misspelt_option_names_the_closest_option_of_that_command(tmp_path):
    line = _one_line_error(run_cli("ingest", str(tmp_path), "--jsn", check=False))
    assert line == ("routekit ingest: unknown option --jsn; did you mean '--json'? "
                    "(`routekit ingest --help` lists its options)")
    # the value typed after a misspelt option is that option's, not a second mistake
    line = _one_line_error(run_cli("simulate", str(tmp_path), "--polcy", "p.yaml", check=False))
    assert line == ("routekit simulate: unknown option --polcy; did you mean '--policy'? "
                    "(`routekit simulate --help` lists its options)")


def test_a_missing_option_is_one_line():
    line = _one_line_error(run_cli("optimize", "sample_data/globex_devtools", check=False))
    assert line == ("routekit optimize: the following arguments are required: --max-extra-failure-rate "
                    "(`routekit optimize --help` shows the usage)")


def test_a_wrong_client_path_is_named(tmp_path):
    line = _one_line_error(run_cli("ingest", str(tmp_path / "acme"), check=False))
    assert line == f"routekit ingest: {tmp_path / 'acme'}: no such client folder"


FIX = ("copy the client's provider exports into it (CSV, JSON or JSON Lines, .gz too; `routekit formats` lists "
       "what is read)")


def test_an_empty_folder_says_so_and_what_to_do(tmp_path):
    # exit 3, as `routekit batch` counts a client with no data; it was exit 0 with an empty table
    for command in ("ingest", "classify", "reconcile", "simulate"):
        line = _one_line_error(run_cli(command, str(tmp_path), check=False), code=3)
        assert line == f"routekit {command}: {tmp_path}: no files in the folder; {FIX}"


def test_a_folder_of_pdfs_names_each_file(tmp_path):
    write_files(tmp_path, {"invoice-2026-09.pdf": b"%PDF-1.4\n", "invoice-2026-10.pdf": b"%PDF-1.4\n"})
    proc = run_cli("ingest", str(tmp_path), check=False)
    line = _one_line_error(proc, code=3)
    pdf = "not read: a PDF (an invoice document?): routekit reads the providers' CSV and JSON exports"
    assert line == (f"routekit ingest: {tmp_path}: no usable export: invoice-2026-09.pdf ({pdf}); "
                    f"invoice-2026-10.pdf ({pdf}); {FIX}")
    assert "skipped: not read: a PDF" in proc.stdout   # the per-file table is still printed


def test_an_unwritable_out_or_db_is_refused_before_any_work(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    client = "sample_data/globex_devtools"
    # was a traceback (NotADirectoryError, exit 1) after ingesting the client
    assert _one_line_error(run_cli("audit", client, "--out", str(afile), check=False)) == (
        f"routekit audit: --out {afile}: is a file; give a folder for the reports")
    assert _one_line_error(run_cli("batch", "sample_data", "--out", str(afile / "reports"), check=False)) == (
        f"routekit batch: --out {afile / 'reports'}: {afile} is a file, not a folder")
    # was a traceback (FileExistsError from mkdir)
    assert _one_line_error(run_cli("ingest", client, "--db", str(afile / "x.duckdb"), check=False)) == (
        f"routekit ingest: --db {afile / 'x.duckdb'}: {afile} is a file, not a folder")


def test_a_folder_that_cannot_be_written_is_refused(tmp_path):
    # /proc takes no new files, even from root (os.access says yes there): was DuckDB's IOException traceback
    line = _one_line_error(run_cli("ingest", str(tmp_path), "--db", "/proc/routekit.duckdb", check=False))
    assert line.startswith("routekit ingest: --db /proc/routekit.duckdb: cannot write in /proc (")
    assert line.endswith("); give a folder you can write to")

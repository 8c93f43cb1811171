"""A call-log CSV of the client's own making, described by a column mapping in routekit.yaml.

One ``GenericCsv`` per ``sources.generic_csv`` entry (``ingest.formats_for``); it is not in the registry because
it exists only for the client that configures it. ``prepare_raw`` renames the mapped file columns to the canonical
field names, so ``stg_generic_csv.sql`` is plain SQL over canonical names; the mapping's options reach the SQL as
bound values in the one-row ``generic_options`` table, never spliced into its text.
"""
from __future__ import annotations

import duckdb

from routekit.config import GENERIC_FIELDS, GenericCsvMapping
from routekit.sources.base import SourceFormat, quote_ident


class GenericCsv(SourceFormat):
    target = "calls"
    reader = "csv"
    staging_model = "stg_generic_csv"
    title = "generic call-log CSV (mapped in routekit.yaml)"
    obtain = ("Any call log the client keeps itself (an in-house gateway, an application log table) exported as "
              "CSV with a header row, one row per LLM request. Describe it in the client's routekit.yaml under "
              "`sources.generic_csv`: a `name`, `columns` (canonical field: CSV column; `timestamp` and `model` "
              "required), `provider` when no column names it, `currency` of the cost column (converted with "
              "`currency_rates`), `input_includes_cached: false` when the input column excludes cache tokens, "
              "`audio_includes_cached: true` when the audio input column counts the audio cache reads too, and "
              "`success_values` of the status column.")

    def __init__(self, mapping: GenericCsvMapping) -> None:
        self.mapping = mapping
        self.required_columns = tuple(mapping.columns.values())   # the mapped columns identify the file
        self.name = f"generic_csv:{mapping.name}"
        self.title = f"generic call-log CSV '{mapping.name}' (routekit.yaml)"

    def fingerprint_extra(self) -> object:
        return repr(self.mapping)


    def prepare_raw(self, con: duckdb.DuckDBPyConnection) -> None:
        cols = self.mapping.columns
        select = ", ".join(
            f"{quote_ident(cols[f]) if f in cols else 'NULL::VARCHAR'} AS {quote_ident(f)}"
            for f in sorted(GENERIC_FIELDS))
        con.execute(f"CREATE OR REPLACE TEMP VIEW generic_raw AS SELECT _source_row, {select} FROM raw")
        con.execute("""CREATE OR REPLACE TEMP TABLE generic_options AS
                       SELECT ?::VARCHAR AS default_provider, ?::VARCHAR AS currency,
                              ?::BOOLEAN AS input_includes_cached, ?::BOOLEAN AS audio_includes_cached,
                              ?::VARCHAR[] AS success_values,
                              ?::BOOLEAN AS status_mapped, map(?::VARCHAR[], ?::VARCHAR[]) AS source_columns""",
                    [self.mapping.provider, self.mapping.currency.upper(), self.mapping.input_includes_cached,
                     self.mapping.audio_includes_cached,
                     [v.lower() for v in self.mapping.success_values], "status" in cols,
                     list(cols.keys()), list(cols.values())])

    def note(self, con: duckdb.DuckDBPyConnection, rel: str) -> str | None:
        n = con.execute("""SELECT count(*) FROM calls
                           WHERE _source_file = ? AND reported_cost_usd IS NULL
                             AND (attributes ->> 'cost_original') IS NOT NULL""", [rel]).fetchone()[0]
        if not n:
            return None
        cur = self.mapping.currency.upper()
        return (f"cost of {n} row{'s' if n != 1 else ''} in {cur} not converted to USD: routekit.yaml has no "
                f"currency_rates entry for {cur} (amount and currency kept in attributes)")

"""Build the intermediate and mart layers of a client database: prices, tiers, priced calls and usage, the cube
and the reconciliation. Row-level work is SQL (sql/intermediate, sql/marts); Python only writes the small lookup
tables (price periods, model tiers) and runs the models in order.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import time as dt_time
from pathlib import Path

import duckdb

from routekit.classify import ClassifyInfo, classify_calls, settings_for
from routekit.config import ClientConfig, load_config
from routekit.db import sql_text, store_fingerprint, stored_fingerprint
from routekit.prices import PriceCatalog
from routekit.tiers import TierMap

# Default length buckets (tokens). Output matters as much as input: it is 2-8x dearer per token. A client's
# routekit.yaml `length_buckets: {input: [...], output: [...]}` replaces the bounds; labels follow from them.
INPUT_BUCKETS = ([1_000, 4_000, 16_000, 64_000], ["<1k", "1k-4k", "4k-16k", "16k-64k", "64k+"])
OUTPUT_BUCKETS = ([250, 1_000, 4_000], ["<250", "250-1k", "1k-4k", "4k+"])


def _tokens_label(n: int) -> str:
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= size:
            return f"{n / size:g}{suffix}"
    return str(n)


def bucket_labels(bounds: list[int]) -> list[str]:
    """[1000, 4000] -> ['<1k', '1k-4k', '4k+']."""
    labels = [f"<{_tokens_label(bounds[0])}"]
    labels += [f"{_tokens_label(a)}-{_tokens_label(b)}" for a, b in zip(bounds, bounds[1:])]
    return labels + [f"{_tokens_label(bounds[-1])}+"]


def length_buckets(config: ClientConfig | None) -> dict:
    """The bucket bounds and labels int_calls binds: the client's `length_buckets` where given, else the defaults."""
    custom = (config.length_buckets if config is not None else None) or {}
    inp = (custom["input"], bucket_labels(custom["input"])) if custom.get("input") else INPUT_BUCKETS
    out = (custom["output"], bucket_labels(custom["output"])) if custom.get("output") else OUTPUT_BUCKETS
    return {"in_bounds": inp[0], "in_labels": inp[1], "out_bounds": out[0], "out_labels": out[1]}


@dataclass
class BuildInfo:
    unpriced: list[tuple[str | None, str]] = field(default_factory=list)   # (provider, model) no source prices
    unmapped: list[tuple[str | None, str]] = field(default_factory=list)   # (provider, model) with no tier
    classify: ClassifyInfo | None = None
    seconds: float = 0.0
    skipped: bool = False             # nothing the priced calls and marts are made from changed: they were kept


def observed_models(con: duckdb.DuckDBPyConnection, calls_only: bool = False) -> list[tuple[str | None, str]]:
    """Every (provider, model) pair in calls, usage and invoice: what needs a price and a tier (``calls_only``: the
    pairs of the calls alone)."""
    others = "" if calls_only else """
        UNION SELECT DISTINCT provider, model FROM usage WHERE model IS NOT NULL
        UNION SELECT DISTINCT provider, model FROM invoice WHERE model IS NOT NULL"""
    return [tuple(r) for r in con.execute(f"""
        SELECT DISTINCT provider, model FROM calls WHERE model IS NOT NULL{others}
        ORDER BY ALL""").fetchall()]


ALL_DAY = "all day"   # the one time-of-day slot of a client whose traffic involves no time-of-day prices


def time_slots(bounds: list[dt_time]) -> list[tuple[str, dt_time | None, dt_time | None]]:
    """(label, from_time, to_time) of each slot of the UTC day between the bounds (to_time None: midnight);
    [('all day', None, None)] without bounds."""
    if not bounds:
        return [(ALL_DAY, None, None)]
    edges = [dt_time(0), *bounds, None]
    return [(f"{a:%H:%M}-{b:%H:%M}" if b is not None else f"{a:%H:%M}-24:00", a, b)
            for a, b in zip(edges, edges[1:])]


def write_time_slots(con: duckdb.DuckDBPyConnection, catalog: PriceCatalog, tiers: TierMap,
                     call_pairs: list[tuple[str | None, str]]) -> dict:
    """Write ``time_slots`` for the time-of-day models this client's calls involve (their own models and the tier
    representatives a mix can move them to) and return int_calls' parameters for it ($tod_bounds, $tod_labels)."""
    reps = [(None, model) for model in tiers.representatives.values()]
    slots = time_slots(catalog.time_of_day_bounds([*call_pairs, *reps]))
    text = lambda t: None if t is None else t.isoformat()   # noqa: E731
    con.execute(sql_text("lookups/time_slots.sql"), {"slot": [s[0] for s in slots],
                                                     "from_time": [text(s[1]) for s in slots],
                                                     "to_time": [text(s[2]) for s in slots]})
    return {"tod_bounds": [s[1].isoformat() for s in slots[1:]], "tod_labels": [s[0] for s in slots]}


def build(con: duckdb.DuckDBPyConnection, client_dir: Path | str, config: ClientConfig | None = None, *,
          catalog: PriceCatalog | None = None, tiers: TierMap | None = None, force: bool = False) -> BuildInfo:
    """(Re)build call_task_types, usage_task_types, price_periods, model_tiers, time_slots, int_calls, int_usage,
    mart_cube, mart_reconcile, mart_models.

    The priced calls and the marts are kept when none of their inputs changed since they were built (the build's
    fingerprint, _build_fingerprint): reopening a built 10 M-call client for a notebook, the dashboard or a simulation
    took 12.6 s of rebuilding that gave the same tables. `force` rebuilds them anyway."""
    start = time.perf_counter()
    config = config if config is not None else load_config(client_dir)
    classified = classify_calls(con, client_dir, settings_for(config))   # int_calls joins call_task_types
    catalog = catalog or PriceCatalog.for_client(client_dir)
    tiers = tiers or TierMap.for_config(config)
    pairs = observed_models(con)
    info = BuildInfo(classify=classified)
    info.unpriced = sorted(catalog.write_price_table(con, pairs), key=str)
    info.unmapped = sorted(tiers.write_model_tiers(con, pairs), key=str)
    # int_calls' parameters: the length buckets, the time-of-day slots and the price cliffs (in the build's fingerprint)
    buckets = {**length_buckets(config), **write_time_slots(con, catalog, tiers, observed_models(con, True)),
               "input_cliffs": catalog.input_cliffs()}
    fingerprint = _build_fingerprint(con, buckets)
    if not force and stored_fingerprint(con, "build_state") == fingerprint and _built_tables_exist(con):
        info.skipped = True
        info.seconds = time.perf_counter() - start
        return info
    store_fingerprint(con, "build_state", None)   # until the last mart is written: a build cut short is redone

    # Views, not tables, and no prompt text: int_calls is the one pass over the calls (at 10 M calls a materialised
    # copy with the text spilled to disk). Row order means nothing from here on; keeping it costs memory.
    con.execute("SET preserve_insertion_order = false")
    try:
        # a call's UTC time of day picks its slice of time-of-day prices; a usage row has none (int_priced.sql)
        con.execute("CREATE OR REPLACE TEMP VIEW priceable AS "
                    "SELECT * EXCLUDE (system_prompt, user_prompt, attributes, tags, error, user_id), "
                    "NULL::BOOLEAN AS above_context, CAST(ts AS TIME) AS time_of_day FROM calls")
        con.execute(f"CREATE OR REPLACE TEMP VIEW priced_rows AS {sql_text('intermediate/int_priced.sql')}")
        int_calls = sql_text('intermediate/int_calls.sql')
        con.execute(f"CREATE OR REPLACE TABLE int_calls AS {int_calls}", buckets)
        if not _one_row_per_call(con):
            con.execute(f"CREATE OR REPLACE TABLE int_calls AS {int_calls.replace(HASH_JOIN, STRING_JOIN)}", buckets)

        con.execute(f"CREATE OR REPLACE TEMP VIEW priceable AS SELECT *, period_start AS ts, {USAGE_ABOVE_CONTEXT} "
                    "AS above_context, NULL::TIME AS time_of_day FROM usage")
        con.execute(f"CREATE OR REPLACE TEMP VIEW priced_rows AS {sql_text('intermediate/int_priced.sql')}")
        con.execute(f"CREATE OR REPLACE TABLE int_usage AS {sql_text('intermediate/int_usage.sql')}")
        con.execute("DROP VIEW temp.priced_rows")
        con.execute("DROP VIEW temp.priceable")

        con.execute(f"CREATE OR REPLACE TABLE mart_cube AS {sql_text('marts/mart_cube.sql')}")
        con.execute(f"CREATE OR REPLACE TABLE mart_reconcile AS {sql_text('marts/mart_reconcile.sql')}")
        con.execute(f"CREATE OR REPLACE TABLE mart_models AS {sql_text('marts/mart_models.sql')}")
    finally:
        con.execute("RESET preserve_insertion_order")
    store_fingerprint(con, "build_state", fingerprint)
    info.seconds = time.perf_counter() - start
    return info


BUILT_TABLES = ("int_calls", "int_usage", "mart_cube", "mart_reconcile", "mart_models")
# What the priced calls and the marts are made from: the SQL that makes them, with its macros and the views above.
_BUILD_CODE = ("intermediate/int_priced.sql", "intermediate/int_calls.sql", "intermediate/int_usage.sql",
               "marts/mart_cube.sql", "marts/mart_reconcile.sql", "marts/mart_models.sql", "macros.sql")


def _build_fingerprint(con: duckdb.DuckDBPyConnection, buckets: dict) -> str:
    """Everything the priced calls and the marts are made from, as one hash.

    - The data: the manifest of ingested files (path, content hash and load time: every load that changes calls,
      usage or invoice rewrites its file's entry) and the three tables' row counts.
    - The task types: classify_state (the rules, mappings, model and data they ran on, and when: a forced
      re-classification counts as a change).
    - Prices and tiers as written for this build: the content of price_periods and model_tiers, whichever catalog,
      prices.csv or tier map made them.
    - The length buckets, and the code: the SQL files and this module.
    """
    data = con.execute("""SELECT
        (SELECT string_agg(concat_ws('|', path, sha256, loaded_at, rows_loaded), ',' ORDER BY path)
         FROM ingested_files),
        (SELECT count(*) FROM calls), (SELECT count(*) FROM usage), (SELECT count(*) FROM invoice),
        (SELECT string_agg(concat_ws('|', fingerprint, classified_at), ',') FROM classify_state),
        (SELECT md5(string_agg(CAST(t AS VARCHAR), ',' ORDER BY CAST(t AS VARCHAR))) FROM price_periods t),
        (SELECT md5(string_agg(CAST(t AS VARCHAR), ',' ORDER BY CAST(t AS VARCHAR))) FROM model_tiers t)
        """).fetchone()
    code = "".join(sql_text(name) for name in _BUILD_CODE) + Path(__file__).read_text(encoding="utf-8")
    text = json.dumps([[str(x) for x in data], buckets, hashlib.sha256(code.encode()).hexdigest()])
    return hashlib.sha256(text.encode()).hexdigest()


def _built_tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name IN ?",
                        [list(BUILT_TABLES)]).fetchone()[0]
    return found == len(BUILT_TABLES)


# int_calls joins task types on a 64-bit hash of the call's file and row. Two calls sharing a hash (odds about
# n²/2⁶⁵: 3 in a million at 10 M calls) would each pick up both task rows; that is counted, and then the join is
# redone on the file and row themselves (slower, and at 10 M calls heavier on memory, but exact).
# Whether an aggregated usage row is above a price cliff (200k input tokens in one request): a day's row sums many
# requests, so its total says nothing; Anthropic's exports say it in context_window ('0-200k' or '≤ 200k' below,
# '200k-1M' above). Without it, the row is priced below the cliff.
USAGE_ABOVE_CONTEXT = ("coalesce(regexp_matches(lower(trim(attributes->>'context_window')), '^(200k|>)'), false)")

HASH_JOIN = "tt._key = hash(p._source_file, p._source_row)"
STRING_JOIN = "tt._source_file = p._source_file AND tt._source_row = p._source_row"


def _one_row_per_call(con: duckdb.DuckDBPyConnection) -> bool:
    built, calls = con.execute("SELECT (SELECT count(*) FROM int_calls), (SELECT count(*) FROM calls)").fetchone()
    return built == calls


def open_built(client_dir: Path | str, db: Path | str | None = None, *, prices: Path | None = None,
               config: ClientConfig | None = None):
    """Ingest the client folder (idempotent) and build the layers; return (connection, BuildInfo, catalog, tiers).

    What simulate, reconcile and the notebooks share: one call from a folder to a queryable, priced database.
    """
    from routekit.db import connect, default_db_path
    from routekit.ingest import ingest

    config = config if config is not None else load_config(client_dir)
    db = Path(db) if db else default_db_path(Path(client_dir))
    ingest(client_dir, db, config=config)
    catalog = PriceCatalog(prices) if prices else PriceCatalog.for_client(client_dir)
    tiers = TierMap.for_config(config)
    con = connect(db)
    try:
        info = build(con, client_dir, config, catalog=catalog, tiers=tiers)
    except Exception:
        con.close()
        raise
    return con, info, catalog, tiers


def table_records(con: duckdb.DuckDBPyConnection, sql: str, exact: bool = False) -> list[dict]:
    """Rows as JSON-ready dicts: decimals to floats rounded to the cent or 6 places, dates to ISO strings.
    ``exact``: decimals kept as they are, for figures rounded later as a whole (report_tables.round_to_total)."""
    import datetime as dt
    from decimal import ROUND_HALF_UP, Decimal

    from routekit.prices import to_cent

    micro = Decimal("0.000001")
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        rec = {}
        for name, value in zip(names, row):
            if isinstance(value, Decimal) and not exact:
                # half up, as money is rounded everywhere else (Simulator.evaluate): round() on a Decimal rounds half
                # to even, so a $0.125 here read $0.12 where simulate gave $0.13
                value = float(to_cent(value) if name.endswith("_usd") else value.quantize(micro, ROUND_HALF_UP))
            elif isinstance(value, (dt.date, dt.datetime)):
                value = value.isoformat()
            rec[name] = value
        out.append(rec)
    return out

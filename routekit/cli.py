"""The ``routekit`` command. Each subcommand that computes something has ``--json`` for automation."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from routekit.config import ConfigError


class UsageError(Exception):
    """Unusable arguments: one clear line, exit 2."""


def _client_dir(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise UsageError(f"{value}: no such client folder")
    return path


def cmd_ingest(args: argparse.Namespace) -> int:
    from routekit.ingest import ingest
    from routekit.report_text import print_ingest

    client = _client_dir(args.client_dir)
    if args.db and Path(args.db).is_dir():
        raise UsageError(f"--db {args.db}: is a folder; give the path of a database file")
    report = ingest(client, args.db, memory_limit=args.memory_limit)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print_ingest(report)
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    """Every client folder under CLIENTS_DIR. Until the audit report lands this is ingest + summary per client."""
    from routekit.ingest import ingest
    from routekit.report_text import print_ingest

    root = _client_dir(args.clients_dir)
    clients = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if not clients:
        raise UsageError(f"{root}: no client folders inside")
    failed = []
    for client in clients:
        print(f"=== {client.name}")
        try:
            print_ingest(ingest(client))
        except (ConfigError, OSError) as exc:
            print(f"FAILED: {exc}")
            failed.append(client.name)
        print()
    if failed:
        print(f"{len(failed)} of {len(clients)} clients failed: {', '.join(failed)}")
    return 1 if failed else 0


def cmd_formats(args: argparse.Namespace) -> int:
    """The export formats ingest recognises, and how to obtain each from its provider."""
    from routekit.sources import registry

    formats = sorted(registry.formats(), key=lambda f: f.name)
    if args.json:
        print(json.dumps([{"name": f.name, "title": f.title, "table": f.target, "obtain": f.obtain}
                          for f in formats], indent=2))
    elif args.markdown:
        print("| format | loads into | how to obtain it |\n|---|---|---|")
        for f in formats:
            print(f"| **{f.title}** (`{f.name}`) | `{f.target}` | {f.obtain} |")
    else:
        for f in formats:
            print(f"{f.name:<28} → {f.target:<8} {f.title}")
    return 0


def _date(value: str | None):
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--date {value}: expected YYYY-MM-DD") from None


def _catalog(prices: str | None, client_dir=None):
    from routekit.prices import PriceCatalog, PriceFileError

    try:
        if prices:
            if not Path(prices).is_file():
                raise UsageError(f"--prices {prices}: no such file")
            return PriceCatalog(Path(prices))
        return PriceCatalog.for_client(client_dir) if client_dir else PriceCatalog()
    except PriceFileError as exc:
        raise UsageError(str(exc)) from None


def cmd_estimate(args: argparse.Namespace) -> int:
    from routekit.estimate import EstimateError, Workload, estimate, parse_mix

    try:
        result = estimate(Workload(args.requests, args.input_tokens, args.output_tokens, args.cached_input_tokens),
                          parse_mix(args.mix), _catalog(args.prices), _date(args.date))
    except EstimateError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for m in result["models"]:
        cost = "unpriced" if m["cost_usd"] is None else f"${m['cost_usd']:,.2f}"
        print(f"{m['model']:<32} {m['share']:>6.1%} {m['requests']:>14,.0f} requests  {cost:>14}  "
              f"{m['price_source'] or 'no price source knows this model'}")
    if result["monthly_cost_usd"] is None:
        print(f"monthly cost: unknown (unpriced: {', '.join(result['unpriced_models'])})")
    else:
        print(f"monthly cost: ${result['monthly_cost_usd']:,.2f}  "
              f"(${result['per_request_cost_usd']:.6f} per request)")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from routekit.engine import open_built, table_records
    from routekit.prices import PriceFileError
    from routekit.scenario import Policy, PolicyError, Simulator, load_cube

    client = _client_dir(args.client_dir)
    try:
        policy = Policy.load(args.policy) if args.policy else None
    except PolicyError as exc:
        raise UsageError(str(exc)) from None
    if args.prices and not Path(args.prices).is_file():
        raise UsageError(f"--prices {args.prices}: no such file")
    try:
        con, info, catalog, tiers = open_built(client, args.db, prices=Path(args.prices) if args.prices else None)
    except PriceFileError as exc:
        raise UsageError(str(exc)) from None
    try:
        rows, projection = load_cube(con)
        models = table_records(con, "SELECT provider, model, tier, calls, calls_cost_usd, usage_rows, "
                                    "usage_cost_usd, billed_usd, priced, priced_as, price_source FROM mart_models")
    finally:
        con.close()
    if not rows:
        raise UsageError(f"{client}: no call logs or usage exports to simulate on (invoices alone say what was "
                         "billed, not which traffic)")
    sim = Simulator(rows, projection, catalog, tiers.representatives, on=_date(args.date))
    try:
        result = sim.evaluate(policy)
    except PolicyError as exc:
        raise UsageError(str(exc)) from None
    result["unmapped_models"] = sorted({m for _, m in info.unmapped})
    result["unpriced_models"] = sorted(set(result["unpriced_models"]) | {m for _, m in info.unpriced})
    result["models"] = models   # every observed model with its tier and how it was priced
    result["traffic"] = ("call logs" if any(r.len_in != "unknown" for r in rows)
                         else "aggregated usage (no call logs: no task types or request lengths)")
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"policy: {result['policy']}   prices as of {result['prices_as_of']}")
    if result["projection"]:
        print(f"projection: {result['projection']['method']}")
    print(f"monthly cost:        ${result['monthly_cost_usd']:>12,.2f}   "
          f"(range ${result['cost_range_usd'][0]:,.2f} – ${result['cost_range_usd'][1]:,.2f})")
    print(f"current routing:     ${result['baseline_monthly_cost_usd']:>12,.2f}")
    print(f"all flagship:        ${result['all_flagship_monthly_cost_usd']:>12,.2f}")
    pct = "-" if result["savings_pct"] is None else f"{result['savings_pct']:.1f} %"
    print(f"savings:             ${result['savings_usd']:>12,.2f}   ({pct})")
    print("models:")
    for m in models:
        cost = "unpriced" if not m["priced"] else f"${(m['calls_cost_usd'] or 0):,.2f} in the logs"
        print(f"  {m['model']:<40} {m['tier'] or 'UNMAPPED':<10} {cost}")
    for key in ("unpriced_models", "unmapped_models"):
        if result[key]:
            print(f"{key.replace('_', ' ')}: {', '.join(result[key])}")
    return 0


def cmd_prices(args: argparse.Namespace) -> int:
    """The prices the catalog applies to each model on a date, with their source and the period they hold for."""
    import datetime as dt

    from routekit.prices import PriceCatalog, PriceFileError

    on = _date(args.date) or dt.datetime.now(dt.timezone.utc).date()
    try:
        catalog = PriceCatalog(Path(args.prices)) if args.prices else PriceCatalog()
    except PriceFileError as exc:
        raise UsageError(f"--prices: {exc}") from None
    quotes, unpriced = [], []
    for model in args.models:
        quote = catalog.quote(model, args.provider, on=on, variant=args.variant)
        if quote is None:
            unpriced.append(model)
        else:
            quotes.append(quote)
    if args.json:
        print(json.dumps({"date": on.isoformat(), "variant": args.variant, "sources": catalog.sources,
                          "models": [q.to_json() for q in quotes], "unpriced": unpriced}, indent=2))
        return 0
    print(f"prices on {on.isoformat()}, {args.variant}, USD per million tokens")
    for q in quotes:
        j = q.to_json()
        since = f"from {j['valid_from']}" if j["valid_from"] else "since forever"
        until = f"until {j['valid_to']} (exclusive)" if j["valid_to"] else "still in force"
        print(f"{q.model} → {q.matched_model} ({q.provider or 'no provider'})")
        print(f"  input {j['input_per_mtok']}   cached input {j['cached_input_per_mtok']}   "
              f"cache write {j['cache_write_per_mtok']}   output {j['output_per_mtok']}")
        if q.above_input_tokens is not None:
            print(f"  above {q.above_input_tokens:,} input tokens: input {j['input_per_mtok_above']}   "
                  f"cached input {j['cached_input_per_mtok_above']}   "
                  f"cache write {j['cache_write_per_mtok_above']}   output {j['output_per_mtok_above']}")
        print(f"  valid {since}, {until}   source: {q.source}")
    if unpriced:
        why = "no source knows them" if args.variant == "standard" else f"no {args.variant} price on that date"
        print(f"unpriced ({why}): {', '.join(unpriced)}")
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Invoice vs usage vs priced logs per provider × month × model, with the gap and its likely causes."""
    from routekit.engine import open_built, table_records

    con, info, _, _ = open_built(_client_dir(args.client_dir), args.db)
    try:
        rows = table_records(con, """SELECT provider, month, model, calls, logs_priced_usd, logs_reported_usd,
                                            usage_requests, usage_priced_usd, billed_usd, gap_usd, log_coverage,
                                            likely_causes FROM mart_reconcile""")
    finally:
        con.close()
    if args.json:
        print(json.dumps({"rows": rows, "unpriced_models": sorted({m for _, m in info.unpriced})}, indent=2))
        return 0
    money = lambda v: "-" if v is None else f"${v:,.2f}"   # noqa: E731
    print(f"{'provider':<12} {'month':<8} {'model':<34} {'logs':>12} {'usage':>12} {'invoice':>12} {'gap':>12}")
    for r in rows:
        print(f"{r['provider'] or '-':<12} {r['month'][:7]:<8} {r['model']:<34} {money(r['logs_priced_usd']):>12} "
              f"{money(r['usage_priced_usd']):>12} {money(r['billed_usd']):>12} {money(r['gap_usd']):>12}")
        for cause in r["likely_causes"]:
            print(f"{'':<22}- {cause}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="routekit", description="Audit LLM API spend and plan model routing.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("ingest", help="load every export in a client folder into its DuckDB database")
    p.add_argument("client_dir", metavar="CLIENT_DIR")
    p.add_argument("--db", metavar="PATH", help="database file (default CLIENT_DIR/.routekit/routekit.duckdb)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--memory-limit", metavar="SIZE", help="DuckDB memory limit, e.g. 2GB (spills to disk beyond)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("formats", help="list the export formats ingest recognises")
    p.add_argument("--json", action="store_true", help="print one JSON list")
    p.add_argument("--markdown", action="store_true", help="print the README's table")
    p.set_defaults(func=cmd_formats)

    p = sub.add_parser("estimate", help="monthly cost of a workload described by numbers (no logs needed)")
    p.add_argument("--requests", type=int, required=True, help="requests per month")
    p.add_argument("--input-tokens", type=int, required=True, help="input tokens per request (incl. cached)")
    p.add_argument("--output-tokens", type=int, required=True, help="output tokens per request")
    p.add_argument("--cached-input-tokens", type=int, default=0, help="cache-read tokens per request")
    p.add_argument("--mix", required=True, metavar="MODEL=SHARE[,...]", help="models and their shares (sum 1)")
    p.add_argument("--prices", metavar="FILE", help="prices.csv with negotiated rates (overrides genai-prices)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the prices in force on this date (default latest)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_estimate)

    p = sub.add_parser("simulate", help="monthly cost of a routing policy on a client's real traffic")
    p.add_argument("client_dir", metavar="CLIENT_DIR")
    p.add_argument("--policy", metavar="FILE", help="policy YAML (default: the current routing)")
    p.add_argument("--prices", metavar="FILE", help="prices.csv (default CLIENT_DIR/prices.csv if present)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="price the mix at this date (default latest)")
    p.add_argument("--db", metavar="PATH", help="database file (default CLIENT_DIR/.routekit/routekit.duckdb)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("prices", help="the prices applied to models on a date, and their source")
    p.add_argument("models", nargs="+", metavar="MODEL", help="model as logs name it (gpt-4o-2024-08-06, ...)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the prices in force on this date (default today)")
    p.add_argument("--prices", metavar="FILE", help="prices.csv with negotiated rates (overrides genai-prices)")
    p.add_argument("--provider", metavar="P", help="provider as routekit's tables name it (openai, aws.bedrock, ...)")
    p.add_argument("--variant", choices=("standard", "batch", "priority", "flex"), default="standard")
    p.add_argument("--json", action="store_true", help="print one JSON object (prices as exact decimal strings)")
    p.set_defaults(func=cmd_prices)

    p = sub.add_parser("reconcile", help="invoice vs usage vs priced logs per provider, month and model")
    p.add_argument("client_dir", metavar="CLIENT_DIR")
    p.add_argument("--db", metavar="PATH", help="database file (default CLIENT_DIR/.routekit/routekit.duckdb)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_reconcile)

    p = sub.add_parser("batch", help="run every client folder under CLIENTS_DIR")
    p.add_argument("clients_dir", metavar="CLIENTS_DIR")
    p.set_defaults(func=cmd_batch)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, ConfigError, FileNotFoundError) as exc:
        print(f"routekit {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

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

"""The ``routekit`` command. Each subcommand that computes something has ``--json`` for automation."""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import duckdb

from routekit.arguments import (EXIT_BUSY, EXIT_NO_DATA, EXIT_USAGE, NoDataError, UsageError, check_has_data,
                                existing_client_folder, no_data, price_date, writable_folder)
from routekit.config import ConfigError
from routekit.db import DatabaseBusy, SettingError, out_of_memory_text
from routekit.report_text import money as _money, shown
from routekit.workspace import Workspace


class _Parser(argparse.ArgumentParser):
    """argparse's errors in one line, with the closest command or option and where to look, instead of a usage
    block ('invalid choice: 'ingests' (choose from ...)' after two lines of usage)."""

    def error(self, message: str):
        from routekit.config import did_you_mean

        choice = re.match(r"argument COMMAND: invalid choice: '([^']*)'", message)
        if choice:
            commands = list(self._subparsers._group_actions[0].choices)
            message = (f"unknown command {choice.group(1)!r}; {did_you_mean(choice.group(1), commands)}"
                       f"commands: {', '.join(commands)}")
        print(f"{self.prog}: {message} (`{self.prog} --help` shows the usage)", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _unknown_options(parser: argparse.ArgumentParser, command: str, extras: list[str]) -> str:
    """'unknown option --jsn; did you mean '--json'?' for arguments the command does not take (argparse hands them to
    the top-level parser, whose usage names no option of the command)."""
    from routekit.config import did_you_mean

    sub = parser._subparsers._group_actions[0].choices[command]
    options = [o for a in sub._actions for o in a.option_strings if o.startswith("--")]
    parts, after_option = [], False
    for extra in extras:
        name = extra.split("=", 1)[0]
        if name.startswith("-"):
            parts.append(f"unknown option {name}; {did_you_mean(name, options)}".rstrip().rstrip(";"))
        elif not after_option:   # a value right after an unknown option is that option's, not a second mistake
            parts.append(f"unexpected argument {extra!r}")
        after_option = name.startswith("-")
    return ", ".join(dict.fromkeys(parts))


def _out_dir(option: str, value: str) -> Path:
    """--out: a folder routekit can write the reports into."""
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {value}: is a file; give a folder for the reports")
    writable_folder(option, value, path)
    return path


def _file_target(option: str, value: str | None, what: str) -> None:
    """--db, --write-policy: a file path whose folder can be written (a folder given instead is named as such)."""
    if value is None:
        return
    path = Path(value)
    if path.is_dir():
        raise UsageError(f"{option} {value}: is a folder; give the path of {what}")
    writable_folder(option, value, path.parent)


def cmd_ingest(args: argparse.Namespace) -> int:
    from routekit.ingest import ingest
    from routekit.report_text import print_ingest

    client = existing_client_folder(args.client_dir)
    report = ingest(client, args.db, memory_limit=args.memory_limit, rehash=args.rehash)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print_ingest(report)
    if not any(table["rows"] for table in report.tables.values()):
        # the table above says what became of each file; the exit code and this line tell a script or a tired eye
        raise no_data(client, report.to_json()["files"])
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """One client's audit report: the notebook run with papermill, its HTML (and PDF), findings, policy, routing."""
    from routekit.audit import CHROMIUM, AuditFailed, audit_client

    client = existing_client_folder(args.client_dir)
    _risk_budget(args.risk_budget)
    if args.policy and not Path(args.policy).is_file():
        raise UsageError(f"--policy {args.policy}: no such file")
    # checked before the notebook starts, not by the notebook a minute later
    _audit_policy_priced(_policy_arg(args, client), client, price_date(args.date))
    if args.pdf and not CHROMIUM.exists():
        raise UsageError(f"--pdf needs {CHROMIUM} (apt-get install chromium)")
    out = _out_dir("--out", args.out)
    try:
        result = audit_client(client, out, pdf=args.pdf, policy=args.policy, risk_budget=args.risk_budget,
                              price_date=args.date, include_prompts=args.include_prompts)
    except AuditFailed as exc:
        print(f"routekit audit: {client.name}: {exc}", file=sys.stderr)
        return 1
    except DatabaseBusy as exc:
        print(f"routekit audit: {client.name}: {exc}", file=sys.stderr)
        return EXIT_BUSY
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    s = result["summary"]
    print(f"{client.name}: report in {result['out']}/ ({', '.join(result['files'].values())})")
    if s.get("current_monthly_usd") is not None:
        print(f"current routing {_money(s['current_monthly_usd'])}/month at {s['prices_as_of']} prices, recommended "
              f"{_money(s['recommended_monthly_usd'])}/month, savings {_money(s['savings_usd'])}, extra-failure rate {s['extra_failure_rate']:.2%}; "
              f"{result['findings']} findings")
    elif s.get("invoice_monthly_usd") is not None:
        print(f"invoices only: {_money(s.get('invoice_monthly_usd'))}/month billed; no traffic to route")
    else:
        print(f"no data: {s.get('no_data_reason')}; the report's data appendix lists what was found")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    """Every client folder under CLIENTS_DIR, each audited in its own process (kernel and DuckDB); OUT/index.html."""
    from routekit.audit import CHROMIUM, batch, batch_exit_code, batch_summary, client_folders, status_text

    root = existing_client_folder(args.clients_dir)
    if not client_folders(root):
        raise UsageError(f"{root}: no client folders inside")
    if args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: expected 1 or more")
    _risk_budget(args.risk_budget)
    on = price_date(args.date)
    if args.pdf and not CHROMIUM.exists():
        raise UsageError(f"--pdf needs {CHROMIUM} (apt-get install chromium)")
    out = _out_dir("--out", args.out)
    results = batch(root, out, jobs=args.jobs, pdf=args.pdf, risk_budget=args.risk_budget, price_date=on)
    print(f"{'client':<24} {'status':<8} {'current/month':>14} {'savings':>12} {'risk':>8}")
    for r in results:
        s = r.get("summary") or {}
        current = s.get("current_monthly_usd")
        current = s.get("invoice_monthly_usd") if current is None else current
        risk = s.get("extra_failure_rate")
        print(f"{r['client']:<24} {r['status']:<8} {_money(current):>14} {_money(s.get('savings_usd')):>12} "
              f"{'-' if risk is None else f'{risk:.2%}':>8}")
        if r["status"] != "ok":
            print(f"  {status_text(r)}")
    print(f"index: {out / 'index.html'}")
    print(batch_summary(results))
    return batch_exit_code(results)


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


def _risk_budget(value: float) -> None:
    """--risk-budget: the audit's own check (report.check_risk_budget), under the option's name."""
    from routekit.report import AuditError, check_risk_budget

    try:
        check_risk_budget(value, "--risk-budget")
    except AuditError as exc:
        raise UsageError(str(exc)) from None


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


def _suggest_models(command: str, unpriced, catalog) -> None:
    """A note on stderr per unpriced model that is close to a known one: a misspelt model name in ``prices`` read
    only as 'unpriced', with nothing pointing at the typo."""
    for model in unpriced:
        close = catalog.closest_model(model)
        if close:
            print(f"note: routekit {command}: no price source knows {model}; did you mean {close!r}?",
                  file=sys.stderr)


def _unpriced_mix(unpriced: list[str], catalog, on: str, prices: str | None) -> str:
    """Why an estimate has no monthly cost, and the fix, in one line: each unpriced model (with the closest known
    one where the name looks misspelt) and where its rates would go. estimate takes no client folder, so the rates
    go in a prices.csv given with --prices (routekit.yaml holds no prices)."""
    named = []
    for model in unpriced:
        close = catalog.closest_model(model)
        named.append(f"{model} (did you mean {close!r}?)" if close else model)
    where = (f"add {'its' if len(unpriced) == 1 else 'their'} rates to {prices}" if prices else
             f"give {'its' if len(unpriced) == 1 else 'their'} rates in a prices.csv (model,input_per_mtok,"
             "output_per_mtok) with --prices FILE")
    fix = f"correct the name, or {where}" if any("did you mean" in n for n in named) else where
    return f"no price for {', '.join(named)} on {on}, so the monthly cost is unknown; {fix}"


def cmd_estimate(args: argparse.Namespace) -> int:
    from routekit.estimate import EstimateError, Workload, estimate, parse_mix
    from routekit.prices import price_day_text

    catalog = _catalog(args.prices)
    on = price_date(args.date)
    try:
        result = estimate(Workload(args.requests, args.input_tokens, args.output_tokens, args.cached_input_tokens,
                                   args.input_audio_tokens, args.cached_audio_tokens, args.output_audio_tokens),
                          parse_mix(args.mix), catalog, on)
    except EstimateError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        # the catalog holds changes scheduled ahead: an undated estimate rerun next week can differ, so say which day
        print(f"prices as of {price_day_text(on)}")
        for m in result["models"]:
            cost = "unpriced" if m["cost_usd"] is None else f"${m['cost_usd']:,.2f}"
            print(f"{m['model']:<32} {m['share']:>6.1%} {m['requests']:>14,.0f} requests  {cost:>14}  "
                  f"{m['price_source'] or 'no price source knows this model'}")
        if result["monthly_cost_usd"] is None:
            print(f"monthly cost: unknown (unpriced: {', '.join(result['unpriced_models'])})")
        else:
            print(f"monthly cost: ${result['monthly_cost_usd']:,.2f}  "
                  f"(${result['per_request_cost_usd']:.6f} per request)")
    if result["unpriced_models"]:
        # the estimate is the whole answer: without a cost it failed, and a script (papermill, a shell loop) must
        # see that in the exit code, not only in a null. Exit 2, as simulate refuses a mix whose tier has no price;
        # what could be priced is still printed above.
        raise UsageError(_unpriced_mix(result["unpriced_models"], catalog, result["prices_as_of"], args.prices))
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """The tier explorer (notebooks/tier_explorer.ipynb) served live by Voila on 127.0.0.1, in the foreground."""
    import secrets
    import shutil
    import signal
    import socket
    import subprocess

    client = existing_client_folder(args.client_dir).resolve()
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "tier_explorer.ipynb"
    if not notebook.is_file():
        raise UsageError(f"{notebook}: the tier explorer notebook is missing")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: expected a TCP port (1-65535)")
    # simulate's, optimize's and audit's checks, before Voilà starts: a bad value is one line here, not a page error
    from routekit.config import load_config

    price_date(args.date)
    _risk_budget(args.risk_budget)
    load_config(client)   # a routekit.yaml that does not parse (ConfigError: one line, exit 2)
    _catalog(args.prices, client)   # --prices, else the client's prices.csv: missing, or a row that does not parse
    if args.policy and not Path(args.policy).is_file():
        raise UsageError(f"--policy {args.policy}: no such file")
    _policy_arg(args, client)   # a policy that does not parse or names unknown task types: simulate's one line
    # Voilà would move to the next free port on its own, and the address printed below would lead elsewhere
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", args.port))
        except OSError:
            raise UsageError(f"--port {args.port}: in use by another program; choose another port") from None
    parameters = {"client_dir": str(client), "risk_budget": args.risk_budget, "price_date": args.date,
                  "prices": str(Path(args.prices).resolve()) if args.prices else None,
                  "db": str(Path(args.db).resolve()) if args.db else None,
                  "policy": str(Path(args.policy).resolve()) if args.policy else None}
    token = secrets.token_urlsafe(24)
    # routekit/data/voila/templates/routekit: Voilà's lab page without its CDN stylesheets
    templates = Path(__file__).resolve().parent / "data"
    env = {**os.environ,
           "JUPYTER_PATH": os.pathsep.join(filter(None, [str(templates), os.environ.get("JUPYTER_PATH")]))}
    served = Path(tempfile.mkdtemp(prefix="routekit-dashboard-"))
    try:
        _parameterized_notebook(notebook, parameters, served / notebook.name)
        cmd = [sys.executable, "-m", "voila", str(served / notebook.name), "--no-browser", f"--port={args.port}",
               "--Voila.port_retries=0", "--Voila.ip=127.0.0.1", f"--token={token}", "--template=routekit",
               # a client the explorer cannot open (invoices only) says why on the page (routekit.nbparams.one_line);
               # Voilà's own line under it would send the analyst to server options
               "--VoilaExecutor.cell_error_instruction=The reason is shown above; if there is none, `routekit "
               "simulate CLIENT_DIR` prints it."]
        if os.name == "posix":   # the kernel over Unix sockets, not plain TCP: see audit.local_kernel_manager
            cmd.append("--KernelManager.transport=ipc")
        print(f"tier explorer for {client}: http://127.0.0.1:{args.port}/?token={token}", flush=True)
        print("Ctrl-C stops the server", flush=True)
        # stopped otherwise than by Ctrl-C (kill, a closed terminal, a service manager): the same way out, so that
        # Voilà and its kernel are not left serving the client's figures and the notebook's copy is removed
        stopped = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None))
                   if sig is not None}
        proc = subprocess.Popen(cmd, env=env, cwd=served)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            return 0
        finally:
            for sig, handler in stopped.items():
                signal.signal(sig, handler)
    finally:
        shutil.rmtree(served, ignore_errors=True)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _parameterized_notebook(notebook: Path, parameters: dict, out: Path) -> None:
    """The notebook with ``parameters`` in a cell after its parameters cell: papermill's own injection, so the
    dashboard hands the explorer its options exactly as `papermill -p` does (and the notebook checks them the same
    way, routekit.nbparams), with nothing read from the environment."""
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(notebook)), parameters,
                               comment="Parameters from `routekit dashboard`")
    nbformat.write(nb, out)


def _print_idle(result: dict) -> None:
    if result.get("policy_names_without_traffic"):
        print("note: the policy names " + ", ".join(result["policy_names_without_traffic"])
              + ", which have no traffic in this client's data: those entries change nothing")


def _print_unsized(result: dict) -> None:
    if result.get("unsized_usage_monthly_cost_usd"):
        print(f"kept as it is:       ${result['unsized_usage_monthly_cost_usd']:>12,.2f}   usage exports without "
              "request counts: no quality risk can be estimated for moving it, so no policy moves it (call logs "
              "would)")


def _print_risk(result: dict) -> None:
    risk = result["risk"]
    lo, hi = (shown(v, 1) for v in risk["interval"])
    extra, rate = shown(risk["extra_failures_per_month"], 1), shown(risk["extra_failure_rate"], 4)
    print(f"quality risk:        {extra:+,.1f} failures/month vs current routing "
          f"(90 % interval {lo:+,.1f} to {hi:+,.1f}), extra-failure rate {rate:.2%}")
    cps = result["cost_per_success_usd"]
    print(f"expected failures:   {risk['expected_failures']:,.1f} per month (current routing "
          f"{risk['current_failures']:,.1f}); cost per successful task "
          + ("-" if cps is None else f"${cps:,.6f}"))
    bands = [s.get("band") for s in result["segments"]]
    evidence = [s.get("evidence", "") for s in result["segments"]]
    on_evals = sum(1 for e in evidence if e.startswith("client evals"))
    print(f"segments:            {bands.count('green')} green, {bands.count('amber')} amber, {bands.count('red')} red; "
          f"{on_evals} of {len(evidence)} rest on client evals, the others on priors")
    for c in result.get("cascades") or []:
        latency = "-" if c["added_latency_ms"] is None else f"+{c['added_latency_ms']:,.0f} ms"
        print(f"cascade {c['task_type']}: {c['from']} → {c['to']}, escalation {c['escalation_rate']:.1%}, "
              f"residual failure {c['residual_failure_rate']:.1%} (correlation {c['correlation']:g}), "
              f"+${c['added_cost_usd']:,.2f}/month, "
              f"{latency} ({c['latency_source']})")
        # said even when absent: a cascade's saving with a free validator is overstated by what the checks cost
        print(f"  validator: {c['validator_note']}" if c["validator"] is None else
              f"  validator: {c['validator']}: +${c['validator_cost_usd']:,.2f}/month (every cascaded request)")


def _policy_arg(args: argparse.Namespace, client: Path):
    """--policy, read and checked against the client's task types and buckets; None without the option."""
    from routekit.config import load_config
    from routekit.scenario import PolicyError, load_policy

    try:
        return load_policy(args.policy, load_config(client)) if args.policy else None
    except PolicyError as exc:
        raise UsageError(str(exc)) from None


def _audit_policy_priced(policy, client: Path, on) -> None:
    """audit --policy: a tier without a priced representative is refused as simulate refuses it (report's check)."""
    if policy is None:
        return
    from routekit.config import load_config
    from routekit.report import check_policy_priced
    from routekit.scenario import PolicyError, Simulator
    from routekit.tiers import TierMap

    sim = Simulator([], None, _catalog(None, client), TierMap.for_config(load_config(client)).representatives, on=on)
    try:
        check_policy_priced(sim, policy)
    except PolicyError as exc:
        raise UsageError(str(exc)) from None


def cmd_simulate(args: argparse.Namespace) -> int:
    from routekit.prices import price_day_text

    client = existing_client_folder(args.client_dir)
    policy = _policy_arg(args, client)
    scenario = Workspace(client, prices=args.prices, db=args.db, date=args.date)
    result, _, _ = scenario.evaluate(policy)
    models = result["models"]
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"policy: {result['policy']}   prices as of {price_day_text(scenario.sim.on)}")
    if result["projection"]:
        print(f"projection: {result['projection']['method']}")
    print(f"monthly cost:        ${result['monthly_cost_usd']:>12,.2f}   "
          f"(range ${result['cost_range_usd'][0]:,.2f} – ${result['cost_range_usd'][1]:,.2f})")
    print(f"current routing:     ${result['baseline_monthly_cost_usd']:>12,.2f}")
    print(f"all flagship:        ${result['all_flagship_monthly_cost_usd']:>12,.2f}")
    pct = "-" if result["savings_pct"] is None else f"{result['savings_pct']:.1f} %"
    print(f"savings:             ${result['savings_usd']:>12,.2f}   ({pct})")
    _print_unsized(result)
    if result["failed_calls_per_month"]:
        print(f"failed calls:        {result['failed_calls_per_month']:>13,.1f} per month in the logs, not routed (no "
              "answer to judge; what was billed for them stays in the cost)")
    _print_idle(result)
    _print_risk(result)
    print("models:")
    for m in models:
        # the logs where there are any (a usage export of the same traffic would say it twice), else usage
        cost = ("unpriced" if not m["priced"] else f"{_money(m['calls_cost_usd'])} in the logs" if m["calls_cost_usd"]
                else f"{_money(m['usage_cost_usd'])} in usage exports" if m["usage_cost_usd"] else "$0.00")
        print(f"  {m['model']:<40} {m['tier'] or 'UNMAPPED':<10} {cost}")
    for key in ("unpriced_models", "unmapped_models"):
        if result[key]:
            print(f"{key.replace('_', ' ')}: {', '.join(result[key])}")
    return 0


def cmd_optimize(args: argparse.Namespace) -> int:
    """The cheapest mix whose extra-failure rate stays within the budget, the frontier, and the policy file."""
    import yaml

    from routekit.exports import check_line
    from routekit.optimize import optimize
    from routekit.prices import price_day_text
    from routekit.quality import RiskEngine

    client = existing_client_folder(args.client_dir)
    rate = args.max_extra_failure_rate
    if not 0 <= rate <= 1:
        raise UsageError(f"--max-extra-failure-rate {rate}: expected a share of requests between 0 and 1 "
                         "(0.01 = one extra failure per hundred requests)")
    base = _policy_arg(args, client)
    target = Path(args.write_policy) if args.write_policy else None
    _file_target("--write-policy", args.write_policy, "a YAML file")
    scenario = Workspace(client, prices=args.prices, db=args.db, date=args.date)
    engine = RiskEngine(scenario.sim.cost_cube(base), scenario.quality, observed_latency_ms=scenario.latency)
    plan = optimize(engine, rate, base.cascade if base else None, stakes_weighted=args.stakes_weighted)
    policy = plan.policy(base, name=f"optimized: extra-failure rate <= {rate:g}")
    policy.tiers = {**scenario.sim.representatives, **policy.tiers}   # the written file names what it was priced at
    result, _, risk = scenario.evaluate(policy)
    result["policy_names_without_traffic"] = scenario.idle_names(base)
    # a tier whose model has no price is no option for the optimizer (simulate refuses a mix that uses it)
    unpriced_tiers = {t: m for t, m in policy.tiers.items() if scenario.sim.quote(m, None, False) is None}
    out = {
        "max_extra_failure_rate": rate,
        "unpriced_tiers": unpriced_tiers,
        "feasible": plan.feasible,
        "monthly_cost_usd": result["monthly_cost_usd"],
        "baseline_monthly_cost_usd": result["baseline_monthly_cost_usd"],
        "savings_usd": result["savings_usd"],
        "savings_pct": result["savings_pct"],
        "extra_failure_rate": round(risk.extra_failure_rate, 6),
        "stakes_weighted": args.stakes_weighted,
        "risk": result["risk"],
        "cost_per_success_usd": result["cost_per_success_usd"],
        "mix": plan.mix(),
        "mix_granularity": "task type × input-length bucket: the written policy has a mix per task type and input "
                           "length (current = the models serving it today, cascade = the policy's cascade)",
        "frontier": plan.frontier,
        "frontier_method": "lower convex hull of each segment's options in (failures, cost), walked in order of "
                           "saving per added failure; from the fewest-failures mix to the cheapest",
        "cascades": result["cascades"],
        "tiers": result["tiers"],
        "prices_as_of": result["prices_as_of"],
        "projection": result["projection"],
        "unpriced_models": result["unpriced_models"],
        "unmapped_models": result["unmapped_models"],
        "quality": result["quality"],
        "segments": result["segments"],
        "policy_written": str(target) if target else None,
    }
    if target is not None:
        header = (f"# routekit optimize {client} --max-extra-failure-rate {rate:g}"
                  + (" --stakes-weighted" if args.stakes_weighted else "")
                  + f"\n# monthly cost ${out['monthly_cost_usd']:,.2f} (current routing "
                  f"${out['baseline_monthly_cost_usd']:,.2f}), extra-failure rate {out['extra_failure_rate']:.4%}\n"
                  "# mix per task type and input-length bucket; `current` keeps today's models, `cascade` uses the "
                  "cascade below\n" + check_line("THIS_FILE", out["prices_as_of"]))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(header + yaml.safe_dump(policy.to_yaml(), sort_keys=False, allow_unicode=True),
                              encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--write-policy {target}: {exc.strerror or exc}") from None
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"target: extra failures at most {rate:.2%} of requests, against the current routing"
          + (" (weighted by stakes)" if args.stakes_weighted else ""))
    print(f"prices as of {price_day_text(scenario.sim.on)}")   # as simulate says it: undated runs follow the catalog
    if not plan.feasible:
        print("not reachable: even the safest mix exceeds it; shown is the safest mix")
    for tier, model in unpriced_tiers.items():
        print(f"note: tier {tier}'s model {model} has no price, so the optimizer left that tier out; choose a priced "
              "model or add it to the client's prices.csv")
    print(f"monthly cost:        ${out['monthly_cost_usd']:>12,.2f}")
    print(f"current routing:     ${out['baseline_monthly_cost_usd']:>12,.2f}")
    pct = "-" if out["savings_pct"] is None else f"{out['savings_pct']:.1f} %"
    print(f"savings:             ${out['savings_usd']:>12,.2f}   ({pct})")
    _print_unsized(result)
    _print_idle(result)
    _print_risk(result)
    print("mix per task type and input length:")
    for task, per in out["mix"].items():
        for len_in, shares in per.items():
            print(f"  {task:<16} {len_in:<9} " + ", ".join(f"{k} {v:.1%}" for k, v in shares.items()))
    points = out["frontier"]
    shown = sorted({round(i * (len(points) - 1) / 9) for i in range(10)}) if len(points) > 10 else range(len(points))
    print(f"frontier ({len(points)} points, safest to cheapest; {'some' if len(points) > 10 else 'all'} shown):")
    for i in shown:
        p = points[i]
        print(f"  ${p['monthly_cost_usd']:>12,.2f}   extra failures {p['extra_failures_per_month']:>+10,.1f}/month   "
              f"({p['extra_failure_rate']:+.2%})")
    if target is not None:
        print(f"policy written to {target}")
    return 0


def cmd_prices(args: argparse.Namespace) -> int:
    """The prices the catalog applies to each model on a date, with their source and the period they hold for."""
    import datetime as dt

    from routekit.prices import PriceCatalog, PriceFileError

    on = price_date(args.date) or dt.datetime.now(dt.timezone.utc).date()
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
    # a model with time-of-day prices: the rate of each slice of the UTC day (calls take theirs; the quote above is
    # its day rate, for traffic without a time of day)
    slices = {id(q): catalog.day_slices(q.model, args.provider, on=on, variant=args.variant) for q in quotes}
    if args.json:
        print(json.dumps({"date": on.isoformat(), "variant": args.variant, "sources": catalog.sources,
                          "models": [{**q.to_json(), "time_of_day": [s.to_json() for s in slices[id(q)]]}
                                     for q in quotes], "unpriced": unpriced}, indent=2))
        _suggest_models("prices", unpriced, catalog)
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
        audio = [f"{label} {j[key]}" for label, key in (("audio input", "input_audio_per_mtok"),
                                                         ("cached audio input", "cached_audio_input_per_mtok"),
                                                         ("audio output", "output_audio_per_mtok")) if j[key] is not None]
        if audio:   # a model without an audio price bills audio as text (prices.py)
            print("  " + "   ".join(audio))
        print(f"  valid {since}, {until}   source: {q.source}")
        if slices[id(q)]:
            print("  by UTC time of day (each call at its own; the rate above is for traffic without a time):")
        for s in slices[id(q)]:
            j = s.to_json()
            print(f"    {j['from_time'] or '00:00'}-{j['to_time'] or '24:00'}   input {j['input_per_mtok']}   "
                  f"cached input {j['cached_input_per_mtok']}   cache write {j['cache_write_per_mtok']}   "
                  f"output {j['output_per_mtok']}")
    if unpriced:
        why = "no source knows them" if args.variant == "standard" else f"no {args.variant} price on that date"
        print(f"unpriced ({why}): {', '.join(unpriced)}")
        _suggest_models("prices", unpriced, catalog)
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Invoice vs usage vs priced logs per provider × month × model, with the gap and its likely causes."""
    from routekit.engine import open_built, table_records

    client = existing_client_folder(args.client_dir)
    con, info, _, _ = open_built(client, args.db)
    try:
        check_has_data(con, client)
        rows = table_records(con, """SELECT provider, month, model, calls, logs_priced_usd, logs_reported_usd,
                                            logs_source_minus_list_usd, byok_calls, byok_upstream_usd,
                                            usage_requests, usage_priced_usd, billed_usd,
                                            gap_usd, log_coverage, likely_causes FROM mart_reconcile""")
    finally:
        con.close()
    if args.json:
        print(json.dumps({"rows": rows, "unpriced_models": sorted({m for _, m in info.unpriced})}, indent=2))
        return 0
    # "logs" is the calls at list price (what every simulation uses); "logs billed" the log source's own cost where
    # it has one (OpenRouter's cost_total is what the client was charged), so both figures sit side by side
    print(f"{'provider':<12} {'month':<8} {'model':<34} {'logs':>12} {'logs billed':>12} {'usage':>12} "
          f"{'invoice':>12} {'gap':>12}")
    for r in rows:
        print(f"{r['provider'] or '-':<12} {r['month'][:7]:<8} {r['model']:<34} {_money(r['logs_priced_usd']):>12} "
              f"{_money(r['logs_reported_usd']):>12} {_money(r['usage_priced_usd']):>12} {_money(r['billed_usd']):>12} "
              f"{_money(r['gap_usd']):>12}")
        for cause in r["likely_causes"]:
            print(f"{'':<22}- {cause}")
    return 0


NO_CALLS_TO_CLASSIFY = ("no calls to classify: the client's data has no call logs (task types are read from each "
                        "call's prompt); aggregated usage takes its task type from routekit.yaml's project and API-key "
                        "mappings, shown below when there is any")


def cmd_classify(args: argparse.Namespace) -> int:
    """Task types of a client's calls: requests, tokens and cost per task type and length bucket, which kind of rule
    decided, how much aggregated usage the mappings attribute; --eval scores against labels, --train fits the
    learned model first (stored in CLIENT_DIR/.routekit/task_model.json, then used where the rules abstain)."""
    from routekit import classify
    from routekit.config import load_config
    from routekit.db import connect, default_db_path
    from routekit.engine import open_built
    from routekit.ingest import ingest

    client = existing_client_folder(args.client_dir)
    for option in ("eval", "train"):
        value = getattr(args, option)
        if value and not Path(value).is_file():
            raise UsageError(f"--{option} {value}: no such file")
    config = load_config(client)
    settings = classify.settings_for(config)
    try:
        labels = classify.read_labels(args.eval, settings.task_types) if args.eval else None
        trained = None
        if args.train:
            db = Path(args.db) if args.db else default_db_path(client)
            ingest(client, db, config=config)
            con = connect(db)
            try:
                trained = classify.train(con, args.train, classify.model_path(client), task_types=settings.task_types)
            finally:
                con.close()
    except classify.TrainError as exc:
        raise UsageError(str(exc)) from None
    con, info, _, _ = open_built(client, args.db, config=config)
    try:
        check_has_data(con, client)
        result = classify.report(con, labels=labels)
    finally:
        con.close()
    if not result["requests"]:
        result["note"] = NO_CALLS_TO_CLASSIFY
    result["learned_model"] = info.classify.learned_model if info.classify else None
    result["warnings"] = info.classify.warnings if info.classify else []
    if trained:
        result["trained"] = trained
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    if trained:
        acc = trained["holdout_accuracy"]
        print(f"trained on {trained['trained_on']:,} labelled calls ({trained['labels_matched']:,} of "
              f"{trained['labels']:,} labels found), {len(trained['classes'])} task types, "
              f"held-out accuracy {'-' if acc is None else f'{acc:.1%}'}: {trained['model']}")
    print(f"{'task type':<16} {'requests':>10} {'share':>7} {'input tokens':>14} {'output tokens':>14} {'cost':>12}")
    for t in result["task_types"]:
        print(f"{t['task_type']:<16} {t['requests']:>10,} {t['share']:>7.1%} {t['input_tokens'] or 0:>14,} "
              f"{t['output_tokens'] or 0:>14,} {_money(t['cost_usd']):>12}")
    print(f"{'total':<16} {result['requests']:>10,} {'':>7} {'':>14} {'':>14} {_money(result['cost_usd']):>12}")
    shares = ", ".join(f"{k} {v:.1%}" for k, v in result["decided_by"].items() if v is not None)
    if result["requests"]:
        print(f"decided by: {shares or '-'}" + (f"   (learned model: {result['learned_model']})"
                                                 if result["learned_model"] else ""))
    else:   # an invoice- or usage-only client: a table of zeros and "decided by: -" explained nothing
        print(f"note: {NO_CALLS_TO_CLASSIFY}")
    for line in result["warnings"]:
        print(f"warning: {line}")
    usage = result["usage_attribution"]
    if usage["usage_rows"]:
        share = usage["unattributed_share"]
        print(f"aggregated usage: {_money(usage['cost_usd'])} in {usage['usage_rows']:,} rows, "
              f"{_money(usage['attributed_cost_usd'])} attributed by project/API-key mappings, "
              f"{_money(usage['unattributed_cost_usd'])} unattributed"
              + ("" if share is None else f" ({share:.1%})"))
    ev = result.get("eval")
    if ev and ev["note"]:
        print(f"eval against {args.eval}: {ev['note']}")
    elif ev:
        acc = ev["accuracy"]
        print(f"eval against {args.eval}: {ev['labels_matched']:,} of {ev['labels']:,} labelled requests found, "
              f"accuracy {'-' if acc is None else f'{acc:.1%}'}")
        pct = lambda v: "-" if v is None else f"{v:.1%}"   # noqa: E731
        print(f"  {'task type':<16} {'precision':>9} {'recall':>7} {'support':>8}")
        for name, m in ev["per_class"].items():
            print(f"  {name:<16} {pct(m['precision']):>9} {pct(m['recall']):>7} {m['support']:>8,}")
        classes = ev["classes"]
        print("  confusion (rows: true, columns: predicted): " + ", ".join(
            f"{i + 1}={c}" for i, c in enumerate(classes)))
        print("  " + " " * 18 + "".join(f"{i + 1:>7}" for i in range(len(classes))))
        for i, c in enumerate(classes):
            print(f"  {i + 1:>2} {c:<15}" + "".join(f"{ev['confusion'][c][p]:>7,}" for p in classes))
    return 0


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="PATH", help="database file (default CLIENT_DIR/.routekit/routekit.duckdb)")


def _client_pricing_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--prices", metavar="FILE", help="prices.csv (default CLIENT_DIR/prices.csv if present)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="price the mix at this date (default today, UTC)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="routekit", description="Audit LLM API spend and plan model routing.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("ingest", help="load every export in a client folder into its DuckDB database")
    p.add_argument("client_dir", metavar="CLIENT_DIR")
    _db_arg(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--memory-limit", metavar="SIZE", help="DuckDB memory limit, e.g. 4GB (default 2GB, or $ROUTEKIT_MEMORY_LIMIT; spills to disk beyond)")
    p.add_argument("--rehash", action="store_true",
                   help="hash every file, even one whose size and modification time are those already loaded")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("formats", help="list the export formats ingest recognises")
    style = p.add_mutually_exclusive_group()
    style.add_argument("--json", action="store_true", help="print one JSON list")
    style.add_argument("--markdown", action="store_true", help="print the README's table")
    p.set_defaults(func=cmd_formats)

    p = sub.add_parser("estimate", help="monthly cost of a workload described by numbers (no logs needed)")
    p.add_argument("--requests", type=int, required=True, help="requests per month")
    p.add_argument("--input-tokens", type=int, required=True, help="input tokens per request (incl. cached)")
    p.add_argument("--output-tokens", type=int, required=True, help="output tokens per request")
    p.add_argument("--cached-input-tokens", type=int, default=0, help="cache-read tokens per request")
    p.add_argument("--input-audio-tokens", type=int, default=0,
                   help="uncached audio input tokens per request, part of --input-tokens (voice and realtime models "
                        "bill them at their audio price)")
    p.add_argument("--cached-audio-tokens", type=int, default=0,
                   help="audio cache-read tokens per request, part of --cached-input-tokens")
    p.add_argument("--output-audio-tokens", type=int, default=0,
                   help="audio output tokens per request, part of --output-tokens")
    p.add_argument("--mix", required=True, metavar="MODEL=SHARE[,...]", help="models and their shares (sum 1)")
    p.add_argument("--prices", metavar="FILE", help="prices.csv with negotiated rates (overrides genai-prices)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the prices in force on this date (default today, UTC)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_estimate)

    p = sub.add_parser("simulate", help="monthly cost of a routing policy on a client's real traffic")
    p.add_argument("client_dir", metavar="CLIENT_DIR")
    p.add_argument("--policy", metavar="FILE", help="policy YAML (default: the current routing)")
    _client_pricing_args(p)
    _db_arg(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("optimize", help="the cheapest routing within a quality-risk budget, and the frontier")
    p.add_argument("client_dir", metavar="CLIENT_DIR")
    p.add_argument("--max-extra-failure-rate", type=float, required=True, metavar="R",
                   help="extra failures against the current routing, as a share of all requests (0.01 = 1 %%)")
    p.add_argument("--policy", metavar="FILE",
                   help="take tiers, batch shares, output inflation and cascades from this policy (its mix is "
                        "what gets optimized)")
    p.add_argument("--stakes-weighted", action="store_true",
                   help="weight each task's extra failures by its stakes (routekit.yaml quality.stakes)")
    p.add_argument("--write-policy", metavar="FILE", help="write the recommended mix as a policy for simulate")
    _client_pricing_args(p)
    _db_arg(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_optimize)

    p = sub.add_parser("dashboard", help="the tier explorer: sliders per task type, priced live (Voila)")
    p.add_argument("client_dir", metavar="CLIENT_DIR")
    p.add_argument("--port", type=int, default=8866, metavar="P", help="port on 127.0.0.1 (default 8866)")
    p.add_argument("--risk-budget", type=float, default=0.02, metavar="R",
                   help="the optimizer's risk budget when the page opens (default 0.02)")
    p.add_argument("--policy", metavar="FILE",
                   help="a policy to open on (its mix, cascades and validators); the optimizer may use its cascades")
    _client_pricing_args(p)
    _db_arg(p)
    p.set_defaults(func=cmd_dashboard)

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
    _db_arg(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_reconcile)

    p = sub.add_parser("classify", help="task types of a client's traffic, with accuracy against labels")
    p.add_argument("client_dir", metavar="CLIENT_DIR")
    p.add_argument("--eval", metavar="LABELS.csv", help="CSV with request_id,task_type: accuracy, precision, recall")
    p.add_argument("--train", metavar="LABELS.csv",
                   help="fit the learned model on these labelled calls first (used where the rules abstain)")
    _db_arg(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("audit", help="the audit report of one client folder (notebook, HTML, PDF, findings)")
    p.add_argument("client_dir", metavar="CLIENT_DIR")
    p.add_argument("--out", metavar="DIR", default="reports", help="reports go to DIR/CLIENT_NAME/ (default reports)")
    p.add_argument("--pdf", action="store_true", help="also audit.pdf (needs /usr/bin/chromium)")
    p.add_argument("--risk-budget", type=float, default=0.02, metavar="R",
                   help="max extra-failure rate of the recommended mix (default 0.02)")
    p.add_argument("--policy", metavar="FILE", help="tiers, batch shares, cascades for the optimizer")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="price the mixes at this date (default today, UTC)")
    p.add_argument("--include-prompts", action="store_true",
                   help="show example prompts in the report (confidential: off by default)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("batch", help="the audit report of every client folder under CLIENTS_DIR, and an index")
    p.add_argument("clients_dir", metavar="CLIENTS_DIR")
    p.add_argument("--out", metavar="DIR", default="reports", help="reports and index.html go here (default reports)")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="clients audited in parallel (default 1)")
    p.add_argument("--pdf", action="store_true", help="also audit.pdf per client (needs /usr/bin/chromium)")
    p.add_argument("--risk-budget", type=float, default=0.02, metavar="R",
                   help="max extra-failure rate of the recommended mix (default 0.02)")
    p.add_argument("--date", metavar="YYYY-MM-DD",
                   help="every client's what-ifs at the prices of this date (default: today, UTC, once for the batch)")
    p.set_defaults(func=cmd_batch)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        print(f"routekit {args.command}: {_unknown_options(parser, args.command, extras)} "
              f"(`routekit {args.command} --help` lists its options)", file=sys.stderr)
        return EXIT_USAGE
    try:
        _file_target("--db", getattr(args, "db", None), "a database file")   # every command that takes --db
        return args.func(args)
    except (UsageError, ConfigError, FileNotFoundError, SettingError) as exc:
        print(f"routekit {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DatabaseBusy as exc:
        print(f"routekit {args.command}: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except NoDataError as exc:
        print(f"routekit {args.command}: {exc}", file=sys.stderr)
        return EXIT_NO_DATA
    except duckdb.OutOfMemoryException as exc:
        print(f"routekit {args.command}: {out_of_memory_text(exc)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader went away (`routekit ... | head`): stop quietly, as other command-line tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        # a client's prices.csv that does not parse, from any command (prices.py loads only when prices are needed,
        # so its error class is looked up, not imported for every command)
        prices = sys.modules.get("routekit.prices")
        if prices is not None and isinstance(exc, prices.PriceFileError):
            print(f"routekit {args.command}: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())

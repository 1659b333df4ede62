"""``runbook.py monitor up|down|status|targets``: the monitoring stack on this machine, from the intents.

``up`` renders the monitoring files with real ports into ``<state>/monitor/config/`` and starts
the notifier, Alertmanager, the probe and Prometheus on 127.0.0.1; ``down`` stops them by PID;
``status`` shows each service; ``targets`` writes the SD-WAN agents Prometheus scrapes (a
``file_sd`` file from the inventory's management addresses). To use a team's own Prometheus and
Alertmanager instead, point them at the committed ``monitoring/`` files (docs/monitoring.md).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from runbook_wan.commands.cmd_notify import add_answers_options, answers_argv
from runbook_wan.commands.options import configs_options, format_options, intents_options, inventory_options
from runbook_wan.context import RunContext
from runbook_wan.monitoring.timing import PRODUCTION
from runbook_wan.results import ExitCode, exit_codes

HELP = "start, stop or show the monitoring stack (Prometheus, Alertmanager, probe, notifier)"
SERVICES = ("notifier", "alertmanager", "probe", "prometheus", "supervisor")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("monitor", help=HELP, description=HELP, epilog=exit_codes.epilog("monitor"))
    actions = parser.add_subparsers(dest="monitor_action", metavar="ACTION", required=True)
    up = actions.add_parser(
        "up",
        help="render the runtime configs and start every service",
        parents=[intents_options(), inventory_options(), configs_options()],
    )
    up.add_argument(
        "--scrape-interval",
        type=float,
        default=None,
        metavar="S",
        help="scrape and evaluation interval; every other duration scales with it "
        f"(default: {PRODUCTION.scrape_interval:g}, the committed profile)",
    )
    up.add_argument(
        "--without",
        action="append",
        choices=SERVICES,
        default=[],
        help="do not start this service (repeatable), e.g. the probe when no lab runs",
    )
    add_answers_options(up)  # passed on to the notifier, and kept when the supervisor starts it again
    up.set_defaults(handler=run)
    down = actions.add_parser("down", help="stop every service of the stack by PID")
    down.set_defaults(handler=run)
    status = actions.add_parser("status", help="show each service", parents=[format_options(("terminal", "json"))])
    status.set_defaults(handler=run)
    watch = actions.add_parser(
        "watch",
        help="keep every service of the stack running: start again one that stopped (`monitor up` runs it)",
        description="The stack's supervisor: checks each recorded service twice a second, starts one that "
        "stopped again the way it was first started, and records each outage in STATE/monitor/outages.jsonl "
        "(the pane shows them). Stops on SIGTERM or when the stack is taken down.",
    )
    watch.set_defaults(handler=run)
    targets = actions.add_parser(
        "targets",
        help="write the SD-WAN agents to scrape (Prometheus file_sd JSON) from the inventory",
        parents=[intents_options(), inventory_options(), configs_options()],
    )
    targets.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="write here (Prometheus re-reads it on change); default: standard output",
    )
    targets.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.monitor import supervisor

    if args.monitor_action == "up":
        return _up(args, ctx)
    if args.monitor_action == "watch":
        return _watch(ctx)
    if args.monitor_action == "down":
        stopped = supervisor.down(ctx.state_dir)
        if stopped is None:
            ctx.out.print(f"no monitoring stack under {ctx.state_dir}", markup=False)
        else:
            ctx.out.print(f"stopped: {', '.join(stopped) or 'nothing was running'}", markup=False)
        return ExitCode.OK
    if args.monitor_action == "targets":
        return _targets(args, ctx)
    return _status(args, ctx)


def _targets(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.atomic_files import output_file_problem, write_file
    from runbook_wan.model.loader import load_estate
    from runbook_wan.monitor.agents import targets_text
    from runbook_wan.results import DiagnosticError

    if args.out is not None:
        problem = output_file_problem(args.out, "--out")
        if problem is not None:
            raise DiagnosticError([problem])
    estate, _ = load_estate(args.intents, args.platforms)
    text, found = targets_text(estate, Path(args.inventory), Path(args.configs))
    if args.out is None:
        ctx.out.write(text)
    else:
        write_file(args.out, text)
        ctx.err.print(f"{len(found.endpoints)} agent(s) written to {args.out}", markup=False)
    if found.no_address:
        ctx.err.print(
            f"warning: {len(found.no_address)} site(s) run an agent but have no management address in "
            f"{Path(args.inventory) / 'hosts.yaml'}, so nothing scrapes them: {', '.join(found.no_address)}",
            markup=False,
        )
    return ExitCode.OK


def _up(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.monitor import supervisor
    from runbook_wan.render.pipeline import render_estate
    from runbook_wan.results import Diagnostic, DiagnosticError

    if args.scrape_interval is not None and not 0.5 <= args.scrape_interval <= 300:
        raise DiagnosticError(
            [
                Diagnostic(
                    "monitor-options",
                    "--scrape-interval must be between 0.5 and 300 seconds",
                    hint=f"{PRODUCTION.scrape_interval:g} is the committed profile",
                )
            ]
        )
    timing = PRODUCTION.scaled(args.scrape_interval) if args.scrape_interval else PRODUCTION
    rendered = render_estate(args.intents, None, args.templates, args.platforms)
    options = supervisor.UpOptions(
        state_dir=ctx.state_dir,
        intents=Path(args.intents),
        inventory=Path(args.inventory),
        configs=Path(args.configs),
        timing=timing,
        without=frozenset(args.without) - {"supervisor"},
        supervise="supervisor" not in args.without,
        notifier_args=tuple(answers_argv(args)),
    )
    record = supervisor.up(rendered.estate, rendered.facts, options)
    for name, service in record.services.items():
        ctx.out.print(f"{name:<13} pid {service.pid:<8} {service.url if service.port else '-'}", markup=False)
    from runbook_wan.commands import stage_audit
    from runbook_wan.rollout.change_window import flush_outbox

    # lead time: a change that reaches only the monitoring is live now
    stage_audit.record(args, ctx, "monitoring-live", services=sorted(record.services))

    leftovers = flush_outbox(ctx.state_dir, dict(os.environ))  # what a rollout could not post meanwhile
    if leftovers:
        ctx.out.print(leftovers, markup=False)
    ctx.out.print(f"monitoring up; configs in {Path(record.state_dir) / 'monitor' / 'config'}", markup=False)
    return ExitCode.OK


def _watch(ctx: RunContext) -> ExitCode:
    import signal
    import threading

    from runbook_wan.monitor import supervisor

    halt = threading.Event()
    signal.signal(signal.SIGTERM, lambda _sig, _frame: halt.set())
    supervisor.watch(ctx.state_dir, halt)
    return ExitCode.OK


def _status(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    import json

    from runbook_wan.monitor import supervisor

    record, services = supervisor.status(ctx.state_dir)
    if args.format == "json":
        ctx.out.write(
            json.dumps(
                {
                    "running": record is not None,
                    "services": [s.__dict__ for s in services],
                },
                indent=2,
            )
            + "\n"
        )
    elif record is None:
        ctx.out.print(f"no monitoring stack under {ctx.state_dir}", markup=False)
    else:
        for s in services:
            state = "ready" if s.ready else "running, not ready" if s.running else "NOT RUNNING"
            ctx.out.print(f"{s.name:<13} pid {s.pid:<8} {s.url:<24} {state}", markup=False)
    if record is None:
        return ExitCode.FAILED
    return ExitCode.OK if all(s.ready for s in services) else ExitCode.FAILED

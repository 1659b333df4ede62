"""``runbook.py probe``: measure every circuit from each site's LAN side and export Prometheus metrics.

One agent for the whole estate. Every ``--interval``: loss, latency and jitter of each circuit
(hop-limited echoes to the provider's tracking address, so only the circuit itself can answer)
and reachability of the hub and SaaS; every ``--device-interval``: link and BGP state through
NAPALM. Metrics on ``--listen`` (loopback by default). ``--once`` measures one cycle and prints it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from runbook_wan.commands.options import (
    configs_options,
    format_options,
    intents_options,
    inventory_options,
    limit_options,
)
from runbook_wan.context import RunContext
from runbook_wan.results import ExitCode, exit_codes

if TYPE_CHECKING:
    from runbook_wan.probe.agent import Agent

HELP = "measure every circuit from the sites' LAN side and export Prometheus metrics"


def _listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT")
    return host, int(port)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from runbook_wan.monitoring.endpoints import DEFAULT_PORTS, LOOPBACK
    from runbook_wan.monitoring.timing import PRODUCTION

    parser = sub.add_parser(
        "probe",
        help=HELP,
        description=HELP,
        parents=[
            intents_options(),
            limit_options(),
            inventory_options(),
            configs_options(),
            format_options(("terminal", "json")),
        ],
        epilog=exit_codes.epilog("probe"),
    )
    parser.add_argument(
        "--listen",
        type=_listen,
        default=(LOOPBACK, DEFAULT_PORTS["probe"]),
        metavar="HOST:PORT",
        help=f"serve /metrics here (default: {LOOPBACK}:{DEFAULT_PORTS['probe']})",
    )
    parser.add_argument(
        "--interval", type=float, default=PRODUCTION.probe_interval, metavar="S", help="seconds between cycles"
    )
    parser.add_argument(
        "--count", type=int, default=PRODUCTION.probe_count, metavar="N", help="echoes per target per cycle"
    )
    parser.add_argument(
        "--spacing", type=float, default=PRODUCTION.probe_spacing, metavar="S", help="seconds between echoes"
    )
    parser.add_argument(
        "--timeout", type=float, default=PRODUCTION.probe_timeout, metavar="S", help="wait for the last reply"
    )
    parser.add_argument(
        "--device-interval",
        type=float,
        default=PRODUCTION.device_interval,
        metavar="S",
        help="seconds between NAPALM polls of link and BGP state (0: none)",
    )
    parser.add_argument(
        "--drift-interval",
        type=float,
        default=PRODUCTION.drift_interval,
        metavar="S",
        help="seconds between config-drift checks of every device (runbook_config_drift; 0: none)",
    )
    parser.add_argument(
        "--lead-time-interval",
        type=float,
        default=PRODUCTION.lead_time_interval,
        metavar="S",
        help="seconds between updates of runbook_change_open_seconds from git and the audit log (0: none)",
    )
    parser.add_argument("--once", action="store_true", help="measure one cycle, print it and exit")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    import signal

    from runbook_wan.facts.builder import build_estate_facts
    from runbook_wan.lab import state as lab_state
    from runbook_wan.model.loader import load_estate
    from runbook_wan.monitoring.targets import build_targets
    from runbook_wan.probe.agent import Agent, AgentOptions
    from runbook_wan.probe.vantage import lab_vantages
    from runbook_wan.results import Diagnostic, DiagnosticError
    from runbook_wan.selection.limit import select_sites

    if args.count < 1 or args.interval <= 0 or args.spacing < 0 or args.timeout <= 0:
        raise DiagnosticError(
            [Diagnostic("probe-options", "--count must be >= 1; --interval and --timeout > 0", hint="see --help")]
        )
    estate, _ = load_estate(args.intents, args.platforms)
    facts, _ = build_estate_facts(estate, select_sites(estate, args.limit))
    targets = build_targets(estate, facts)
    del facts  # the agent keeps the targets and the estate only
    record = lab_state.load(ctx.state_dir)
    points, missing = lab_vantages(record, targets)
    if missing:
        ctx.err.print(f"not measured (not in the lab): {', '.join(missing)}", markup=False)
    if not points:
        raise DiagnosticError(
            [
                Diagnostic(
                    "probe-no-sites", "none of the selected sites runs in the lab", hint="check --limit and --state"
                )
            ]
        )
    targets = targets.model_copy(update={"sites": {s: targets.sites[s] for s in points}})
    options = AgentOptions(
        interval=args.interval,
        count=args.count,
        spacing=args.spacing,
        timeout=args.timeout,
        device_interval=args.device_interval,
        listen=None if args.once else args.listen,
    )
    agent = Agent(targets, points, options)
    try:
        if args.once:
            return _once(agent, args, ctx)
        if args.device_interval > 0:
            agent.attach_devices(estate, args.inventory)
        if args.drift_interval > 0:
            agent.attach_drift(estate, args.configs, args.inventory, ctx.state_dir, ctx.redactor, args.drift_interval)
        if args.lead_time_interval > 0:
            agent.attach_lead_time(args.intents, ctx.state_dir, args.lead_time_interval)
            agent.attach_outbox(ctx.state_dir, args.lead_time_interval)

        def stop(_signum: int, _frame: object) -> None:
            agent.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        host, port = args.listen
        ctx.err.print(f"probe: {len(points)} site(s), metrics on http://{host}:{port}/metrics", markup=False)
        agent.run()
        return ExitCode.OK
    finally:
        agent.close()


def _once(agent: Agent, args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    """``--once``: one measurement cycle, printed; exit 3 when some circuit did not answer."""
    import json

    results = agent.cycle()
    rows = [
        {
            "site": k[1],
            "what": k[2],
            "kind": k[0],
            "received": r.received,
            "sent": r.sent,
            "loss": r.loss,
            "latency": r.latency,
            "jitter": r.jitter,
        }
        for k, r in sorted(results.items(), key=lambda item: (item[0][1], item[0][0], item[0][2]))
    ]
    if args.format == "json":
        ctx.out.write(json.dumps(rows, indent=2) + "\n")
    else:
        for row in rows:
            rtt = "-" if row["latency"] is None else f"{row['latency'] * 1000:.1f} ms"
            jit = "-" if row["jitter"] is None else f"{row['jitter'] * 1000:.1f} ms"
            ctx.out.print(
                f"{row['site']:<10} {row['what']:<18} {row['received']}/{row['sent']} "
                f"loss {row['loss']:.0%}  rtt {rtt}  jitter {jit}",
                markup=False,
            )
    down = [r for r in rows if r["kind"] == "circuit" and r["received"] == 0]
    return ExitCode.FAILED if down else ExitCode.OK

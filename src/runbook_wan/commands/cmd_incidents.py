"""``runbook.py incidents [list|ack ID|resolve ID]``: what the notifier announced, to whom, and its state.

Reads and writes STATE/monitor/incidents.sqlite directly, so it works whether or not the
notifier runs; an acknowledgement written here stops that incident's escalation at the
notifier's next tick. Exit codes: ``results.exit_codes.BY_COMMAND["incidents"]``.
"""

from __future__ import annotations

import argparse
import getpass
import json
from typing import TYPE_CHECKING, Any

from rich.table import Table

from runbook_wan.commands.options import format_options
from runbook_wan.context import RunContext
from runbook_wan.results import Diagnostic, DiagnosticError, ExitCode, exit_codes

if TYPE_CHECKING:
    from runbook_wan.ops.incidents import Incident, IncidentStore

HELP = "list incidents (who was told, on which channel, when) and acknowledge or resolve them"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "incidents",
        parents=[format_options(("terminal", "json"))],
        help=HELP,
        description=HELP + ". Without an action: list.",
        epilog=exit_codes.epilog("incidents"),
    )
    inc_sub = parser.add_subparsers(dest="incidents_command", metavar="ACTION")
    parser.set_defaults(handler=run_list, all=False, site=None)

    listing = inc_sub.add_parser(
        "list", parents=[format_options(("terminal", "json"))], help="open incidents (default action)"
    )
    listing.add_argument("--all", action="store_true", help="include resolved incidents")
    listing.add_argument("--site", metavar="SITE", help="only this site's incidents")
    listing.set_defaults(handler=run_list)

    for action, text in (
        ("ack", "acknowledge: stops the incident's escalation (voice call)"),
        ("resolve", "resolve by hand: nothing more is sent for this firing episode"),
    ):
        one = inc_sub.add_parser(action, parents=[format_options(("terminal", "json"))], help=text)
        one.add_argument("id", metavar="ID", help="incident id (inc-...)")
        one.add_argument("--by", default=None, metavar="NAME", help="who (default: your login name)")
        one.set_defaults(handler=run_ack if action == "ack" else run_resolve)


def _store(ctx: RunContext, *, write: bool) -> IncidentStore:
    from runbook_wan.ops.incidents import IncidentStore
    from runbook_wan.ops.stack import incidents_path

    path = incidents_path(ctx.state_dir)
    if not path.is_file():
        raise DiagnosticError(
            [
                Diagnostic(
                    "incidents-no-store",
                    f"no incident store at {path}",
                    hint="the notifier creates it (`runbook.py monitor up` or `runbook.py notify`); "
                    "pass the same --state",
                )
            ]
        )
    return IncidentStore(path, readonly=not write, create=False)


def _record(store: IncidentStore, incident: Incident) -> dict[str, Any]:
    return incident.to_dict() | {"deliveries": [d.to_dict() for d in store.deliveries(incident.id)]}


def run_list(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    store = _store(ctx, write=False)
    incidents = store.incidents(open_only=not args.all, site=args.site)
    if args.format == "json":
        ctx.out.write(json.dumps([_record(store, i) for i in incidents], indent=2) + "\n")
        return ExitCode.OK
    if not incidents:
        ctx.out.print("no open incidents" if not args.all else "no incidents", markup=False)
        return ExitCode.OK
    table = Table(title=f"{'incidents' if args.all else 'open incidents'} ({store.path})")
    for column in ("id", "status", "alert"):
        table.add_column(column, no_wrap=True)
    for column in ("where", "started", "told", "acknowledged"):
        table.add_column(column, overflow="fold")
    for incident in incidents:
        told = []
        for delivery in store.deliveries(incident.id):
            line = f"{delivery.at[11:19]} {delivery.kind.value} {delivery.channel} -> {delivery.recipient}: "
            line += f"{delivery.status.value}"
            line += f" {delivery.message_id}" if delivery.message_id else ""
            line += f" ({delivery.error})" if delivery.error else ""
            told.append(line)
        status = incident.status.value
        if incident.escalate_at and not incident.escalated_at and status == "firing":
            status += f"\nescalates {incident.escalate_at[11:19]}Z"
        where = " ".join(x for x in (incident.site, incident.circuit, incident.provider) if x)
        ack = f"{incident.acknowledged_by} {incident.acknowledged_at}" if incident.acknowledged_by else "-"
        table.add_row(incident.id, status, incident.alertname, where, incident.started_at, "\n".join(told) or "-", ack)
    ctx.out.print(table)
    return ExitCode.OK


def _not_changed(store: IncidentStore, incident_id: str, action: str) -> DiagnosticError:
    current = store.get(incident_id)
    if current is None:
        message, hint = f"no incident {incident_id!r}", "see `runbook.py incidents list --all` for ids"
    else:
        message = f"incident {incident_id} is {current.status.value}: it cannot be {action}"
        hint = "only a firing incident can be acknowledged; only an open one resolved"
    return DiagnosticError([Diagnostic(f"incident-not-{action}", message, hint=hint)])


def _who(args: argparse.Namespace) -> str:
    return str(args.by or getpass.getuser())


def _done(args: argparse.Namespace, ctx: RunContext, store: IncidentStore, incident: Incident, text: str) -> None:
    if args.format == "json":
        ctx.out.write(json.dumps(_record(store, incident), indent=2) + "\n")
    else:
        ctx.out.print(text, markup=False)


def run_ack(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    store = _store(ctx, write=True)
    incident = store.acknowledge(args.id, _who(args))
    if incident is None:
        raise _not_changed(store, args.id, "acknowledged")
    text = f"{incident.id} acknowledged by {incident.acknowledged_by}"
    if incident.escalate_at and not incident.escalated_at:
        text += "; its escalation is cancelled"
    _done(args, ctx, store, incident, text)
    return ExitCode.OK


def run_resolve(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    store = _store(ctx, write=True)
    incident = store.resolve(args.id, by=_who(args))
    if incident is None:
        raise _not_changed(store, args.id, "resolved")
    _done(args, ctx, store, incident, f"{incident.id} resolved by {incident.resolved_by}")
    return ExitCode.OK

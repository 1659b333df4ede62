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
    from runbook_wan.ops.inbound import InboundStore
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


def _receipts(store: IncidentStore) -> InboundStore:
    from runbook_wan.ops.inbound import InboundStore

    return InboundStore(store.path, readonly=True)


def _record(store: IncidentStore, incident: Incident, inbound: InboundStore | None = None) -> dict[str, Any]:
    from runbook_wan.ops.timeline import timeline

    deliveries = store.deliveries(incident.id)
    receipts = (inbound or _receipts(store)).receipts([d.message_id for d in deliveries])
    by_message: dict[str, list[dict[str, str]]] = {}
    for receipt in receipts:
        by_message.setdefault(receipt.message_id, []).append(receipt.to_dict())
    return incident.to_dict() | {
        "deliveries": [d.to_dict() | {"receipts": by_message.get(d.message_id, [])} for d in deliveries],
        "timeline": [e.to_dict() for e in timeline(incident, deliveries, receipts)],
    }


def run_list(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    store = _store(ctx, write=False)
    incidents = store.incidents(open_only=not args.all, site=args.site)
    inbound = _receipts(store)
    if args.format == "json":
        ctx.out.write(json.dumps([_record(store, i, inbound) for i in incidents], indent=2) + "\n")
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
        deliveries = store.deliveries(incident.id)
        receipts = inbound.receipts([d.message_id for d in deliveries])
        for delivery in deliveries:
            line = f"{delivery.at[11:19]} {delivery.kind.value} {delivery.channel} -> {delivery.recipient}: "
            line += f"{delivery.status.value}"
            line += f" {delivery.message_id}" if delivery.message_id else ""
            line += f" ({delivery.error})" if delivery.error else ""
            told.append(line)
            for receipt in (r for r in receipts if r.message_id and r.message_id == delivery.message_id):
                told.append(f"  {receipt.at[11:19]} {receipt.status.value} ({receipt.raw_status})")
        status = incident.status.value
        if incident.escalate_at and not incident.escalated_at and status == "firing":
            status += f"\nescalates {incident.escalate_at[11:19]}Z"
        where = " ".join(x for x in (incident.site, incident.circuit, incident.provider) if x)
        ack = "-"
        if incident.acknowledged_by:
            via = f" via {incident.acknowledged_via}" if incident.acknowledged_via else ""
            ack = f"{incident.acknowledged_by}{via} {incident.acknowledged_at}"
        table.add_row(incident.id, status, incident.alertname, where, incident.started_at, "\n".join(told) or "-", ack)
    ctx.out.print(table)
    ctx.out.print(_sent_summary(store, incidents), markup=False)
    return ExitCode.OK


def _sent_summary(store: IncidentStore, incidents: list[Incident]) -> str:
    """What reached people, per route and channel: the page count (firing and escalation messages sent)."""
    from collections import Counter

    from runbook_wan.ops.incidents import DeliveryKind, DeliveryStatus

    sent: Counter[tuple[str, str]] = Counter()
    for incident in incidents:
        for delivery in store.deliveries(incident.id):
            if delivery.status is DeliveryStatus.SENT and delivery.kind is not DeliveryKind.RESOLVED:
                sent[(delivery.route or "?", delivery.channel)] += 1
    if not sent:
        return f"{len(incidents)} incident(s); nothing was sent to anyone"
    routes: dict[str, list[str]] = {}
    for (route, channel), count in sorted(sent.items()):
        routes.setdefault(route, []).append(f"{channel} x{count}")
    return f"{len(incidents)} incident(s); sent (firing and escalations): " + "; ".join(
        f"route {route}: {', '.join(parts)}" for route, parts in routes.items()
    )


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


def _audit(ctx: RunContext, event: str, who: str, incident_id: str, result: str) -> None:
    """The command line's answers go to the audit log like the pane's and the phones' (best effort)."""
    from runbook_wan.status import audit

    try:
        audit.record(ctx.state_dir, ctx.redactor, event, user=who, via="cli", target=incident_id, result=result)
    except OSError as exc:
        ctx.err.print(f"warning: the audit log could not be written: {exc}", markup=False)


def run_ack(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    store = _store(ctx, write=True)
    incident = store.acknowledge(args.id, _who(args), via="cli")
    _audit(ctx, "incident-ack", _who(args), args.id, "ok" if incident else "conflict")
    if incident is None:
        raise _not_changed(store, args.id, "acknowledged")
    text = f"{incident.id} acknowledged by {incident.acknowledged_by}"
    if incident.escalate_at and not incident.escalated_at:
        text += "; its escalation is cancelled"
    _done(args, ctx, store, incident, text)
    return ExitCode.OK


def run_resolve(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    store = _store(ctx, write=True)
    incident = store.resolve(args.id, by=_who(args), via="cli")
    _audit(ctx, "incident-resolve", _who(args), args.id, "ok" if incident else "conflict")
    if incident is None:
        raise _not_changed(store, args.id, "resolved")
    _done(args, ctx, store, incident, f"{incident.id} resolved by {incident.resolved_by}")
    return ExitCode.OK

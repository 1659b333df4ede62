"""``runbook.py audit [--since WHEN] [--event E] [--user NAME] [--format terminal|json]``: the audit log.

One timeline of ``STATE/audit.log``: deploys and rollbacks, the stages of a change (plan,
validate, verify), and the pane's logins, failed logins, lockouts, logouts and actions (who, role,
via, from where, what, result). Read only. Exit codes: ``results.exit_codes.BY_COMMAND["audit"]``.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from rich.table import Table

from runbook_wan.commands.options import format_options
from runbook_wan.context import RunContext
from runbook_wan.results import ExitCode, exit_codes

HELP = "the audit log: deploys, logins and every action taken on the status page (who, role, from where)"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "audit",
        help=HELP,
        description=HELP + ".",
        parents=[format_options(("terminal", "json"))],
        epilog=exit_codes.epilog("audit"),
    )
    parser.add_argument(
        "--since", metavar="WHEN", help="from a date (2026-11-01), a UTC time (2026-11-01T08:00) or an age (12h, 7d)"
    )
    parser.add_argument("--event", action="append", metavar="E", help="only this event (repeat), e.g. login-failed")
    parser.add_argument("--user", metavar="NAME", help="only this user's records")
    parser.add_argument("--access", action="store_true", help="only logins and actions (not deploy records)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.report.period import parse_when
    from runbook_wan.status import audit

    since = parse_when(args.since, "--since", datetime.now(UTC)) if args.since else None
    events = args.event or (sorted(audit.ACCESS_EVENTS) if args.access else None)
    entries = audit.read(ctx.state_dir, since=since, events=events, user=args.user)
    if args.format == "json":
        ctx.out.write(json.dumps([e.to_dict() for e in entries], indent=2, default=str) + "\n")
        return ExitCode.OK
    if not entries:
        ctx.out.print("no audit records" + (" in that period" if since else ""), markup=False)
        return ExitCode.OK
    table = Table(title=f"audit log ({len(entries)} record(s))")
    for column in ("when (UTC)", "event", "who", "from", "target", "result"):
        table.add_column(column, no_wrap=column in ("when (UTC)", "event"))
    table.add_column("details", overflow="fold")
    for e in entries:
        f = e.fields
        who = str(f.get("user", ""))
        if f.get("role") or f.get("via"):
            who += f" ({', '.join(str(x) for x in (f.get('role'), f.get('via')) if x)})"
        target = str(f.get("target") or f.get("site") or f.get("rollout_id") or "")
        table.add_row(
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.event,
            who,
            str(f.get("from", "")),
            target,
            str(f.get("result", "")),
            e.summary(),
        )
    ctx.out.print(table)
    return ExitCode.OK

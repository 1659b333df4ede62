"""``runbook.py notify``: the Alertmanager webhook receiver that tells people (SMS, voice, chat, e-mail, tickets).

Exit codes: ``results.exit_codes.BY_COMMAND["notify"]``.
"""

from __future__ import annotations

import argparse

from runbook_wan.commands.options import http_url, intents_options
from runbook_wan.context import RunContext
from runbook_wan.results import Diagnostic, DiagnosticError, ExitCode, exit_codes

HELP = "receive Alertmanager's webhook and notify people on every channel (runs until stopped)"
DEFAULT_LISTEN = "127.0.0.1:9099"


def _listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:9099)")
    return host, int(port)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "notify",
        parents=[intents_options()],
        help=HELP,
        description=HELP + ". Routes, channels and people come from intents/notifications.yaml; "
        "credentials are resolved by secret name; incidents are kept in STATE/monitor/incidents.sqlite. "
        "Point Alertmanager's webhook_configs at http://HOST:PORT/alerts.",
        epilog=exit_codes.epilog("notify"),
    )
    parser.add_argument(
        "--listen",
        type=_listen,
        default=_listen(DEFAULT_LISTEN),
        metavar="HOST:PORT",
        help=f"address of the webhook receiver (default: {DEFAULT_LISTEN}; keep it on loopback)",
    )
    parser.add_argument(
        "--alertmanager",
        type=http_url,
        metavar="URL",
        help="Alertmanager's URL (e.g. http://127.0.0.1:9093): re-sync open incidents with it at start "
        "and every --resync-interval, instead of paging again",
    )
    parser.add_argument(
        "--resync-interval", type=float, default=300.0, metavar="S", help="seconds between re-syncs (default 300)"
    )
    parser.add_argument(
        "--resync-grace",
        type=float,
        default=120.0,
        metavar="S",
        help="an alert missing from Alertmanager counts as resolved only once Alertmanager has been up "
        "this long (default 120: Prometheus re-sends firing alerts within a minute of its restart)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="check the intent, every channel's secrets and the incident store, then exit (0: the notifier "
        "would start) without listening",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.credentials.resolver import SecretResolver
    from runbook_wan.model.loader import load_estate
    from runbook_wan.notify.channels.build import build_senders
    from runbook_wan.notify.engine import Notifier
    from runbook_wan.notify.service import ServeOptions, bind, serve, setup_logging
    from runbook_wan.ops.incidents import IncidentStore
    from runbook_wan.ops.stack import incidents_path

    estate, _warnings = load_estate(args.intents, args.platforms)
    notifications = estate.notifications
    if notifications is None:
        raise DiagnosticError(
            [
                Diagnostic(
                    "notify-no-intent",
                    f"{args.intents} has no notifications.yaml: nobody to notify",
                    hint="write intents/notifications.yaml (contacts, channels, routes; see docs/notify.md)",
                )
            ]
        )
    setup_logging(ctx.redactor)
    senders = build_senders(
        notifications,
        SecretResolver(ctx.redactor),
        locate=lambda path: estate.locate("notifications", "notifications", path),
    )
    path = incidents_path(ctx.state_dir)
    if args.check:
        if path.exists():
            IncidentStore(path, readonly=True).check()
        where = path if path.exists() else f"{path} (created at start)"
        ctx.out.print(f"notifier ready to start: {len(senders)} channel(s), incidents in {where}", markup=False)
        return ExitCode.OK
    host, port = args.listen
    sock = bind(host, port)
    store = IncidentStore(path)
    store.check()  # a damaged store is refused now, not at the first webhook
    notifier = Notifier(notifications, senders, store, ctx.redactor)
    options = ServeOptions(
        host=host,
        port=port,
        alertmanager=args.alertmanager,
        resync_grace=args.resync_grace,
        resync_interval=args.resync_interval,
    )
    ctx.out.print(
        f"notifier on http://{host}:{port}/alerts: {len(senders)} channel(s), incidents in {store.path}",
        markup=False,
    )
    serve(notifier, options, sock)
    return ExitCode.OK

"""``runbook.py notify``: the Alertmanager webhook receiver that tells people (SMS, voice, chat, e-mail, tickets).

Exit codes: ``results.exit_codes.BY_COMMAND["notify"]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from runbook_wan.commands.options import http_url, intents_options
from runbook_wan.context import RunContext
from runbook_wan.results import Diagnostic, DiagnosticError, ExitCode, exit_codes

if TYPE_CHECKING:
    from runbook_wan.model.notifications import Notifications
    from runbook_wan.notify.engine import Notifier
    from runbook_wan.notify.inbound.reach import Inbound
    from runbook_wan.notify.service import PublicListener

HELP = "receive Alertmanager's webhook and notify people on every channel (runs until stopped)"
DEFAULT_LISTEN = "127.0.0.1:9099"
DEFAULT_PUBLIC_LISTEN = "127.0.0.1:9098"


def _listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:9099)")
    return host, int(port)


def add_answers_options(parser: argparse.ArgumentParser) -> None:
    """The notifier's public listener (``notify``, and ``monitor up``, which passes them on to it)."""
    public = parser.add_argument_group(
        "answers (two-way paging)",
        "With a public URL the notifier takes replies, keypresses, chat buttons, e-mail links and delivery receipts "
        "on a second listener, separate from the Alertmanager webhook (docs/notify.md).",
    )
    public.add_argument(
        "--public-url",
        metavar="URL",
        help="base URL the providers and people reach the inbound webhooks at, e.g. https://runbook.example.com "
        "(default: notify.public_url of notifications.yaml); signatures are checked against it",
    )
    public.add_argument(
        "--public-listen",
        type=_listen,
        default=_listen(DEFAULT_PUBLIC_LISTEN),
        metavar="HOST:PORT",
        help=f"where the inbound webhooks are served (default {DEFAULT_PUBLIC_LISTEN}, behind a reverse proxy); "
        "another address needs --tls-cert and --tls-key",
    )
    public.add_argument(
        "--tls-cert", type=Path, metavar="FILE", help="serve the inbound webhooks over TLS: certificate (PEM)"
    )
    public.add_argument("--tls-key", type=Path, metavar="FILE", help="... and its private key (PEM)")


def answers_argv(args: argparse.Namespace) -> list[str]:
    """The answers options given, as ``notify`` arguments again (``monitor up`` starts the notifier with them)."""
    argv: list[str] = []
    if args.public_url:
        argv += ["--public-url", args.public_url]
    if args.public_listen != _listen(DEFAULT_PUBLIC_LISTEN):
        argv += ["--public-listen", f"{args.public_listen[0]}:{args.public_listen[1]}"]
    for flag, path in (("--tls-cert", args.tls_cert), ("--tls-key", args.tls_key)):
        if path is not None:
            argv += [flag, str(Path(path).resolve())]
    return argv


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
    add_answers_options(parser)
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
    public_url = args.public_url or notifications.notify.public_url
    inbound = None
    if public_url:
        from runbook_wan.status import access_config

        # The pane's single sign-on (intents/access.yaml): e-mail links then act only for a login.
        single_sign_on = access_config.load(args.intents, set(estate.regions)).oidc is not None
        inbound = _inbound(args, ctx, notifications, public_url, single_sign_on)
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
    notifier = Notifier(notifications, senders, store, ctx.redactor, inbound=inbound)
    public = _public(args, notifier, inbound) if inbound is not None else None
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
    if inbound is not None:
        scheme = "https" if args.tls_cert else "http"
        ctx.out.print(
            f"answers at {inbound.public_url}/inbound/... (served on {scheme}://{args.public_listen[0]}:"
            f"{args.public_listen[1]})",
            markup=False,
        )
    serve(notifier, options, sock, public)
    return ExitCode.OK


def _inbound(
    args: argparse.Namespace, ctx: RunContext, notifications: Notifications, public_url: str, single_sign_on: bool
) -> Inbound:
    """The public side: the URL checked like the intent's, the link key resolved, TLS files present."""
    from pydantic import TypeAdapter, ValidationError

    from runbook_wan.credentials.resolver import SecretResolver
    from runbook_wan.model.notifications import PublicUrl
    from runbook_wan.notify.inbound.wiring import make_inbound
    from runbook_wan.ops.email_links import LINK_KEY_SECRET
    from runbook_wan.ops.stack import incidents_path
    from runbook_wan.status.access import is_loopback

    problems: list[Diagnostic] = []
    try:
        public_url = TypeAdapter(PublicUrl).validate_python(public_url)
    except ValidationError as exc:
        error = exc.errors()[0]
        hint = str((error.get("ctx") or {}).get("hint", "e.g. https://runbook.example.com"))
        problems.append(Diagnostic("notify-public-url", f"--public-url: {error['msg']}", hint=hint))
    resolver = SecretResolver(ctx.redactor)
    key = resolver.lookup(LINK_KEY_SECRET)
    if key is None:
        missing = resolver.missing(LINK_KEY_SECRET)
        problems.append(
            Diagnostic(
                missing.code,
                f"answers need a key for e-mail links and chat buttons: {missing.message}",
                hint=missing.hint + " (e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')",
            )
        )
    if (args.tls_cert is None) != (args.tls_key is None):
        problems.append(Diagnostic("notify-tls", "--tls-cert and --tls-key go together", hint="give both, or neither"))
    for option, path in (("--tls-cert", args.tls_cert), ("--tls-key", args.tls_key)):
        if path is not None and not path.is_file():
            problems.append(Diagnostic("notify-tls", f"{option} {path}: no such file", hint="give a PEM file"))
    host = args.public_listen[0]
    if args.tls_cert is None and not is_loopback(host):
        problems.append(
            Diagnostic(
                "notify-public-listen",
                f"refusing to serve the inbound webhooks on {host} without TLS",
                hint="keep --public-listen on 127.0.0.1 behind a TLS reverse proxy, or give --tls-cert and --tls-key",
            )
        )
    if problems:
        raise DiagnosticError(problems)
    assert key is not None
    resolver.redactor.add(LINK_KEY_SECRET, key)
    return make_inbound(
        public_url,
        key,
        incidents_path(ctx.state_dir),
        notifications.notify.link_expiry_minutes,
        state_dir=ctx.state_dir,
        pane_url=notifications.notify.pane_url,
        single_sign_on=single_sign_on,
    )


def _public(args: argparse.Namespace, notifier: Notifier, inbound: Inbound) -> PublicListener:
    from runbook_wan.notify.inbound.wiring import inbound_app
    from runbook_wan.notify.service import PublicListener, bind

    host, port = args.public_listen
    public_sock = bind(host, port, "--public-listen")
    return PublicListener(
        inbound_app(notifier, inbound),
        public_sock,
        str(args.tls_cert) if args.tls_cert else None,
        str(args.tls_key) if args.tls_key else None,
    )

"""``runbook.py status``: the single pane of glass.

* ``status``: the estate at a glance in the terminal (``--format json``: what ``/api`` serves);
* ``status --html FILE``: the same pane as one static HTML file, for a report or a change record;
* ``status serve [--bind ADDR] [--port N]``: the live page (self-refreshing), its JSON API and its
  actions; 127.0.0.1 by default. Once an account exists (``runbook.py users add``) or single
  sign-on is configured (``intents/access.yaml``), every request needs a login or a token. Plain
  HTTP on loopback only: elsewhere ``--tls-cert``/``--tls-key`` or ``--behind-proxy ADDR``.

Exit codes: ``results.exit_codes.BY_COMMAND["status"]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from runbook_wan.commands.options import configs_options, format_options, http_url, intents_options, inventory_options
from runbook_wan.context import RunContext
from runbook_wan.results import Diagnostic, DiagnosticError, ExitCode, exit_codes

HELP = "the single pane of glass: site states, circuits, drift, incidents, changes (terminal, HTML, web)"
DEFAULT_PORT = 8470


def _sources(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prometheus",
        type=http_url,
        metavar="URL",
        help="Prometheus for live state (default: the one `runbook.py monitor up` runs; none: state unknown)",
    )


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "status",
        help=HELP,
        description=HELP,
        parents=[intents_options(), format_options(("terminal", "json"))],
        epilog=exit_codes.epilog("status"),
    )
    _sources(parser)
    parser.add_argument("--html", type=Path, metavar="FILE", help="write the pane as one static HTML file")
    parser.set_defaults(handler=run_show)
    actions = parser.add_subparsers(dest="status_command", metavar="ACTION")
    serve = actions.add_parser(
        "serve",
        parents=[intents_options(), configs_options(), inventory_options()],
        help="serve the live page, its JSON API and its actions",
        description="Serve the pane (HTML at / and /sites/SITE, JSON under /api). Binds 127.0.0.1 unless told "
        "otherwise. With accounts (`runbook.py users add`) or single sign-on (intents/access.yaml) every request "
        "needs a login or an API token; a non-loopback address also needs TLS (--tls-cert/--tls-key) or "
        "--behind-proxy ADDR. The read-only token of before (RUNBOOK_SECRET_STATUS_TOKEN or `status-token` in "
        "the secrets file) is a viewer API token.",
        epilog=exit_codes.epilog("status"),
    )
    _sources(serve)
    serve.add_argument("--bind", default="127.0.0.1", metavar="ADDR", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N", help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--refresh", type=int, default=15, metavar="S", help="page refresh interval (default 15 s)")
    serve.add_argument("--tls-cert", type=Path, metavar="FILE", help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--tls-key", type=Path, metavar="FILE", help="... and this private key (PEM)")
    serve.add_argument(
        "--behind-proxy",
        metavar="ADDR",
        help="a reverse proxy at ADDR terminates TLS: trust its X-Forwarded-For/-Proto headers (from ADDR only)",
    )
    serve.set_defaults(handler=run_serve)


def run_show(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.atomic_files import check_outputs, write_file
    from runbook_wan.status import output, render
    from runbook_wan.status.collect import Sources, collect
    from runbook_wan.status.sources.intents import load

    if args.html is not None:  # checked before any work: a folder, a missing or read-only folder
        check_outputs(files=[(args.html, "--html")])
    view = collect(load(args.intents, args.platforms), Sources(ctx.state_dir, args.prometheus))
    if args.html is not None:
        write_file(args.html, ctx.redactor.mask(render.static_export(view)))
        ctx.err.print(f"wrote {args.html}", markup=False)
        return ExitCode.OK
    if args.format == "json":
        ctx.out.write(output.to_json(view))
    else:
        output.print_terminal(view, ctx.out)
    return ExitCode.OK


def run_serve(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    import socket

    import uvicorn

    from runbook_wan.status import access_config
    from runbook_wan.status.access import Transport, check_bind, check_transport, read_token
    from runbook_wan.status.accounts import AccountStore
    from runbook_wan.status.app import Pane, create_app
    from runbook_wan.status.collect import Sources
    from runbook_wan.status.sources.intents import load

    transport = Transport(args.tls_cert, args.tls_key, args.behind_proxy)
    check_transport(transport)
    token = read_token(ctx.redactor)
    if args.refresh < 1:
        raise DiagnosticError([Diagnostic("status-refresh", "--refresh must be at least 1 second", hint="e.g. 15")])
    loaded = load(args.intents, args.platforms)  # bad intents: a clear error now, not a 503 later
    config = access_config.load(args.intents, set(loaded.estate.regions))
    logins = config.oidc is not None or AccountStore(ctx.state_dir).any_accounts()
    check_bind(args.bind, token, logins=logins, transport=transport)
    pane = Pane(args.intents, args.platforms, Sources(ctx.state_dir, args.prometheus), args.refresh, loaded=loaded)
    app = create_app(
        pane,
        token,
        state_dir=ctx.state_dir,
        redactor=ctx.redactor,
        config=config,
        configs_dir=args.configs,
        inventory_dir=args.inventory,
        hsts=transport.tls,
    )
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.bind, args.port))
    except OSError as exc:
        sock.close()
        raise DiagnosticError(
            [
                Diagnostic(
                    "status-port",
                    f"cannot listen on {args.bind}:{args.port}: {exc.strerror}",
                    hint="pick another --port",
                )
            ]
        ) from None
    host, port = sock.getsockname()[:2]
    config_kwargs: dict[str, object] = {}
    if transport.tls:
        config_kwargs = {"ssl_certfile": str(transport.tls_cert), "ssl_keyfile": str(transport.tls_key)}
    uv_config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        server_header=False,
        lifespan="off",
        proxy_headers=transport.proxy is not None,
        forwarded_allow_ips=transport.proxy or "",
        **config_kwargs,  # type: ignore[arg-type]
    )
    scheme = "https" if transport.tls else "http"
    how = []
    if logins:
        how.append("logins required")
    if token:
        how.append("the status token is a viewer API token (see docs/status.md to move to per-user tokens)")
    if config.oidc:
        how.append(f"single sign-on: {config.oidc.issuer}")
    if transport.proxy:
        how.append(f"behind the proxy at {transport.proxy}")
    ctx.err.print(
        f"status page on {scheme}://{host}:{port}/ (JSON under /api){'; ' + '; '.join(how) if how else ''}; "
        "Ctrl-C stops",
        markup=False,
    )
    try:
        uvicorn.Server(uv_config).run(sockets=[sock])
    finally:
        sock.close()
    return ExitCode.OK

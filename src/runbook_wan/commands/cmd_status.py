"""``runbook.py status``: the single pane of glass.

* ``status``: the estate at a glance in the terminal (``--format json``: what ``/api`` serves);
* ``status --html FILE``: the same pane as one static HTML file, for a report or a change record;
* ``status serve [--bind ADDR] [--port N]``: the live page (self-refreshing) and its JSON API;
  127.0.0.1 by default; any other address only with a read-only token from the environment or
  the secrets file.

Exit codes: ``results.exit_codes.BY_COMMAND["status"]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from runbook_wan.commands.options import format_options, http_url, intents_options
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
        parents=[intents_options()],
        help="serve the live page and its JSON API",
        description="Serve the pane (HTML at / and /sites/SITE, JSON under /api). Binds 127.0.0.1 unless told "
        "otherwise; a non-loopback address needs a read-only token (RUNBOOK_SECRET_STATUS_TOKEN or "
        "`status-token` in the secrets file).",
        epilog=exit_codes.epilog("status"),
    )
    _sources(serve)
    serve.add_argument("--bind", default="127.0.0.1", metavar="ADDR", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N", help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--refresh", type=int, default=15, metavar="S", help="page refresh interval (default 15 s)")
    serve.set_defaults(handler=run_serve)


def _check_output(path: Path) -> None:
    problems = []
    if path.is_dir():
        problems.append(Diagnostic("status-html", f"--html {path} is a folder", hint="name a file, e.g. status.html"))
    elif not path.parent.is_dir():
        problems.append(
            Diagnostic("status-html", f"--html {path}: folder {path.parent} does not exist", hint="create it first")
        )
    if problems:
        raise DiagnosticError(problems)


def _write(path: Path, text: str) -> None:
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_show(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.status import output, render
    from runbook_wan.status.collect import Sources, collect
    from runbook_wan.status.sources.intents import load

    if args.html is not None:
        _check_output(args.html)
    view = collect(load(args.intents, args.platforms), Sources(ctx.state_dir, args.prometheus))
    if args.html is not None:
        _write(args.html, ctx.redactor.mask(render.static_export(view)))
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

    from runbook_wan.status.access import check_bind, read_token
    from runbook_wan.status.app import Pane, create_app
    from runbook_wan.status.collect import Sources
    from runbook_wan.status.sources.intents import load

    token = read_token(ctx.redactor)
    check_bind(args.bind, token)
    if args.refresh < 1:
        raise DiagnosticError([Diagnostic("status-refresh", "--refresh must be at least 1 second", hint="e.g. 15")])
    pane = Pane(args.intents, args.platforms, Sources(ctx.state_dir, args.prometheus), args.refresh)
    load(args.intents, args.platforms)  # bad intents: a clear error now, not a 503 later
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
    config = uvicorn.Config(
        create_app(pane, token), log_level="warning", access_log=False, server_header=False, lifespan="off"
    )
    ctx.err.print(
        f"status page on http://{host}:{port}/ (JSON under /api){' with token' if token else ''}; Ctrl-C stops",
        markup=False,
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return ExitCode.OK

"""The notifier process: Alertmanager's webhook receiver (Starlette on uvicorn) and its clock.

Endpoints (loopback unless told otherwise):

* ``POST /alerts``: the webhook (payload version 4), ``Content-Type: application/json`` only. 200
  with what was done. Every alert of a payload is recorded, or none is: 400 for a payload that is
  not Alertmanager's (bad JSON, nesting, encodings, a lone surrogate), 403 for a request a web page
  made (``Origin``/``Sec-Fetch-*`` headers: a page in the operator's browser must not page people),
  413 above :data:`MAX_BODY`, 415 for another content type, 503 when the incident store cannot be
  written (nothing recorded, nothing sent; Alertmanager retries the whole group).
* ``GET /healthz``: 200 once the notifier is ready (store open, re-sync done).
* ``GET /metrics``: engagement (unacknowledged incidents, the ten-minute promise), for Prometheus.

With a public URL, a second listener serves the inbound webhooks (:mod:`.inbound.app`): providers
and people reach it (over TLS, or through a reverse proxy on the same host), never the one above.

The clock thread escalates unacknowledged incidents (every ``tick`` seconds) and re-syncs with
Alertmanager every ``resync_interval`` seconds. Every log line passes through the run's
redactor, tracebacks included; the provider SDKs' own request logs are kept at WARNING.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
from dataclasses import dataclass

import uvicorn
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from runbook_wan.credentials.redact import Redactor
from runbook_wan.notify.alerts import WebhookPayload
from runbook_wan.notify.engine import Notifier
from runbook_wan.notify.exporter import EngagementCollector
from runbook_wan.notify.resync import DEFAULT_GRACE, resync
from runbook_wan.ops.sqlite_open import StoreError
from runbook_wan.results import Diagnostic, DiagnosticError

log = logging.getLogger("runbook.notify")

#: Libraries that log request details (Vonage logs headers at DEBUG, Twilio URLs at INFO).
_QUIET = ("vonage", "twilio", "apprise", "pysnc", "urllib3", "httpx", "uvicorn.access")


class MaskingFormatter(logging.Formatter):
    """Formats the whole record (message, arguments, traceback) and then masks every known secret."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor.mask(super().format(record))


def setup_logging(redactor: Redactor, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(MaskingFormatter(redactor))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


@dataclass(frozen=True)
class PublicListener:
    """Where the inbound webhooks are served: a socket, optionally with TLS (certificate and key files)."""

    app: Starlette
    sock: socket.socket
    certfile: str | None = None
    keyfile: str | None = None


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 9099
    alertmanager: str | None = None
    resync_grace: float = DEFAULT_GRACE
    resync_interval: float = 300.0
    tick: float = 1.0


#: Largest webhook body read (bytes): 10,000 alerts with long labels and annotations fit; more is refused (413).
MAX_BODY = 32 * 1024 * 1024
#: Headers only browsers send: a web page open in the operator's browser must not page people.
_BROWSER_HEADERS = ("origin", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest")


def _refuse(status: int, why: str) -> JSONResponse:
    log.warning("webhook refused (HTTP %d): %s", status, why)
    return JSONResponse({"error": why}, status_code=status)


def _not_from_alertmanager(request: Request) -> JSONResponse | None:
    """Why a request cannot be Alertmanager's webhook (browser origin, content type, size), or None."""
    if any(name in request.headers for name in _BROWSER_HEADERS):
        return _refuse(403, "requests from web pages are refused: only Alertmanager posts alerts here")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        return _refuse(415, f"Content-Type must be application/json, not {media_type or 'none'!r}")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return _refuse(413, f"the payload is larger than {MAX_BODY} bytes")
    return None


async def _body(request: Request) -> bytes | None:
    """The body, or None when it grows past :data:`MAX_BODY` (a chunked upload has no declared length)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _first_problem(exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def build_app(notifier: Notifier) -> Starlette:
    async def alerts(request: Request) -> JSONResponse:
        refused = _not_from_alertmanager(request)
        if refused is not None:
            return refused
        body = await _body(request)
        if body is None:
            return _refuse(413, f"the payload is larger than {MAX_BODY} bytes")
        try:
            payload = WebhookPayload.model_validate_json(body)
        except ValidationError as exc:
            return _refuse(400, f"not an Alertmanager webhook payload: {_first_problem(exc)}")
        try:
            outcome = await run_in_threadpool(notifier.handle, payload)
        except StoreError as exc:
            # Nothing of the payload was recorded (one transaction) and nothing was sent; 503 makes
            # Alertmanager send the whole group again.
            log.error("webhook from %s not recorded, Alertmanager will retry: %s", payload.receiver or "?", exc.reason)
            return JSONResponse(
                {"error": f"nothing of this webhook was recorded: {exc.reason}; retry later"}, status_code=503
            )
        return JSONResponse(outcome.to_dict())

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    registry = CollectorRegistry(auto_describe=False)
    registry.register(EngagementCollector(notifier.store, notifier.clock))

    async def exported(_request: Request) -> Response:
        body = await run_in_threadpool(generate_latest, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/alerts", alerts, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", exported, methods=["GET"]),
        ]
    )


class Clock(threading.Thread):
    """Escalations every ``tick`` seconds, re-sync every ``resync_interval``; stops on :meth:`stop`.

    Until one re-sync has succeeded (Alertmanager may start after the notifier), it retries every
    ``UNSYNCED_RETRY`` seconds.
    """

    UNSYNCED_RETRY = 5.0

    def __init__(self, notifier: Notifier, options: ServeOptions, *, synced: bool) -> None:
        super().__init__(name="notifier-clock", daemon=True)
        self.notifier = notifier
        self.options = options
        self.synced = synced
        self._halt = threading.Event()

    def run(self) -> None:
        since_resync = 0.0
        while not self._halt.wait(self.options.tick):
            try:
                self.notifier.escalate_due()
                self.notifier.send_deferred()
                since_resync += self.options.tick
                interval = self.options.resync_interval if self.synced else self.UNSYNCED_RETRY
                alertmanager = self.options.alertmanager
                if alertmanager and since_resync >= interval:
                    since_resync = 0.0
                    # Warn about an unreachable Alertmanager on a scheduled re-sync, not on every retry.
                    grace = self.options.resync_grace
                    outcome = resync(self.notifier, alertmanager, grace=grace, warn=self.synced)
                    self.synced = self.synced or outcome is not None
            except StoreError as exc:
                log.error("escalation tick failed, trying again: %s", exc.reason)
            except Exception:
                log.exception("escalation tick failed; trying again")

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=30)


def bind(host: str, port: int, option: str = "--listen") -> socket.socket:
    """The listening socket, bound before anything starts (a clear error instead of a uvicorn exit)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise DiagnosticError(
            [
                Diagnostic(
                    "notify-listen",
                    f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                    hint=f"pick a free port with {option} 127.0.0.1:PORT",
                )
            ]
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _public_server(public: PublicListener) -> tuple[uvicorn.Server, threading.Thread]:
    """The inbound listener in a thread of its own (uvicorn leaves signals to the main thread's server)."""
    config = uvicorn.Config(
        public.app,
        log_config=None,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
        ssl_certfile=public.certfile,
        ssl_keyfile=public.keyfile,
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [public.sock]}, name="inbound", daemon=True)
    return server, thread


def serve(notifier: Notifier, options: ServeOptions, sock: socket.socket, public: PublicListener | None = None) -> None:
    """Re-sync, finish escalations a stopped notifier left half-sent, start the clock, serve until
    SIGINT/SIGTERM; the clock stops and the socket closes."""
    synced = False
    if options.alertmanager:
        synced = resync(notifier, options.alertmanager, grace=options.resync_grace) is not None
    else:
        log.warning("no --alertmanager given: no re-sync after a restart")
    notifier.recover()
    clock = Clock(notifier, options, synced=synced)
    clock.start()
    inbound = _public_server(public) if public is not None else None
    if inbound is not None:
        inbound[1].start()
    config = uvicorn.Config(
        build_app(notifier), log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=10
    )
    # uvicorn re-raises the signal that stopped it once it has shut down, to the handler that was
    # in place before: for SIGTERM that is this no-op, so a stop by a supervisor exits 0 after the
    # clock has stopped (Ctrl-C still ends as an interruption).
    previous = signal.signal(signal.SIGTERM, lambda _sig, _frame: log.info("stopped by SIGTERM"))
    try:
        with notifier.store.kept_open():
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        if inbound is not None and public is not None:
            inbound[0].should_exit = True
            inbound[1].join(timeout=10)
            public.sock.close()
        clock.stop()
        sock.close()
        signal.signal(signal.SIGTERM, previous)

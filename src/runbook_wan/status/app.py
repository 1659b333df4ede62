"""The live pane: a Starlette app. HTML at ``/`` and ``/sites/<site>``, the same as JSON under ``/api``.

Read only: GET (and HEAD) routes and nothing else. Every response carries a script-free
Content-Security-Policy and is never cached. The intents are re-read when a file changes; the
other sources are read on every request (each page refreshes itself).
"""

from __future__ import annotations

import threading
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runbook_wan.results import DiagnosticError
from runbook_wan.status import render
from runbook_wan.status.access import TokenGate
from runbook_wan.status.collect import Sources, collect
from runbook_wan.status.model import EstateView
from runbook_wan.status.sources import intents as intents_source

SECURITY_HEADERS = [
    (b"content-security-policy", render.CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class Pane:
    """The intents (cached until a file changes) and the sources, turned into a view per request."""

    def __init__(self, intents: Path, platforms: Path, sources: Sources, refresh: int) -> None:
        self.intents, self.platforms, self.sources, self.refresh = intents, platforms, sources, refresh
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, float], intents_source.IntentsView] | None = None

    def intents_view(self) -> intents_source.IntentsView:
        mark = intents_source.fingerprint(self.intents)
        with self._lock:
            if self._cached is None or self._cached[0] != mark:
                self._cached = (mark, intents_source.load(self.intents, self.platforms))
            return self._cached[1]

    def view(self) -> EstateView:
        return collect(self.intents_view(), self.sources)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


class Endpoints:
    def __init__(self, pane: Pane) -> None:
        self.pane = pane

    def _view(self) -> EstateView | Response:
        try:
            return self.pane.view()
        except DiagnosticError as exc:
            text = "\n".join(d.format() for d in exc.diagnostics)
            return PlainTextResponse(f"the intents do not load:\n{text}\n", status_code=503)

    def estate(self, _request: Request) -> Response:
        view = self._view()
        return view if isinstance(view, Response) else HTMLResponse(render.estate_page(view, self.pane.refresh))

    def site(self, request: Request) -> Response:
        view = self._view()
        if isinstance(view, Response):
            return view
        name = request.path_params["site"]
        found = view.site(name)
        if found is None:
            return HTMLResponse(render.not_found_page(view, name), status_code=404)
        return HTMLResponse(render.site_page(view, found, self.pane.refresh))

    def estate_json(self, _request: Request) -> Response:
        view = self._view()
        return view if isinstance(view, Response) else JSONResponse(view.to_dict())

    def site_json(self, request: Request) -> Response:
        view = self._view()
        if isinstance(view, Response):
            return view
        found = view.site(request.path_params["site"])
        if found is None:
            return JSONResponse({"error": "no such site"}, status_code=404)
        return JSONResponse(found.to_dict(detail=True))

    def healthz(self, _request: Request) -> Response:
        return PlainTextResponse("ok\n")


def create_app(pane: Pane, token: str | None = None) -> Starlette:
    """The app; with ``token``, every request must present it (see :mod:`.access`)."""
    ep = Endpoints(pane)
    middleware = [Middleware(SecurityHeaders)]
    if token is not None:
        middleware.append(Middleware(TokenGate, token=token))
    return Starlette(
        routes=[
            Route("/", ep.estate),
            Route("/sites/{site}", ep.site),
            Route("/api", ep.estate_json),
            Route("/api/", ep.estate_json),
            Route("/api/sites/{site}", ep.site_json),
            Route("/healthz", ep.healthz),
        ],
        middleware=middleware,
    )

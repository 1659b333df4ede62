"""The pane's read routes: the estate and each site, as HTML and JSON, as the asking actor may see them.

Everything shown passes :func:`.authz.scope_view` first: a site outside the actor's regions is the
same 404 as a site that does not exist, and counts and tables cover the scope only.
"""

from __future__ import annotations

import threading
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from runbook_wan.model.estate import Estate
from runbook_wan.results import DiagnosticError
from runbook_wan.status import render
from runbook_wan.status.actions import Actions
from runbook_wan.status.authz import Action, Actor, may, scope_view
from runbook_wan.status.collect import Sources, collect
from runbook_wan.status.model import EstateView
from runbook_wan.status.sessions import SessionStore
from runbook_wan.status.sources import intents as intents_source
from runbook_wan.status.triage import triage
from runbook_wan.status.web import actor_of, page_user, pop_flash, session_of


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

    def estate(self) -> Estate:
        return self.intents_view().estate

    def view(self) -> EstateView:
        return collect(self.intents_view(), self.sources)


def _page_number(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) < 7 else 1


class Pages:
    def __init__(self, pane: Pane, actions: Actions, sessions: SessionStore) -> None:
        self.pane, self.actions, self.sessions = pane, actions, sessions

    def _view(self, actor: Actor) -> EstateView | Response:
        try:
            return scope_view(self.pane.view(), actor)
        except DiagnosticError as exc:
            text = "\n".join(d.format() for d in exc.diagnostics)
            return PlainTextResponse(f"the intents do not load:\n{text}\n", status_code=503)

    async def estate(self, request: Request) -> Response:
        view = await run_in_threadpool(self._view, actor_of(request))
        if isinstance(view, Response):
            return view
        q = request.query_params
        rows = triage(view, q.get("region"), q.get("state"), _page_number(q.get("page")))
        html = render.estate_page(view, self.pane.refresh, user=page_user(request), triage=rows)
        return HTMLResponse(html)

    async def site(self, request: Request) -> Response:
        actor = actor_of(request)
        view = await run_in_threadpool(self._view, actor)
        if isinstance(view, Response):
            return view
        name = request.path_params["site"]
        found = view.site(name)
        user = page_user(request)
        if found is None:
            return HTMLResponse(render.not_found_page(view, name, user=user), status_code=404)
        silences = []
        if user is not None and user.can_act:
            silences = await run_in_threadpool(self.actions.silences, actor, name)
        flash, flash_error = await run_in_threadpool(pop_flash, self.sessions, session_of(request))
        html = render.site_page(
            view,
            found,
            self.pane.refresh,
            user=user,
            silences=silences,
            drift_running=self.actions.drift_running(name),
            flash=flash,
            flash_error=flash_error,
        )
        return HTMLResponse(html)

    async def estate_json(self, request: Request) -> Response:
        view = await run_in_threadpool(self._view, actor_of(request))
        return view if isinstance(view, Response) else JSONResponse(view.to_dict())

    async def site_json(self, request: Request) -> Response:
        view = await run_in_threadpool(self._view, actor_of(request))
        if isinstance(view, Response):
            return view
        found = view.site(request.path_params["site"])
        if found is None:
            return JSONResponse({"error": "no such site"}, status_code=404)
        return JSONResponse(found.to_dict(detail=True))

    async def silences_json(self, request: Request) -> Response:
        actor = actor_of(request)
        site = request.query_params.get("site")
        return JSONResponse({"silences": await run_in_threadpool(self.actions.silences, actor, site)})

    async def me(self, request: Request) -> Response:
        actor = actor_of(request)
        return JSONResponse(
            {
                "name": actor.name,
                "role": actor.role.value,
                "regions": None if actor.regions is None else sorted(actor.regions),
                "via": actor.via,
                "actions": sorted(a.value for a in Action if may(actor, a)),
            }
        )

    async def healthz(self, _request: Request) -> Response:
        return PlainTextResponse("ok\n")

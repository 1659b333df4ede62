"""The pane's read routes: the estate and each site, as HTML and JSON, as the asking actor may see them.

Everything shown passes :func:`.authz.scope_view` first: a site outside the actor's regions is the
same 404 as a site that does not exist, and counts and tables cover the scope only.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from runbook_wan.drift.store import drift_dir
from runbook_wan.model.estate import Estate
from runbook_wan.ops.stack import incidents_path
from runbook_wan.results import DiagnosticError
from runbook_wan.rollout.journal import rollouts_dir
from runbook_wan.status import render
from runbook_wan.status.actions import Actions
from runbook_wan.status.authz import Action, Actor, may, scope_view
from runbook_wan.status.collect import Live, Sources, live_sites, read_live, with_local
from runbook_wan.status.model import EstateView, SiteView
from runbook_wan.status.sessions import SessionStore
from runbook_wan.status.sources import intents as intents_source
from runbook_wan.status.triage import triage
from runbook_wan.status.web import actor_of, page_user, pop_flash, session_of

#: Seconds between two looks at the intents' files.
INTENTS_CHECK = 2.0
#: Live state is read again when older than this (or twice as long as the last read took) ...
LIVE_TTL = 5.0
#: ... in the background while requests keep the last reading, unless it is older than this many TTLs.
LIVE_STALE_TTLS = 4


def _stat(path: Path) -> tuple[int, int]:
    try:
        found = path.stat()
    except OSError:
        return (0, 0)
    return (found.st_size, found.st_mtime_ns)


def local_mark(state_dir: Path) -> tuple[tuple[int, int], ...]:
    """Changes when the incident store, a drift result, the lock or a rollout journal does.

    Not the audit log: every login appends to it. The rollout history it holds changes with the
    journals, and the view is rebuilt with every live reading anyway.
    """
    incidents = incidents_path(state_dir)
    paths = [incidents, incidents.with_name(incidents.name + "-wal"), drift_dir(state_dir)]
    paths += [state_dir / "lock", rollouts_dir(state_dir)]
    folder = rollouts_dir(state_dir)
    if folder.is_dir():
        paths += sorted(folder.glob("*/journal.jsonl"))
    return tuple(_stat(p) for p in paths)


class Pane:
    """The estate as of now, kept between requests: rebuilt when a source changes.

    The intents are re-read when a file changes. Prometheus (the slow source: tens of seconds at
    10,000 sites) is read again every :data:`LIVE_TTL` seconds in the background, so requests never
    wait for it once it has answered; the local sources (incidents, drift, rollout lock and journals) are
    checked on every request (a few ``stat`` calls), so an acknowledgement shows on the next page.
    """

    def __init__(
        self,
        intents: Path,
        platforms: Path,
        sources: Sources,
        refresh: int,
        live_ttl: float = LIVE_TTL,
        loaded: intents_source.IntentsView | None = None,
    ) -> None:
        """``loaded``: the intents as just loaded (at 10,000 sites a load takes tens of seconds: once is enough)."""
        self.intents, self.platforms, self.sources, self.refresh = intents, platforms, sources, refresh
        self.live_ttl = live_ttl
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, float], intents_source.IntentsView] | None = None
        self._checked = 0.0
        if loaded is not None:
            self._cached = (intents_source.fingerprint(intents), loaded)
        self._live_lock = threading.Lock()
        #: (read at, took seconds, serial, reading)
        self._live: tuple[float, float, int, Live] | None = None
        self._refreshing = False
        self._build_lock = threading.Lock()
        self._base: tuple[object, list[SiteView]] | None = None
        self._built: tuple[object, EstateView] | None = None
        self._json: tuple[object, bytes] | None = None

    def intents_view(self) -> intents_source.IntentsView:
        """The intents; their files are looked at again at most every :data:`INTENTS_CHECK` seconds
        (a ``stat`` of 10,000 site files is tens of milliseconds)."""
        with self._lock:
            if self._cached is not None and time.monotonic() - self._checked < INTENTS_CHECK:
                return self._cached[1]
            mark = intents_source.fingerprint(self.intents)
            if self._cached is None or self._cached[0] != mark:
                self._cached = (mark, intents_source.load(self.intents, self.platforms))
            self._checked = time.monotonic()
            return self._cached[1]

    def estate(self) -> Estate:
        return self.intents_view().estate

    def _publish(self, reading: Live, started: float, prebuild: bool) -> tuple[int, Live]:
        """Make a new reading current; with ``prebuild`` its sites are built first, so no request waits."""
        intents = self.intents_view()
        with self._live_lock:
            serial = self._live[2] + 1 if self._live else 1
        built = None
        if prebuild:
            base = live_sites(intents, reading)
            key = (id(intents), serial)
            built = (
                key,
                base,
                (*key, local_mark(self.sources.state_dir)),
                with_local(intents, base, self.sources, reading),
            )
        with self._build_lock, self._live_lock:  # together: a request sees the old reading and view, or both new
            if built is not None:
                self._base, self._built = (built[0], built[1]), (built[2], built[3])
            self._live = (time.monotonic(), time.monotonic() - started, serial, reading)
        return serial, reading

    def _read_live(self, prebuild: bool = False) -> tuple[int, Live]:
        started = time.monotonic()
        return self._publish(read_live(self.sources), started, prebuild)

    def _background(self) -> None:
        try:
            self._read_live(prebuild=True)
        except Exception:  # noqa: BLE001 - the next request reads again, in the foreground
            pass
        finally:
            with self._live_lock:
                self._refreshing = False

    def live(self) -> tuple[int, Live]:
        """The latest live reading and its serial number; read now only when there is none, or it is old.

        A reading is renewed in the background after ``live_ttl`` seconds (or twice as long as the last
        renewal took); while that runs, requests keep the current one. Only a reading older than
        :data:`LIVE_STALE_TTLS` such periods, with no renewal running (after the pane sat idle), is
        renewed in the foreground.
        """
        with self._live_lock:
            current = self._live
            if current is not None:
                at, took, serial, reading = current
                ttl = max(self.live_ttl, 2 * took)
                age = time.monotonic() - at
                if age < ttl or self._refreshing:
                    return serial, reading
                if age < ttl * LIVE_STALE_TTLS:
                    self._refreshing = True
                    threading.Thread(target=self._background, name="pane-live", daemon=True).start()
                    return serial, reading
        return self._read_live()

    def snapshot(self) -> tuple[object, EstateView]:
        """(key, view): the key changes whenever the view does. A change of a local source (an
        acknowledgement, a drift result) rebuilds only the local part."""
        intents = self.intents_view()
        serial, reading = self.live()
        base_key = (id(intents), serial)
        key = (*base_key, local_mark(self.sources.state_dir))
        with self._build_lock:
            if self._built is not None and self._built[0] == key:
                return self._built
            if self._base is None or self._base[0] != base_key:
                self._base = (base_key, live_sites(intents, reading))
            self._built = (key, with_local(intents, self._base[1], self.sources, reading))
            return self._built

    def view(self) -> EstateView:
        return self.snapshot()[1]

    def estate_json(self) -> bytes:
        """``/api`` for an actor of every region: serialised once per view."""
        key, view = self.snapshot()
        with self._build_lock:
            if self._json is None or self._json[0] != key:
                text = json.dumps(view.to_dict(), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
                self._json = (key, text.encode())
            return self._json[1]


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
        actor = actor_of(request)
        if actor.regions is None:
            try:
                body = await run_in_threadpool(self.pane.estate_json)
            except DiagnosticError as exc:
                text = "\n".join(d.format() for d in exc.diagnostics)
                return PlainTextResponse(f"the intents do not load:\n{text}\n", status_code=503)
            return Response(body, media_type="application/json")
        view = await run_in_threadpool(self._view, actor)
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

"""The pane's action routes: the JSON API for tools and the site page's forms for people.

JSON API (a Bearer token, or the session cookie with ``X-CSRF-Token``)::

    POST   /api/incidents/{id}/ack          acknowledge
    POST   /api/incidents/{id}/resolve      resolve
    POST   /api/silences                    {"site": "chi-021" | "region": "west", "duration": "2h", "reason": "..."}
    DELETE /api/silences/{id}               expire
    POST   /api/sites/{site}/drift          start a drift check

Forms (the session cookie, origin checked, the ``csrf`` field): the same under ``/sites/{site}/...``;
each answers with a redirect back to the site page, whose banner says what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from runbook_wan import json_input
from runbook_wan.status.actions import ActionRefusedError, Actions, Outcome
from runbook_wan.status.authz import Action, Actor
from runbook_wan.status.forms import MAX_FORM_BYTES, FormError, check_api_post, checked_form
from runbook_wan.status.render import live_href
from runbook_wan.status.sessions import SessionStore
from runbook_wan.status.web import actor_of, client_of, html_error, json_error, see_other, session_of, set_flash

Run = Callable[[Actor, str], Outcome]


class ActionRoutes:
    def __init__(self, actions: Actions, sessions: SessionStore) -> None:
        self.actions, self.sessions = actions, sessions

    def _csrf_refused(self, request: Request, action: Action, target: str, exc: FormError) -> None:
        self.actions.record(action, actor_of(request), client_of(request), target, "refused", reason=exc.message)

    # --- JSON API ------------------------------------------------------------------------------
    async def _api(self, request: Request, action: Action, target: str, run: Run) -> Response:
        try:
            check_api_post(request, session_of(request))
        except FormError as exc:
            self._csrf_refused(request, action, target, exc)
            return json_error(exc.status, exc.message)
        try:
            outcome = await run_in_threadpool(run, actor_of(request), client_of(request))
        except ActionRefusedError as exc:
            return json_error(exc.status, exc.message)
        return JSONResponse({"message": outcome.message, **outcome.data})

    async def api_ack(self, request: Request) -> Response:
        incident = request.path_params["incident"]
        return await self._api(
            request, Action.ACKNOWLEDGE, incident, lambda a, c: self.actions.acknowledge(a, incident, c)
        )

    async def api_resolve(self, request: Request) -> Response:
        incident = request.path_params["incident"]
        return await self._api(request, Action.RESOLVE, incident, lambda a, c: self.actions.resolve(a, incident, c))

    async def api_silence(self, request: Request) -> Response:
        body = await request.body()
        try:
            data: Any = json_input.loads(body) if len(body) <= MAX_FORM_BYTES else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            data = {"invalid": True}

        def run(actor: Actor, client: str) -> Outcome:
            if data.get("invalid"):
                self.actions.require(actor, Action.SILENCE, client, "")  # the role first, always
                raise ActionRefusedError(400, 'send JSON: {"site": "...", "duration": "2h", "reason": "..."}')
            return self.actions.silence(
                actor,
                client,
                site=str(data.get("site") or ""),
                region=str(data.get("region") or ""),
                duration=str(data.get("duration") or ""),
                reason=str(data.get("reason") or ""),
            )

        return await self._api(request, Action.SILENCE, str(data.get("site") or data.get("region") or ""), run)

    async def api_expire(self, request: Request) -> Response:
        silence = request.path_params["silence"]
        return await self._api(
            request, Action.EXPIRE_SILENCE, silence, lambda a, c: self.actions.expire_silence(a, silence, c)
        )

    async def api_drift(self, request: Request) -> Response:
        site = request.path_params["site"]
        response = await self._api(request, Action.DRIFT_CHECK, site, lambda a, c: self.actions.drift_check(a, site, c))
        if response.status_code == 200:
            response.status_code = 202
        return response

    # --- forms ---------------------------------------------------------------------------------
    async def _form(
        self, request: Request, action: Action, target: str, run: Callable[[Actor, str, dict[str, str]], Outcome]
    ) -> Response:
        site = request.path_params["site"]
        session = session_of(request)
        try:
            fields = await checked_form(request, session)
        except FormError as exc:
            self._csrf_refused(request, action, target, exc)
            return html_error(request, exc.status, "refused", exc.message)
        try:
            outcome = await run_in_threadpool(run, actor_of(request), client_of(request), fields)
        except ActionRefusedError as exc:
            if exc.status in (403, 404):
                return html_error(request, exc.status, "refused" if exc.status == 403 else "not found", exc.message)
            await run_in_threadpool(set_flash, self.sessions, session, exc.message, True)
        else:
            await run_in_threadpool(set_flash, self.sessions, session, outcome.message)
        return see_other(live_href(site))

    async def form_ack(self, request: Request) -> Response:
        incident = request.path_params["incident"]
        return await self._form(
            request, Action.ACKNOWLEDGE, incident, lambda a, c, _f: self.actions.acknowledge(a, incident, c)
        )

    async def form_resolve(self, request: Request) -> Response:
        incident = request.path_params["incident"]
        return await self._form(
            request, Action.RESOLVE, incident, lambda a, c, _f: self.actions.resolve(a, incident, c)
        )

    async def form_silence(self, request: Request) -> Response:
        site = request.path_params["site"]
        return await self._form(
            request,
            Action.SILENCE,
            site,
            lambda a, c, f: self.actions.silence(
                a, c, site=site, duration=f.get("duration", ""), reason=f.get("reason", "")
            ),
        )

    async def form_expire(self, request: Request) -> Response:
        silence = request.path_params["silence"]
        return await self._form(
            request, Action.EXPIRE_SILENCE, silence, lambda a, c, _f: self.actions.expire_silence(a, silence, c)
        )

    async def form_drift(self, request: Request) -> Response:
        site = request.path_params["site"]
        return await self._form(
            request, Action.DRIFT_CHECK, site, lambda a, c, _f: self.actions.drift_check(a, site, c)
        )

"""The admin's pages: users (add, change role and scope, remove), sessions (end), and the audit log.

Each route asks the role first (403 for anyone but an admin, whatever the target); changes are
form posts with the CSRF token, audited like ``runbook.py users`` (``via: pane``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from runbook_wan.model.estate import Estate
from runbook_wan.report.period import parse_when
from runbook_wan.results import DiagnosticError
from runbook_wan.status import audit, render
from runbook_wan.status.access import Access
from runbook_wan.status.authz import Action, Role, may
from runbook_wan.status.forms import FormError, checked_form
from runbook_wan.status.web import (
    actor_of,
    client_of,
    html_error,
    json_error,
    page_user,
    see_other,
    session_of,
    set_flash,
)

#: Records on the audit page (the command line shows all).
AUDIT_PAGE_LIMIT = 500
AUDIT_FILTERS = (("last 24 h", "24h"), ("last 7 days", "7d"), ("last 30 days", "30d"), ("all", ""))


class Admin:
    def __init__(self, access: Access, estate: Callable[[], Estate], estate_name: str) -> None:
        self.access, self.estate, self.estate_name = access, estate, estate_name

    def _refused(self, request: Request, action: Action) -> Response | None:
        actor = actor_of(request)
        if may(actor, action):
            return None
        self.access.audit(
            action.value, actor=actor, client=client_of(request), target=request.url.path, result="refused"
        )
        return html_error(request, 403, "admins only", f"{actor.role.value} may not do this: it needs the admin role")

    async def users(self, request: Request) -> Response:
        refused = self._refused(request, Action.MANAGE_USERS)
        if refused is not None:
            return refused
        user = page_user(request)
        if user is None or not user.session:
            return html_error(request, 403, "admins only", "log in on the pane to manage users")
        accounts = await run_in_threadpool(self.access.accounts.list)
        sessions = await run_in_threadpool(self.access.sessions.active)
        session = session_of(request)
        flash, flash_error = "", False
        if session is not None and "flash" in session.data:
            from runbook_wan.status.web import pop_flash  # noqa: PLC0415

            flash, flash_error = await run_in_threadpool(pop_flash, self.access.sessions, session)
        return HTMLResponse(
            render.admin_users_page(
                self.estate_name,
                user,
                accounts=accounts,
                sessions=sessions,
                roles=[r.value for r in Role],
                regions=sorted(self.estate().regions),
                flash=flash,
                flash_error=flash_error,
            )
        )

    def _regions(self, text: str) -> list[str] | None:
        names = sorted({r.strip() for r in text.replace(" ", ",").split(",") if r.strip()})
        if not names:
            return None
        unknown = [n for n in names if n not in self.estate().regions]
        if unknown:
            raise FormError(
                400, f"no region {', '.join(unknown)}: regions are {', '.join(sorted(self.estate().regions))}"
            )
        return names

    async def _change(
        self, request: Request, event: str, target: str, change: Callable[[dict[str, str]], str]
    ) -> Response:
        refused = self._refused(request, Action.MANAGE_USERS)
        if refused is not None:
            return refused
        session = session_of(request)
        actor = actor_of(request)
        try:
            fields = await checked_form(request, session)
        except FormError as exc:
            self.access.audit(
                event, actor=actor, client=client_of(request), target=target, result="refused", reason=exc.message
            )
            return html_error(request, exc.status, "refused", exc.message)
        try:
            message = await run_in_threadpool(change, fields)
        except (FormError, DiagnosticError) as exc:
            text = exc.message if isinstance(exc, FormError) else "; ".join(d.message for d in exc.diagnostics)
            self.access.audit(
                event, actor=actor, client=client_of(request), target=target, result="refused", reason=text
            )
            await run_in_threadpool(set_flash, self.access.sessions, session, text, True)
        else:
            self.access.audit(event, actor=actor, client=client_of(request), target=target, detail=message)
            await run_in_threadpool(set_flash, self.access.sessions, session, message)
        return see_other("/admin/users")

    async def add_user(self, request: Request) -> Response:
        def add(fields: dict[str, str]) -> str:
            name = fields.get("name", "").strip()
            role = fields.get("role", "")
            if role not in {r.value for r in Role}:
                raise FormError(400, f"no role {role!r}")
            account = self.access.accounts.add(
                name, Role(role), self._regions(fields.get("region", "")), fields.get("password", "")
            )
            return f"added {account.name}: {account.role.value}, {account.actor('pane').scope_text()}"

        return await self._change(request, "user-add", "new user", add)

    async def set_role(self, request: Request) -> Response:
        name = request.path_params["name"]

        def change(fields: dict[str, str]) -> str:
            role = fields.get("role", "")
            if role not in {r.value for r in Role}:
                raise FormError(400, f"no role {role!r}")
            account = self.access.accounts.set_role(name, Role(role), self._regions(fields.get("region", "")))
            return f"{account.name}: {account.role.value}, {account.actor('pane').scope_text()} (sessions ended)"

        return await self._change(request, "user-role", name, change)

    async def remove_user(self, request: Request) -> Response:
        name = request.path_params["name"]

        def remove(_fields: dict[str, str]) -> str:
            if name == actor_of(request).name:
                raise FormError(400, "you cannot remove yourself")
            self.access.accounts.remove(name)
            return f"removed {name}: its tokens and sessions no longer work"

        return await self._change(request, "user-remove", name, remove)

    async def end_session(self, request: Request) -> Response:
        fingerprint = request.path_params["session"]

        def end(_fields: dict[str, str]) -> str:
            count = self.access.sessions.end_by_fingerprint(fingerprint)
            return f"ended session {fingerprint}" if count else f"no session {fingerprint}"

        return await self._change(request, "session-end", fingerprint, end)

    # --- the audit log -------------------------------------------------------------------------
    def _entries(self, request: Request) -> tuple[list[audit.Entry], str, bool]:
        since_text = request.query_params.get("since", "24h")
        try:
            since = parse_when(since_text, "since", datetime.now(UTC)) if since_text else None
        except DiagnosticError:
            since, since_text = None, ""
        entries = audit.read(self.access.state_dir, since=since)
        entries.reverse()
        return entries[:AUDIT_PAGE_LIMIT], since_text, len(entries) > AUDIT_PAGE_LIMIT

    async def audit_page(self, request: Request) -> Response:
        refused = self._refused(request, Action.READ_AUDIT)
        if refused is not None:
            return refused
        user = page_user(request)
        if user is None:
            return html_error(request, 403, "admins only", "log in on the pane to read the audit log")
        entries, since, truncated = await run_in_threadpool(self._entries, request)
        filters = [
            (label, "/admin/audit?" + urlencode({"since": value}), value == since) for label, value in AUDIT_FILTERS
        ]
        query = "?" + urlencode({"since": since})
        return HTMLResponse(
            render.admin_audit_page(
                self.estate_name, user, entries=entries, filters=filters, query=query, truncated=truncated
            )
        )

    async def audit_json(self, request: Request) -> Response:
        if not may(actor_of(request), Action.READ_AUDIT):
            self.access.audit(
                Action.READ_AUDIT.value,
                actor=actor_of(request),
                client=client_of(request),
                target="/api/audit",
                result="refused",
            )
            return json_error(403, "the audit log needs the admin role")
        entries, _since, truncated = await run_in_threadpool(self._entries, request)
        return JSONResponse({"records": [e.to_dict() for e in entries], "truncated": truncated})

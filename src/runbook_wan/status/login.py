"""Logging in and out: the local account form, single sign-on, and logout.

* ``GET /login`` starts a pending session (its own id and CSRF token) and shows the form.
* ``POST /login``: origin and CSRF checked, the rate limit asked first, then the password (argon2)
  and the TOTP code. Success ends the pending session and starts a new one (a new id).
  Five failures of one name within a minute lock it; the page says until when.
* ``GET /login/oidc`` and ``/login/oidc/callback``: the OpenID round trip (:mod:`.oidc`).
* ``POST /logout`` ends the session on the server: the old cookie no longer works anywhere.

Every login, failed login, lockout and logout is audited; no password, code or id ever is.
"""

from __future__ import annotations

import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from runbook_wan.status import audit, render
from runbook_wan.status.access import Access
from runbook_wan.status.authz import Actor
from runbook_wan.status.forms import FormError, checked_form
from runbook_wan.status.oidc import OAuthError, OidcLogin
from runbook_wan.status.sessions import Session
from runbook_wan.status.web import (
    actor_of,
    clear_session_cookie,
    client_of,
    html_error,
    safe_next,
    see_other,
    session_of,
    set_session_cookie,
)

NEXT_KEY = "next"


def _when(ts: float) -> str:
    return time.strftime("%H:%M:%S UTC", time.gmtime(ts))


class Login:
    def __init__(self, access: Access, estate_name: str, oidc: OidcLogin | None) -> None:
        self.access, self.estate_name, self.oidc = access, estate_name, oidc

    def _logged_in(self, request: Request) -> bool:
        session = session_of(request)
        return (session is not None and session.authenticated) or actor_of(request).via == "api"

    def _pending(self, request: Request) -> tuple[Session, str]:
        """This browser's pending session, or a new one ('' when the current one is reused)."""
        session = session_of(request)
        if session is not None and not session.authenticated:
            return session, ""
        sid, fresh = self.access.sessions.start_pending(client_of(request))
        return fresh, sid

    def _form(self, session: Session, *, error: str = "", name: str = "", next_path: str = "/") -> str:
        return render.login_page(
            self.estate_name,
            csrf=session.csrf,
            next_path=next_path,
            local=self.access.accounts.any_accounts() or self.oidc is None,
            oidc_name=self.oidc.config.name if self.oidc else None,
            error=error,
            name=name,
        )

    async def form(self, request: Request) -> Response:
        next_path = safe_next(request.query_params.get("next"))
        if self._logged_in(request) or not self.access.has_login_page():
            return see_other(next_path)
        session, sid = await run_in_threadpool(self._pending, request)
        response = HTMLResponse(self._form(session, next_path=next_path))
        if sid:
            set_session_cookie(response, sid)
        return response

    async def submit(self, request: Request) -> Response:
        session = session_of(request)
        client = client_of(request)
        try:
            fields = await checked_form(request, session if session and not session.authenticated else None)
        except FormError as exc:
            self.access.audit(audit.LOGIN_FAILED, via="pane", client=client, result="refused", reason=exc.message)
            return html_error(request, exc.status, "login refused", exc.message)
        assert session is not None
        name = fields.get("name", "").strip().lower()[:64]
        next_path = safe_next(fields.get("next"))
        return await run_in_threadpool(
            self._check, request, session, name, fields.get("password", ""), fields.get("code", ""), next_path
        )

    def _refuse(self, session: Session, status: int, error: str, name: str, next_path: str) -> Response:
        return HTMLResponse(self._form(session, error=error, name=name, next_path=next_path), status)

    def _check(
        self, request: Request, session: Session, name: str, password: str, code: str, next_path: str
    ) -> Response:
        client = client_of(request)
        limiter, accounts = self.access.limiter, self.access.accounts
        verdict = limiter.check(name, client)
        if verdict.locked_until:
            self.access.audit(audit.LOGIN_FAILED, user=name, via="pane", client=client, result="locked")
            message = f"Too many failed logins: {verdict.what} is locked until {_when(verdict.locked_until)}."
            return self._refuse(
                session, 429, message + " An admin can lift it: runbook.py users unlock.", name, next_path
            )
        account = accounts.check_password(name, password) if name and password else None
        reason = "wrong name or password"
        if account is not None and not accounts.check_totp(name, code):
            account, reason = None, "wrong or missing authenticator code"
        if account is None:
            self.access.audit(audit.LOGIN_FAILED, user=name, via="pane", client=client, result="refused", reason=reason)
            locked = limiter.failed(name, client)
            if locked.locked_until:
                policy = self.access.limiter.policy
                self.access.audit(
                    audit.LOCKOUT,
                    user=name,
                    via="pane",
                    client=client,
                    target=locked.what,
                    result="locked",
                    until=_when(locked.locked_until),
                    failures=policy.max_failures,
                    window_seconds=int(policy.window),
                )
                message = (
                    f"Wrong name, password or code, too many times: {locked.what} is locked until "
                    f"{_when(locked.locked_until)}. An admin can lift it: runbook.py users unlock."
                )
                return self._refuse(session, 429, message, name, next_path)
            text = "Wrong name, password or code." if "code" not in reason else "Wrong or missing authenticator code."
            return self._refuse(session, 401, text, name, next_path)
        limiter.succeeded(name)
        return self._start(request, session, account.actor("pane"), "local", next_path)

    def _start(self, request: Request, pending: Session, actor: Actor, source: str, next_path: str) -> Response:
        """A new session with a new id; the pending one ends."""
        client = client_of(request)
        self.access.sessions.end(pending)
        sid, _ = self.access.sessions.start(actor, source, client)
        self.access.audit(audit.LOGIN, actor=actor, client=client, method=source, scope=actor.scope_text())
        response = see_other(next_path)
        set_session_cookie(response, sid)
        return response

    async def logout(self, request: Request) -> Response:
        session = session_of(request)
        actor = actor_of(request)
        try:
            await checked_form(request, session)
        except FormError as exc:
            self.access.audit(
                audit.LOGOUT, actor=actor, client=client_of(request), result="refused", reason=exc.message
            )
            return html_error(request, exc.status, "logout refused", exc.message)
        assert session is not None
        await run_in_threadpool(self.access.sessions.end, session)
        self.access.audit(audit.LOGOUT, actor=actor, client=client_of(request))
        response = see_other("/login")
        clear_session_cookie(response)
        return response

    # --- single sign-on ------------------------------------------------------------------------
    def _redirect_uri(self, request: Request) -> str:
        assert self.oidc is not None
        return self.oidc.config.redirect_uri or str(request.url_for("oidc_callback"))

    async def oidc_start(self, request: Request) -> Response:
        if self.oidc is None:
            return html_error(request, 404, "not found", "single sign-on is not configured (intents/access.yaml)")
        next_path = safe_next(request.query_params.get("next"))
        if self._logged_in(request):
            return see_other(next_path)
        session, sid = await run_in_threadpool(self._pending, request)
        request.scope["session"] = session.data  # authlib keeps state, nonce and PKCE verifier here
        session.data[NEXT_KEY] = next_path
        try:
            response = await self.oidc.start(request, self._redirect_uri(request))
        except (OAuthError, OSError, ValueError) as exc:
            return html_error(
                request, 502, "single sign-on unavailable", f"the identity provider did not answer: {exc}"
            )
        await run_in_threadpool(self.access.sessions.save_data, session)
        if sid:
            set_session_cookie(response, sid)
        return response

    async def oidc_callback(self, request: Request) -> Response:
        client = client_of(request)
        session = session_of(request)
        if self.oidc is None:
            return html_error(request, 404, "not found", "single sign-on is not configured")
        if session is None or session.authenticated:
            self.access.audit(
                audit.LOGIN_FAILED, via="oidc", client=client, result="refused", reason="no login in progress"
            )
            return html_error(request, 400, "login failed", "No login was in progress in this browser: start again.")
        request.scope["session"] = session.data
        try:
            claims = await self.oidc.finish(request)
        except (OAuthError, OSError, ValueError) as exc:
            self.access.audit(audit.LOGIN_FAILED, via="oidc", client=client, result="refused", reason=str(exc)[:200])
            return html_error(request, 400, "login failed", f"The identity provider's answer was refused: {exc}")
        mapped = self.oidc.map(claims)
        next_path = safe_next(str(session.data.get(NEXT_KEY, "/")))
        if mapped.actor is None:
            self.access.audit(
                audit.LOGIN_FAILED,
                user=mapped.name,
                via="oidc",
                client=client,
                result="refused",
                reason=mapped.reason,
                groups=",".join(mapped.groups),
            )
            await run_in_threadpool(self.access.sessions.end, session)
            return html_error(
                request,
                403,
                "no access",
                f"{mapped.name or 'This account'} has no role on this pane: {mapped.reason}. "
                "Ask an admin to map one of your groups to a role.",
            )
        return await run_in_threadpool(self._start, request, session, mapped.actor, "oidc", next_path)

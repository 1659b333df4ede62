"""Small request helpers shared by the pane's routes: who is asking, the session cookie, messages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from runbook_wan.status import render
from runbook_wan.status.access import ACTOR_KEY, ANONYMOUS, SESSION_COOKIE, SESSION_KEY, client_address
from runbook_wan.status.authz import Action, Actor, may
from runbook_wan.status.render import PageUser
from runbook_wan.status.sessions import Session, SessionStore

FLASH_KEY = "flash"


def actor_of(request: Request) -> Actor:
    actor: Actor | None = request.scope.get(ACTOR_KEY)
    return actor or ANONYMOUS


def session_of(request: Request) -> Session | None:
    session: Session | None = request.scope.get(SESSION_KEY)
    return session


def client_of(request: Request) -> str:
    return client_address(request.scope)


def page_user(request: Request) -> PageUser | None:
    """The user bar and forms of a page; None for the open, anonymous loopback pane."""
    actor = actor_of(request)
    if actor is ANONYMOUS:
        return None
    session = session_of(request)
    logged_in = session is not None and session.authenticated
    return PageUser(
        name=actor.name,
        role=actor.role.value,
        scope=actor.scope_text(),
        csrf=session.csrf if session else "",
        can_act=logged_in and may(actor, Action.ACKNOWLEDGE),
        is_admin=logged_in and may(actor, Action.MANAGE_USERS),
        session=logged_in,
    )


def set_session_cookie(response: Response, sid: str) -> None:
    """Only the random id: Secure, HttpOnly, SameSite=Lax (the OpenID callback is a top-level GET from the
    provider's site), ``__Host-`` (path /, no domain). Chromium keeps Secure cookies of http://127.0.0.1 too."""
    response.set_cookie(SESSION_COOKIE, sid, path="/", secure=True, httponly=True, samesite="lax")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")


def set_flash(store: SessionStore, session: Session | None, text: str, error: bool = False) -> None:
    if session is not None:
        session.data[FLASH_KEY] = [text, error]
        store.save_data(session)


def pop_flash(store: SessionStore, session: Session | None) -> tuple[str, bool]:
    if session is None or FLASH_KEY not in session.data:
        return "", False
    text, error = session.data.pop(FLASH_KEY)
    store.save_data(session)
    return str(text), bool(error)


def see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)


def html_error(request: Request, status: int, title: str, text: str) -> HTMLResponse:
    return HTMLResponse(render.message_page(title, text, user=page_user(request)), status_code=status)


def json_error(status: int, text: str) -> JSONResponse:
    return JSONResponse({"error": text}, status_code=status)


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this pane only (never ``//host`` or a URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target

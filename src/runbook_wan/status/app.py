"""The live pane: a Starlette app. HTML at ``/`` and ``/sites/<site>``, the same as JSON under ``/api``.

* Reading: every route, as the asking actor may see it (:mod:`.pages`).
* Logging in and out (:mod:`.login`); the admin's users and audit pages (:mod:`.admin`).
* Actions: the JSON API and the site page's forms (:mod:`.action_routes`).

Every response carries a script-free Content-Security-Policy and is never cached. Who is asking
is settled once per request by :class:`.access.AccessGate`. The intents are re-read when a file
changes; the other sources are read on every request (each page refreshes itself).
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runbook_wan.credentials.redact import Redactor
from runbook_wan.credentials.resolver import SecretResolver
from runbook_wan.model.notifications import DEFAULT_LINK_EXPIRY_MINUTES
from runbook_wan.ops.email_links import LINK_KEY_SECRET, LinkSigner
from runbook_wan.status import render
from runbook_wan.status.access import Access, AccessGate
from runbook_wan.status.access_config import AccessConfig
from runbook_wan.status.action_routes import ActionRoutes
from runbook_wan.status.actions import Actions
from runbook_wan.status.admin import Admin
from runbook_wan.status.email_links import PANE_EMAIL_PATH, EmailLinkRoutes
from runbook_wan.status.login import Login
from runbook_wan.status.oidc import OidcLogin
from runbook_wan.status.pages import Pages, Pane

__all__ = ["Pane", "create_app"]

SECURITY_HEADERS = [
    (b"content-security-policy", render.LIVE_CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # forms then carry a real Origin header
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.headers = [*SECURITY_HEADERS]
        if hsts:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(
    pane: Pane,
    token: str | None = None,
    *,
    state_dir: Path | None = None,
    redactor: Redactor | None = None,
    config: AccessConfig | None = None,
    configs_dir: Path | None = None,
    inventory_dir: Path | None = None,
    hsts: bool = False,
) -> Starlette:
    """The app. Logins are needed once an account exists, single sign-on is configured, or ``token`` is set."""
    masker = redactor or Redactor()
    settings = config or AccessConfig()
    access = Access(state_dir or pane.sources.state_dir, masker, settings, token)
    actions = Actions(access.state_dir, masker, pane.estate, configs_dir=configs_dir, inventory_dir=inventory_dir)
    oidc = OidcLogin(settings.oidc, masker) if settings.oidc else None
    try:
        estate_name = pane.estate().settings.name
    except Exception:  # noqa: BLE001 - the pages say why the intents do not load
        estate_name = "Runbook"
    pages = Pages(pane, actions, access.sessions)
    login = Login(access, estate_name, oidc)
    act = ActionRoutes(actions, access.sessions)
    admin = Admin(access, pane.estate, estate_name)
    links = EmailLinkRoutes(actions, _link_signer(pane, masker))
    routes = [
        Route("/", pages.estate),
        Route("/sites/{site}", pages.site),
        Route("/api", pages.estate_json),
        Route("/api/", pages.estate_json),
        Route("/api/sites/{site}", pages.site_json),
        Route("/api/silences", pages.silences_json, methods=["GET"]),
        Route("/api/me", pages.me),
        Route("/healthz", pages.healthz),
        # logging in and out
        Route("/login", login.form, methods=["GET"]),
        Route("/login", login.submit, methods=["POST"]),
        Route("/login/oidc", login.oidc_start, methods=["GET"]),
        Route("/login/oidc/callback", login.oidc_callback, methods=["GET"], name="oidc_callback"),
        Route("/logout", login.logout, methods=["POST"]),
        # actions: the JSON API
        Route("/api/incidents/{incident}/ack", act.api_ack, methods=["POST"]),
        Route("/api/incidents/{incident}/resolve", act.api_resolve, methods=["POST"]),
        Route("/api/silences", act.api_silence, methods=["POST"]),
        Route("/api/silences/{silence}", act.api_expire, methods=["DELETE"]),
        Route("/api/sites/{site}/drift", act.api_drift, methods=["POST"]),
        # actions: the site page's forms
        Route("/sites/{site}/incidents/{incident}/ack", act.form_ack, methods=["POST"]),
        Route("/sites/{site}/incidents/{incident}/resolve", act.form_resolve, methods=["POST"]),
        Route("/sites/{site}/silences", act.form_silence, methods=["POST"]),
        Route("/sites/{site}/silences/{silence}/expire", act.form_expire, methods=["POST"]),
        Route("/sites/{site}/drift", act.form_drift, methods=["POST"]),
        # e-mail links, once the pane has logins (the notifier sends people here)
        Route(PANE_EMAIL_PATH + "{token}", links.show, methods=["GET"]),
        Route(PANE_EMAIL_PATH + "{token}", links.act, methods=["POST"]),
        # the admin's pages
        Route("/admin/users", admin.users, methods=["GET"]),
        Route("/admin/users", admin.add_user, methods=["POST"]),
        Route("/admin/users/{name}/role", admin.set_role, methods=["POST"]),
        Route("/admin/users/{name}/remove", admin.remove_user, methods=["POST"]),
        Route("/admin/sessions/{session}/end", admin.end_session, methods=["POST"]),
        Route("/admin/audit", admin.audit_page, methods=["GET"]),
        Route("/api/audit", admin.audit_json, methods=["GET"]),
    ]
    middleware = [Middleware(SecurityHeaders, hsts=hsts), Middleware(AccessGate, access=access)]
    return Starlette(routes=routes, middleware=middleware)


def _link_signer(pane: Pane, redactor: Redactor) -> LinkSigner | None:
    """The notifier's e-mail link key (secret ``notify-link-key``) and the links' lifetime; None without the key."""
    key = SecretResolver(redactor).lookup(LINK_KEY_SECRET)
    if key is None:
        return None
    try:
        notifications = pane.estate().notifications
    except Exception:  # noqa: BLE001 - the pages say why the intents do not load
        notifications = None
    minutes = notifications.notify.link_expiry_minutes if notifications is not None else DEFAULT_LINK_EXPIRY_MINUTES
    return LinkSigner(key, minutes * 60.0)

"""Who is asking: the pane's authentication, and where it may listen.

* **Open** (no account, no token, no single sign-on): loopback only, read only, as before.
* **Accounts** (any local account, or ``oidc`` in ``intents/access.yaml``): every page and API call
  needs a login (a session cookie) or a per-user API token (``Authorization: Bearer rbk_...``), on
  loopback too. A page without one is sent to ``/login``; an API call gets 401.
* **The read-only token of before** (``RUNBOOK_SECRET_STATUS_TOKEN`` / ``status-token`` in the
  secrets file) is a viewer API token of all regions, named ``status-token``, as Bearer or as the
  password of HTTP Basic. Alone it keeps the old behaviour (a Basic challenge);
  ``runbook.py users token`` gives each tool its own token instead (docs/status.md).

The session cookie (``__Host-runbook_session``: Secure, HttpOnly, SameSite=Strict, path /) holds
only a random id; the server keeps the session (:mod:`.sessions`). :class:`AccessGate` resolves
the actor once per request and leaves it in ``scope["runbook.actor"]`` (and the session in
``scope["runbook.session"]``).

Where it listens (:func:`check_bind`): plain HTTP on loopback only. Any other address needs
logins (accounts, single sign-on or the token) and either TLS (a certificate and key from files)
or ``--behind-proxy ADDR``, which trusts forwarded headers from that address only.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import ipaddress
import json
import socket
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote

from starlette.types import ASGIApp, Receive, Scope, Send

from runbook_wan.credentials.redact import Redactor
from runbook_wan.credentials.resolver import SecretResolver, env_name
from runbook_wan.results import Diagnostic, DiagnosticError
from runbook_wan.status import audit
from runbook_wan.status.access_config import AccessConfig
from runbook_wan.status.accounts import AccountStore
from runbook_wan.status.authz import Actor, Role
from runbook_wan.status.sessions import LoginLimiter, Session, SessionStore

TOKEN_SECRET = "status-token"
MIN_TOKEN_LENGTH = 16
SESSION_COOKIE = "__Host-runbook_session"
#: The name the token of before acts under (a viewer of every region).
LEGACY_TOKEN_USER = "status-token"
ANONYMOUS = Actor("anonymous", Role.VIEWER, None, "pane")
#: Reachable without a login: the login itself, and what browsers ask for on their own.
PUBLIC_PATHS = frozenset({"/login", "/login/oidc", "/login/oidc/callback", "/favicon.ico"})
ACTOR_KEY = "runbook.actor"
SESSION_KEY = "runbook.session"
SID_KEY = "runbook.sid"


def is_loopback(host: str) -> bool:
    """True when every address ``host`` names is a loopback address."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def read_token(redactor: Redactor) -> str | None:
    """The token, checked before it is registered for masking (so its refusal is never masked), or None."""
    resolver = SecretResolver(redactor)
    if not resolver.is_set(TOKEN_SECRET):
        return None
    try:
        return resolver.resolve(TOKEN_SECRET, min_length=MIN_TOKEN_LENGTH, what="the status page token")
    except DiagnosticError as exc:
        raise DiagnosticError(
            [
                Diagnostic(
                    "status-token-short" if d.code == "secret-too-short" else d.code,
                    d.message,
                    hint="generate one: python3 -c 'import secrets; print(secrets.token_urlsafe(24))'",
                )
                for d in exc.diagnostics
            ]
        ) from None


@dataclass(frozen=True)
class Transport:
    """How the pane is reached: plain HTTP, TLS from files, or behind a reverse proxy."""

    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: The reverse proxy's address: forwarded headers are trusted from it, and only from it.
    proxy: str | None = None

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None


def check_bind(host: str, token: str | None, *, logins: bool = False, transport: Transport | None = None) -> None:
    """Plain HTTP on loopback only; elsewhere logins (or the token) and TLS or a trusted proxy."""
    if is_loopback(host):
        return
    how = transport or Transport()
    problems = []
    if token is None and not logins:
        problems.append(
            Diagnostic(
                "status-bind",
                f"refusing to serve the status page on {host} without a token: anyone who can reach it "
                "would read the estate",
                hint="keep the default 127.0.0.1, or add accounts (`runbook.py users add NAME --role ROLE`), "
                f"or configure a read-only token: export {env_name(TOKEN_SECRET)}=... or add `{TOKEN_SECRET}: ...` "
                "to the secrets file (never on the command line)",
            )
        )
    if not how.tls and how.proxy is None:
        problems.append(
            Diagnostic(
                "status-plain-http",
                f"refusing plain HTTP on {host}: passwords, tokens and session cookies would cross the network "
                "in the clear",
                hint="give --tls-cert FILE --tls-key FILE, or --behind-proxy ADDR when a reverse proxy "
                "terminates TLS (its forwarded headers are trusted from ADDR only)",
            )
        )
    if problems:
        raise DiagnosticError(problems)


def check_transport(transport: Transport) -> None:
    problems = []
    if (transport.tls_cert is None) != (transport.tls_key is None):
        problems.append(Diagnostic("status-tls", "--tls-cert and --tls-key go together", hint="give both files"))
    for option, path in (("--tls-cert", transport.tls_cert), ("--tls-key", transport.tls_key)):
        if path is not None and not path.is_file():
            problems.append(Diagnostic("status-tls", f"{option} {path}: no such file", hint="give a PEM file"))
    if transport.proxy is not None:
        try:
            ipaddress.ip_address(transport.proxy)
        except ValueError:
            problems.append(
                Diagnostic(
                    "status-proxy",
                    f"--behind-proxy {transport.proxy!r} is not an IP address",
                    hint="the reverse proxy's own address, e.g. 127.0.0.1 or 10.0.0.5",
                )
            )
        if transport.tls:
            problems.append(
                Diagnostic("status-proxy", "--behind-proxy and --tls-cert exclude each other", hint="choose one")
            )
    if problems:
        raise DiagnosticError(problems)


@dataclass
class Access:
    """What the gate needs: the stores, the token of before, the settings."""

    state_dir: Path
    redactor: Redactor
    config: AccessConfig
    legacy_token: str | None = None

    def __post_init__(self) -> None:
        self.accounts = AccountStore(self.state_dir)
        self.sessions = SessionStore(self.state_dir, self.config.session_policy())
        self.limiter = LoginLimiter(self.state_dir, self.config.login_policy())

    def login_required(self) -> bool:
        return self.legacy_token is not None or self.config.oidc is not None or self.accounts.any_accounts()

    def has_login_page(self) -> bool:
        return self.config.oidc is not None or self.accounts.any_accounts()

    def audit(self, event: str, **fields: object) -> None:
        with contextlib.suppress(OSError):  # the page still answers; the server's log says why
            audit.record(self.state_dir, self.redactor, event, **fields)  # type: ignore[arg-type]


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


def session_id(scope: Scope) -> str:
    raw = header(scope, b"cookie")
    if not raw:
        return ""
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(raw)
    except Exception:  # noqa: BLE001 - a malformed Cookie header is no session
        return ""
    morsel = cookies.get(SESSION_COOKIE)
    return morsel.value if morsel else ""


def _credentials(scope: Scope) -> tuple[str, str] | None:
    """(scheme, secret) of an Authorization header: ``bearer`` and the token, or ``basic`` and the password."""
    value = header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() == "bearer":
        return "bearer", credentials.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return "basic", ""
        return "basic", decoded.partition(":")[2]
    return scheme.lower(), ""


def authenticate(access: Access, scope: Scope) -> tuple[Actor | None, Session | None, str, bool]:
    """(actor, session, sid, credentials_refused). A refused Authorization header is audited."""
    presented = _credentials(scope)
    if presented is not None:
        scheme, secret = presented
        if access.legacy_token and secret and hmac.compare_digest(secret.encode(), access.legacy_token.encode()):
            return Actor(LEGACY_TOKEN_USER, Role.VIEWER, None, "api"), None, "", False
        if scheme == "bearer" and secret:
            account = access.accounts.by_token(secret)
            if account is not None:
                return account.actor("api"), None, "", False
        access.audit(
            audit.LOGIN_FAILED,
            via="api",
            client=client_address(scope),
            target=str(scope.get("path", "")),
            result="refused",
            reason=f"{scheme or 'empty'} credentials not valid",
        )
        return None, None, "", True
    sid = session_id(scope)
    session = access.sessions.get(sid) if sid else None
    if session is not None:
        return session.actor(), session, sid, False
    return None, None, "", False


def _plain(status: int, text: str, headers: list[tuple[bytes, bytes]]) -> tuple[dict[str, object], bytes]:
    return (
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store"), *headers],
        },
        text.encode(),
    )


class AccessGate:
    """ASGI middleware: resolve the actor; refuse or redirect a request that needs a login."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if path == "/favicon.ico":
            start, body = _plain(404, "", [])
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        actor, session, sid, refused = authenticate(self.access, scope)
        required = self.access.login_required()
        if actor is None and not required and not refused:
            actor = ANONYMOUS
        scope[ACTOR_KEY], scope[SESSION_KEY], scope[SID_KEY] = actor, session, sid
        if actor is not None or (path in PUBLIC_PATHS and not refused):
            await self.app(scope, receive, send)
            return
        await self._refuse(scope, send, path, refused)

    async def _refuse(self, scope: Scope, send: Send, path: str, refused: bool) -> None:
        api = path.startswith("/api") or path == "/healthz" or scope.get("method") not in ("GET", "HEAD")
        if not self.access.has_login_page() and self.access.legacy_token is not None:
            start, body = _plain(
                401,
                "a read-only token is required\n",
                [(b"www-authenticate", b'Basic realm="runbook status", charset="UTF-8"')],
            )
        elif api or refused:
            start = {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"cache-control", b"no-store"),
                    (b"www-authenticate", b'Bearer realm="runbook status"'),
                ],
            }
            message = "the token is not valid" if refused else "log in, or send Authorization: Bearer <token>"
            body = json.dumps({"error": message}).encode()
        else:
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + (f"?{query}" if query else "")
            location = "/login" if target == "/" else "/login?next=" + quote(target, safe="")
            start, body = _plain(303, "log in first\n", [(b"location", location.encode("latin-1"))])
        await send(start)
        await send({"type": "http.response.body", "body": body})

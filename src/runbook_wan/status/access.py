"""Who may read the pane: loopback by default; any other address only with a read-only token.

The token is a secret like any other (:mod:`runbook_wan.credentials.resolver`): the environment
(``RUNBOOK_SECRET_STATUS_TOKEN``) or the secrets file (``status-token: ...``), never a command-line
value that would land in shell history and ``ps``. When a token is configured every request must
carry it, as HTTP Basic (any user name, the token as password; browsers remember it across the
page's refreshes) or ``Authorization: Bearer <token>`` (tools).
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import socket

from starlette.types import ASGIApp, Receive, Scope, Send

from runbook_wan.credentials.redact import Redactor
from runbook_wan.credentials.resolver import SecretResolver, env_name
from runbook_wan.results import Diagnostic, DiagnosticError

TOKEN_SECRET = "status-token"
MIN_TOKEN_LENGTH = 16


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


def check_bind(host: str, token: str | None) -> None:
    """Refuse a non-loopback address unless a token protects the page."""
    if token is None and not is_loopback(host):
        raise DiagnosticError(
            [
                Diagnostic(
                    "status-bind",
                    f"refusing to serve the status page on {host} without a token: anyone who can reach it "
                    "would read the estate",
                    hint="keep the default 127.0.0.1, or configure a read-only token: "
                    f"export {env_name(TOKEN_SECRET)}=... or add `{TOKEN_SECRET}: ...` to the secrets file "
                    "(never on the command line)",
                )
            ]
        )


def _presented(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name.lower() != b"authorization":
            continue
        scheme, _, credentials = value.decode("latin-1").partition(" ")
        if scheme.lower() == "bearer":
            return credentials.strip()
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                return None
            return decoded.partition(":")[2]
    return None


class TokenGate:
    """ASGI middleware: every HTTP request must present the token (constant-time compare)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _presented(scope.get("headers", []))
        if given is not None and hmac.compare_digest(given.encode(), self.token):
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"www-authenticate", b'Basic realm="runbook status", charset="UTF-8"'),
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"a read-only token is required\n"})

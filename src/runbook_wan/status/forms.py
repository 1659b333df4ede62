"""Form posts without scripts, safe from cross-site requests.

Every state-changing request made with the session cookie passes two checks, as datasette's CSRF
protection does, with no JavaScript:

1. the browser's own word: ``Sec-Fetch-Site`` must be ``same-origin`` (or ``none``: typed by the
   person), and an ``Origin`` header must be this pane's origin;
2. a CSRF token bound to the session: the ``csrf`` field of every form (the ``X-CSRF-Token``
   header for a script-free client calling the JSON API with a cookie), compared in constant time.

A request authenticated by ``Authorization: Bearer`` carries no ambient credential and needs
neither. Form bodies are small ``application/x-www-form-urlencoded`` documents, parsed here.
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qsl

from starlette.requests import Request

from runbook_wan.status.access import header
from runbook_wan.status.sessions import Session

#: Forms are a few fields; anything larger is refused unread.
MAX_FORM_BYTES = 16 * 1024
CSRF_FIELD = "csrf"
CSRF_HEADER = b"x-csrf-token"


class FormError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def own_origin(request: Request) -> str:
    url = request.url
    default = {"http": 80, "https": 443}.get(url.scheme)
    port = f":{url.port}" if url.port and url.port != default else ""
    return f"{url.scheme}://{url.hostname}{port}"


def check_origin(request: Request) -> None:
    """The browser says the request comes from this pane (or from nowhere: a person typed it)."""
    site = header(request.scope, b"sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise FormError(403, f"cross-site request refused (Sec-Fetch-Site: {site})")
    origin = header(request.scope, b"origin")
    if origin == "null" and site == "same-origin":
        return  # a browser hiding the origin (a strict referrer policy) still says where the form was
    if origin is not None and origin != own_origin(request):
        raise FormError(403, "cross-origin request refused (Origin does not match this pane)")


def check_token(session: Session | None, given: str | None) -> None:
    if session is None or not given or not hmac.compare_digest(given.encode(), session.csrf.encode()):
        raise FormError(403, "the form's CSRF token is missing or not valid: reload the page and try again")


async def read_form(request: Request) -> dict[str, str]:
    """The posted fields (the last value of a repeated field wins, except ``region``: see :func:`regions`)."""
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        raise FormError(413, "the form is too large")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise FormError(413, "the form is too large")
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise FormError(400, "the form could not be read") from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        fields[key] = f"{fields[key]},{value}" if key == "region" and key in fields else value
    return fields


async def checked_form(request: Request, session: Session | None) -> dict[str, str]:
    """A form post that passed the origin check and carries the session's CSRF token."""
    check_origin(request)
    fields = await read_form(request)
    check_token(session, fields.get(CSRF_FIELD))
    return fields


def check_api_post(request: Request, session: Session | None) -> None:
    """A JSON API call that changes something: with a cookie, the origin check and the CSRF header."""
    if session is None:
        return  # Bearer token (or open loopback, which allows no action): no ambient credential
    check_origin(request)
    check_token(session, header(request.scope, CSRF_HEADER))

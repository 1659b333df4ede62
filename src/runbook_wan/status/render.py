"""The pane as HTML: Jinja2 with autoescaping on (every intent string is text, never markup), no JavaScript.

One set of templates serves the live pages (``/`` and ``/sites/<site>``, refreshing themselves)
and the static export (the estate and every site's page in one file, linked by anchors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from runbook_wan.status.model import EstateView, SiteView
from runbook_wan.status.triage import Triage

TEMPLATES = Path(__file__).parent / "templates"
#: No script, no remote anything: styles are inline in the page. The static export has no form at all.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
#: The live pane: still no script; its forms (login, actions, users) post to the pane itself only.
LIVE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True)
class PageUser:
    """Who the page is for: the user bar, and which forms to show (each carries the CSRF token)."""

    name: str
    role: str
    scope: str
    csrf: str
    can_act: bool
    is_admin: bool
    #: Logged in with a session (a browser): forms and the logout button make sense.
    session: bool


def _percent(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.{digits}f}".rstrip("0").rstrip(".") + " %"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.1f} ms"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = _percent
    env.filters["ms"] = _ms
    return env


_ENV = environment()


def live_href(site: str) -> str:
    return "/sites/" + quote(site, safe="")


def anchor_href(site: str) -> str:
    return "#site-" + quote(site, safe="")


def estate_page(
    view: EstateView,
    refresh: int | None,
    href: Callable[[str], str] = live_href,
    *,
    user: PageUser | None = None,
    triage: Triage | None = None,
) -> str:
    return _ENV.get_template("estate.html.j2").render(
        view=view, refresh=refresh, href=href, csp=LIVE_CSP, static=False, user=user, triage=triage
    )


def site_page(
    view: EstateView,
    site: SiteView,
    refresh: int | None,
    *,
    user: PageUser | None = None,
    silences: list[dict[str, Any]] | None = None,
    drift_running: bool = False,
    flash: str = "",
    flash_error: bool = False,
) -> str:
    return _ENV.get_template("site.html.j2").render(
        view=view,
        site=site,
        refresh=refresh,
        href=live_href,
        csp=LIVE_CSP,
        static=False,
        user=user,
        silences=silences or [],
        drift_running=drift_running,
        flash=flash,
        flash_error=flash_error,
    )


def not_found_page(view: EstateView, site: str, *, user: PageUser | None = None) -> str:
    return _ENV.get_template("not_found.html.j2").render(
        view=view, missing=site, refresh=None, csp=LIVE_CSP, static=False, user=user
    )


def login_page(
    estate: str, *, csrf: str, next_path: str, local: bool, oidc_name: str | None, error: str = "", name: str = ""
) -> str:
    return _ENV.get_template("login.html.j2").render(
        estate=estate,
        csrf=csrf,
        next=next_path,
        local=local,
        oidc_name=oidc_name,
        error=error,
        name=name,
        refresh=None,
        csp=LIVE_CSP,
        user=None,
    )


def message_page(
    title: str, text: str, *, user: PageUser | None = None, error: bool = True, link: str = "", link_text: str = ""
) -> str:
    return _ENV.get_template("message.html.j2").render(
        title=title, text=text, error=error, link=link, link_text=link_text, refresh=None, csp=LIVE_CSP, user=user
    )


def email_link_page(title: str, text: str, *, user: PageUser, action: str, button: str) -> str:
    """What an e-mail's link would do, and the button that does it (the person is logged in)."""
    return _ENV.get_template("email_link.html.j2").render(
        title=title, text=text, action=action, button=button, csrf=user.csrf, refresh=None, csp=LIVE_CSP, user=user
    )


def admin_users_page(estate: str, user: PageUser, **context: Any) -> str:
    return _ENV.get_template("admin_users.html.j2").render(
        estate=estate, user=user, refresh=None, csp=LIVE_CSP, **context
    )


def admin_audit_page(estate: str, user: PageUser, **context: Any) -> str:
    return _ENV.get_template("admin_audit.html.j2").render(
        estate=estate, user=user, refresh=None, csp=LIVE_CSP, **context
    )


def static_export(view: EstateView) -> str:
    """The estate and every site's page in one self-contained file (no refresh: it is a record)."""
    return _ENV.get_template("export.html.j2").render(view=view, refresh=None, href=anchor_href, csp=CSP, static=True)

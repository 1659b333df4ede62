"""The pane as HTML: Jinja2 with autoescaping on (every intent string is text, never markup), no JavaScript.

One set of templates serves the live pages (``/`` and ``/sites/<site>``, refreshing themselves)
and the static export (the estate and every site's page in one file, linked by anchors).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from runbook_wan.status.model import EstateView, SiteView

TEMPLATES = Path(__file__).parent / "templates"
#: No script, no remote anything: styles are inline in the page.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


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


def estate_page(view: EstateView, refresh: int | None, href: Callable[[str], str] = live_href) -> str:
    return _ENV.get_template("estate.html.j2").render(view=view, refresh=refresh, href=href, csp=CSP, static=False)


def site_page(view: EstateView, site: SiteView, refresh: int | None) -> str:
    return _ENV.get_template("site.html.j2").render(
        view=view, site=site, refresh=refresh, href=live_href, csp=CSP, static=False
    )


def not_found_page(view: EstateView, site: str) -> str:
    return _ENV.get_template("not_found.html.j2").render(view=view, missing=site, refresh=None, csp=CSP, static=False)


def static_export(view: EstateView) -> str:
    """The estate and every site's page in one self-contained file (no refresh: it is a record)."""
    return _ENV.get_template("export.html.j2").render(view=view, refresh=None, href=anchor_href, csp=CSP, static=True)

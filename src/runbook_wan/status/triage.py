"""The estate page for a team: problems first, filtered by region and state through plain links.

Order: down, degraded, drifting, open incidents, unknown, then healthy; by site id within each.
Filters are query parameters (``/?region=west&state=down``), so every view is a link to share and
needs no script. Long lists are cut into pages of :data:`PER_PAGE` rows (``&page=2``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from runbook_wan.status.model import EstateView, SiteView
from runbook_wan.verify.model import SiteState

PER_PAGE = 200
#: State filters in the order the page offers them; ``problems`` is everything but healthy and unknown.
STATE_FILTERS = ("problems", "down", "degraded", "drifting", "incidents", "unknown", "healthy")


def rank(site: SiteView) -> int:
    if site.state is SiteState.DOWN:
        return 0
    if site.state is SiteState.DEGRADED:
        return 1
    if site.drift_state == "drift":
        return 2
    if site.open_incidents:
        return 3
    if site.state is SiteState.UNKNOWN:
        return 4
    return 5


def tags(site: SiteView) -> frozenset[str]:
    """The state filters a site matches."""
    found = {site.state.value}
    if site.drift_state == "drift":
        found.add("drifting")
    if site.open_incidents:
        found.add("incidents")
    if rank(site) <= 3:
        found.add("problems")
    return frozenset(found)


def matches(site: SiteView, state: str) -> bool:
    return state in tags(site)


def problems_first(sites: list[SiteView]) -> list[SiteView]:
    return sorted(sites, key=lambda s: (rank(s), s.site))


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    count: int
    current: bool


@dataclass
class Triage:
    sites: list[SiteView]
    #: Sites matching the filters (before paging).
    matching: int
    region: str | None
    state: str | None
    page: int
    pages: int
    regions: list[Link] = field(default_factory=list)
    states: list[Link] = field(default_factory=list)
    previous: str | None = None
    next: str | None = None

    @property
    def filtered(self) -> bool:
        return self.region is not None or self.state is not None


def _href(region: str | None, state: str | None, page: int = 1) -> str:
    query = {k: v for k, v in (("region", region), ("state", state)) if v}
    if page > 1:
        query["page"] = str(page)
    return "/" + (f"?{urlencode(query)}" if query else "")


def triage(
    view: EstateView, region: str | None = None, state: str | None = None, page: int = 1, per_page: int = PER_PAGE
) -> Triage:
    """The rows to show; unknown filter values are ignored (the page says what it shows)."""
    regions = Counter(s.region for s in view.sites)
    region = region if region in regions else None
    state = state if state in STATE_FILTERS else None
    tagged = [(s, tags(s)) for s in view.sites if region is None or s.region == region]
    counts = Counter(tag for _, t in tagged for tag in t)
    chosen = problems_first([s for s, t in tagged if state is None or state in t])
    pages = max(1, -(-len(chosen) // per_page))
    page = min(max(page, 1), pages)
    result = Triage(
        sites=chosen[(page - 1) * per_page : page * per_page],
        matching=len(chosen),
        region=region,
        state=state,
        page=page,
        pages=pages,
    )
    result.regions = [Link("all regions", _href(None, state), len(view.sites), region is None)] + [
        Link(r, _href(r, state), regions[r], r == region) for r in sorted(regions)
    ]
    result.states = [Link("all", _href(region, None), len(tagged), state is None)] + [
        Link(f, _href(region, f), counts[f], f == state) for f in STATE_FILTERS
    ]
    if page > 1:
        result.previous = _href(region, state, page - 1)
    if page < pages:
        result.next = _href(region, state, page + 1)
    return result

"""Which sites an intent change reaches, and why: through defaults, regions, providers and policies.

A site is reached when its merged intent changes (each changed key is traced to the file that
changed it: its own file, its region's or the estate's ``site_defaults``), when a provider one of
its circuits uses changes, when its policy changes, or when an estate setting that renders into
every config changes. Each reason also says which circuit roles of the site it touches, for the
blast-radius gate's "one circuit role per site" rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from runbook_wan.model.estate import Estate
from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.model.yaml_source import PathKey, format_path
from runbook_wan.review.intent_diff import MISSING, IntentChange, SiteDelta, object_changes, site_deltas

#: Estate settings that never reach a config (the gate itself, names, alert routing).
SETTINGS_NOT_RENDERED = frozenset({"name", "change_policy", "notifications"})
#: Site keys whose change touches every circuit of the site: all BGP sessions, all BFD peers.
EVERY_CIRCUIT = frozenset({"asn", "loopback", "bgp", "bfd", "platform"})
#: Site keys with one entry per circuit role.
PER_ROLE = frozenset({"circuits", "routing"})
ALL_ROLES = frozenset(CIRCUIT_ROLES)

SiteState = Literal["changed", "added", "removed"]


def roles_of(path: PathKey) -> frozenset[str]:
    """Circuit roles a change of a site's merged key touches."""
    if not path:
        return ALL_ROLES
    head = str(path[0])
    if head in EVERY_CIRCUIT:
        return ALL_ROLES
    if head in PER_ROLE:
        return frozenset({str(path[1])}) if len(path) > 1 and path[1] in ALL_ROLES else ALL_ROLES
    return frozenset()


@dataclass(frozen=True)
class Reason:
    """Why one site is reached: ``via`` names the route (``policy retail-standard``), ``detail`` the keys."""

    via: str
    detail: str
    changes: tuple[int, ...]
    roles: frozenset[str] = frozenset()

    def words(self) -> str:
        return f"{self.via}: {self.detail}" if self.detail else self.via


@dataclass
class SiteImpact:
    site: str
    region: str
    state: SiteState
    reasons: list[Reason] = field(default_factory=list)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset().union(*(r.roles for r in self.reasons)) if self.reasons else frozenset()

    @property
    def why(self) -> str:
        """All routes in one line: the grouping key of "why does this site change"."""
        return "; ".join(r.words() for r in self.reasons)


@dataclass
class Impact:
    """Every intent change, and every site it reaches with the reasons."""

    changes: list[IntentChange]
    sites: dict[str, SiteImpact]

    def reach(self, index: int) -> list[str]:
        """Sites change ``index`` reaches."""
        return sorted(s for s, imp in self.sites.items() if any(index in r.changes for r in imp.reasons))

    @property
    def reached(self) -> list[str]:
        return sorted(self.sites)


def _object_of_file(estate: Estate) -> dict[str, tuple[str, str]]:
    """Which intent object a file defines (sites: their own file)."""
    found: dict[str, tuple[str, str]] = {}
    for (kind, name), layer in estate.layers.items():
        origin = layer.origins.get(())
        if origin is not None:
            found.setdefault(origin[0], (kind, name))
    return found


def _related(change: IntentChange, kind: str, name: str, path: PathKey) -> bool:
    """Does object change ``change`` explain a site key ``path`` inherited from ``(kind, name)``?"""
    if change.kind != kind or change.name != name:
        return False
    own = ("site_defaults", *path)
    shorter = min(len(own), len(change.path))
    return change.path[:shorter] == own[:shorter]


class _Tracer:
    def __init__(self, old: Estate, new: Estate, changes: list[IntentChange]) -> None:
        self.old, self.new, self.changes = old, new, changes
        self.files_old, self.files_new = _object_of_file(old), _object_of_file(new)
        self.by_object: dict[tuple[str, str], tuple[int, ...]] = {}
        for index, change in enumerate(changes):
            key = (change.kind, change.name)
            self.by_object[key] = (*self.by_object.get(key, ()), index)
        settings = [
            i for i, c in enumerate(changes) if c.kind == "defaults" and c.path[:1] == ("estate",) and not _quiet(c)
        ]
        self.settings = tuple(settings)

    def source(self, delta: SiteDelta) -> list[tuple[str, str]]:
        found = []
        if delta.old_at is not None and delta.old_at.file in self.files_old:
            found.append(self.files_old[delta.old_at.file])
        if delta.new_at is not None and delta.new_at.file in self.files_new:
            found.append(self.files_new[delta.new_at.file])
        return list(dict.fromkeys(found))

    def _keys(self, indices: tuple[int, ...]) -> str:
        """The changed keys of one object, short: ``class saas path_preference``, ``tracking_address``."""
        keys = []
        for i in indices:
            change = self.changes[i]
            inner = change.subject.partition(", ")[2]
            keys.append(" ".join(part for part in (inner, change.key or change.action) if part))
        return ", ".join(dict.fromkeys(keys))

    def own_change(self, site: str, delta: SiteDelta) -> int:
        self.changes.append(IntentChange("site", site, delta.path, delta.old, delta.new, delta.old_at, delta.new_at))
        return len(self.changes) - 1

    def trace(self, site: str, deltas: list[SiteDelta]) -> list[Reason]:
        routes: dict[str, tuple[list[str], set[int], set[str]]] = {}

        def add(via: str, key: str, indices: tuple[int, ...], roles: frozenset[str]) -> None:
            keys, found, touched = routes.setdefault(via, ([], set(), set()))
            if key not in keys:
                keys.append(key)
            found.update(indices)
            touched.update(roles)

        for delta in deltas:
            roles, key = roles_of(delta.path), format_path(delta.path)
            explained = False
            for kind, name in self.source(delta):
                if kind == "site":
                    add("its own file", key, (self.own_change(site, delta),), roles)
                    explained = True
                    break
                matched = tuple(
                    i for i in self.by_object.get((kind, name), ()) if _related(self.changes[i], kind, name, delta.path)
                )
                if matched:
                    via = "estate defaults" if kind == "defaults" else f"{kind} {name} (site_defaults)"
                    add(via, key, matched, roles)
                    explained = True
            if not explained:  # e.g. a default that only the model fills in: attribute it to the site
                add("its own file", key, (self.own_change(site, delta),), roles)
        return [
            Reason(via, ", ".join(keys), tuple(sorted(idx)), frozenset(roles))
            for via, (keys, idx, roles) in routes.items()
        ]

    def dependencies(self, site: str) -> list[Reason]:
        reasons: list[Reason] = []
        before, after = self.old.sites.get(site), self.new.sites.get(site)
        providers: dict[str, set[str]] = {}
        for role in CIRCUIT_ROLES:
            for state in (before, after):
                if state is not None:
                    providers.setdefault(getattr(state.circuits, role).provider, set()).add(role)
        for provider, roles in sorted(providers.items()):
            indices = self.by_object.get(("provider", provider), ())
            if indices:
                used = ", ".join(sorted(roles, key=CIRCUIT_ROLES.index))
                detail = f"its {used} circuit ({self._keys(indices)})"
                reasons.append(Reason(f"provider {provider}", detail, indices, frozenset(roles)))
        for policy in dict.fromkeys(s.policy for s in (before, after) if s is not None):
            indices = self.by_object.get(("policy", policy), ())
            if indices:
                reasons.append(Reason(f"policy {policy}", f"its SD-WAN policy ({self._keys(indices)})", indices))
        if self.settings:
            keys = ", ".join(dict.fromkeys(format_path(self.changes[i].path[1:]) for i in self.settings))
            reasons.append(Reason("estate settings", keys, self.settings))
        return reasons


def _quiet(change: IntentChange) -> bool:
    """Estate settings that render into no config."""
    return len(change.path) > 1 and str(change.path[1]) in SETTINGS_NOT_RENDERED


def _added_or_removed(site: str, old: Estate, new: Estate, changes: list[IntentChange]) -> SiteImpact:
    added = site not in old.sites
    estate = new if added else old
    at = estate.locate("site", site, ())
    change = IntentChange(
        "site",
        site,
        (),
        MISSING if added else "present",
        "present" if added else MISSING,
        None if added else at,
        at if added else None,
    )
    changes.append(change)
    state: SiteState = "added" if added else "removed"
    # A new site is onboarded and a removed one decommissioned: neither puts a running circuit at risk.
    reason = Reason("its own file", f"site {state}", (len(changes) - 1,))
    return SiteImpact(site, estate.sites[site].region, state, [reason])


def analyse(old: Estate, new: Estate) -> Impact:
    """Trace every change between two loaded states to the sites it reaches.

    Both estates may be partial (loaded with ``site_files``): sites are compared where either
    side has them, so the caller decides which sites are candidates.
    """
    changes = object_changes(old, new)
    tracer = _Tracer(old, new, changes)
    sites: dict[str, SiteImpact] = {}
    for site in sorted(set(old.sites) | set(new.sites)):
        if site not in old.sites or site not in new.sites:
            sites[site] = _added_or_removed(site, old, new, changes)
            continue
        reasons = tracer.trace(site, site_deltas(old, new, site)) + tracer.dependencies(site)
        if reasons:
            sites[site] = SiteImpact(site, new.sites[site].region, "changed", reasons)
    order = sorted(range(len(changes)), key=lambda i: changes[i].sort_key())
    renumber = {old_index: new_index for new_index, old_index in enumerate(order)}
    for impact in sites.values():
        impact.reasons = [
            Reason(r.via, r.detail, tuple(sorted(renumber[i] for i in r.changes)), r.roles) for r in impact.reasons
        ]
    return Impact([changes[i] for i in order], sites)

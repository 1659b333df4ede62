"""Secret changes in a review: which secret, which sites and sessions it reaches, never the value.

A rotated secret changes what a device runs although no rendered config changes (configs carry the
token ``<secret:NAME>``, never the value). So a rotation is declared in the intents: the secret
reference's ``rotation`` generation (``bgp_password: {secret: bgp-fibrelink, rotation: 2}``). A
review shows every declared rotation (and every reference switched to another secret) with the
sites it reaches and the config lines (sessions) that use the secret, and the blast-radius gate
counts those sites as changing. ``deploy`` adds what only the values can tell: a value that changed
in the secrets source since it was deployed, with or without a declared rotation
(:mod:`runbook_wan.rollout.secret_record`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from runbook_wan.credentials.tokens import secret_token
from runbook_wan.model.estate import Estate
from runbook_wan.results import SourceLocation
from runbook_wan.review.impact import Impact
from runbook_wan.review.intent_diff import MISSING

#: Where a secret change was found: declared in the intents (reviewed), or only in the values (deploy).
Source = Literal["intents", "secrets source"]


@dataclass
class SecretChange:
    """One secret whose value (or reference) changes, and where that lands."""

    name: str
    #: In words, never a value: ``rotation 1 → 2``, ``now referenced instead of bgp-old``,
    #: ``value changed in the secrets source``.
    what: str
    source: Source = "intents"
    #: Declared in the intents (a reviewer saw it), or accepted by an override at deploy.
    reviewed: bool = True
    sites: list[str] = field(default_factory=list)
    #: Site -> the config lines that use the secret there (tokens, never values): the sessions.
    sessions: dict[str, list[str]] = field(default_factory=dict)
    old_at: SourceLocation | None = None
    new_at: SourceLocation | None = None
    rotation_before: int | None = None
    rotation_after: int | None = None
    #: A change review did not see, accepted at deploy: ``--rotate-secret NAME`` or the wide-change reason.
    override: str | None = None

    @property
    def session_count(self) -> int:
        return sum(len(lines) for lines in self.sessions.values())

    def example(self) -> tuple[str, str] | None:
        """(site, config line) of one session, for a report."""
        for site in sorted(self.sessions):
            if self.sessions[site]:
                return site, self.sessions[site][0]
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "secret": self.name,
            "what": self.what,
            "source": self.source,
            "reviewed": self.reviewed,
            "rotation_before": self.rotation_before,
            "rotation_after": self.rotation_after,
            "override": self.override,
            "sites": sorted(self.sites),
            "sessions": {s: lines for s, lines in sorted(self.sessions.items())},
            "old_at": None if self.old_at is None else self.old_at.display(),
            "new_at": None if self.new_at is None else self.new_at.display(),
        }


def secret_refs(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every secret reference (``{secret: NAME, rotation: N}``) in plain intent data, with its path."""
    if isinstance(data, dict):
        if isinstance(data.get("secret"), str) and set(data) <= {"secret", "rotation"}:
            yield path, data
            return
        for key, value in data.items():
            yield from secret_refs(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from secret_refs(value, (*path, index))


def rotations(estate: Estate) -> dict[str, int]:
    """Secret name -> its rotation generation in the intents (the highest of its references; 0: none)."""
    found: dict[str, int] = {}
    sources: list[Any] = [p.model_dump(mode="json") for p in estate.providers.values()]
    sources += [s.model_dump(mode="json") for s in estate.sites.values()]
    sources.append(estate.settings.model_dump(mode="json"))
    for data in sources:
        for _path, ref in secret_refs(data):
            name = str(ref["secret"])
            found[name] = max(found.get(name, 0), int(ref.get("rotation") or 0))
    return found


def reference_at(estate: Estate, name: str) -> SourceLocation | None:
    """Where the intents reference secret ``name`` (the first place), to point an error at."""
    for provider, intent in sorted(estate.providers.items()):
        for path, ref in secret_refs(intent.model_dump(mode="json")):
            if ref["secret"] == name:
                return estate.locate("provider", provider, path)
    for path, ref in secret_refs({"estate": estate.settings.model_dump(mode="json")}):
        if ref["secret"] == name:
            return estate.locate("defaults", "defaults", path)
    return None


def sessions_of(config: str, name: str) -> list[str]:
    """The lines of a rendered config that use secret ``name`` (a BGP neighbour's password ...)."""
    token = secret_token(name)
    return [line.strip() for line in config.splitlines() if token in line]


def _ref_at(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) and isinstance(value.get("secret"), str) else None


def declared(impact: Impact, new: Estate, configs: dict[str, str]) -> list[SecretChange]:
    """Secret changes an intent change declares: a raised ``rotation``, or a reference switched to
    another secret. ``configs``: rendered configs (tokens) of at least the sites the changes reach."""
    changes: dict[str, SecretChange] = {}
    for index, change in enumerate(impact.changes):
        last = change.path[-1] if change.path else None
        name: str | None = None
        what = ""
        before = after = None
        if last == "rotation":
            name = _name_at(new, change.kind, change.name, change.path[:-1])
            before = None if change.old is MISSING else change.old
            after = None if change.new is MISSING else change.new
            what = f"rotation {before or 'none'} → {after or 'none'}"
        elif last == "secret" and isinstance(change.new, str):
            name = change.new
            what = f"now referenced instead of {change.old}" if isinstance(change.old, str) else "now referenced"
        elif (ref := _ref_at(change.new)) is not None and change.old is MISSING:
            name = str(ref["secret"])
            what = "now referenced"
        if name is None:
            continue
        entry = changes.setdefault(
            name,
            SecretChange(name, what, old_at=change.old_at, new_at=change.new_at),
        )
        entry.rotation_before, entry.rotation_after = entry.rotation_before or before, after or entry.rotation_after
        reached = [s for s in impact.reach(index) if impact.sites[s].state == "changed"]
        for site in reached:
            lines = sessions_of(configs.get(site, ""), name)
            if lines and site not in entry.sites:
                entry.sites.append(site)
                entry.sessions[site] = lines
    for entry in changes.values():
        entry.sites.sort()
    return sorted(changes.values(), key=lambda c: c.name)


def _name_at(estate: Estate, kind: str, name: str, path: tuple[str | int, ...]) -> str | None:
    """The secret name of the reference at ``path`` of an intent object."""
    objects: dict[str, Any] = {
        "provider": estate.providers,
        "region": estate.regions,
        "policy": estate.policies,
        "site": estate.sites,
    }
    if kind == "defaults":
        data: Any = {"estate": estate.settings.model_dump(mode="json")}
    elif kind in objects and name in objects[kind]:
        data = objects[kind][name].model_dump(mode="json")
    else:
        return None
    for key in path:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    ref = _ref_at(data)
    return str(ref["secret"]) if ref is not None else None

"""The intent layer of a review: what changed in the typed intent model, key by key, in words.

Both states are loaded into typed models (:class:`~runbook_wan.model.estate.Estate`) and compared
as plain data. Every change keeps where it was written on both sides (``file:line``), taken from
the line-tracked layers the loader keeps. Sites are compared *merged* (defaults -> region ->
site file), so a site changes exactly when its effective intent changes, whichever file did it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from runbook_wan.model.estate import Estate
from runbook_wan.model.yaml_source import PathKey, format_path
from runbook_wan.results import SourceLocation


class _Missing:
    """The value on the side where a key does not exist."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

#: Kinds in the order a reviewer reads them: estate-wide first, single sites last.
KIND_ORDER = {"defaults": 0, "region": 1, "provider": 2, "policy": 3, "site": 4}


def format_value(value: Any, limit: int = 160) -> str:
    """A value as a reviewer reads it: ``[a, b]``, ``{k: v}``, plain scalars."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, list):
        text = "[" + ", ".join(format_value(v, limit) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {format_value(v, limit)}" for k, v in value.items()) + "}"
    else:
        text = str(value)
    text = " ".join(text.split())  # an intent string never spans lines in a report
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class IntentChange:
    """One changed key of one intent object, with where it was written before and after."""

    kind: str  # defaults | region | provider | policy | site
    name: str
    path: PathKey
    old: Any
    new: Any
    old_at: SourceLocation | None
    new_at: SourceLocation | None

    @property
    def action(self) -> str:
        if self.old is MISSING:
            return "added"
        if self.new is MISSING:
            return "removed"
        return "changed"

    @property
    def subject(self) -> str:
        """``policy retail-standard, class saas`` / ``region west`` / ``estate defaults``."""
        base = "estate defaults" if self.kind == "defaults" else f"{self.kind} {self.name}"
        if self.kind == "policy" and len(self.path) >= 2 and self.path[0] == "classes":
            return f"{base}, class {self.path[1]}"
        return base

    @property
    def key(self) -> str:
        """The changed key under :attr:`subject` (``path_preference``), empty for a whole object."""
        path = self.path[2:] if self.kind == "policy" and self.path[:1] == ("classes",) else self.path
        return format_path(path)

    def words(self) -> str:
        """``policy retail-standard, class saas: path_preference [a, b] → [b, a]``."""
        if not self.key:
            what = "class" if self.kind == "policy" and self.path[:1] == ("classes",) else "file"
            return f"{self.subject}: {what} {self.action}"
        if self.action == "added":
            return f"{self.subject}: {self.key} added: {format_value(self.new)}"
        if self.action == "removed":
            return f"{self.subject}: {self.key} removed (was {format_value(self.old)})"
        return f"{self.subject}: {self.key} {format_value(self.old)} → {format_value(self.new)}"

    def sort_key(self) -> tuple[int, str, str]:
        return (KIND_ORDER.get(self.kind, 9), self.name, format_path(self.path))


def diff_values(old: Any, new: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, Any, Any]]:
    """Changed leaves between two plain-data trees. Lists of scalars are one value; lists of
    mappings are compared item by item (``lan_segments[2].address``)."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            yield from diff_values(old.get(key, MISSING), new.get(key, MISSING), (*path, key))
        return
    if isinstance(old, list) and isinstance(new, list) and any(isinstance(v, dict) for v in old + new) and old != new:
        for index in range(max(len(old), len(new))):
            yield from diff_values(
                old[index] if index < len(old) else MISSING, new[index] if index < len(new) else MISSING, (*path, index)
            )
        return
    if old is MISSING and new is MISSING:
        return
    if old != new or type(old) is not type(new):
        yield path, old, new


def _dump(obj: Any) -> Any:
    return obj.model_dump(mode="json") if obj is not None else MISSING


def _locate(estate: Estate, kind: str, name: str, path: PathKey) -> SourceLocation | None:
    if (kind, name) not in estate.layers:
        return None
    return estate.locate(kind, name, path)


def _object_changes(
    kind: str, old: Estate, new: Estate, old_objs: dict[str, Any], new_objs: dict[str, Any]
) -> list[IntentChange]:
    out: list[IntentChange] = []
    for name in sorted(set(old_objs) | set(new_objs)):
        before, after = _dump(old_objs.get(name)), _dump(new_objs.get(name))
        if before == after:
            continue
        if before is MISSING or after is MISSING:
            out.append(
                IntentChange(kind, name, (), before, after, _locate(old, kind, name, ()), _locate(new, kind, name, ()))
            )
            continue
        for path, was, now in diff_values(before, after):
            out.append(
                IntentChange(kind, name, path, was, now, _locate(old, kind, name, path), _locate(new, kind, name, path))
            )
    return out


def _defaults_data(estate: Estate) -> dict[str, Any]:
    layer = estate.layers.get(("defaults", "defaults"))
    raw = layer.data.get("site_defaults", {}) if layer is not None else {}
    return {"estate": estate.settings.model_dump(mode="json"), "site_defaults": raw}


def object_changes(old: Estate, new: Estate) -> list[IntentChange]:
    """Changes of the estate defaults, regions, providers and policies (sites: :func:`site_deltas`)."""
    out = [
        IntentChange(
            "defaults",
            "defaults",
            path,
            was,
            now,
            _locate(old, "defaults", "defaults", path),
            _locate(new, "defaults", "defaults", path),
        )
        for path, was, now in diff_values(_defaults_data(old), _defaults_data(new))
    ]
    out += _object_changes("region", old, new, old.regions, new.regions)
    out += _object_changes("provider", old, new, old.providers, new.providers)
    out += _object_changes("policy", old, new, old.policies, new.policies)
    return out


@dataclass(frozen=True)
class SiteDelta:
    """One changed key of a site's merged intent, with the file:line of its value on each side."""

    path: PathKey
    old: Any
    new: Any
    old_at: SourceLocation | None
    new_at: SourceLocation | None


def site_deltas(old: Estate, new: Estate, site: str) -> list[SiteDelta]:
    """How the merged intent of a site present on both sides changed."""
    before, after = old.sites[site].model_dump(mode="json"), new.sites[site].model_dump(mode="json")
    if before == after:
        return []
    return [
        SiteDelta(path, was, now, old.locate("site", site, path), new.locate("site", site, path))
        for path, was, now in diff_values(before, after)
    ]

"""The drift result of one site, as the command prints it and ``<state>/drift/`` keeps it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from runbook_wan.plan.diff import Hunk, count_changes, render_unified


class DriftStatus(StrEnum):
    #: The device runs exactly the lines of ``configs/<site>.cfg`` (comments and device banners aside)
    #: and holds its artifact files as rendered; an edge agent's order of next hops aside.
    IN_SYNC = "in_sync"
    #: Lines differ: ``-`` in configs/ but missing on the device, ``+`` on the device but not in configs/.
    DRIFT = "drift"
    #: The device could not be reached or did not answer: drift unknown.
    UNREACHABLE = "unreachable"


@dataclass
class DriftResult:
    site: str
    status: DriftStatus
    checked_at: str  # ISO 8601 UTC
    #: What ran the check: ``drift`` (the command), ``deploy <rollout id>``, ``probe``.
    source: str = "drift"
    #: Unified diff lines (``@@ ... @@ parent > child`` headers, then `` ``/``+``/``-``), secrets masked.
    diff: list[str] = field(default_factory=list)
    #: The parent chain of every hunk, e.g. ``router bgp 65021 > address-family ipv4 unicast`` (joined by U+203A).
    sections: list[str] = field(default_factory=list)
    lines_added: int = 0
    lines_removed: int = 0
    intended_sha256: str | None = None
    error: str = ""
    #: Steering groups the edge agent runs in another order than rendered (not drift), in words.
    steered: list[str] = field(default_factory=list)

    @classmethod
    def from_hunks(
        cls,
        site: str,
        hunks: list[Hunk],
        checked_at: str,
        source: str,
        intended_sha256: str | None,
        steered: list[str] | None = None,
    ) -> DriftResult:
        added, removed = count_changes(hunks)
        sections: list[str] = []
        for hunk in hunks:
            where = hunk.where or "(top level)"
            if where not in sections:
                sections.append(where)
        return cls(
            site=site,
            status=DriftStatus.DRIFT if hunks else DriftStatus.IN_SYNC,
            checked_at=checked_at,
            source=source,
            diff=render_unified(hunks),
            sections=sections,
            lines_added=added,
            lines_removed=removed,
            intended_sha256=intended_sha256,
            steered=list(steered or []),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "status": self.status.value,
            "checked_at": self.checked_at,
            "source": self.source,
            "lines_added": self.lines_added,
            "lines_removed": self.lines_removed,
            "sections": list(self.sections),
            "diff": list(self.diff),
            "intended_sha256": self.intended_sha256,
            "error": self.error,
            "steered": list(self.steered),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftResult:
        return cls(
            site=str(data["site"]),
            status=DriftStatus(data["status"]),
            checked_at=str(data.get("checked_at", "")),
            source=str(data.get("source", "")),
            diff=[str(x) for x in data.get("diff", [])],
            sections=[str(x) for x in data.get("sections", [])],
            lines_added=int(data.get("lines_added", 0)),
            lines_removed=int(data.get("lines_removed", 0)),
            intended_sha256=data.get("intended_sha256"),
            error=str(data.get("error", "")),
            steered=[str(x) for x in data.get("steered", [])],
        )

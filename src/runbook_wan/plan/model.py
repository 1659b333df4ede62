"""The plan: for each site, what would change between committed and freshly rendered configs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from runbook_wan.plan.diff import Hunk, count_changes


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def site_digest(files: dict[str, str]) -> str:
    """The hash of a site's rendered files (``.cfg`` plus artifacts): what a pinned plan holds.

    A site with only a config hashes as its config, so hashes of platforms without artifacts are
    unchanged; with artifacts, the hash covers every file and its suffix.
    """
    if set(files) <= {".cfg"}:
        return sha256(files.get(".cfg", ""))
    parts = "".join(f"{suffix}\0{sha256(text)}\n" for suffix, text in sorted(files.items()))
    return sha256(parts)


@dataclass
class SitePlan:
    site: str
    change: Change
    platform: str
    hunks: list[Hunk] = field(default_factory=list)
    old_sha256: str | None = None
    new_sha256: str | None = None
    #: Which of the site's files change, by suffix (``.cfg``, ``.nft``, ``.agent.json``).
    files: list[str] = field(default_factory=list)

    @property
    def added_lines(self) -> int:
        return count_changes(self.hunks)[0]

    @property
    def removed_lines(self) -> int:
        return count_changes(self.hunks)[1]


@dataclass
class Plan:
    sites: list[SitePlan]
    baseline: str  # e.g. "configs/" or "git:HEAD~1"
    total_sites: int
    limit: str | None = None
    #: Sites not re-rendered because no change reaches them (unchanged by construction).
    unreached: int = 0

    def by_change(self, change: Change) -> list[SitePlan]:
        return [s for s in self.sites if s.change is change]

    @property
    def has_changes(self) -> bool:
        return any(s.change is not Change.UNCHANGED for s in self.sites)

    @property
    def touched(self) -> list[str]:
        return [s.site for s in self.sites if s.change is not Change.UNCHANGED]

    def totals(self) -> dict[str, int]:
        return {
            "added": len(self.by_change(Change.ADDED)),
            "changed": len(self.by_change(Change.CHANGED)),
            "removed": len(self.by_change(Change.REMOVED)),
            "unchanged": len(self.by_change(Change.UNCHANGED)) + self.unreached,
            "lines_added": sum(s.added_lines for s in self.sites),
            "lines_removed": sum(s.removed_lines for s in self.sites),
        }

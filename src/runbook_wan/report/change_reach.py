"""What one intents commit reaches: which devices, the monitoring, or nothing that runs.

A change is delivered where it lands. To know where that is, the intents at the commit's first
parent and at the commit are loaded and compared (:func:`runbook_wan.review.impact.analyse`), the
sites the change reaches are rendered on both sides, and:

* ``devices``: the sites whose rendered config differs, or that a declared secret rotation reaches
  (sites removed by the change need no deploy);
* ``monitoring``: whether the generated alerting differs (notification routes, the probe's targets
  and SLAs of the reached sites);
* neither: the change reaches nothing that runs (comments, documentation, the gate's policy):
  not applicable, never open.

Rendering uses today's templates and code (the history holds intents, not Runbook). A side that
does not load makes the reach unknown, which is taken as every site of the commit (a full deploy
and verify deliver it). Results are cached per commit under ``<state>/lead-time/reach.json``: a
commit's reach never changes.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from runbook_wan.model.estate import Estate
from runbook_wan.model.loader import load_estate
from runbook_wan.monitoring.alertmanager import alertmanager_config
from runbook_wan.monitoring.endpoints import Endpoints
from runbook_wan.monitoring.targets import build_targets
from runbook_wan.monitoring.timing import PRODUCTION
from runbook_wan.render.pipeline import render_sites
from runbook_wan.results import DiagnosticError
from runbook_wan.review.gitref import Repo
from runbook_wan.review.impact import analyse
from runbook_wan.review.secrets import declared

Kind = Literal["devices", "monitoring", "none", "unknown"]
CACHE_FILE = "reach.json"
#: Bump when what is computed changes, so stale cache entries are recomputed.
CACHE_VERSION = 1


@dataclass
class Reach:
    kind: Kind
    #: Sites whose device must run the change (deployed and verified there).
    sites: list[str] = field(default_factory=list)
    monitoring: bool = False
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "sites": self.sites, "monitoring": self.monitoring, "note": self.note}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reach:
        return cls(data["kind"], list(data.get("sites", [])), bool(data.get("monitoring")), str(data.get("note", "")))


def _load(folder: Path) -> Estate | None:
    try:
        return load_estate(folder)[0]
    except DiagnosticError:
        return None


def _monitoring_differs(old: Estate, new: Estate, sites: list[str], old_facts: Any, new_facts: Any) -> bool:
    endpoints = Endpoints()
    if alertmanager_config(old.notifications, PRODUCTION, endpoints) != alertmanager_config(
        new.notifications, PRODUCTION, endpoints
    ):
        return True
    before = build_targets(old, {s: f for s, f in old_facts.items() if s in sites}).model_dump()
    after = build_targets(new, {s: f for s, f in new_facts.items() if s in sites}).model_dump()
    before.pop("estate", None)
    after.pop("estate", None)
    return bool(before != after)


def compute(repo_root: Path, intents_rel: str, commit: str) -> Reach:
    """The reach of ``commit`` (an intents-changing commit on the first-parent line)."""
    try:
        return _compute(repo_root, intents_rel, commit)
    except DiagnosticError:  # a side that loads but does not render: take every site
        return Reach("unknown", note="the intents at this commit do not render")


def _compute(repo_root: Path, intents_rel: str, commit: str) -> Reach:
    with tempfile.TemporaryDirectory(prefix="runbook-reach-") as tmp:
        new_dir, old_dir = Path(tmp) / "new", Path(tmp) / "old"
        new_repo = Repo(repo_root, commit)
        new_repo.extract(new_repo.listing([intents_rel]), new_dir)
        new = _load(new_dir / intents_rel)
        if new is None:
            return Reach("unknown", note="the intents at this commit do not load")
        parent = Repo.open(repo_root, f"{commit}^1", required=False)
        old = None
        if parent is not None:
            parent.extract(parent.listing([intents_rel]), old_dir)
            old = _load(old_dir / intents_rel) if (old_dir / intents_rel).is_dir() else None
        if old is None:
            return Reach("devices", sorted(new.sites), True, note="no earlier intents to compare with: every site")
        impact = analyse(old, new)
        reached = sorted(s for s, i in impact.sites.items() if i.state != "removed" and s in new.sites)
        new_render = render_sites(new, reached)
        old_render = render_sites(old, [s for s in reached if s in old.sites])
        devices = [
            s
            for s in reached
            if s not in old_render.configs or old_render.configs[s].text != new_render.configs[s].text
        ]
        configs = {s: c.text for s, c in new_render.configs.items()}
        rotated = {site for change in declared(impact, new, configs) for site in change.sites}
        devices = sorted(set(devices) | rotated)
        monitoring = _monitoring_differs(old, new, reached, old_render.facts, new_render.facts)
        if devices:
            return Reach("devices", devices, monitoring)
        if monitoring:
            return Reach("monitoring", [], True)
        return Reach("none", note="reaches no device and no monitoring")


class ReachCache:
    """``<state>/lead-time/reach.json``: commit -> reach (written atomically; a bad file is ignored)."""

    def __init__(self, state_dir: Path | None) -> None:
        self.path = state_dir / "lead-time" / CACHE_FILE if state_dir is not None else None
        self._data: dict[str, dict[str, Any]] = {}
        if self.path is not None and self.path.is_file():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                if loaded.get("version") == CACHE_VERSION:
                    self._data = dict(loaded.get("reach", {}))
            except (OSError, ValueError, AttributeError):
                self._data = {}
        self._dirty = False

    def get(self, repo_root: Path, intents_rel: str, commit: str) -> Reach:
        if commit in self._data:
            return Reach.from_dict(self._data[commit])
        reach = compute(repo_root, intents_rel, commit)
        self._data[commit] = reach.to_dict()
        self._dirty = True
        return reach

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".reach.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"version": CACHE_VERSION, "reach": self._data}, handle, indent=1)
            Path(tmp).replace(self.path)
        except OSError:
            return  # a cache: the next run computes again
        self._dirty = False

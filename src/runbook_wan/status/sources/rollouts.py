"""Source: the audit log (per-site change history) and the rollout lock and journals (runs in progress)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from runbook_wan.report.lead_time import read_audit
from runbook_wan.rollout.audit import audit_path
from runbook_wan.rollout.journal import read_journal, rollouts_dir
from runbook_wan.rollout.lock import live_holder
from runbook_wan.status.model import ChangeRecord, RolloutRun

#: History entries kept per site.
HISTORY = 20


@dataclass
class RolloutFacts:
    history: dict[str, list[ChangeRecord]]  # per site, newest first
    runs: list[RolloutRun]

    def last_change(self, site: str) -> ChangeRecord | None:
        return next((c for c in self.history.get(site, []) if c.result == "changed"), None)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


#: The audit log only grows: it is parsed again only when it changed (the page refreshes often).
_CACHE: dict[Path, tuple[tuple[int, float], dict[str, list[ChangeRecord]]]] = {}


def _history(state_dir: Path) -> dict[str, list[ChangeRecord]]:
    path = audit_path(state_dir)
    try:
        stat = path.stat()
    except OSError:
        return {}
    mark = (stat.st_size, stat.st_mtime)
    cached = _CACHE.get(path)
    if cached is None or cached[0] != mark:
        cached = (mark, _parse_history(path))
        _CACHE[path] = cached
    return cached[1]


def _parse_history(path: Path) -> dict[str, list[ChangeRecord]]:
    history: dict[str, list[ChangeRecord]] = {}
    for event in reversed(read_audit(path)):
        if event.event not in ("site", "rollback"):
            continue
        f = event.fields
        site = str(f.get("site", ""))
        entries = history.setdefault(site, [])
        if len(entries) >= HISTORY:
            continue
        entries.append(
            ChangeRecord(
                rollout_id=str(f.get("rollout_id") or f.get("label") or ""),
                at=_iso(event.at),
                user=str(f.get("user", "")),
                commit=str(f.get("intents_commit", "")),
                result=str(f.get("result", "")) if event.event == "site" else f"rollback: {f.get('result', '')}",
                reason=str(f.get("reason", "")),
            )
        )
    return history


def _runs(state_dir: Path) -> list[RolloutRun]:
    holder = live_holder(state_dir / "lock")
    runs = []
    folder = rollouts_dir(state_dir)
    for journal in sorted(folder.glob("*/journal.jsonl")) if folder.is_dir() else []:
        records = list(read_journal(journal))
        header = next((r for r in records if r.get("kind") == "rollout"), None)
        if header is None or header.get("check") or any(r.get("kind") == "end" for r in records):
            continue
        rollout_id = str(header.get("rollout_id", journal.parent.name))
        live = holder is not None and holder.rollout_id == rollout_id
        runs.append(
            RolloutRun(
                rollout_id=rollout_id,
                state="in progress" if live else "interrupted",
                user=str(header.get("user", "")),
                started=_iso(datetime.fromtimestamp(float(header.get("ts", 0)), UTC)),
                sites_done=len({r.get("site") for r in records if r.get("kind") == "site"}),
                sites_total=sum(len(w) for w in header.get("waves", [])),
            )
        )
    return runs


def read(state_dir: Path) -> RolloutFacts:
    return RolloutFacts(_history(state_dir), _runs(state_dir))

"""The intents' git history: which commits changed them, and which of those a commit contains."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from runbook_wan.results import Diagnostic, DiagnosticError

_SEP = "\x1f"


@dataclass(frozen=True)
class Commit:
    sha: str
    committed_at: datetime
    author: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:10]


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DiagnosticError(
            [
                Diagnostic(
                    "report-git",
                    f"git {' '.join(args[:2])} failed in {cwd}: {done.stderr.strip() or done.returncode}",
                    hint="lead time follows the intents' git history: run it inside the repository",
                )
            ]
        )
    return done.stdout


class IntentsHistory:
    """Commits on the checked-out branch's first-parent line that changed the intents folder."""

    def __init__(self, intents_dir: Path) -> None:
        folder = intents_dir.resolve()
        if not folder.is_dir():
            raise DiagnosticError([Diagnostic("report-intents", f"intents folder {intents_dir} not found")])
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True, check=False
        )
        if top.returncode != 0:
            raise DiagnosticError(
                [
                    Diagnostic(
                        "report-not-git",
                        f"{intents_dir} is not in a git repository: no change history to measure",
                        hint="lead time starts at the commit that changed the intents; commit them in git",
                    )
                ]
            )
        self.root = Path(top.stdout.strip())
        self.path = folder.relative_to(self.root).as_posix() or "."

    def changes(self) -> list[Commit]:
        """Oldest first. A merge counts once, when it lands (``--first-parent``)."""
        has_head = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=self.root, capture_output=True, check=False
        )
        if has_head.returncode != 0:
            return []
        out = _git(
            self.root, "log", "--first-parent", "--reverse", f"--format=%H{_SEP}%ct{_SEP}%an{_SEP}%s", "--", self.path
        )
        commits = []
        for line in out.splitlines():
            sha, stamp, author, subject = line.split(_SEP, 3)
            commits.append(Commit(sha, datetime.fromtimestamp(int(stamp), UTC), author, subject))
        return commits

    def contains(self, commit: str, changes: set[str] | frozenset[str]) -> frozenset[str]:
        """The intents changes (``changes``: their shas) that ``commit`` contains, itself included; none
        if the commit is unknown. Every ancestor counts: a merge that brought a change in contains it
        (a path-limited ``rev-list`` would drop a merge that is the same as one of its parents)."""
        return _ancestors(self.root, commit) & frozenset(changes)

    def site_ids(self) -> set[str] | None:
        """Site ids of the intents as they are now (file names in ``sites/``); None if unreadable."""
        folder = self.root / self.path / "sites"
        if not folder.is_dir():
            return None
        return {p.stem for p in folder.iterdir() if p.suffix in (".yaml", ".yml")}


_ANCESTORS: dict[tuple[Path, str], frozenset[str]] = {}


def _ancestors(root: Path, commit: str) -> frozenset[str]:
    key = (root, commit)
    if key not in _ANCESTORS:  # a commit's ancestry never changes; an unknown commit is asked again
        done = subprocess.run(["git", "rev-list", commit], cwd=root, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return frozenset()
        _ANCESTORS[key] = frozenset(done.stdout.split())
    return _ANCESTORS[key]

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

    def contains(self, commit: str) -> frozenset[str]:
        """The intents-changing commits ``commit`` contains (itself included), or none if unknown."""
        return _contains(self.root, self.path, commit)


_CONTAINS: dict[tuple[Path, str, str], frozenset[str]] = {}


def _contains(root: Path, path: str, commit: str) -> frozenset[str]:
    key = (root, path, commit)
    if key not in _CONTAINS:  # a commit's ancestry never changes; an unknown commit is asked again
        done = subprocess.run(
            ["git", "rev-list", commit, "--", path], cwd=root, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            return frozenset()
        _CONTAINS[key] = frozenset(done.stdout.split())
    return _CONTAINS[key]

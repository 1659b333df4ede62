"""The git side of a review: which intent files differ from a ref, and the intents as they were there.

Every call is one ``git`` process over the few paths it needs, so a review of a one-site change
in a 10,000-site repository reads a handful of files, not the tree.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from runbook_wan.results import Diagnostic, DiagnosticError


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, input=stdin, check=False)


def repo_root(path: Path) -> Path | None:
    """The top of the git work tree holding ``path``, or None outside git."""
    folder = path if path.is_dir() else path.parent
    if not folder.is_dir():
        return None
    found = _git(["rev-parse", "--show-toplevel"], cwd=folder)
    return Path(found.stdout.decode().strip()) if found.returncode == 0 else None


@dataclass(frozen=True)
class Repo:
    """A git work tree and a ref in it to compare with."""

    root: Path
    ref: str

    @classmethod
    def open(cls, path: Path, ref: str, *, required: bool) -> Repo | None:
        """The repository of ``path`` at ``ref``; None (or a clear error when ``required``) if there is none."""
        root = repo_root(path)
        if root is None:
            if not required:
                return None
            raise DiagnosticError(
                [
                    Diagnostic(
                        "review-git",
                        f"--against {ref}: {path} is not in a git repository",
                        hint="run from inside the repository, or drop --against",
                    )
                ]
            )
        if _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=root).returncode != 0:
            if not required:
                return None
            raise DiagnosticError(
                [
                    Diagnostic(
                        "review-git-ref",
                        f"--against: unknown git ref {ref!r}",
                        hint="use a branch, tag or commit, e.g. origin/main or HEAD~1 (CI: fetch the base branch)",
                    )
                ]
            )
        return cls(root.resolve(), ref)

    def rel(self, path: Path) -> str | None:
        """``path`` relative to the work tree (POSIX), or None when it lies outside it."""
        try:
            return path.resolve().relative_to(self.root).as_posix() or "."
        except ValueError:
            return None

    def changed(self, rel: str) -> dict[str, str]:
        """Files under ``rel`` that differ between the ref and the work tree: path -> A, M or D.

        Untracked files count as added (a new site file not yet committed is part of the change).
        """
        diff = _git(["diff", "--no-renames", "--name-status", "-z", self.ref, "--", rel], cwd=self.root)
        parts = diff.stdout.decode().split("\0")
        status: dict[str, str] = {}
        for flag, name in zip(parts[0::2], parts[1::2], strict=False):
            if name:
                status[name] = flag[:1]
        others = _git(["ls-files", "-z", "--others", "--exclude-standard", "--", rel], cwd=self.root)
        for name in others.stdout.decode().split("\0"):
            if name:
                status[name] = "A"
        return status

    def unchanged(self, rels: Iterable[str]) -> bool:
        """True when nothing under ``rels`` differs from the ref (tracked or untracked)."""
        paths = list(rels)
        if not paths:
            return True
        if _git(["diff", "--quiet", self.ref, "--", *paths], cwd=self.root).returncode != 0:
            return False
        others = _git(["ls-files", "--others", "--exclude-standard", "--", *paths], cwd=self.root)
        return not others.stdout.strip()

    def listing(self, rels: Iterable[str]) -> list[str]:
        """Files under ``rels`` as committed at the ref."""
        paths = list(rels)
        found = _git(["ls-tree", "-r", "-z", "--name-only", self.ref, "--", *paths], cwd=self.root)
        return [n for n in found.stdout.decode().split("\0") if n]

    def extract(self, files: list[str], dest: Path) -> None:
        """Write ``files`` (paths at the ref) under ``dest``, keeping their layout."""
        if not files:
            return
        archive = _git(["archive", "--format=tar", self.ref, "--", *files], cwd=self.root)
        if archive.returncode != 0:
            raise DiagnosticError(
                [
                    Diagnostic(
                        "review-git-archive",
                        f"cannot read the intents at {self.ref}: {archive.stderr.decode().strip()}",
                        hint="check the ref holds the intents folder",
                    )
                ]
            )
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(dest, filter="data")

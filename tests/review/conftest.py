"""A pull request on the example estate: a real git repository with main and a change branch.

``main`` holds the example intents and their rendered configs (committed, as in the project);
the test edits the intents on the ``change`` branch and runs runbook.py from the repository root,
exactly as CI does.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runbook_wan import cli as runbook

REPO = Path(__file__).resolve().parents[2]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


@dataclass
class PullRequest:
    root: Path

    def edit(self, relative: str, old: str, new: str, count: int = 1) -> None:
        path = self.root / relative
        text = path.read_text()
        assert text.count(old) >= count, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, count))

    def run(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = runbook.main(["--no-color", "--state", str(self.root / ".runbook"), *argv])
        return code, out.getvalue(), err.getvalue()

    def plan_json(self, *argv: str) -> tuple[int, dict[str, Any]]:
        code, out, err = self.run("plan", "--against", "main", "--format", "json", *argv)
        assert code in (0, 2, 7), err
        data: dict[str, Any] = json.loads(out)
        return code, data

    def commit(self, message: str) -> None:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-qm", message)


def make_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "intents", root / "intents")
    # Without the build cache: these tests are about the review against git (tests/build covers the
    # cached plan), and the committed cache is current only for the code that wrote it.
    shutil.copytree(REPO / "configs", root / "configs", ignore=shutil.ignore_patterns(".render-cache.jsonl"))
    (root / ".gitignore").write_text(".runbook/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "estate")
    git(root, "checkout", "-qb", "change")
    return root


@pytest.fixture(scope="session")
def pristine_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("pristine") / "repo")


@pytest.fixture
def pr(tmp_path: Path, pristine_repo: Path, monkeypatch: pytest.MonkeyPatch) -> PullRequest:
    root = tmp_path / "repo"
    shutil.copytree(pristine_repo, root, symlinks=True)
    monkeypatch.chdir(root)
    return PullRequest(root)

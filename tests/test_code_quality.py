"""The code stays typed, linted and formatted: the same commands a developer (and pre-commit) runs.

mypy --strict on the package code (configured in pyproject.toml) and on the tests, ruff check and
ruff format --check on everything, so CI fails on a type error, lint finding or unformatted file
just as it fails on a broken behaviour.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEST_ROOTS = (REPO / "tests", REPO / "napalm_frr" / "tests")


def _run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], cwd=REPO, capture_output=True, text=True, check=False, env=env)


def test_ruff_is_clean() -> None:
    proc = _run("ruff", "check", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_ruff_format_is_clean() -> None:
    proc = _run("ruff", "format", "--check", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_mypy_strict_is_clean_on_package_code() -> None:
    proc = _run("mypy")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def _test_folders() -> list[list[str]]:
    """Test folders are not packages (pytest puts each on sys.path), so mypy checks one folder at a time."""
    groups = []
    for root in TEST_ROOTS:
        for folder in sorted({root, *(p for p in root.rglob("*") if p.is_dir())}):
            files = sorted(str(p.relative_to(REPO)) for p in folder.glob("*.py"))
            if files and "__pycache__" not in folder.parts:
                groups.append(files)
    return groups


def _helper_folders() -> list[str]:
    """Folders of shared test helpers (``labkit``, ``notifykit``, ...) that tests import across folders."""
    return sorted(
        {
            str(p.parent)
            for root in TEST_ROOTS
            for p in root.rglob("*.py")
            if not p.name.startswith("test_") and p.name != "conftest.py" and "__pycache__" not in p.parts
        }
    )


def test_mypy_strict_is_clean_on_tests() -> None:
    folders = _test_folders()
    assert len(folders) >= 10
    env = {**os.environ, "MYPYPATH": os.pathsep.join(_helper_folders())}
    failures = []
    for files in folders:
        proc = _run("mypy", "--strict", *files, env=env)
        if proc.returncode != 0:
            failures.append(proc.stdout[-3000:])
    assert failures == [], "\n".join(failures)


def test_facts_are_frozen_to_the_type_checker(tmp_path: Path) -> None:
    """Facts are plain slotted dataclasses at run time (built faster); what keeps them immutable is
    mypy: an assignment to a fact, or a positional argument, must be a type error."""
    probe = tmp_path / "mutate_a_fact.py"
    probe.write_text(
        "from runbook_wan.facts.models import PrefixFact\n"
        "fact = PrefixFact(prefix='a', network='b', netmask='c', wildcard='d', acl_prefix='e', acl_wildcard='f')\n"
        "fact.prefix = 'changed'\n"
        "PrefixFact('a', 'b', 'c', 'd', 'e', 'f')\n"
    )
    proc = _run("mypy", "--strict", "--no-incremental", str(probe))
    assert proc.returncode == 1, proc.stdout
    assert 'Property "prefix" defined in "PrefixFact" is read-only' in proc.stdout
    assert 'Too many positional arguments for "PrefixFact"' in proc.stdout

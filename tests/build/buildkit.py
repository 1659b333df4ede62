"""A workspace to render in, in-process: intents, templates and platforms copied so tests can edit
any input, and renders that report what they printed and built."""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from runbook_wan import cli as runbook
from runbook_wan.workspace import BUILTIN_PLATFORMS, BUILTIN_TEMPLATES

REPO = Path(__file__).resolve().parents[2]
MULTIVENDOR = REPO / "examples" / "multivendor" / "intents"
CACHE = ".render-cache.jsonl"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def built(self) -> int:
        """Sites built, from the ``built N site(s)`` line (-1 when absent)."""
        for line in self.out.splitlines():
            if line.startswith("built "):
                return int(line.split()[1])
        return -1


def workspace(root: Path, intents: Path = MULTIVENDOR) -> Path:
    """``root`` with a copy of ``intents`` and of the templates and platforms Runbook ships."""
    shutil.copytree(intents, root / "intents")
    shutil.copytree(BUILTIN_TEMPLATES, root / "templates")
    shutil.copytree(BUILTIN_PLATFORMS, root / "platforms")
    return root


def render(root: Path, *extra: str, out: str = "") -> Run:
    """``runbook.py render`` in ``root`` (outputs under ``root/out`` when given)."""
    prefix = f"{out}/" if out else ""
    argv = [
        "--no-color",
        "--state",
        ".runbook",
        "render",
        "--intents",
        "intents",
        "--templates",
        "templates",
        "--platforms",
        "platforms",
        "--configs",
        f"{prefix}configs",
        "--monitoring",
        f"{prefix}monitoring",
        *extra,
    ]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.chdir(root), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = runbook.main(argv)
    return Run(code, stdout.getvalue(), stderr.getvalue())


def outputs(root: Path, out: str = "") -> dict[str, bytes]:
    """Every rendered file (configs and monitoring), by path, without the build cache."""
    base = root / out if out else root
    found: dict[str, bytes] = {}
    for folder in ("configs", "monitoring"):
        for path in sorted((base / folder).rglob("*")) if (base / folder).is_dir() else []:
            if path.is_file() and path.name != CACHE:
                found[path.relative_to(base).as_posix()] = path.read_bytes()
    return found


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """From now on, every file read through ``Path.read_bytes`` (the build's way in) is listed here."""
    reads: list[Path] = []
    real = Path.read_bytes

    def counted(self: Path) -> bytes:
        reads.append(self)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    return reads

"""Fixtures for validation tests: a small base estate and the broken-estate corpus overlaid on it.

``base_estate/`` is a valid 3-site FRR estate. Each ``broken/<case>/`` holds files that replace or
add files of the base (same relative paths) and an ``expect.yaml`` listing findings (code, file
relative to the estate, line) the validation must report.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from runbook_wan.render.pipeline import RenderResult, render_estate
from runbook_wan.results import Diagnostic, DiagnosticError
from runbook_wan.validation.checks.base import ValidationOptions
from runbook_wan.validation.report import ValidationReport
from runbook_wan.validation.runner import load_failure_report, validate

HERE = Path(__file__).resolve().parent
BASE_ESTATE = HERE / "base_estate"
BROKEN = HERE / "broken"


def broken_cases() -> list[str]:
    return sorted(p.name for p in BROKEN.iterdir() if (p / "expect.yaml").is_file())


def expectations(case: str) -> list[dict[str, object]]:
    data = yaml.safe_load((BROKEN / case / "expect.yaml").read_text(encoding="utf-8"))
    return list(data["expect"])


def overlay(case: str | None, target: Path) -> Path:
    """Copy the base estate to ``target`` and lay ``broken/<case>`` over it."""
    shutil.copytree(BASE_ESTATE, target)
    if case is not None:
        for src in (BROKEN / case).rglob("*.yaml"):
            if src.name == "expect.yaml" and src.parent == BROKEN / case:
                continue
            dest = target / src.relative_to(BROKEN / case)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    return target


def run_validation(intents: Path, options: ValidationOptions | None = None) -> ValidationReport:
    """What `runbook.py validate` computes, without the CLI (vtysh off unless options say otherwise)."""
    try:
        rendered = render_estate(intents)
    except DiagnosticError as exc:
        return load_failure_report(exc)
    return validate(rendered, options or ValidationOptions(vtysh=False))


def located_at(diag: Diagnostic, root: Path, file: str, line: int) -> bool:
    if diag.location is None or diag.location.line != line:
        return False
    return Path(diag.location.file).resolve() == (root / file).resolve()


@pytest.fixture
def estate_dir(tmp_path: Path) -> Callable[[str | None], Path]:
    """``estate_dir(case)``: a fresh copy of the base estate with ``case`` overlaid (None: base only)."""
    counter = iter(range(1000))

    def make(case: str | None = None) -> Path:
        return overlay(case, tmp_path / f"estate{next(counter)}")

    return make


@pytest.fixture(scope="session")
def base_rendered() -> RenderResult:
    return render_estate(BASE_ESTATE)

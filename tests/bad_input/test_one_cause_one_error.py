"""One cause, one error, at the cause (issue 11, class 7), on the 80-site example estate.

Before: an empty defaults file gave 81 errors, a provider whose id differed from its file name one
per region or site and a "did you mean" pointing at the typo, a segment typo in a policy one error
per site at the site. Now each is exactly one error at the faulty file and line.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from runbook_wan.model.loader import load_estate
from runbook_wan.results import DiagnosticError

EXAMPLE = Path(__file__).resolve().parents[2] / "intents"


def _edit(relative: str, pattern: str, replacement: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / relative
        text, count = re.subn(pattern, replacement, path.read_text(), flags=re.MULTILINE)
        assert count, (relative, pattern)
        path.write_text(text)

    return apply


def _empty(relative: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / relative).write_text("# nothing here yet\n")

    return apply


def _remove(relative: str) -> Callable[[Path], None]:
    return lambda root: shutil.rmtree(root / relative)


CASES = {
    "empty defaults": (_empty("defaults.yaml"), "defaults.yaml", 1, "the file is empty"),
    "provider id differs from file": (
        _edit("providers/fibrelink.yaml", r"^provider: fibrelink", "provider: fiberlink"),
        "providers/fibrelink.yaml",
        None,
        "differs from its file name",
    ),
    "segment typo in a policy": (
        _edit("policies/retail-standard.yaml", r"segments: \[voice\]", "segments: [vocie]"),
        "policies/retail-standard.yaml",
        None,
        "did you mean 'voice'?",
    ),
    "providers folder missing": (_remove("providers"), "providers", None, "folder not found"),
    "regions folder missing": (_remove("regions"), "regions", None, "folder not found"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_one_cause_gives_one_error_at_the_cause(name: str, tmp_path: Path) -> None:
    change, file, line, words = CASES[name]
    root = tmp_path / "intents"
    shutil.copytree(EXAMPLE, root)
    assert len(list((root / "sites").glob("*.yaml"))) >= 80
    change(root)
    with pytest.raises(DiagnosticError) as caught:
        load_estate(root)
    problems = caught.value.diagnostics
    assert len(problems) == 1, "\n".join(p.format() for p in problems[:5])
    (problem,) = problems
    assert problem.location is not None and problem.location.file.endswith(file)
    if line is not None:
        assert problem.location.line == line
    assert words in problem.format()

"""Every bad input of the golden error corpus (tests/errors) reads the same however the estate is
built: in two worker processes, and from a build cache of the valid estate it breaks.

The corpus' own test runs `render` in one process without a cache; here the same cases run
through the other two paths and must print their `.log`'s render section exactly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import shutil
import sys
from pathlib import Path

import pytest

from runbook_wan import cli as runbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "errors"))
from error_corpus import BASE_DIR, Case, command, discover, normalise, prepare, run

CASES = [c for c in discover() if "render" in c.commands]
#: Cases about the configs folder itself: a cache folder in its place changes what they are about.
ABOUT_OUTPUTS = ("output-",)


def render_section(case: Case) -> str:
    text = case.log.read_text(encoding="utf-8")
    section = text.split("== render\n", 1)[1]
    return section.split("\n== ", 1)[0].rstrip("\n") + "\n"


def test_the_corpus_has_render_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_two_processes_report_what_one_does(case: Case, tmp_path: Path) -> None:
    two = dataclasses.replace(case, args=[*case.args, "--jobs", "2"], commands=("render",))
    (result,) = run(two, tmp_path).runs
    assert result.stderr == render_section(case)
    assert result.exit_code == 1
    assert result.configs_after == result.configs_before


@pytest.mark.parametrize("case", [c for c in CASES if not c.name.startswith(ABOUT_OUTPUTS)], ids=lambda c: c.name)
def test_a_warm_cache_reports_what_a_full_build_does(case: Case, tmp_path: Path) -> None:
    """The valid estate rendered first (configs, monitoring and the cache), then broken by the case."""
    base = Case(name="base", source=BASE_DIR, commands=("render",), args=case.args)
    (warm,) = run(dataclasses.replace(base, args=[]), tmp_path / "warm").runs
    assert warm.exit_code == 0, warm.stderr
    scratch = tmp_path / "case"
    prepare(case, scratch)
    for folder in ("configs", "monitoring"):
        shutil.rmtree(scratch / folder, ignore_errors=True)
        shutil.copytree(tmp_path / "warm" / "render" / folder, scratch / folder)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(scratch), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = runbook.main(command(case, "render"))
    assert normalise(err.getvalue(), scratch) == render_section(case)
    assert code == 1

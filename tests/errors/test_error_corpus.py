"""Every bad input in tests/errors is reported exactly as its .log says by `render`, `validate`
and `plan`, each exits 1 without a traceback, and nothing is written.

Cases are found by globbing (see error_corpus.py for the format); add one by dropping a
``<case>.yml`` next to the others and running ``python tests/errors/regen.py <case>``.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from error_corpus import (
    BASE_DIR,
    CASES_DIR,
    DOCS,
    INPUT_SUFFIXES,
    SENTINEL_CONFIGS,
    Case,
    discover,
    leaks,
    run,
    with_index,
)

CASES = discover()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30, f"only {len(CASES)} error cases"


def test_every_case_has_its_log_and_every_log_its_case() -> None:
    inputs = {c.name for c in CASES}
    logs = {p.stem for p in CASES_DIR.glob("*.log")}
    assert not inputs - logs, f"cases without a .log (run regen.py): {sorted(inputs - logs)}"
    assert not logs - inputs, f".log files without a case: {sorted(logs - inputs)}"
    stems = [p.stem for s in INPUT_SUFFIXES for p in CASES_DIR.glob(f"*{s}")]
    assert len(stems) == len(set(stems)), "two inputs share a case name"


def test_docs_list_every_case() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert text == with_index(text, CASES), "docs/errors.md case table is stale: run tests/errors/regen.py"


def test_base_estate_renders_cleanly(tmp_path: Path) -> None:
    """The cases are only meaningful if the estate they modify is valid on its own."""
    outcome = run(Case(name="base", source=BASE_DIR, about="base", args=[]), tmp_path)
    render, validate, plan = outcome.runs
    assert render.exit_code == 0, render.stderr
    assert "error" not in render.stderr
    assert {"tst-001.cfg", "tst-002.cfg", "tst-003.cfg"} <= set(render.configs_after)
    assert "gone-999.cfg" not in render.configs_after, "a full render prunes removed sites"
    assert validate.exit_code == 0, validate.stdout
    assert plan.exit_code == 2, plan.stdout  # the sentinel configs differ from the rendered ones


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_error_case(case: Case, tmp_path: Path) -> None:
    outcome = run(case, tmp_path)
    expected = case.log.read_text(encoding="utf-8") if case.log.is_file() else ""
    if outcome.log != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                outcome.log.splitlines(keepends=True),
                fromfile=case.log.name,
                tofile="output",
            )
        )
        pytest.fail(
            f"{case.name}: messages differ (if intended: python tests/errors/regen.py "
            f"{case.name}, then review the git diff)\n{diff}",
            pytrace=False,
        )
    assert [r.command for r in outcome.runs] == list(case.commands)
    for result in outcome.runs:
        assert result.exit_code == 1, result.command
        if result.command != "validate":
            assert result.stdout == "", f"{result.command}: errors go to stderr; stdout stays empty"
        assert result.configs_after == result.configs_before == SENTINEL_CONFIGS, f"{result.command}: configs/ touched"
        assert "Traceback" not in result.stdout + result.stderr, result.command
        assert any(line.startswith(("error: ", "error ")) for line in result.shown.splitlines()), result.command
    assert not leaks(case, outcome), "a secret value was printed"


def test_every_case_runs_all_three_commands_unless_it_says_why() -> None:
    """A case that skips a command does so because its option or the path it breaks is not
    used by the others; a bad intent always goes through all three."""
    narrowed = [c for c in CASES if c.commands != ("render", "validate", "plan")]
    for case in narrowed:
        assert case.args or case.folders or case.symlinks, f"{case.name}: only option/path cases may narrow commands:"
        assert not any(name.startswith("intents/") for name in case.writes), case.name
    assert len(narrowed) <= len(CASES) // 5

"""The day-2 golden cases: notifications.yaml and channel secrets written wrong, and the day-1 locations
the day-2 corpus found (issue 21). Same layout and regeneration as tests/errors (see
tests/errors/error_corpus.py): each ``golden/<case>.yml`` beside the ``.log`` it must print.

Add a case by writing ``golden/<case>.yml`` and running ``python tests/errors/regen.py <case>``;
read the new ``.log``: it is the message users will get.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "errors"))
from error_corpus import DAY2_BEGIN, DAY2_DIR, DAY2_END, DOCS, SENTINEL_CONFIGS, Case, discover, leaks, run, with_index

CASES = discover(DAY2_DIR)


def test_the_corpus_covers_notifications_secrets_and_locations() -> None:
    names = {c.name for c in CASES}
    assert len([n for n in names if n.startswith("notify-")]) >= 8 and len(CASES) >= 12
    assert any("notify" in c.commands for c in CASES), "channel secrets are checked by `notify --check`"
    assert {c.log.stem for c in CASES} == {p.stem for p in DAY2_DIR.glob("*.log")}, "a case or a .log is missing"


def test_docs_list_every_case() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert text == with_index(text, CASES, DAY2_BEGIN, DAY2_END), "docs/errors.md is stale: run tests/errors/regen.py"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_day2_case(case: Case, tmp_path: Path) -> None:
    outcome = run(case, tmp_path)
    expected = case.log.read_text(encoding="utf-8") if case.log.is_file() else ""
    if outcome.log != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), outcome.log.splitlines(keepends=True), case.log.name, "output"
            )
        )
        pytest.fail(f"{case.name}: messages differ (python tests/errors/regen.py {case.name})\n{diff}", pytrace=False)
    for result in outcome.runs:
        assert result.exit_code == 1, result.command
        assert result.configs_after == result.configs_before == SENTINEL_CONFIGS, f"{result.command}: configs/ touched"
        assert "Traceback" not in result.stdout + result.stderr, result.command
        errors = [line for line in result.shown.splitlines() if line.startswith("error: ")]
        assert errors and all(line.split(" ")[1].count(":") >= 1 for line in errors), "every error has a file:line"
    assert not leaks(case, outcome), "a secret value was printed"

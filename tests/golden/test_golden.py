"""Golden files: the rendered configs and facts of one site per platform stay exactly as reviewed.

A failure means a change to what devices get. If it is intended, run
``python tests/golden/regen.py`` and review the git diff of tests/golden/ before committing.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from golden_cases import Case, actual, discover

CASES = discover()
ITEMS = [(case, site, rel) for case in CASES for site in case.sites() for rel in case.expected_files(site)]


def _id(item: tuple[Case, str, Path]) -> str:
    case, site, rel = item
    return f"{case.name}/{rel.parent}/{site}"


def test_every_platform_has_a_golden_site() -> None:
    """Each platform the project renders has at least one reviewed config and facts file."""
    platforms = {
        json.loads((case.expected / "facts" / f"{site}.json").read_text())["platform"]
        for case in CASES
        for site in case.sites()
    }
    assert {"frr", "eos", "ios"} <= platforms


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_golden_site_has_every_rendered_file(case: Case) -> None:
    assert case.sites(), f"golden case {case.name} has no expected files (regen.py --add {case.name} SITE)"
    for site in case.sites():
        missing = [str(rel) for rel, path in case.expected_files(site).items() if not path.is_file()]
        assert not missing, f"{case.name}/{site}: missing {missing}; run python tests/golden/regen.py {case.name}"
        unreviewed = sorted(str(rel) for rel in actual(case)[site] if rel not in case.expected_files(site))
        assert not unreviewed, f"{case.name}/{site}: no golden file for {unreviewed}; run regen.py {case.name}"


@pytest.mark.parametrize("item", ITEMS, ids=[_id(i) for i in ITEMS])
def test_rendered_output_matches_golden_file(item: tuple[Case, str, Path]) -> None:
    case, site, rel = item
    path = case.expected_files(site)[rel]
    if not path.is_file():
        pytest.fail(f"{path} is missing; run python tests/golden/regen.py {case.name}")
    expected = path.read_text(encoding="utf-8")
    got = actual(case)[site][rel]
    if got != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                got.splitlines(keepends=True),
                fromfile=f"golden {rel}",
                tofile=f"rendered {rel}",
            )
        )
        pytest.fail(
            f"{case.name}/{site}: {rel} differs from the golden file. If the change is intended: "
            f"python tests/golden/regen.py {case.name}, then review the git diff.\n{diff}",
            pytrace=False,
        )

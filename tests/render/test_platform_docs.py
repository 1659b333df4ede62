"""docs/platforms.md's section table matches platforms/*.yaml and templates/, so it cannot go stale."""

from __future__ import annotations

from pathlib import Path

from runbook_wan.model.platform import load_platforms

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "platforms.md"
PLATFORMS, _ = load_platforms()


def section_table() -> tuple[list[str], dict[str, list[str]]]:
    """Header platforms and, per section row, its cells (one per platform)."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = lines.index(next(line for line in lines if line.startswith("| section |")))
    header = [c.strip() for c in lines[start].strip("|").split("|")][1:]
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows[cells[0].strip("`")] = cells[1:]
    return header, rows


def test_table_has_a_column_per_platform_and_a_row_per_section() -> None:
    header, rows = section_table()
    assert sorted(header) == sorted(PLATFORMS), "docs/platforms.md: one column per platforms/*.yaml"
    assert set(rows) == {s for spec in PLATFORMS.values() for s in spec.sections}


def test_table_says_which_platform_renders_which_section() -> None:
    header, rows = section_table()
    for section, cells in rows.items():
        for platform, cell in zip(header, cells, strict=True):
            renders = section in PLATFORMS[platform].sections
            assert (cell != "—") == renders, f"docs/platforms.md: {section} x {platform} is wrong"


def test_every_listed_section_has_its_template() -> None:
    for spec in PLATFORMS.values():
        for section in spec.sections:
            assert (REPO / "templates" / spec.templates / f"{section}.j2").is_file(), (spec.platform, section)


def sla_matrix() -> dict[str, dict[str, str]]:
    """The SLA steering table: platform -> column -> cell."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = lines.index(next(line for line in lines if line.startswith("| platform | measured on the router by |")))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows: dict[str, dict[str, str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows[cells[0].strip("`")] = dict(zip(header, cells, strict=True))
    return rows


def test_sla_matrix_says_what_each_platform_enforces_as_the_catalog_does() -> None:
    rows = sla_matrix()
    assert set(rows) == set(PLATFORMS)
    for platform, spec in PLATFORMS.items():
        for criterion in ("latency", "jitter", "loss"):
            enforced = rows[platform][criterion].startswith("enforced")
            assert enforced == (criterion in spec.capabilities.sla_enforced), f"{platform} {criterion}"

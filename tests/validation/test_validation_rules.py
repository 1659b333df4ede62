"""Estate rules: every rule passes on a sound estate and fires, at the right file and line, on a
broken one (the corpus in broken/<case>/)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BASE_ESTATE, broken_cases, expectations, located_at, run_validation

from runbook_wan.model.loader import load_estate
from runbook_wan.results import Severity
from runbook_wan.validation.rules import all_rules, run_rules
from runbook_wan.validation.rules.base import RuleInput

RULE_IDS = [rule.id for rule in all_rules()]
#: Rules whose failing case the loader rejects first, or that no shipped platform can break (their
#: failing test edits the typed model instead).
LOADER_GUARDED = {"R010-class-references-exist", "R011-class-steerable-on-platform"}


def test_registry_has_at_least_15_documented_rules_with_unique_ids() -> None:
    rules = all_rules()
    assert len(rules) >= 15
    assert len(set(RULE_IDS)) == len(RULE_IDS)
    for rule in rules:
        assert rule.id[:4].startswith("R") and rule.id[1:4].isdigit(), rule.id
        assert rule.doc, f"{rule.id} has no docstring"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_passes_on_the_sound_base_estate(rule_id: str) -> None:
    estate, _ = load_estate(BASE_ESTATE)
    rule = next(r for r in all_rules() if r.id == rule_id)
    assert rule.evaluate(RuleInput(estate, tuple(estate.site_ids()))) == []


def test_the_example_estate_has_no_rule_errors() -> None:
    estate, _ = load_estate(Path(__file__).resolve().parents[2] / "intents")
    errors = [d for d in run_rules(estate) if d.severity is Severity.ERROR]
    assert errors == []


def test_every_rule_has_a_failing_case_in_the_broken_corpus() -> None:
    covered = {str(e["code"]) for case in broken_cases() for e in expectations(case)}
    missing = set(RULE_IDS) - covered - LOADER_GUARDED
    assert not missing, f"rules without a broken/<case>: {sorted(missing)}"


@pytest.mark.parametrize("case", broken_cases())
def test_broken_estate_is_reported_with_rule_file_and_line(case: str, estate_dir: Callable[[str | None], Path]) -> None:
    root = estate_dir(case)
    report = run_validation(root)
    found = report.diagnostics
    for expected in expectations(case):
        code, file, line = str(expected["code"]), str(expected["file"]), int(str(expected["line"]))
        matching = [d for d in found if d.code == code]
        assert matching, f"{case}: no {code}; got {sorted({d.code for d in found})}"
        assert any(located_at(d, root, file, line) for d in matching), (
            f"{case}: {code} not at {file}:{line}; got {[d.format() for d in matching]}"
        )
    if any(
        str(e["code"]).startswith("R") and next(r.severity for r in all_rules() if r.id == e["code"]) is Severity.ERROR
        for e in expectations(case)
    ):
        assert report.failed, f"{case}: an error-level rule fired but the run passed"


def test_class_references_rule_fails_on_a_site_without_the_class_segment() -> None:
    """The loader rejects this estate before rules run, so the typed model is edited directly."""
    estate, _ = load_estate(BASE_ESTATE)
    site = estate.sites["ccc-003"]
    trimmed = site.model_copy(update={"lan_segments": [s for s in site.lan_segments if s.name != "guest"]})
    broken = type(estate)(**{**estate.__dict__, "sites": {**estate.sites, "ccc-003": trimmed}})
    found = run_rules(broken, ["ccc-003"], [r for r in all_rules() if r.id == "R010-class-references-exist"])
    assert [d.code for d in found] == ["R010-class-references-exist"]
    assert "segment 'guest'" in found[0].message
    assert found[0].location is not None and found[0].location.file.endswith("policies/std.yaml")
    assert found[0].location.line == 16  # `segments: [guest]` of class guest


def test_rules_report_only_selected_sites_with_limit() -> None:
    """--limit: a duplicate between a selected and an unselected site is reported for the selected one."""
    estate, _ = load_estate(BASE_ESTATE)
    site = estate.sites["bbb-002"].model_copy(update={"asn": 65001})
    broken = type(estate)(**{**estate.__dict__, "sites": {**estate.sites, "bbb-002": site}})
    dup = [r for r in all_rules() if r.id == "R003-unique-site-asn"]
    assert {d.details["subject"] for d in run_rules(broken, ["bbb-002"], dup)} == {"bbb-002"}
    assert run_rules(broken, ["ccc-003"], dup) == []


DSCP_ONLY_VIDEO = """
  video:
    match:
      dscp: [af41]
    path_preference: [primary_dia]
    sla: {latency_ms: 200, jitter_ms: 40, loss_pct: 2}
"""


def _with_dscp_only_class(root: Path) -> Path:
    policy = root / "policies" / "std.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("guardrails:", DSCP_ONLY_VIDEO.lstrip("\n") + "guardrails:"), encoding="utf-8")
    return root


def test_class_steerable_rule_fails_on_a_platform_that_cannot_match_the_class(
    estate_dir: Callable[[str | None], Path],
) -> None:
    """No shipped platform lacks a criterion any more (FRR marks DSCP with nftables), so the
    platform's capabilities are narrowed in the typed model: a DSCP-only class is then never steered."""
    estate, _ = load_estate(_with_dscp_only_class(estate_dir(None)))
    frr = estate.platforms["frr"]
    narrowed = frr.model_copy(
        update={"capabilities": frr.capabilities.model_copy(update={"steering_match": ["segments", "destinations"]})}
    )
    broken = type(estate)(**{**estate.__dict__, "platforms": {**estate.platforms, "frr": narrowed}})
    rule = [r for r in all_rules() if r.id == "R011-class-steerable-on-platform"]
    found = run_rules(broken, ["aaa-001"], rule)
    assert [d.code for d in found] == ["R011-class-steerable-on-platform"]
    assert "class 'video' matches only by dscp" in found[0].message
    assert found[0].location is not None and found[0].location.file.endswith("policies/std.yaml")
    assert found[0].location.line == 20  # `match:` of class video


def test_a_dscp_only_class_is_steered_on_frr(estate_dir: Callable[[str | None], Path]) -> None:
    """FRR classifies DSCP with nftables and matches the mark: the class is steered, no rule fires."""
    report = run_validation(_with_dscp_only_class(estate_dir(None)))
    assert "R011-class-steerable-on-platform" not in {d.code for d in report.diagnostics}
    assert "steering-unsupported-match" not in {d.code for d in report.diagnostics}

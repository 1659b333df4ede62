"""`validate --against REF`: the change's reach and the gate as findings on the intent lines (SARIF)."""

from __future__ import annotations

import json

from conftest import PullRequest
from test_review_impact import SAAS_NEW, SAAS_OLD, _saas_line


def _results(sarif: dict[str, object]) -> list[dict[str, object]]:
    return sarif["runs"][0]["results"]  # type: ignore[index,no-any-return]


def test_validate_against_fails_a_wide_change_with_its_own_exit_code_and_annotates_the_line(pr: PullRequest) -> None:
    line = _saas_line(pr.root)
    pr.edit("intents/policies/retail-standard.yaml", SAAS_OLD, SAAS_NEW)
    sarif_path = pr.root / "validate.sarif"
    code, out, _ = pr.run("validate", "--against", "main", "--sarif", str(sarif_path))
    assert code == 7
    assert "72 sites change; estate.change_policy.max_sites allows 20 (25% of 80 = 20)" in out
    results = _results(json.loads(sarif_path.read_text()))
    on_line = [
        r
        for r in results
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "intents/policies/retail-standard.yaml"  # type: ignore[index]
        and r["locations"][0]["physicalLocation"]["region"]["startLine"] == line  # type: ignore[index]
    ]
    levels = {(r["ruleId"], r["level"]) for r in on_line}
    assert ("change-intent", "note") in levels
    assert ("gate-max-sites", "error") in levels and ("gate-max-sites-per-region", "error") in levels
    note = next(r for r in on_line if r["ruleId"] == "change-intent")
    assert "reaches 72 site(s) (central 18, east 18, south 18, west 18)" in note["message"]["text"]  # type: ignore[index]


def test_validate_override_keeps_the_findings_as_warnings(pr: PullRequest) -> None:
    pr.edit("intents/policies/retail-standard.yaml", SAAS_OLD, SAAS_NEW)
    code, out, _ = pr.run("validate", "--against", "main", "--allow-wide-change", "CHG-7 approved", "--format", "json")
    assert code == 0
    report = json.loads(out)
    gate = [d for r in report["results"] for d in r["diagnostics"] if d["code"].startswith("gate-")]
    assert {d["code"] for d in gate} == {"gate-max-sites", "gate-max-sites-per-region"}
    assert all(d["severity"] == "warning" and "(overridden: CHG-7 approved)" in d["message"] for d in gate)


def test_an_invalid_change_is_an_error_before_it_is_a_wide_one(pr: PullRequest) -> None:
    pr.edit("intents/policies/retail-standard.yaml", SAAS_OLD, SAAS_NEW)
    site = "intents/sites/pdx-002.yaml"
    pr.edit(site, "loopback: 10.255.0.2/32", "loopback: 10.255.0.1/32")  # duplicate loopback (R002)
    code, _, _ = pr.run("validate", "--against", "main")
    assert code == 1


def test_validate_without_against_does_not_review(pr: PullRequest) -> None:
    pr.edit("intents/policies/retail-standard.yaml", SAAS_OLD, SAAS_NEW)
    code, out, _ = pr.run("validate")
    assert code == 0 and "change.gate" not in out

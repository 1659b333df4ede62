"""`deploy` enforces the blast-radius gate against what was last deployed, before touching anything.

No lab: the gate decides before the inventory is read. The deployed record here is hand-built from
the committed configs (what a finished rollout of the example estate leaves in ``<state>/deployed``);
tests/deploy/test_rollout_lab.py shows the record written by real rollouts, and the override in the
audit log.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from deploykit import deploy_offline

from runbook_wan.render.writer import read_site_files
from runbook_wan.rollout.deployed import DeployedRecord

REPO = Path(__file__).resolve().parents[2]
SAAS_OLD = "path_preference: [secondary_dia, primary_dia, tertiary_wireless]"
SAAS_NEW = "path_preference: [primary_dia, secondary_dia, tertiary_wireless]"


@pytest.fixture
def intents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RUNBOOK_SECRET_BGP_FIBRELINK", "gate-test-secret-1")
    monkeypatch.setenv("RUNBOOK_SECRET_BGP_METROFIBER", "gate-test-secret-2")
    dest = tmp_path / "intents"
    shutil.copytree(REPO / "intents", dest)
    return dest


def _hand_built_record(tmp_path: Path, intents: Path) -> None:
    record = DeployedRecord(tmp_path / "state")
    record.record(read_site_files(REPO / "configs", [".nft", ".agent.json"]))
    record.snapshot_intents(intents)


def _deploy(tmp_path: Path, intents: Path, *argv: str) -> int:
    return deploy_offline(tmp_path, intents, "--yes", *argv)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_first_rollout_from_a_state_is_onboarding_not_a_change(
    tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(intents / "policies" / "retail-standard.yaml", SAAS_OLD, SAAS_NEW)
    assert _deploy(tmp_path, intents) == 1
    err = capsys.readouterr().err
    assert "has no management address" in err  # past the gate: stopped at the (missing) inventory
    assert "blast-radius" not in err


def test_wide_change_against_the_deployed_record_is_refused_before_anything(
    tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _hand_built_record(tmp_path, intents)
    _edit(intents / "policies" / "retail-standard.yaml", SAAS_OLD, SAAS_NEW)
    assert _deploy(tmp_path, intents) == 7
    err = capsys.readouterr().err
    assert "blast-radius gate: 72 sites change; estate.change_policy.max_sites allows 20 (25% of 80 = 20)" in err
    assert "--allow-wide-change REASON" in err
    assert not (tmp_path / "state" / "rollouts").exists()
    # a limit narrows the rollout, not the change
    assert _deploy(tmp_path, intents, "--limit", "sea-001") == 7
    capsys.readouterr()
    # with the override the gate lets it through (and the deploy stops later, at the missing inventory)
    assert _deploy(tmp_path, intents, "--allow-wide-change", "CHG-1: SaaS to fiber") == 1
    assert "has no management address" in capsys.readouterr().err


def test_narrow_change_passes_the_gate(tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _hand_built_record(tmp_path, intents)
    _edit(intents / "sites" / "sea-001.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    assert _deploy(tmp_path, intents) == 1
    assert "has no management address" in capsys.readouterr().err


def test_against_goes_only_with_check(tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _deploy(tmp_path, intents, "--against", "main") == 1
    assert "--against only goes with --check" in capsys.readouterr().err

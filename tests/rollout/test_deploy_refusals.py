"""`deploy` refuses before touching any device: invalid estate, drift from a reviewed plan, bad options.

No lab here: every refusal happens before the inventory is even read, which is the point.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from deploykit import deploy_offline

from runbook_wan import cli as runbook


@pytest.fixture
def intents(tmp_path: Path, example_intents: Path) -> Path:
    dest = tmp_path / "intents"
    shutil.copytree(example_intents, dest)
    return dest


def _deploy(tmp_path: Path, intents: Path, *argv: str) -> int:
    return deploy_offline(tmp_path, intents, *argv)


def test_validation_errors_stop_the_deploy(tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = intents / "sites" / "pdx-002.yaml"
    site.write_text(site.read_text().replace("loopback: 10.255.0.2/32", "loopback: 10.255.0.1/32"))
    assert _deploy(tmp_path, intents, "--yes") == 1
    err = capsys.readouterr().err
    assert "R002" in err and "intents/sites/pdx-002.yaml" in err
    assert "nothing was written or deployed" in err
    assert not (tmp_path / "state" / "rollouts").exists()


def test_a_pinned_plan_refuses_configs_that_changed_after_review(
    tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNBOOK_SECRET_BGP_FIBRELINK", "pinned-test-secret-1")
    monkeypatch.setenv("RUNBOOK_SECRET_BGP_METROFIBER", "pinned-test-secret-2")
    plan = tmp_path / "plan.json"
    assert (
        runbook.main(
            [
                "plan",
                "--intents",
                str(intents),
                "--configs",
                str(tmp_path / "configs"),
                "--out",
                str(plan),
                "--format",
                "json",
            ]
        )
        == 2
    )
    capsys.readouterr()
    # unchanged intents: the pinned check passes, and the deploy only stops later, at the inventory
    assert _deploy(tmp_path, intents, "--yes", "--plan", str(plan)) == 1
    assert "has no management address" in capsys.readouterr().err
    site = intents / "sites" / "sea-001.yaml"
    site.write_text(site.read_text().replace("bandwidth_mbps: 1000", "bandwidth_mbps: 2000"))
    assert _deploy(tmp_path, intents, "--yes", "--plan", str(plan)) == 1
    err = capsys.readouterr().err
    assert "configs differ from the reviewed plan for: sea-001" in err


def test_revert_timer_must_outlast_the_health_gate(
    tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _deploy(tmp_path, intents, "--yes", "--gate-timeout", "60", "--revert-in", "30") == 1
    assert "--revert-in 30s leaves no time to confirm" in capsys.readouterr().err


def test_non_interactive_deploy_needs_yes(
    tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert _deploy(tmp_path, intents) == 1
    assert "pass --yes" in capsys.readouterr().err


def test_resume_of_an_unknown_rollout_is_a_clear_error(
    tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _deploy(tmp_path, intents, "--resume", "r-nope") == 1
    assert "no rollout 'r-nope'" in capsys.readouterr().err

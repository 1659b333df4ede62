"""The deploy decisions under faults, on every machine: NAPALM's own mock driver + RECORDED answers.

Each row of SCENARIOS is a data table: which device calls answer what (recorded lab answers,
or the exception the mock raises), and where the site must end, with which status and words.
The real ``deploy_site`` task runs through Nornir, exactly as in a rollout.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mock_device import DIFF, deploy, gate_poll, healthy_change, job, raises, recorded, write_calls
from napalm.base.exceptions import (
    CommandTimeoutException,
    ConnectionClosedException,
    ReplaceConfigException,
)
from napalm.base.mock import MockDriver

from runbook_wan.results import ExitCode, Status
from runbook_wan.rollout.runner import RolloutResult
from runbook_wan.tasks import deploy_site as deploy_module
from runbook_wan.tasks.outcome import Outcome, SiteReport


def _lose_device_after(step_name: str) -> Any:
    """After ``step_name`` is journaled the device stops answering SSH (the mock's fail_on_open)."""

    def hook(step: str, driver: MockDriver) -> None:
        if step == step_name:
            driver.fail_on_open = True

    return hook


def _revert_timer_fires_during(step_name: str) -> Any:
    """While we reconnect, the device's revert timer restores the old config (no commit pending)."""

    def hook(step: str, driver: MockDriver) -> None:
        if step == step_name:
            driver._pending_commits = False

    return hook


@dataclass
class Scenario:
    calls: dict[str, list[Any]]
    outcome: Outcome
    status: Status
    words: tuple[str, ...]
    steps: tuple[tuple[str, Status], ...] = ()
    hook: Any = None
    fail_on_open: bool = False
    not_called: tuple[str, ...] = ()
    revert_in: int = 60


BACKUP_MATCHES = {"diff": ""}
LOST = raises(ConnectionClosedException, "connection lost during a command")
TIMEOUT = raises(CommandTimeoutException, "command did not finish in time")
REFUSED = raises(ReplaceConfigException, "FRR rejected the candidate: % Unknown command")


SCENARIOS: dict[str, Scenario] = {
    "a healthy change is confirmed": Scenario(
        healthy_change(),
        Outcome.CHANGED,
        Status.SUCCESS,
        (),
        steps=(("commit", Status.SUCCESS), ("gate", Status.SUCCESS), ("confirm", Status.SUCCESS)),
    ),
    "the device is unreachable: not changed": Scenario(
        {},
        Outcome.FAILED,
        Status.ERROR,
        ("unreachable: connect:", "the device was not changed"),
        steps=(("connect", Status.ERROR),),
        fail_on_open=True,
    ),
    "the device refuses the candidate: not changed": Scenario(
        healthy_change(load_replace_candidate=[REFUSED]),
        Outcome.FAILED,
        Status.ERROR,
        ("load: ReplaceConfigException", "the device was not changed"),
        steps=(("load", Status.ERROR),),
        not_called=("commit_config",),
    ),
    "the gate fails (recorded: primary down): rolled back, a failure": Scenario(
        healthy_change(
            **gate_poll("primary-down"),
            load_replace_candidate=[{}, {}],
            compare_config=[{"diff": DIFF}, BACKUP_MATCHES],
        ),
        Outcome.ROLLED_BACK,
        Status.FAILURE,
        ("health gate failed: primary_dia: 100.64.0.86 not established", "old config restored and verified"),
        steps=(("gate", Status.FAILURE), ("pending-check", Status.SUCCESS), ("rollback", Status.SUCCESS)),
        not_called=("confirm_commit",),
    ),
    "SSH lost mid-commit, device back: pending commit rolled back and verified": Scenario(
        healthy_change(
            commit_config=[LOST], load_replace_candidate=[{}, {}], compare_config=[{"diff": DIFF}, BACKUP_MATCHES]
        ),
        Outcome.ROLLED_BACK,
        Status.ERROR,
        ("connection lost during commit", "old config restored and verified"),
        steps=(("commit", Status.ERROR), ("reconnect", Status.SUCCESS), ("rollback", Status.SUCCESS)),
        not_called=("confirm_commit", "get_bgp_neighbors"),
    ),
    "SSH lost mid-commit, device stays away: revert pending, never 'rolled back'": Scenario(
        healthy_change(commit_config=[TIMEOUT]),
        Outcome.REVERT_PENDING,
        Status.ERROR,
        ("connection lost during commit", "revert pending: the device restores its old config within"),
        steps=(("commit", Status.ERROR), ("reconnect", Status.ERROR)),
        hook=_lose_device_after("pre-check"),
        not_called=("confirm_commit",),
        revert_in=3,  # reconnecting stops shortly before the timer is due: at once here
    ),
    "SSH lost during the gate, timer reverted meanwhile: rolled back by the device, verified": Scenario(
        healthy_change(
            get_bgp_neighbors=[LOST], load_replace_candidate=[{}, {}], compare_config=[{"diff": DIFF}, BACKUP_MATCHES]
        ),
        Outcome.ROLLED_BACK,
        Status.ERROR,
        ("connection lost during gate", "the device's revert timer restored the old config (verified)"),
        steps=(("gate", Status.ERROR), ("reconnect", Status.SUCCESS), ("verify-old", Status.SUCCESS)),
        hook=_revert_timer_fires_during("reconnect"),
        not_called=("confirm_commit",),
    ),
    "confirm's answer lost, confirm went through: the new config, verified": Scenario(
        healthy_change(
            confirm_commit=[LOST],
            load_replace_candidate=[{}, {}, {}],
            compare_config=[{"diff": DIFF}, {"diff": "-" + DIFF}, BACKUP_MATCHES],
        ),
        Outcome.CHANGED,
        Status.SUCCESS,
        ("the device holds the new config, confirmed after the gate passed (verified)",),
        steps=(("confirm", Status.ERROR), ("reconnect", Status.SUCCESS), ("verify-new", Status.SUCCESS)),
    ),
    "a rollback that leaves a difference is unverified, not 'rolled back'": Scenario(
        healthy_change(
            **gate_poll("isolated"),
            load_replace_candidate=[{}, {}],
            compare_config=[{"diff": DIFF}, {"diff": "-ip route 0.0.0.0/0 blackhole\n"}],
        ),
        Outcome.UNVERIFIED,
        Status.FAILURE,
        ("health gate failed", "rollback ran but the running config still differs from the backup"),
        steps=(("gate", Status.FAILURE), ("rollback", Status.SUCCESS), ("verify-rollback", Status.SUCCESS)),
    ),
    "the rollback ran but its verification raised: unverified, never 'rolled back'": Scenario(
        healthy_change(
            **gate_poll("primary-down"),
            load_replace_candidate=[{}, {}],
            compare_config=[{"diff": DIFF}, raises(ReplaceConfigException, "frr-reload.py --test failed")],
        ),
        Outcome.UNVERIFIED,
        Status.FAILURE,
        ("health gate failed", "recovery stopped at verify-rollback"),
        steps=(("rollback", Status.SUCCESS), ("verify-rollback", Status.ERROR)),
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_deploy_decision(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = SCENARIOS[name]
    monkeypatch.setattr(deploy_module, "RECONNECT_MIN_S", 0.5)  # the mock's "down" never comes back
    folder = write_calls(tmp_path / "device", scenario.calls)
    report, steps, driver = deploy(folder, job(scenario.revert_in), tmp_path, scenario.fail_on_open, scenario.hook)
    assert report.outcome is scenario.outcome, report.reason
    assert report.status is scenario.status, report.reason
    for words in scenario.words:
        assert words in report.reason, report.reason
    for step in scenario.steps:
        assert step in steps, steps
    if report.outcome.counts_as_failure:
        assert report.hint, "every site failure gets a hint"
    if report.outcome is not Outcome.ROLLED_BACK:
        assert "rolled back" not in report.reason
    if driver is not None:
        for method in scenario.not_called:
            assert method not in driver.calls, f"{method} was called"


def test_the_revert_pending_outcome_has_its_own_exit_code() -> None:
    def result(*outcomes: Outcome, halted: bool = False) -> RolloutResult:
        sites = {f"s{i}": SiteReport(site=f"s{i}", outcome=o) for i, o in enumerate(outcomes)}
        return RolloutResult(rollout_id="r", check=False, waves=[list(sites)], sites=sites, halted=halted)

    assert result(Outcome.CHANGED).exit_code() is ExitCode.OK
    assert result(Outcome.CHANGED, Outcome.ROLLED_BACK).exit_code() is ExitCode.FAILED
    assert result(Outcome.UNVERIFIED).exit_code() is ExitCode.FAILED
    assert result(Outcome.ROLLED_BACK, halted=True).exit_code() is ExitCode.HALTED
    assert result(Outcome.REVERT_PENDING, Outcome.ROLLED_BACK, halted=True).exit_code() is ExitCode.REVERT_PENDING
    assert int(ExitCode.REVERT_PENDING) == 6


def test_the_recorded_answers_are_what_the_tables_claim() -> None:
    """Guard the data tables: the recorded states differ the way the scenarios rely on."""
    peers = {s: recorded(s)["get_bgp_neighbors"]["global"]["peers"] for s in ("healthy", "primary-down", "isolated")}
    assert all(p["is_up"] for p in peers["healthy"].values())
    assert not peers["primary-down"]["100.64.0.86"]["is_up"] and peers["primary-down"]["100.67.0.86"]["is_up"]
    assert not any(p["is_up"] for p in peers["isolated"].values())
    assert "password <removed>" in recorded("healthy")["get_config"]["running"]  # recorded sanitized


def test_a_failed_step_prints_no_traceback(tmp_path: Path) -> None:
    """Nornir logs each failed task with its traceback; outside pytest (which captures logging),
    Python's last-resort handler would print it to the operator's terminal. Run it bare."""
    here = Path(__file__).resolve().parent
    driver = here.parents[1] / "napalm_frr" / "src"
    script = textwrap.dedent(
        f"""
        import sys
        sys.path[:0] = [{str(here)!r}, {str(here.parents[1] / "src")!r}, {str(driver)!r}]
        from pathlib import Path
        from mock_device import deploy, healthy_change, job, raises, write_calls
        from napalm.base.exceptions import ReplaceConfigException
        calls = healthy_change(load_replace_candidate=[raises(ReplaceConfigException, "no")])
        folder = write_calls(Path({str(tmp_path)!r}) / "device", calls)
        report, _, _ = deploy(folder, job(), Path({str(tmp_path)!r}))
        print(report.outcome.value)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "failed"
    assert "Traceback" not in done.stderr, done.stderr[-2000:]

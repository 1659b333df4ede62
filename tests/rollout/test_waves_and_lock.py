"""Wave planning, failure thresholds and the rollout lock (pure logic, no devices)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from runbook_wan.results import DiagnosticError
from runbook_wan.rollout.lock import LockHeldError, RolloutLock
from runbook_wan.rollout.policy import Amount, allowed_failures, plan_waves

SITES = [f"s{i:02d}" for i in range(1, 81)]


def test_canary_first_then_waves_cover_every_site_once() -> None:
    plan = plan_waves(SITES, canary="1", wave_size="20%")
    assert plan.canary == ["s01"]
    assert [len(w) for w in plan.waves] == [16, 16, 16, 16, 15]
    flat = [s for wave in plan.all_waves for s in wave]
    assert sorted(flat) == SITES and len(flat) == len(set(flat))


def test_explicit_canary_sites_and_unknown_canary() -> None:
    plan = plan_waves(SITES, canary="s40,s41", wave_size="30")
    assert plan.canary == ["s40", "s41"] and len(plan.waves) == 3
    with pytest.raises(DiagnosticError):
        plan_waves(SITES, canary="chi-999", wave_size="10")


def test_thresholds_halt_on_any_canary_failure_and_more_than_ten_percent() -> None:
    ten = Amount.parse("10%", "--max-failures")
    assert allowed_failures(ten, 1, canary=True) == 0
    assert allowed_failures(ten, 16, canary=False) == 1  # 2 of 16 (12.5%) halts
    assert allowed_failures(ten, 5, canary=False) == 0
    assert allowed_failures(Amount.parse("3", "--max-failures"), 16, canary=False) == 3
    with pytest.raises(DiagnosticError, match="1 error"):
        Amount.parse("lots", "--max-failures")


def test_second_rollout_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    with RolloutLock(path, "r1", "alice"):
        with pytest.raises(LockHeldError) as info:
            RolloutLock(path, "r2", "bob").acquire()
        assert info.value.info.rollout_id == "r1"
        assert "another rollout is running: r1 by alice" in info.value.diagnostic(path).message
    assert not path.exists()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    # a controller that takes the lock and dies without releasing it
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[2] / 'src')!r});"
        f"from runbook_wan.rollout.lock import RolloutLock; RolloutLock(__import__('pathlib').Path({str(path)!r}),"
        "'dead', 'carol').acquire(); import os; os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert path.exists()
    lock = RolloutLock(path, "r3", "dave")
    lock.acquire()
    assert lock.stale is not None and lock.stale.rollout_id == "dead"
    assert lock.read() is not None and lock.read().pid == os.getpid()  # type: ignore[union-attr]
    lock.release()

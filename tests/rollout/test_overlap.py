"""Overlapping waves (rollout.overlap): pure scheduling logic, no devices."""

from __future__ import annotations

from runbook_wan.rollout.overlap import WaveScheduler

CANARY = ["c1"]
WAVE1 = [f"a{i}" for i in range(1, 6)]
WAVE2 = [f"b{i}" for i in range(1, 6)]


def scheduler(allowed_wave: int = 1, concurrency: int = 5, halting: bool = True) -> WaveScheduler:
    return WaveScheduler.plan([CANARY, WAVE1, WAVE2], [0, allowed_wave, allowed_wave], concurrency, halting)


def test_nothing_starts_before_the_canary_is_confirmed() -> None:
    s = scheduler()
    assert s.next_sites() == ["c1"]
    assert s.next_sites() == []  # the canary runs: no wave-1 site may start, free workers or not
    assert s.finish("c1", failed=False) is not None
    assert s.next_sites() == WAVE1


def test_a_failed_canary_halts_and_nothing_else_starts() -> None:
    s = scheduler()
    s.next_sites()
    wave = s.finish("c1", failed=True)
    assert wave is not None and wave.exceeded
    assert s.halted_by is wave
    assert s.next_sites() == []
    assert s.not_started() == WAVE1 + WAVE2


def test_next_wave_starts_while_the_last_gates_run_once_the_limit_cannot_be_exceeded() -> None:
    s = scheduler(allowed_wave=1)
    s.next_sites()
    s.finish("c1", failed=False)
    s.next_sites()
    for site in WAVE1[:3]:
        assert s.finish(site, failed=False) is None
    # a4 and a5 still run: if both failed, wave 1 would have 2 > 1 failures -> not yet
    assert s.next_sites() == []
    s.finish("a4", failed=False)
    # only a5 runs: even if it fails, 1 failure is allowed -> wave 2 may start on the free workers
    assert s.next_sites() == WAVE2[:4]
    assert s.running == 5  # one wave's worth in flight, never more
    s.finish("a5", failed=True)
    assert s.halted_by is None
    assert s.next_sites() == ["b5"]


def test_a_failure_already_counted_blocks_the_overlap() -> None:
    s = scheduler(allowed_wave=1)
    s.next_sites()
    s.finish("c1", failed=False)
    s.next_sites()
    s.finish("a1", failed=True)
    for site in WAVE1[1:4]:
        s.finish(site, failed=False)
    assert s.next_sites() == []  # a5 still runs and 1 failure is spent: a5 could make it 2
    s.finish("a5", failed=True)
    assert s.halted_by is not None and s.halted_by.index == 1
    assert s.next_sites() == [] and s.not_started() == WAVE2


def test_check_mode_never_halts_and_only_the_worker_count_limits() -> None:
    s = scheduler(allowed_wave=0, concurrency=3, halting=False)
    assert s.next_sites() == ["c1", "a1", "a2"]
    s.finish("c1", failed=True)
    assert s.halted_by is None
    assert s.next_sites() == ["a3"]

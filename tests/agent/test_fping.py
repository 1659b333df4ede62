"""fping's RECORDED output (Debian fping 5.1 in the lab, site chi-021) becomes probe samples."""

from __future__ import annotations

import pytest
from recorded_kit import POLICY, Clock, RecordedRunner, looped, recording

from runbook_wan.agent.fping import RESTART_S, CircuitProbe, argv, parse_line, probe_bits_per_second
from runbook_wan.agent.policy import load_policy


def test_recorded_lines_parse_into_sequence_and_round_trip() -> None:
    seq, rtt = parse_line("100.64.255.1 : [3], 20 bytes, 0.053 ms (0.058 avg, 0% loss)") or (None, None)
    assert seq == 3 and rtt == pytest.approx(53e-6)
    assert parse_line("100.64.255.1 : [48], timed out (NaN avg, 100% loss)") == (48, None)
    assert parse_line("binding to specific interface (SO_BINTODEVICE): No such device") is None


def test_probes_are_pinned_to_their_circuit_and_small() -> None:
    policy = load_policy(POLICY)
    primary = policy.circuit("primary_dia")
    assert argv(primary) == [
        "fping", "-l", "-p", "100", "-t", "1000", "-b", "12", "-I", "wan1", "-S", "100.64.0.85", "100.64.255.1",
    ]  # fmt: skip
    assert probe_bits_per_second(primary) == 3200, "40-byte packets, 10 per second: 3.2 kbit/s each way"
    assert probe_bits_per_second(policy.circuit("tertiary_wireless")) == 320, "metered: 0.32 kbit/s each way"


def _probe(name: str, seconds: float, exits: bool = False) -> tuple[CircuitProbe, Clock, RecordedRunner]:
    clock = Clock()
    lines = looped(name, seconds) if not exits else recording(name)
    runner = RecordedRunner(clock, {"wan1": [(lines, exits)]}, reads=[""])
    probe = CircuitProbe(load_policy(POLICY).circuit("primary_dia"), runner)
    probe.start(clock())
    return probe, clock, runner


def _run(probe: CircuitProbe, clock: Clock, seconds: int) -> None:
    for _ in range(seconds):
        clock.advance(1.0)
        probe.poll(clock())


def test_recorded_clean_primary_shows_no_loss_and_sub_millisecond_latency() -> None:
    probe, clock, _ = _probe("fping-primary-clean.txt", 30)
    _run(probe, clock, 25)
    stats = probe.window.stats(clock())
    assert stats.enough and stats.lost == 0
    assert stats.latency_s is not None and stats.latency_s < 0.001
    assert 230 <= probe.sent_total <= 250


def test_recorded_five_percent_loss_is_measured_from_sequence_gaps() -> None:
    probe, clock, _ = _probe("fping-primary-loss5.txt", 25)
    _run(probe, clock, 24)
    stats = probe.window.stats(clock())
    assert stats.sent >= 90
    assert 0.01 < stats.loss_ratio < 0.12, stats


def test_recorded_dead_link_is_total_loss() -> None:
    probe, clock, _ = _probe("fping-primary-link-down.txt", 6, exits=False)
    _run(probe, clock, 6)
    stats = probe.window.stats(clock())
    assert stats.sent >= 40 and stats.loss_ratio == 1.0 and stats.latency_s is None


def test_a_probe_that_cannot_start_counts_as_loss_and_is_restarted() -> None:
    probe, clock, runner = _probe("fping-no-such-interface.txt", 1, exits=True)
    _run(probe, clock, int(RESTART_S) + 5)
    stats = probe.window.stats(clock())
    assert stats.sent > 0 and stats.loss_ratio == 1.0, "a circuit whose probe cannot run breaches, never looks clean"
    assert len(runner.spawned) >= 2 and probe.restarts >= 1

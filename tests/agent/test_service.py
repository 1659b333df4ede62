"""The agent loop on RECORDED fping and vtysh output (chi-021, the HAND-BUILT policy), one tick a
second on a clock the test moves: what it sends to FRR, and when."""

from __future__ import annotations

from recorded_kit import (
    POLICY,
    RECORDED_VTYSH_REFUSAL,
    Clock,
    RecordedRunner,
    looped,
    read_text,
    spliced,
)

from runbook_wan.agent.policy import load_policy
from runbook_wan.agent.service import VERIFY_S, Agent

P, S = "100.64.255.1", "100.67.255.1"
RENDERED = read_text("vtysh-chi-021-rendered-order.txt")
VOICE_ON_SECONDARY = read_text("vtysh-chi-021-voice-on-secondary.txt")


def _agent(
    primary: list[tuple[float, str]], reads: list[str], seconds: float = 400
) -> tuple[Agent, Clock, RecordedRunner]:
    clock = Clock()
    runner = RecordedRunner(
        clock,
        {
            "wan1": [(primary, False)],
            "wan2": [(looped("fping-primary-clean.txt", seconds), False)],
            "lte0": [(looped("fping-wireless-5g.txt", seconds), False)],
        },
        reads=reads,
    )
    agent = Agent(load_policy(POLICY), runner, clock, wall=lambda: 1_800_000_000.0 + clock())
    agent.start()
    return agent, clock, runner


def _ticks(agent: Agent, clock: Clock, seconds: int) -> list[tuple[float, str, str | None, str]]:
    moves = []
    for _ in range(seconds):
        clock.advance(1.0)
        moves += [(clock(), m.app_class, m.old, m.new) for m in agent.tick()]
    return moves


def test_recorded_brownout_moves_pos_voice_and_video_once_within_15_s_and_nothing_else() -> None:
    agent, clock, runner = _agent(
        spliced(("fping-primary-clean.txt", 30), ("fping-primary-loss5.txt", 60)), reads=[RENDERED]
    )
    begin = clock() + 30
    moves = _ticks(agent, clock, 85)
    moved = {m[1]: m for m in moves}
    assert sorted(moved) == ["pos", "video", "voice"], moves
    assert len(moves) == 3, "one transition per class"
    for _, (at, _, old, new) in moved.items():
        assert (old, new) == ("primary_dia", "secondary_dia")
        assert at - begin <= 15, f"moved {at - begin:.0f} s after the brownout began"
    sent = [line for call in runner.configured for line in call]
    assert "pbr-map SDWAN seq 45" in sent and f"set nexthop {S}" in sent
    assert not any(f"seq {s}" in " ".join(sent) for s in (60, 65, 90, 95, 105, 110)), "guest, saas, bulk untouched"
    snapshot = agent.snapshot().state()
    voice = snapshot["classes"]["voice"]
    assert voice["circuit"] == "secondary_dia" and voice["preferred"] == "primary_dia"
    assert voice["sla_met"] == {"primary_dia": False, "secondary_dia": True, "tertiary_wireless": True}
    assert "secondary_dia meets the SLA" in voice["reason"] and "primary_dia breaches loss" in voice["reason"]
    assert snapshot["circuits"]["primary_dia"]["loss_ratio"] > 0.01


def test_recorded_restart_adopts_where_frr_has_each_class_and_moves_nothing_until_the_hold() -> None:
    agent, clock, runner = _agent(looped("fping-primary-clean.txt", 120), reads=[VOICE_ON_SECONDARY])
    assert agent.classes["voice"].circuit == "secondary_dia"
    assert agent.classes["voice"].reason == "adopted from FRR at start"
    moves = _ticks(agent, clock, 60)
    assert moves == [] and runner.configured == [], "no flip on a restart"
    moves += _ticks(agent, clock, 15)
    assert [(m[1], m[2], m[3]) for m in moves] == [("voice", "secondary_dia", "primary_dia")]
    assert runner.configured[-1] == [
        "pbr-map SDWAN seq 45",
        f"set nexthop {P}",
        "pbr-map SDWAN seq 50",
        f"set nexthop {S}",
    ]


def test_recorded_dead_primary_moves_classes_off_it() -> None:
    agent, clock, _ = _agent(
        spliced(("fping-primary-clean.txt", 20), ("fping-primary-link-down.txt", 40)), reads=[RENDERED]
    )
    moves = _ticks(agent, clock, 40)
    assert {m[1] for m in moves} == {"pos", "voice", "video"}
    assert all(m[0] - 1020 <= 10 for m in moves), "a dead circuit is confirmed fast: every probe lost"


def test_recorded_refusal_keeps_the_class_and_the_move_is_tried_again() -> None:
    agent, clock, runner = _agent(
        spliced(("fping-primary-clean.txt", 20), ("fping-primary-loss5.txt", 60)), reads=[RENDERED]
    )
    runner.configure_answer = RECORDED_VTYSH_REFUSAL
    assert _ticks(agent, clock, 45) == []
    assert agent.classes["voice"].circuit == "primary_dia", "FRR refused: the class did not move"
    assert len(runner.configured) >= 2 and agent.errors >= 2
    runner.configure_answer = type(RECORDED_VTYSH_REFUSAL)(0, "", "")
    assert {m[1] for m in _ticks(agent, clock, 2)} == {"pos", "voice", "video"}


def test_recorded_frr_restart_is_put_back_by_the_periodic_check() -> None:
    agent, clock, runner = _agent(
        spliced(("fping-primary-clean.txt", 20), ("fping-primary-loss5.txt", 200)), reads=[RENDERED]
    )
    _ticks(agent, clock, 40)
    assert agent.classes["voice"].circuit == "secondary_dia"
    calls = len(runner.configured)
    _ticks(agent, clock, int(VERIFY_S) + 2)  # FRR still answers with the rendered order: it "restarted"
    assert agent.classes["voice"].circuit == "secondary_dia"
    assert len(runner.configured) == calls + 1, "one repair call, no move"
    assert "pbr-map SDWAN seq 45" in runner.configured[-1]

"""Reading and rewriting the pbr-map, on RECORDED vtysh output (FRR 8.4.4, site chi-021)."""

from __future__ import annotations

import pytest
from recorded_kit import POLICY, RECORDED_VTYSH_REFUSAL, Clock, RecordedRunner, read_text

from runbook_wan.agent import frr
from runbook_wan.agent.policy import load_policy

P, S, T = "100.64.255.1", "100.67.255.1", "100.69.255.1"


def test_recorded_map_gives_each_sequence_its_nexthop() -> None:
    seqs = frr.parse_map(read_text("vtysh-chi-021-rendered-order.txt"), "SDWAN")
    assert seqs[5] is None, "a 'set vrf unchanged' sequence has no nexthop"
    assert [seqs[s] for s in (30, 35, 40)] == [P, S, T]
    assert [seqs[s] for s in (60, 65, 70)] == [S, P, "100.127.255.254"], "guest ends with its discard rule"


def test_recorded_map_says_where_each_class_is() -> None:
    policy = load_policy(POLICY)
    rendered = frr.placements(policy, frr.parse_map(read_text("vtysh-chi-021-rendered-order.txt"), "SDWAN"))
    assert {n: p.circuit for n, p in rendered.items()} == {
        "pos": "primary_dia", "voice": "primary_dia", "video": "primary_dia",
        "saas": "secondary_dia", "bulk": "secondary_dia", "guest": "secondary_dia",
    }  # fmt: skip
    assert all(p.consistent for p in rendered.values())
    moved = frr.placements(policy, frr.parse_map(read_text("vtysh-chi-021-voice-on-secondary.txt"), "SDWAN"))
    assert moved["voice"] == frr.Placement("secondary_dia", True)
    down = frr.placements(
        policy, frr.parse_map(read_text("vtysh-chi-021-voice-on-secondary-primary-link-down.txt"), "SDWAN")
    )
    assert down["voice"].circuit == "secondary_dia", "an uninstalled sequence (nexthop down) still names its nexthop"


def test_a_move_rewrites_only_the_sequences_that_change() -> None:
    policy = load_policy(POLICY)
    voice = next(c for c in policy.classes if c.name == "voice")
    seqs = frr.parse_map(read_text("vtysh-chi-021-rendered-order.txt"), "SDWAN")
    assert frr.order(voice, "secondary_dia") == ["secondary_dia", "primary_dia", "tertiary_wireless"]
    assert frr.commands(policy, voice, "secondary_dia", seqs) == [
        "pbr-map SDWAN seq 45", f"set nexthop {S}", "pbr-map SDWAN seq 50", f"set nexthop {P}",
    ]  # fmt: skip
    assert frr.commands(policy, voice, "primary_dia", seqs) == []
    assert frr.order(voice, "tertiary_wireless") == ["tertiary_wireless", "primary_dia", "secondary_dia"]


def test_the_agent_never_creates_a_sequence() -> None:
    policy = load_policy(POLICY)
    voice = next(c for c in policy.classes if c.name == "voice")
    seqs = frr.parse_map(read_text("vtysh-chi-021-rendered-order.txt"), "SDWAN")
    del seqs[50]
    with pytest.raises(frr.FrrError, match="has no sequence 50"):
        frr.commands(policy, voice, "secondary_dia", seqs)


def test_unreadable_or_foreign_output_is_an_error() -> None:
    with pytest.raises(frr.FrrError, match="not JSON"):
        frr.parse_map("% Unknown command: show pbr map json", "SDWAN")
    with pytest.raises(frr.FrrError, match="pbr-map OTHER is not configured"):
        frr.parse_map(read_text("vtysh-chi-021-rendered-order.txt"), "OTHER")


def test_recorded_refusal_is_an_error_even_without_a_percent_sign() -> None:
    runner = RecordedRunner(Clock(), {}, reads=[""], configure_answer=RECORDED_VTYSH_REFUSAL)
    with pytest.raises(frr.FrrError, match="Specified Intf banana does not exist"):
        frr.Frr(runner).configure(["pbr-map SDWAN seq 45", "set nexthop banana"])
    assert runner.configured == [["pbr-map SDWAN seq 45", "set nexthop banana"]]
    assert frr.Frr(runner, "rbt-chi-021").base == ["vtysh", "-N", "rbt-chi-021"]

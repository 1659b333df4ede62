"""Failover and SD-WAN steering are real: sites boot with their rendered configs and LAN hosts
send traffic that enters the router on its LAN interfaces (where pbrd steering applies).

The lab is booted through `runbook.py lab up --configs`. Fault scenarios run on chi-021 (flagship
policy; fibrelink fiber with a BGP password, broadwave broadband, aircarrier 5G through the relay).
It runs without the SD-WAN edge agents (``--no-agents``): these tests prove reachability failover
alone (pbrd nexthop tracking, BGP, BFD), which must work with or without an agent; with agents a
class moved off a dead circuit returns only after the agent's hold (tests/lab/test_steering.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from labkit import run_cli

from runbook_wan.lab import probes
from runbook_wan.lab.api import Lab
from runbook_wan.lab.builder import free_management_network
from runbook_wan.lab.teardown import down
from runbook_wan.render.pipeline import render_estate
from runbook_wan.render.writer import write_configs
from runbook_wan.results import ExitCode

pytestmark = pytest.mark.lab
PREFIX = "rbtc" + os.environ.get("RUNBOOK_TEST_LAB_TAG", "")
SITE = "chi-021"
#: Generous functional bound for any failover (BFD detects in ~1.5 s, BGP hold is 9 s).
FAILOVER_S = 30.0


@pytest.fixture(scope="module")
def wan(small_intents: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    state = tmp_path_factory.mktemp("state")
    configs = tmp_path_factory.mktemp("configs")
    write_configs(render_estate(small_intents).configs, configs, prune=False)
    down(state, PREFIX)
    try:
        code = run_cli(
            state,
            "lab",
            "up",
            "--intents",
            str(small_intents),
            "--configs",
            str(configs),
            "--prefix",
            PREFIX,
            "--inventory",
            str(tmp_path_factory.mktemp("inventory")),
            "--management-network",
            free_management_network(),
            "--no-agents",
        )
        assert code == ExitCode.OK
        yield Lab.attach(state)
    finally:
        down(state, PREFIX)


@pytest.fixture
def lab(wan: Lab) -> Iterator[Lab]:
    """The WAN with every circuit of SITE up and healthy (BGP and BFD), before and after the test."""
    wan.restore_all()
    for role in ("primary_dia", "secondary_dia", "tertiary_wireless"):
        wan.restore(SITE, role, wait=60)
    yield wan
    wan.restore_all()


def _reaches_hub_and_saas(lab: Lab, segment: str = "users") -> None:
    for target in (lab.hub, lab.saas):
        took = lab.reaches(SITE, segment, target, timeout=FAILOVER_S)
        assert took is not None, f"{SITE} {segment} did not reach {target} within {FAILOVER_S:.0f} s"


def _egress_becomes(lab: Lab, segment: str, target: str, interface: str) -> None:
    from runbook_wan.lab.traffic import poll

    took = poll(lambda: lab.egress_interface(SITE, segment, target) == interface, FAILOVER_S)
    assert took is not None, (
        f"{segment} -> {target} still leaves on {lab.egress_interface(SITE, segment, target)}, expected {interface}"
    )


def test_every_site_passes_and_receives_traffic(require_lab: None, lab: Lab) -> None:
    for site in lab.sites:
        for target in (lab.hub, lab.saas):
            result = lab.ping(site, "users", target, count=3)
            assert result.ok, f"{site} LAN cannot reach {target}: {result}"
        assert lab.egress_interface(site, "users", lab.hub) == "wan1"  # the primary carries default traffic
    # The BGP password is real: the fibrelink edge requires it, and the session is up.
    provider = lab.circuit(SITE, "primary_dia").provider_netns
    assert "neighbor SITES password" in (probes.vtysh(provider, "show running-config") or "")
    assert lab.circuit_healthy(SITE, "primary_dia")


def test_primary_link_down_fails_over_to_secondary(require_lab: None, lab: Lab) -> None:
    lab.fail(SITE, "primary_dia", mode="link")
    _egress_becomes(lab, "users", lab.hub, "wan2")
    _reaches_hub_and_saas(lab)
    lab.restore(SITE, "primary_dia", wait=60)
    _egress_becomes(lab, "users", lab.hub, "wan1")
    _reaches_hub_and_saas(lab)


def test_silent_blackhole_on_primary_is_caught_by_bfd(require_lab: None, lab: Lab) -> None:
    gateway = lab.circuit(SITE, "primary_dia").gateway.split("/")[0]
    lab.fail(SITE, "primary_dia", mode="blackhole")
    assert (
        probes.link_state(lab.circuit(SITE, "primary_dia").provider_netns, lab.circuit(SITE, "primary_dia").provider_if)
        == "UP"
    )  # the link stays up
    _egress_becomes(lab, "users", lab.hub, "wan2")
    _reaches_hub_and_saas(lab)
    assert probes.bfd_peers(lab.netns(SITE)).get(gateway) == "down"  # BFD, not only BGP, saw it


def test_primary_and_secondary_down_use_wireless(require_lab: None, lab: Lab) -> None:
    lab.fail(SITE, "primary_dia", mode="link")
    lab.fail(SITE, "secondary_dia", mode="link")
    _egress_becomes(lab, "users", lab.hub, "lte0")
    _reaches_hub_and_saas(lab)
    # Over the 5G circuit the relay's delay is real (round trip = twice the one-way delay).
    impairment = lab.circuit(SITE, "tertiary_wireless").impairment
    assert impairment is not None
    result = lab.ping(SITE, "users", lab.hub, count=5, interval=0.1)
    assert result.ok and result.rtt_avg_ms is not None
    assert result.rtt_avg_ms >= impairment.delay_ms
    # Guardrail: guest traffic never goes to wireless; it is discarded instead.
    assert lab.egress_interface(SITE, "guest", lab.hub) is None
    assert not lab.ping(SITE, "guest", lab.hub, count=2, wait=0.5).ok


def test_steering_voice_on_primary_saas_on_secondary(require_lab: None, lab: Lab) -> None:
    _egress_becomes(lab, "voice", lab.saas, "wan1")  # voice class: primary first
    _egress_becomes(lab, "users", lab.saas, "wan2")  # saas class: secondary first
    _egress_becomes(lab, "users", lab.hub, "wan1")  # unclassified: the default route
    # Counters agree: packets really leave where the policy says.
    for segment, expected, other in (("voice", "wan1", "wan2"), ("users", "wan2", "wan1")):
        before = lab.counters(SITE)
        result = lab.ping(SITE, segment, lab.saas, count=40, interval=0.01)
        after = lab.counters(SITE)
        assert result.received >= 35
        sent = {name: after[name].tx_packets - before[name].tx_packets for name in ("wan1", "wan2")}
        assert sent[expected] >= 40 and sent[other] < 20, f"{segment} -> SaaS left as {sent}"


def test_fault_commands_blackhole_status_and_restore(
    require_lab: None, lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    state = Path(lab.record.state_dir)
    assert run_cli(state, "lab", "fail", SITE, "wan1", "--mode", "blackhole") == ExitCode.OK
    _egress_becomes(lab, "users", lab.hub, "wan2")
    capsys.readouterr()
    assert run_cli(state, "lab", "status", "--format", "json") == ExitCode.OK  # faulted sessions expected down
    status = json.loads(capsys.readouterr().out)
    assert status["faults"] == [{"site": SITE, "role": "primary_dia", "link_down": False, "blackhole": True}]
    assert run_cli(state, "lab", "restore", SITE, "primary_dia") == ExitCode.OK
    _egress_becomes(lab, "users", lab.hub, "wan1")
    _reaches_hub_and_saas(lab)


def test_impair_with_even_spread_from_the_cli_loses_exactly_its_share_and_restore_clears_it(
    require_lab: None, lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    """``lab impair --spread even`` through the CLI: it says the share it drops, ``lab status`` reads
    the spread back from the provider's nft table, real echoes through the circuit lose exactly one
    in twenty (the lab runs without agents, so nothing else sends echoes over it), and ``lab restore``
    removes it."""
    state = Path(lab.record.state_dir)
    capsys.readouterr()
    assert run_cli(state, "lab", "impair", SITE, "primary_dia", "--loss", "5", "--spread", "even") == ExitCode.OK
    said = capsys.readouterr().out
    assert "loss 5% towards the provider, 1 packet(s) in every 20" in said, said
    run_cli(state, "lab", "status", "--format", "json")
    impairments = json.loads(capsys.readouterr().out)["impairments"]
    assert [(i["site"], i["role"], i["loss_pct"], i["spread"]) for i in impairments] == [
        (SITE, "primary_dia", 5.0, "even")
    ]
    assert lab.egress_interface(SITE, "users", lab.hub) == "wan1"  # the echoes cross the impaired circuit
    result = lab.ping(SITE, "users", lab.hub, count=60, interval=0.05)
    assert result.transmitted - result.received == 3, result  # 60 echoes, one in every 20 dropped
    assert run_cli(state, "lab", "restore", SITE, "primary_dia") == ExitCode.OK
    assert capsys.readouterr().out.rstrip().endswith(": restored")
    run_cli(state, "lab", "status", "--format", "json")
    assert json.loads(capsys.readouterr().out)["impairments"] == []
    result = lab.ping(SITE, "users", lab.hub, count=40, interval=0.05)
    assert result.received == result.transmitted == 40, result

"""/metrics and /state over real HTTP, from the agent run on RECORDED output; names pinned to ops."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from recorded_kit import POLICY, Clock, RecordedRunner, looped, read_text

from runbook_wan.agent import exporter
from runbook_wan.agent.exporter import MetricsServer, SnapshotCollector, interface_address
from runbook_wan.agent.policy import load_policy
from runbook_wan.agent.service import Agent
from runbook_wan.ops import metrics as m


def test_metric_names_are_the_ones_the_readers_use() -> None:
    assert exporter.NAMES == m.SDWAN_AGENT_METRICS


@pytest.fixture
def served() -> Iterator[tuple[str, Agent]]:
    clock = Clock()
    runner = RecordedRunner(
        clock,
        {
            "wan1": [(looped("fping-primary-clean.txt", 60), False)],
            "wan2": [(looped("fping-primary-clean.txt", 60), False)],
            "lte0": [(looped("fping-wireless-5g.txt", 60), False)],
        },
        reads=[read_text("vtysh-chi-021-voice-on-secondary.txt")],
    )
    agent = Agent(load_policy(POLICY), runner, clock, wall=lambda: 1_800_000_000.0 + clock())
    agent.start()
    for _ in range(40):
        clock.advance(1)
        agent.tick()
    collector = SnapshotCollector()
    collector.update(agent.snapshot())
    server = MetricsServer(collector)
    server.start("127.0.0.1", 0)
    assert server.address is not None
    try:
        yield f"http://127.0.0.1:{server.address[1]}", agent
    finally:
        server.stop()


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return str(answer.read().decode())


def test_metrics_are_prometheus_text_with_the_contract_labels(served: tuple[str, Agent]) -> None:
    base, agent = served
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(_get(base + "/metrics"))
        for s in family.samples
    }
    site = ("site", "chi-021")
    assert samples[(m.SDWAN_CIRCUIT_LOSS, (("circuit", "primary_dia"), site))] == 0.0
    assert samples[(m.SDWAN_PROBES_SENT, (("circuit", "primary_dia"), site))] >= 350
    assert samples[(m.SDWAN_CLASS_CIRCUIT, (("circuit", "secondary_dia"), ("class", "voice"), site))] == 1.0
    assert samples[(m.SDWAN_CLASS_CIRCUIT, (("circuit", "primary_dia"), ("class", "voice"), site))] == 0.0
    assert (m.SDWAN_CLASS_CIRCUIT, (("circuit", "tertiary_wireless"), ("class", "guest"), site)) not in samples, (
        "only allowed circuits get a series"
    )
    assert samples[(m.SDWAN_CLASS_SLA_MET, (("circuit", "primary_dia"), ("class", "voice"), site))] == 1.0
    health = {
        labels: value
        for (name, labels), value in samples.items()
        if name == m.SDWAN_CLASS_HEALTH and ("class", "voice") in labels
    }
    voice = agent.snapshot().classes["voice"]
    assert health == {
        (("circuit", c), ("class", "voice"), ("health", voice.health[c]), site): 1.0 for c in voice.path
    }, "one series per allowed circuit, its health as the agent has it"
    assert samples[(m.SDWAN_CLASS_TRANSITIONS, (("class", "voice"), site))] == 0.0
    assert samples[(m.SDWAN_AGENT_POLICY, (("digest", agent.policy.digest), site))] == 1.0


def test_state_is_the_contract_json(served: tuple[str, Agent]) -> None:
    base, agent = served
    state = json.loads(_get(base + "/state"))
    assert set(state) == {"site", "policy_digest", "started_at", "circuits", "classes"}
    assert state["site"] == "chi-021" and state["policy_digest"] == agent.policy.digest
    assert set(state["circuits"]["primary_dia"]) >= {"loss_ratio", "latency_s", "jitter_s", "samples"}
    voice = state["classes"]["voice"]
    assert set(voice) >= {"circuit", "preferred", "since", "reason", "sla_met"}
    assert (voice["circuit"], voice["preferred"]) == ("secondary_dia", "primary_dia")
    assert voice["reason"].startswith("secondary_dia meets the SLA")
    assert "back in" in voice["reason"], "the primary serves its hold after the restart"


def test_anything_else_is_not_found(served: tuple[str, Agent]) -> None:
    base, _ = served
    with pytest.raises(urllib.error.HTTPError) as caught:
        _get(base + "/")
    assert caught.value.code == 404


def test_the_listen_address_comes_from_the_interface() -> None:
    assert interface_address("lo") == "127.0.0.1"
    assert interface_address("no-such-if0") is None

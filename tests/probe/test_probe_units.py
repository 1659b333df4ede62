"""The probe's arithmetic and packets, on hand-built data (no network)."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

import pytest

from runbook_wan.model.loader import load_estate
from runbook_wan.monitoring.targets import strictest_sla
from runbook_wan.probe.cycle import stats
from runbook_wan.probe.icmp import checksum, echo_request, parse_reply

REPO = Path(__file__).resolve().parents[2]


def test_loss_latency_and_jitter_from_samples() -> None:
    result = stats([0.010, None, 0.020, 0.015])
    assert result.loss == pytest.approx(0.25)
    assert result.latency == pytest.approx(0.015)
    assert result.jitter == pytest.approx((0.010 + 0.005) / 2)  # consecutive replies: 10->20, 20->15 ms
    assert result.up
    lost = stats([None] * 5)
    assert (lost.loss, lost.latency, lost.jitter, lost.up) == (1.0, None, None, False)


def test_echo_request_is_well_formed_and_a_reply_is_matched() -> None:
    packet = echo_request(0x1234, 7)
    assert packet[0] == 8 and checksum(packet) == 0
    reply = bytearray(packet)
    reply[0] = 0  # echo reply
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        20 + len(reply),
        0,
        0,
        64,
        1,
        0,
        socket.inet_aton("100.64.255.1"),
        socket.inet_aton("10.1.10.10"),
    )
    assert parse_reply(header + bytes(reply)) == ("100.64.255.1", 0x1234, 7)
    time_exceeded = bytearray(reply)
    time_exceeded[0] = 11
    assert parse_reply(header + bytes(time_exceeded)) is None


def test_a_circuits_sla_is_the_strictest_of_the_classes_that_may_use_it() -> None:
    estate, _ = load_estate(REPO / "intents")
    flagship = estate.policies["retail-flagship"]
    primary = strictest_sla(flagship, "primary_dia")
    assert primary is not None
    assert (primary.loss_ratio, primary.latency_seconds, primary.jitter_seconds) == (0.005, 0.2, 0.02)
    assert primary.classes == {"loss": "pos", "latency": "pos", "jitter": "pos"}
    # Guest and bulk never use wireless: they do not count for it; POS does (it lists wireless).
    wireless = strictest_sla(flagship, "tertiary_wireless")
    assert wireless is not None and wireless.classes["loss"] == "pos"


def test_the_probe_exports_each_class_path_and_sla_for_the_impact_rules() -> None:
    """What monitoring.impact reads: rank 1 is the circuit a class prefers; its own SLA per site."""
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from runbook_wan.facts.builder import build_estate_facts
    from runbook_wan.monitoring.targets import build_targets
    from runbook_wan.probe.exporter import Exporter

    estate, _ = load_estate(REPO / "intents")
    facts, _ = build_estate_facts(estate, ["sea-001"])
    text = generate_latest(Exporter(build_targets(estate, facts)).registry).decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }

    def value(name: str, **labels: str) -> float | None:
        return samples.get((name, tuple(sorted({"site": "sea-001", "region": "west", **labels}.items()))))

    assert value("runbook_class_circuit_preference", **{"class": "saas", "circuit": "secondary_dia"}) == 1
    assert value("runbook_class_circuit_preference", **{"class": "saas", "circuit": "tertiary_wireless"}) == 3
    # guest never uses wireless: no rank there, so it can never be "on" the wireless circuit
    assert value("runbook_class_circuit_preference", **{"class": "guest", "circuit": "tertiary_wireless"}) is None
    assert value("runbook_class_sla_loss_ratio", **{"class": "voice"}) == 0.01
    assert value("runbook_class_sla_latency_seconds", **{"class": "voice"}) == 0.3

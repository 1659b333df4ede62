"""The steering lab tools as data (no root, no lab): what `lab path` sends per class, how
`lab up --relay` lays out relayed DIAs, and what `lab impair` refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook_wan.facts.builder import build_estate_facts
from runbook_wan.lab.impair import impair
from runbook_wan.lab.path import parse_dscp
from runbook_wan.lab.state import LabRecord
from runbook_wan.lab.topology import Topology, build_topology
from runbook_wan.model.loader import load_estate
from runbook_wan.results import DiagnosticError
from runbook_wan.selection.limit import select_sites


def _topology(
    example_intents: Path, relayed: frozenset[str] = frozenset(), roles: frozenset[str] | None = None
) -> Topology:
    estate, _ = load_estate(example_intents)
    facts, _ = build_estate_facts(estate, select_sites(estate, "chi-021,mke-022"))
    return build_topology(estate, facts, "rbx", "198.19.250.0/24", relayed, roles)


def test_each_class_is_sent_from_its_segment_with_its_dscp_to_its_destination(example_intents: Path) -> None:
    site = _topology(example_intents).sites["chi-021"]
    sent = {c.name: (c.segment, c.dscp, c.destination) for c in site.classes}
    assert sent["voice"] == ("voice", 46, "198.51.100.10"), "voice: its segment, EF, the hub"
    assert sent["pos"] == ("pos", None, "198.51.100.10")
    assert sent["guest"] == ("guest", None, "198.51.100.10")
    assert sent["video"] == ("users", 34, "203.0.113.129"), "a destination class: a free segment, AF41, its prefix"
    assert sent["bulk"] == ("users", 8, "198.51.100.129")
    assert site.app_class("guest").path == ["secondary_dia", "primary_dia"]  # type: ignore[union-attr]


def test_relayed_sites_run_every_circuit_through_the_relay_on_legs_of_their_own(example_intents: Path) -> None:
    topo = _topology(example_intents, frozenset({"chi-021"}))
    chi = topo.sites["chi-021"]
    legs = [c.relay.site_side for c in chi.circuits if c.relay is not None]
    assert len(legs) == 3 and len(set(legs)) == 3
    primary = chi.circuit("primary_dia")
    assert primary is not None and primary.impairment is not None and primary.impairment.delay_ms == 0
    assert [c.role for c in topo.sites["mke-022"].circuits if c.relay] == ["tertiary_wireless"], "only wireless"
    narrow = _topology(example_intents, frozenset({"chi-021"}), frozenset({"primary_dia"}))
    assert [c.role for c in narrow.sites["chi-021"].circuits if c.relay] == ["primary_dia", "tertiary_wireless"]


def test_dscp_by_name_or_number() -> None:
    assert (parse_dscp("ef"), parse_dscp("AF41"), parse_dscp("cs1"), parse_dscp("10")) == (46, 34, 8, 10)
    for bad in ("64", "gold"):
        with pytest.raises(DiagnosticError) as caught:
            parse_dscp(bad)
        assert "is not a code point" in caught.value.diagnostics[0].message


def test_impair_refuses_nothing_bad_values_and_delay_on_a_plain_link(example_intents: Path, tmp_path: Path) -> None:
    topo = _topology(example_intents)
    record = LabRecord(
        topology=topo, created="now", state_dir=str(tmp_path), intents=str(example_intents), configs=None,
        secrets_files=[], hosts_file=None,
    )  # fmt: skip
    node = topo.sites["mke-022"]
    primary = node.circuit("primary_dia")
    assert primary is not None
    with pytest.raises(DiagnosticError) as nothing:
        impair(record, node, primary)
    assert nothing.value.diagnostics[0].message == "nothing to impair"
    with pytest.raises(DiagnosticError) as caught:
        impair(record, node, primary, loss_pct=120, delay_ms=50)
    messages = [d.message for d in caught.value.diagnostics]
    assert "--loss 120 is not a percentage" in messages
    assert any("plain link; delay and jitter need the lab's relay" in m for m in messages)
    assert "lab up --relay mke-022" in (caught.value.diagnostics[-1].hint or "")
    with pytest.raises(DiagnosticError) as uneven:
        impair(record, node, primary, loss_pct=0.05, spread="even")
    [finer] = uneven.value.diagnostics
    assert finer.message == "--loss 0.05 cannot be spread evenly" and "steps of 0.1 %" in (finer.hint or "")

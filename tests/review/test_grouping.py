"""Grouping: the same change at many sites, once site values are abstracted, is one change."""

from __future__ import annotations

from pathlib import Path

from runbook_wan.facts.builder import build_estate_facts
from runbook_wan.model.loader import load_estate
from runbook_wan.plan.diff import config_diff, render_unified
from runbook_wan.review.grouping import Abstractor, group_hunks, parse_device_diff, placeholders

REPO = Path(__file__).resolve().parents[2]


def _facts() -> dict[str, object]:
    estate, _ = load_estate(REPO / "intents")
    facts, _ = build_estate_facts(estate, ["chi-021", "sea-001", "atl-061"])
    return facts  # type: ignore[return-value]


def test_site_values_become_named_placeholders() -> None:
    facts = _facts()
    abstract = Abstractor(placeholders(facts["chi-021"]))  # type: ignore[arg-type]
    assert (
        abstract(" neighbor 100.64.0.86 remote-as 64501")
        == " neighbor {primary_dia.gateway} remote-as {primary_dia.provider_asn}"
    )
    assert abstract("router bgp 65021") == "router bgp {asn}"
    assert abstract(" description primary_dia FibreLink Business FL-CHI-021-00021 1000M fiber") == (
        " description primary_dia {primary_dia.provider_name} {primary_dia.circuit_id} 1000M fiber"
    )
    assert abstract(" ip address 10.21.30.1/24") == " ip address {lan.guest.address}"
    assert abstract(" match src-ip 10.21.30.0/24") == " match src-ip {lan.guest.network}"
    assert abstract("seq 10 permit 10.0.0.0/8") == "seq 10 permit 10.0.0.0/8"  # not this site's: literal


def test_same_change_at_two_sites_groups_and_a_different_literal_does_not() -> None:
    facts = _facts()
    old = {s: f"router bgp {f.asn}\n neighbor {f.circuits[0].gateway} timers 3 9\n" for s, f in facts.items()}  # type: ignore[attr-defined]
    new = {s: text.replace("timers 3 9", "timers 5 15") for s, text in old.items()}
    new["atl-061"] = old["atl-061"].replace("timers 3 9", "timers 4 12")
    hunks = {s: config_diff(old[s], new[s]) for s in old}
    grouping = group_hunks(hunks, facts)  # type: ignore[arg-type]
    assert [g.sites for g in grouping.groups] == [["chi-021", "sea-001"], ["atl-061"]]
    first = grouping.groups[0]
    assert first.where == "router bgp {asn}"
    assert first.example_site == "chi-021" and "+ neighbor 100.64.0.86 timers 5 15" in render_unified(first.examples)


def test_device_diff_of_frr_reload_becomes_hunks_under_their_context() -> None:
    text = "-ip route 192.0.2.99/32 blackhole\n interface eth0\n- description old\n+ description new\n"
    hunks = parse_device_diff(text)
    assert [h.parents for h in hunks] == [[], ["interface eth0"]]
    assert render_unified(hunks) == [
        "@@",
        "-ip route 192.0.2.99/32 blackhole",
        "@@ interface eth0",
        " interface eth0",
        "- description old",
        "+ description new",
    ]

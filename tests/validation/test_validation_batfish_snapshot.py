"""The Batfish snapshot follows the layout and formats Batfish documents (pybatfish formats.md;
Batfish VendorConfigurationFormatDetector / CumulusConcatenatedControlPlaneExtractor)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from runbook_wan.render.pipeline import RenderResult
from runbook_wan.validation.batfish.formats import CUMULUS_INTERFACES_SENTINEL, CUMULUS_PORTS_SENTINEL, wrap_rancid
from runbook_wan.validation.batfish.snapshot import build_snapshot

#: Batfish's Cumulus interfaces parser accepts only these port names (InterfacesInterface).
CUMULUS_PHYSICAL = re.compile(r"^(swp[0-9]+(s[0-9])?)|(eth[0-9]+)$")


def test_snapshot_file_tree_has_one_config_per_site_and_the_isp_config(
    base_rendered: RenderResult, tmp_path: Path
) -> None:
    layout = build_snapshot(base_rendered, base_rendered.selected)
    layout.write(tmp_path)
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["batfish/isp_config.json", "configs/aaa-001.cfg", "configs/bbb-002.cfg", "configs/ccc-003.cfg"]


def test_frr_is_wrapped_as_cumulus_concatenated_with_hostname_and_sentinels(base_rendered: RenderResult) -> None:
    text = build_snapshot(base_rendered, ["aaa-001"]).files["configs/aaa-001.cfg"]
    lines = text.splitlines()
    assert lines[0] == "aaa-001"  # first non-comment line: the hostname
    assert lines[1] == CUMULUS_INTERFACES_SENTINEL == "# This file describes the network interfaces"
    ports = lines.index(CUMULUS_PORTS_SENTINEL)
    assert lines[ports] == "# ports.conf --" and ports > 1
    assert lines[ports + 1].startswith("frr version")
    assert "hostname aaa-001" in lines[ports + 1 :]
    assert "iface lo inet loopback" in lines[2:ports]


def test_interfaces_section_declares_every_interface_with_cumulus_port_names(base_rendered: RenderResult) -> None:
    layout = build_snapshot(base_rendered, ["aaa-001"])
    text = layout.files["configs/aaa-001.cfg"]
    head = text.split(CUMULUS_PORTS_SENTINEL)[0]
    declared = re.findall(r"^iface (\S+)", head, flags=re.MULTILINE)
    assert declared[0] == "lo"
    assert all(CUMULUS_PHYSICAL.match(name) for name in declared[1:])
    facts = base_rendered.facts["aaa-001"]
    assert len(declared) == len(facts.interfaces)
    for iface in facts.interfaces:
        name = layout.sites["aaa-001"].wrapped.snapshot_interface(iface.name)
        assert f"iface {name}" in head and f"    address {iface.address}" in head
        assert layout.sites["aaa-001"].wrapped.rendered_interface(name) == iface.name
    frr = text.split(CUMULUS_PORTS_SENTINEL)[1]
    assert not re.search(r"\b(?:wan1|wan2|lte0|lan10|lan20|lan30)\b", frr)  # consistently renamed
    assert "interface swp1\n" in frr


def test_snapshot_lines_map_back_to_rendered_config_lines(base_rendered: RenderResult) -> None:
    layout = build_snapshot(base_rendered, ["bbb-002"])
    wrapped = layout.sites["bbb-002"].wrapped
    rendered = base_rendered.configs["bbb-002"].text.splitlines()
    snapshot = layout.files["configs/bbb-002.cfg"].splitlines()
    bgp = rendered.index("router bgp 65002") + 1
    assert snapshot[bgp + wrapped.line_offset - 1] == "router bgp 65002"
    assert wrapped.rendered_line(bgp + wrapped.line_offset) == bgp
    assert wrapped.rendered_line(1) is None  # a line of the generated header


def test_rancid_formats_get_an_explicit_content_type_header(base_rendered: RenderResult) -> None:
    facts = base_rendered.facts["aaa-001"]
    for content_type in ("arista", "cisco-ios"):
        wrapped = wrap_rancid(content_type, facts, "hostname aaa-001\n")
        assert wrapped.text.splitlines()[0] == f"!RANCID-CONTENT-TYPE: {content_type}"
        assert wrapped.rendered_line(2) == 1


def test_isp_config_models_every_circuit_peer_and_each_provider_once(base_rendered: RenderResult) -> None:
    layout = build_snapshot(base_rendered, base_rendered.selected)
    isp = json.loads(layout.files["batfish/isp_config.json"])
    assert set(isp) == {"bgpPeers", "ispNodeInfo"}
    peers = {(p["hostname"], p["peerAddress"]) for p in isp["bgpPeers"]}
    assert ("aaa-001", "100.64.0.2") in peers and ("ccc-003", "100.67.0.10") in peers
    assert len(peers) == 9
    asns = [n["asn"] for n in isp["ispNodeInfo"]]
    assert sorted(asns) == [64501, 64502, 64503, 64504]
    for node in isp["ispNodeInfo"]:
        assert node["role"] == "TRANSIT" and node["trafficFiltering"] == {"mode": "NONE"}


def test_sites_of_a_platform_without_batfish_format_are_listed_unsupported(base_rendered: RenderResult) -> None:
    estate = base_rendered.estate
    frr = estate.platforms["frr"].model_copy(update={"batfish_format": "vyos"})
    odd = dataclasses.replace(base_rendered, estate=dataclasses.replace(estate, platforms={"frr": frr}))
    layout = build_snapshot(odd, ["aaa-001"])
    assert layout.sites == {} and "vyos" in layout.unsupported["aaa-001"]
    assert layout.files == {}

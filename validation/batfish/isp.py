"""Provider edges for Batfish: ``batfish/isp_config.json`` (Batfish "Modeling ISPs").

Each circuit's BGP peer becomes a ``bgpPeers`` entry (hostname + the gateway as ``peerAddress``);
Batfish then creates one ``isp_<ASN>`` node per provider attached at the circuit's interface, and an
``internet`` node that originates 0.0.0.0/0 to every TRANSIT ISP, so each site learns a default
route over each circuit exactly as from the real provider edge. ``trafficFiltering: NONE`` keeps
Batfish from dropping traffic to the reserved (documentation) ranges the estate's hub and SaaS
addresses use.
"""

from __future__ import annotations

from typing import Any

from runbook_wan.render.pipeline import RenderResult


def isp_config(rendered: RenderResult, sites: list[str]) -> dict[str, Any]:
    peers: list[dict[str, Any]] = []
    providers: dict[int, str] = {}
    for sid in sites:
        for circuit in rendered.facts[sid].circuits:
            peers.append({"hostname": sid, "peerAddress": circuit.gateway})
            providers.setdefault(circuit.provider_asn, circuit.provider_name)
    return {
        "bgpPeers": peers,
        "ispNodeInfo": [
            {"asn": asn, "name": name, "role": "TRANSIT", "trafficFiltering": {"mode": "NONE"}}
            for asn, name in sorted(providers.items())
        ],
    }

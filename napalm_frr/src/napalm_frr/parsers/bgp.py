"""``show bgp vrf all summary json`` + ``show bgp vrf all neighbors json`` -> NAPALM BGP neighbors.

With no peers, bgpd answers ``{}`` (or a VRF with no address family); both give no entry.
"""

from __future__ import annotations

from typing import Any

from napalm_frr.models import AddressFamilyCountersDict, BGPNeighborDict, BGPVrfDict
from napalm_frr.parsers.common import as_int

#: FRR address-family keys -> NAPALM's names ("So far it can be 'ipv4' or 'ipv6'").
_FAMILIES = {"ipv4Unicast": "ipv4", "ipv6Unicast": "ipv6"}
_NULL_COUNTER = -1


def _vrf_name(vrf: str) -> str:
    return "global" if vrf == "default" else vrf


def _router_id(summary_vrf: dict[str, Any], peers: dict[str, Any]) -> str:
    for family in summary_vrf.values():
        if isinstance(family, dict) and family.get("routerId"):
            return str(family["routerId"])
    for peer in peers.values():
        if peer.get("localRouterId"):
            return str(peer["localRouterId"])
    return ""


def _received(summary_vrf: dict[str, Any], family: str, peer: str) -> int | None:
    entry = summary_vrf.get(family, {}).get("peers", {}).get(peer)
    return None if not isinstance(entry, dict) or "pfxRcd" not in entry else as_int(entry["pfxRcd"])


def _families(summary_vrf: dict[str, Any], peer: str, data: dict[str, Any]) -> dict[str, AddressFamilyCountersDict]:
    result: dict[str, AddressFamilyCountersDict] = {}
    for family, counters in data.get("addressFamilyInfo", {}).items():
        if family not in _FAMILIES or not isinstance(counters, dict):
            continue
        accepted = as_int(counters.get("acceptedPrefixCounter"), _NULL_COUNTER)
        received = _received(summary_vrf, family, peer)
        result[_FAMILIES[family]] = {
            "received_prefixes": accepted if received is None else received,
            "accepted_prefixes": accepted,
            "sent_prefixes": as_int(counters.get("sentPrefixCounter"), _NULL_COUNTER),
        }
    return result


def _neighbor(summary_vrf: dict[str, Any], peer: str, data: dict[str, Any]) -> BGPNeighborDict:
    established = data.get("bgpState") == "Established"
    return {
        "local_as": as_int(data.get("localAs")),
        "remote_as": as_int(data.get("remoteAs")),
        "remote_id": str(data.get("remoteRouterId", "0.0.0.0")),
        "is_up": established,
        "is_enabled": not bool(data.get("adminShutDown", False)),
        "description": str(data.get("nbrDesc", "")),
        "uptime": as_int(data.get("bgpTimerUpMsec")) // 1000 if established else 0,
        "address_family": _families(summary_vrf, peer, data),
    }


def bgp_neighbors(summary: dict[str, Any], neighbors: dict[str, Any]) -> dict[str, BGPVrfDict]:
    """NAPALM ``get_bgp_neighbors``: per VRF (``global`` = default) the router id and the peers."""
    result: dict[str, BGPVrfDict] = {}
    for vrf in list(dict.fromkeys([*summary, *neighbors])):
        summary_vrf = summary.get(vrf, {}) if isinstance(summary.get(vrf), dict) else {}
        vrf_neighbors = neighbors.get(vrf, {}) if isinstance(neighbors.get(vrf), dict) else {}
        peers = {name: data for name, data in vrf_neighbors.items() if isinstance(data, dict)}
        router_id = _router_id(summary_vrf, peers)
        if not peers and not router_id:
            continue
        result[_vrf_name(vrf)] = {
            "router_id": router_id,
            "peers": {name: _neighbor(summary_vrf, name, data) for name, data in sorted(peers.items())},
        }
    return result

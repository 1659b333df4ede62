"""``show ip route ... json`` (+ ``show bgp ipv4 unicast PREFIX json``) -> NAPALM routes.

Every next hop of every route is one entry, as NAPALM's other drivers do.
"""

from __future__ import annotations

from typing import Any

from napalm_frr.models import RouteDict
from napalm_frr.parsers.common import as_int, duration_seconds

_NOT_APPLICABLE = -1


def _bgp_path(detail: dict[str, Any], next_hop: str) -> dict[str, Any] | None:
    paths = [p for p in detail.get("paths", []) if isinstance(p, dict)]
    for path in paths:
        if any(nh.get("ip") == next_hop for nh in path.get("nexthops", [])):
            return path
    best = [p for p in paths if p.get("bestpath", {}).get("overall")]
    return best[0] if best else (paths[0] if paths else None)


def bgp_attributes(detail: dict[str, Any], next_hop: str, local_as: int) -> dict[str, Any]:
    """NAPALM's BGP ``protocol_attributes`` for the path through ``next_hop``."""
    path = _bgp_path(detail, next_hop)
    if path is None:
        return {}
    segments = path.get("aspath", {}).get("segments", [])
    first_as = next((asn for seg in segments for asn in seg.get("list", [])), None)
    peer = path.get("peer", {})
    return {
        "local_as": local_as,
        "remote_as": as_int(first_as, local_as) if first_as is not None else local_as,
        "peer_id": str(peer.get("routerId", "")),
        "remote_address": str(peer.get("peerId", "")),
        "as_path": str(path.get("aspath", {}).get("string", "")),
        "communities": [str(c) for c in path.get("community", {}).get("list", [])],
        "local_preference": as_int(path.get("locPrf"), 100),
        "preference2": _NOT_APPLICABLE,
        "metric": as_int(path.get("metric")),
        "metric2": _NOT_APPLICABLE,
    }


def routes(
    show_route: dict[str, Any],
    protocol: str = "",
    bgp_details: dict[str, dict[str, Any]] | None = None,
    local_as: int = 0,
) -> dict[str, list[RouteDict]]:
    """NAPALM ``get_route_to``; ``protocol`` filters case-insensitively (``""`` = all)."""
    result: dict[str, list[RouteDict]] = {}
    for prefix, entries in show_route.items():
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if protocol and str(entry.get("protocol", "")).lower() != protocol.lower():
                continue
            selected = bool(entry.get("selected", False))
            for hop in entry.get("nexthops", []) or [{}]:
                next_hop = str(hop.get("ip", ""))
                attributes: dict[str, Any] = {}
                if entry.get("protocol") == "bgp" and bgp_details and prefix in bgp_details:
                    attributes = bgp_attributes(bgp_details[prefix], next_hop, local_as)
                result.setdefault(prefix, []).append(
                    {
                        "protocol": str(entry.get("protocol", "")),
                        "current_active": selected,
                        "last_active": False,
                        "age": duration_seconds(str(entry.get("uptime", ""))),
                        "next_hop": next_hop,
                        "outgoing_interface": str(hop.get("interfaceName", "")),
                        "selected_next_hop": selected and bool(hop.get("fib", False)),
                        "preference": as_int(entry.get("distance")),
                        "inactive_reason": "" if selected else "not selected",
                        "routing_table": str(entry.get("vrfName", "default")),
                        "protocol_attributes": attributes,
                    }
                )
    return result

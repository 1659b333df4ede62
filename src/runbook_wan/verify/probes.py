"""Questions asked of one device through its NAPALM driver (any platform's driver).

Each function turns an exception or an odd answer into a :class:`~verify.model.Check` with
status ``error``, so one bad device never aborts the others.
"""

from __future__ import annotations

from typing import Any, Protocol

from runbook_wan.results import Status
from runbook_wan.verify.model import Check


class Device(Protocol):
    """The part of NAPALM's NetworkDriver that verification uses."""

    def get_interfaces(self) -> dict[str, dict[str, Any]]: ...
    def get_bgp_neighbors(self) -> dict[str, dict[str, Any]]: ...
    def get_route_to(self, destination: str = "", protocol: str = "", longer: bool = False) -> dict[str, Any]: ...
    def ping(
        self,
        destination: str,
        source: str = "",
        ttl: int = 255,
        timeout: int = 2,
        size: int = 100,
        count: int = 5,
        vrf: str = "",
        source_interface: str = "",
    ) -> dict[str, Any]: ...


def link(interfaces: dict[str, dict[str, Any]], name: str) -> Check:
    info = interfaces.get(name)
    if info is None:
        return Check("link", Status.FAILURE, f"interface {name} not found")
    if info.get("is_up"):
        return Check("link", Status.SUCCESS, f"{name} up")
    state = "admin down" if not info.get("is_enabled", True) else "down"
    return Check("link", Status.FAILURE, f"{name} {state}")


def bgp(neighbors: dict[str, dict[str, Any]], peer: str) -> Check:
    peers = neighbors.get("global", {}).get("peers", {})
    info = peers.get(peer)
    if info is None:
        return Check("bgp", Status.FAILURE, f"no BGP session to {peer} configured")
    if info.get("is_up"):
        received = sum(af.get("received_prefixes", 0) for af in info.get("address_family", {}).values())
        return Check("bgp", Status.SUCCESS, f"{peer} established, {received} prefixes received")
    return Check("bgp", Status.FAILURE, f"{peer} not established")


def default_route(device: Device) -> Check:
    try:
        routes = device.get_route_to("0.0.0.0/0")
    except Exception as exc:  # noqa: BLE001 - per-check boundary
        return Check("default-route", Status.ERROR, f"get_route_to failed: {exc}")
    paths = routes.get("0.0.0.0/0", [])
    active = [p for p in paths if p.get("current_active")]
    if not active:
        return Check("default-route", Status.FAILURE, "no active default route")
    hops = ", ".join(str(p.get("next_hop", "?")) for p in active)
    return Check("default-route", Status.SUCCESS, f"via {hops}")


def ping(device: Device, name: str, destination: str, source: str, count: int = 3, timeout: int = 1) -> Check:
    try:
        answer = device.ping(destination, source=source, count=count, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - per-check boundary
        return Check(name, Status.ERROR, f"ping failed to run: {exc}")
    return _ping_check(name, destination, source, count, answer)


def first_reply(device: Device, name: str, destination: str, source: str, deadline: int) -> Check:
    """Reachability proven by one reply within ``deadline`` s. Drivers that can probe until the
    first reply in one go (the FRR driver's ``extensions.ping_until_reply``) stop as soon as it
    is in; others send NAPALM's ping of one probe."""
    until_reply = getattr(getattr(device, "extensions", None), "ping_until_reply", None)
    if until_reply is None:
        return ping(device, name, destination, source, count=1, timeout=deadline)
    try:
        answer = until_reply(destination, source=source, deadline=deadline)
    except Exception as exc:  # noqa: BLE001 - per-check boundary
        return Check(name, Status.ERROR, f"ping failed to run: {exc}")
    return _ping_check(name, destination, source, 1, answer)


def _ping_check(name: str, destination: str, source: str, count: int, answer: dict[str, Any]) -> Check:
    if "error" in answer:
        return Check(name, Status.FAILURE, f"{destination} from {source}: {answer['error']}")
    result = answer.get("success", {})
    sent = int(result.get("probes_sent", count))
    lost = int(result.get("packet_loss", sent))
    if lost >= sent:
        return Check(name, Status.FAILURE, f"{destination} from {source}: no reply ({sent} sent)")
    rtt = result.get("rtt_avg", 0.0)
    return Check(name, Status.SUCCESS, f"{destination} from {source}: {sent - lost}/{sent} replies, {rtt:.1f} ms")

"""Kernel settings the lab depends on: per-namespace sysctls and the shared neighbour table.

The IPv4 neighbour (ARP) table limit ``gc_thresh3`` (default 1024) is shared by ALL namespaces.
A lab of N sites needs about 16 entries per site, so 80 sites overflow it and lose connectivity
("neighbor table overflow"). ``up`` raises the limits when the lab needs it and records the old
values; ``down`` restores them once no namespaces remain on the machine.
"""

from __future__ import annotations

from pathlib import Path

from runbook_wan.lab import shell
from runbook_wan.lab.topology import Topology

NEIGH = "net.ipv4.neigh.default.gc_thresh"
RAISED = {f"{NEIGH}1": 4096, f"{NEIGH}2": 8192, f"{NEIGH}3": 16384}
#: Raise the limits when the lab's estimate exceeds this share of the current gc_thresh3.
HEADROOM = 0.5

#: Orphaned TCP sockets (a killed bgpd's sessions) keep a deleted namespace, and its veth ends
#: in the root namespace, alive until they give up; one retry keeps that short.
_TCP = ("net.ipv4.tcp_orphan_retries=1", "net.ipv4.tcp_fin_timeout=5")
ROUTER_SYSCTLS = (
    "net.ipv4.ip_forward=1",
    "net.ipv6.conf.all.disable_ipv6=1",
    "net.ipv6.conf.default.disable_ipv6=1",
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
    *_TCP,
)
HOST_SYSCTLS = (
    "net.ipv4.ip_forward=0",
    "net.ipv6.conf.all.disable_ipv6=1",
    "net.ipv6.conf.default.disable_ipv6=1",
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
    *_TCP,
)


def _proc(name: str) -> Path:
    return Path("/proc/sys") / name.replace(".", "/")


def read(name: str) -> str:
    return _proc(name).read_text().strip()


def write(name: str, value: str) -> None:
    _proc(name).write_text(value)


def neighbour_estimate(topo: Topology) -> int:
    """ARP entries the lab may hold: both ends of every link that carries IPv4."""
    per_site = [2 + 2 * len(s.circuits) + 2 * len(s.lans) for s in topo.sites.values()]
    return sum(per_site) + 2 * len(topo.providers)


def raise_neighbour_limits(topo: Topology) -> dict[str, str]:
    """Raise the shared ARP limits if this lab needs it; returns the previous values changed."""
    if neighbour_estimate(topo) <= HEADROOM * int(read(f"{NEIGH}3")):
        return {}
    previous = {}
    for name, value in RAISED.items():
        current = read(name)
        if int(current) < value:
            previous[name] = current
            write(name, str(value))
    return previous


def restore(previous: dict[str, str]) -> bool:
    """Restore ``previous`` values, but only when no namespace is left that may need them."""
    if not previous or shell.ip("netns", "list").stdout.strip():
        return False
    for name in sorted(previous, reverse=True):  # thresh3 first keeps thresh1 <= thresh2 <= thresh3
        write(name, previous[name])
    return True


def sysctl_netns(netns: str, settings: tuple[str, ...]) -> None:
    shell.in_netns(netns, "sysctl", "-qw", *settings)

"""Traffic from a site's LAN hosts: pings, the path a packet would take, interface counters.

Each site's LAN segments end in the site's "LAN hosts" namespace (``<prefix>-lan-<site>``),
one host address per segment (``.10``), with source-based routes so that a ping bound to a
segment's host address enters the router on that segment's interface. That matters: SD-WAN
steering is pbrd policy routing, which applies only to traffic *arriving* on LAN interfaces.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from runbook_wan.lab import shell
from runbook_wan.lab.state import LabRecord
from runbook_wan.lab.topology import LanLink, SiteNode
from runbook_wan.results import Diagnostic, DiagnosticError

_SUMMARY = re.compile(r"(\d+) packets transmitted, (\d+) received")
_RTT = re.compile(r"= [\d.]+/([\d.]+)/")


@dataclass(frozen=True)
class PingResult:
    transmitted: int
    received: int
    rtt_avg_ms: float | None

    @property
    def ok(self) -> bool:
        return self.received > 0


@dataclass(frozen=True)
class Counters:
    rx_packets: int
    tx_packets: int
    rx_bytes: int
    tx_bytes: int


def lan(record: LabRecord, site: str, segment: str) -> tuple[SiteNode, LanLink]:
    """A site's LAN segment by name (``users``) or router interface (``lan10``)."""
    node = record.site(site)
    found = node.lan(segment)
    if found is None:
        raise DiagnosticError(
            [
                Diagnostic(
                    "lab-unknown-segment",
                    f"site {site} has no LAN segment {segment!r}",
                    hint="segments: " + ", ".join(f"{x.segment} ({x.site_if})" for x in node.lans),
                )
            ]
        )
    return node, found


def host_ip(record: LabRecord, site: str, segment: str) -> str:
    return lan(record, site, segment)[1].host_address.split("/")[0]


def ping(
    record: LabRecord,
    site: str,
    segment: str,
    destination: str,
    count: int = 3,
    interval: float = 0.2,
    wait: float = 1.0,
) -> PingResult:
    """Ping ``destination`` from the segment's LAN host (so it enters the router on that segment)."""
    node, seg = lan(record, site, segment)
    proc = shell.in_netns(
        node.hosts_netns,
        "ping",
        "-n",
        "-q",
        "-c",
        str(count),
        "-i",
        str(interval),
        "-W",
        str(wait),
        "-I",
        seg.host_address.split("/")[0],
        destination,
        check=False,
        timeout=count * interval + wait + 10,
    )
    summary = _SUMMARY.search(proc.stdout)
    rtt = _RTT.search(proc.stdout)
    if summary is None:
        return PingResult(0, 0, None)
    return PingResult(int(summary.group(1)), int(summary.group(2)), float(rtt.group(1)) if rtt else None)


def egress_interface(record: LabRecord, site: str, segment: str, destination: str) -> str | None:
    """The site interface a packet from the segment's host to ``destination`` leaves on.

    Asks the site's kernel (``ip route get ... from HOST iif LAN``), policy routing included.
    """
    node, seg = lan(record, site, segment)
    proc = shell.ip(
        "-n",
        node.netns,
        "-j",
        "route",
        "get",
        destination,
        "from",
        seg.host_address.split("/")[0],
        "iif",
        seg.site_if,
        check=False,
    )
    if proc.returncode != 0:
        return None
    routes = json.loads(proc.stdout or "[]")
    if not routes or routes[0].get("type") in ("blackhole", "unreachable", "prohibit"):
        return None
    dev = routes[0].get("dev")
    return str(dev) if dev else None


def counters(record: LabRecord, site: str) -> dict[str, Counters]:
    """Packet and byte counters of every interface of the site router."""
    node = record.site(site)
    proc = shell.ip("-n", node.netns, "-j", "-s", "link", "show")
    out = {}
    for link in json.loads(proc.stdout or "[]"):
        stats = link.get("stats64", {})
        rx, tx = stats.get("rx", {}), stats.get("tx", {})
        out[str(link["ifname"])] = Counters(
            int(rx.get("packets", 0)), int(tx.get("packets", 0)), int(rx.get("bytes", 0)), int(tx.get("bytes", 0))
        )
    return out


def poll(check: Callable[[], bool], timeout: float, interval: float = 0.2) -> float | None:
    """Seconds until ``check()`` held, or None if it did not within ``timeout``."""
    start = time.monotonic()
    while True:
        if check():
            return time.monotonic() - start
        if time.monotonic() - start >= timeout:
            return None
        time.sleep(interval)


def reaches(record: LabRecord, site: str, segment: str, destination: str, timeout: float = 30.0) -> float | None:
    """Seconds until the segment's host gets a reply from ``destination`` (None: not within timeout)."""
    return poll(lambda: ping(record, site, segment, destination, count=1, wait=0.5).ok, timeout, interval=0.1)

"""Where each site is measured from.

In the lab, a site's LAN hosts live in their own namespace (``<prefix>-lan-<site>``) with one
address per segment, routed into the router's LAN interface of that segment: probes sourced
there cross the router's policy routing like a till's traffic does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runbook_wan.lab.state import LabRecord
from runbook_wan.monitoring.targets import ProbeTargets

NETNS_DIR = Path("/run/netns")


@dataclass(frozen=True)
class VantagePoint:
    site: str
    netns_path: str | None
    source: str


def lab_vantages(record: LabRecord, targets: ProbeTargets) -> tuple[dict[str, VantagePoint], list[str]]:
    """Vantage per site the lab runs; and the target sites it does not run (not measured)."""
    found: dict[str, VantagePoint] = {}
    missing: list[str] = []
    for sid, target in targets.sites.items():
        node = record.topology.sites.get(sid)
        lan = node.lan(target.segment) if node is not None else None
        if node is None or lan is None:
            missing.append(sid)
            continue
        found[sid] = VantagePoint(sid, str(NETNS_DIR / node.hosts_netns), lan.host_address.split("/")[0])
    return found, missing

"""Fault injection on one circuit of one site, always on the provider side.

* ``link``: the provider-side interface goes down; the site sees NO-CARRIER (for relayed
  wireless circuits the relay box's site-facing end goes down too, so the site sees it as well).
* ``blackhole``: nft in the provider namespace silently drops everything on the circuit while
  the link stays up; only BGP hold timers or BFD notice.

``restore`` undoes both. State is read from the namespaces (link flags, nft tables), so
``status`` shows faults however they were injected.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from runbook_wan.lab import impair, probes, shell
from runbook_wan.lab.fault_modes import FAULT_MODES, FaultMode
from runbook_wan.lab.state import LabRecord
from runbook_wan.lab.topology import CircuitLink, SiteNode
from runbook_wan.results import Diagnostic, DiagnosticError

__all__ = ["FAULT_MODES", "CircuitFault", "FaultMode"]
TABLE_PREFIX = "lab_fault_"


@dataclass(frozen=True)
class CircuitFault:
    site: str
    role: str
    link_down: bool
    blackhole: bool

    @property
    def active(self) -> bool:
        return self.link_down or self.blackhole


def find_circuit(record: LabRecord, site: str, circuit: str) -> tuple[SiteNode, CircuitLink]:
    """A circuit by role (``primary_dia``), site interface (``wan1``) or provider id."""
    node = record.site(site)
    for link in node.circuits:
        if circuit in (link.role, link.site_if, link.provider):
            return node, link
    known = ", ".join(f"{c.role} ({c.site_if}, {c.provider})" for c in node.circuits)
    raise DiagnosticError(
        [
            Diagnostic(
                "lab-unknown-circuit",
                f"site {site} has no circuit {circuit!r}",
                hint=f"use a role, interface or provider: {known}",
            )
        ]
    )


def _table(link: CircuitLink) -> str:
    return TABLE_PREFIX + re.sub(r"[^A-Za-z0-9_]", "_", link.provider_if)


def _blackhole_rules(link: CircuitLink) -> str:
    name, dev = _table(link), link.provider_if
    chains = []
    for hook in ("input", "output", "forward"):
        match = "oifname" if hook == "output" else "iifname"
        extra = f'    oifname "{dev}" drop\n' if hook == "forward" else ""
        chains.append(
            f"  chain {hook} {{\n    type filter hook {hook} priority filter - 20; policy accept;\n"
            f'    {match} "{dev}" drop\n{extra}  }}'
        )
    return f"table inet {name} {{\n" + "\n".join(chains) + "\n}\n"


def _relay_end(record: LabRecord, link: CircuitLink) -> tuple[str, str] | None:
    if link.relay is None or record.topology.relay_netns is None:
        return None
    return record.topology.relay_netns, link.relay.site_side


def fail(record: LabRecord, site: str, circuit: str, mode: FaultMode) -> CircuitLink:
    _, link = find_circuit(record, site, circuit)
    if mode == "link":
        shell.ip("-n", link.provider_netns, "link", "set", link.provider_if, "down")
        relay_end = _relay_end(record, link)
        if relay_end is not None:
            shell.ip("-n", relay_end[0], "link", "set", relay_end[1], "down")
    elif _table(link) not in probes.nft_tables(link.provider_netns):
        shell.in_netns(link.provider_netns, "nft", "-f", "-", input_text=_blackhole_rules(link))
    return link


def restore(record: LabRecord, site: str, circuit: str) -> CircuitLink:
    """Undo faults and impairments (``lab impair``) on the circuit."""
    _, link = find_circuit(record, site, circuit)
    impair.clear(record, link)
    if _table(link) in probes.nft_tables(link.provider_netns):
        shell.in_netns(link.provider_netns, "nft", "delete", "table", "inet", _table(link))
    relay_end = _relay_end(record, link)
    if relay_end is not None:
        shell.ip("-n", relay_end[0], "link", "set", relay_end[1], "up")
    shell.ip("-n", link.provider_netns, "link", "set", link.provider_if, "up")
    return link


def circuit_healthy(record: LabRecord, site: str, circuit: str) -> bool:
    """Seen from the site: BGP Established on the circuit, its BFD session up (if it runs BFD) and
    the provider's tracking address routed over it (what SD-WAN steering resolves through)."""
    node, link = find_circuit(record, site, circuit)
    gateway = link.gateway.split("/")[0]
    if (probes.bgp_peers(node.netns) or {}).get(gateway) != "Established":
        return False
    if link.bfd and probes.bfd_peers(node.netns).get(gateway) != "up":
        return False
    tracking = record.topology.providers[link.provider].tracking_address
    return probes.route_device(node.netns, tracking) == link.site_if


def wait_healthy(record: LabRecord, site: str, circuit: str, timeout: float = 60.0) -> bool:
    """Poll until the circuit is healthy again (e.g. after :func:`restore`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if circuit_healthy(record, site, circuit):
            return True
        time.sleep(0.2)
    return False


def restore_all(record: LabRecord) -> None:
    for site in record.topology.sites.values():
        for link in site.circuits:
            restore(record, site.site, link.role)


def circuit_faults(record: LabRecord) -> list[CircuitFault]:
    """Fault state of every circuit, from one query per provider namespace."""
    netns = {p.netns for p in record.topology.providers.values()}
    tables = {ns: probes.nft_tables(ns) for ns in netns}
    flags = {ns: probes.link_flags(ns) for ns in netns}
    out = []
    for site in record.topology.sites.values():
        for link in site.circuits:
            up = "UP" in flags[link.provider_netns].get(link.provider_if, [])
            out.append(
                CircuitFault(
                    site=site.site,
                    role=link.role,
                    link_down=not up,
                    blackhole=_table(link) in tables[link.provider_netns],
                )
            )
    return out

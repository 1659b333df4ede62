"""Wait until the lab is up, by polling (never by sleeping a fixed time).

A node is ready when:

* FRR nodes: every daemon runs and the boot config is loaded (its ``log file`` line shows);
* internet core: BGP Established with every provider (so providers are ready too);
* sites: SSH answers on the management address; sites whose boot config has BGP neighbours
  also have every such session Established (seen from the provider edge, one query per
  provider) and a default route in the kernel.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from runbook_wan.lab import probes
from runbook_wan.lab.frr_configs import node_log_file
from runbook_wan.lab.topology import CircuitLink, SiteNode, Topology

POLL_SECONDS = 0.5
_NEIGHBOR = re.compile(r"^\s*neighbor\s+(\d+\.\d+\.\d+\.\d+)\s+remote-as\s", re.MULTILINE)


def bgp_circuits(site: SiteNode, config_text: str) -> list[CircuitLink]:
    """The site's circuits whose provider edge the config peers with."""
    peers = set(_NEIGHBOR.findall(config_text))
    return [c for c in site.circuits if c.gateway.split("/")[0] in peers]


@dataclass
class Readiness:
    """What is still pending, per node (empty = ready)."""

    pending: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def ready(self) -> bool:
        return not self.pending


@dataclass
class _Progress:
    frr_ok: set[str] = field(default_factory=set)
    ssh_ok: set[str] = field(default_factory=set)


def _frr_pending(netns: str, daemons: list[str], log_file: str, progress: _Progress) -> str | None:
    if netns in progress.frr_ok:
        return None
    alive = probes.daemons_alive(netns, daemons)
    down = [d for d, ok in alive.items() if not ok]
    if down:
        return "daemons not running: " + ", ".join(down)
    running = probes.vtysh(netns, "show running-config")
    if running is None or f"log file {log_file}" not in running:
        return "boot config not loaded yet"
    progress.frr_ok.add(netns)
    return None


def _core_pending(topo: Topology, progress: _Progress, log_files: dict[str, str]) -> dict[str, str]:
    pending = {}
    inet = topo.internet
    nodes = [(inet.netns, inet.daemons), *((p.netns, p.daemons) for p in topo.providers.values())]
    for netns, daemons in nodes:
        why = _frr_pending(netns, daemons, log_files[netns], progress)
        if why:
            pending[netns] = why
    if pending:
        return pending
    peers = probes.bgp_peers(inet.netns) or {}
    for provider in topo.providers.values():
        if peers.get(provider.core_address.split("/")[0]) != "Established":
            pending[provider.netns] = "BGP to the internet core not Established"
    return pending


def _site_pending(topo: Topology, expected: dict[str, list[CircuitLink]], progress: _Progress) -> dict[str, str]:
    pending: dict[str, str] = {}
    provider_peers: dict[str, dict[str, str]] = {}
    for sid, site in topo.sites.items():
        why = _frr_pending(site.netns, site.daemons, site.log_file, progress)
        if why is None and site.netns not in progress.ssh_ok:
            if probes.ssh_open(site.mgmt_ip, timeout=1.0):
                progress.ssh_ok.add(site.netns)
            else:
                why = f"SSH not answering on {site.mgmt_ip}"
        if why is None and expected.get(sid):
            for circuit in expected[sid]:
                if circuit.provider_netns not in provider_peers:
                    provider_peers[circuit.provider_netns] = probes.bgp_peers(circuit.provider_netns) or {}
                state = provider_peers[circuit.provider_netns].get(circuit.site_address.split("/")[0], "Idle")
                if state != "Established":
                    why = f"BGP on {circuit.site_if} ({circuit.provider}) {state}"
                    break
            if why is None and not probes.has_default_route(site.netns):
                why = "no default route yet"
        if why:
            pending[site.netns] = why
    return pending


def wait_ready(
    topo: Topology,
    expected: dict[str, list[CircuitLink]],
    timeout: float,
    on_poll: Callable[[Readiness], None] | None = None,
) -> Readiness:
    """Poll until every node is ready or ``timeout`` seconds passed; returns what is pending."""
    log_files = {n: node_log_file(n) for n in (topo.internet.netns, *(p.netns for p in topo.providers.values()))}
    progress = _Progress()
    start = time.monotonic()
    while True:
        state = Readiness()
        state.pending.update(_core_pending(topo, progress, log_files))
        state.pending.update(_site_pending(topo, expected, progress))
        state.elapsed = time.monotonic() - start
        if on_poll is not None:
            on_poll(state)
        if state.ready or state.elapsed >= timeout:
            return state
        time.sleep(POLL_SECONDS)

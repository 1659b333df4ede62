"""``lab status``: what runs, per node, observed live (namespaces, daemons, BGP, SSH, faults)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from runbook_wan.lab import agents, impairment, probes
from runbook_wan.lab.faults import CircuitFault, circuit_faults
from runbook_wan.lab.impair import CircuitImpairment, all_impairments
from runbook_wan.lab.state import LabRecord
from runbook_wan.lab.topology import Topology

WORKERS = 4


@dataclass
class NodeStatus:
    netns: str
    role: str  # site | provider | internet | lan-hosts | relay
    name: str
    exists: bool
    daemons_up: int = 0
    daemons: int = 0
    bgp_established: int | None = None
    bgp_total: int | None = None
    ssh: bool | None = None
    #: Sites: the SD-WAN edge agent runs (None: not a site); ``agent_policy``: it has a policy file.
    agent: bool | None = None
    agent_policy: bool | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems


@dataclass
class LabStatus:
    prefix: str
    created: str
    configs: str | None
    nodes: list[NodeStatus]
    faults: list[CircuitFault]
    impairments: list[CircuitImpairment] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return all(n.healthy for n in self.nodes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "created": self.created,
            "configs": self.configs,
            "healthy": self.healthy,
            "nodes": [asdict(n) | {"healthy": n.healthy} for n in self.nodes],
            "faults": [asdict(f) for f in self.faults if f.active],
            "impairments": [asdict(i) for i in self.impairments],
        }


def _frr_node(
    netns: str,
    role: str,
    name: str,
    daemons: list[str],
    existing: set[str],
    faulted_peers: set[str],
    mgmt_ip: str | None = None,
    agents_expected: bool = True,
) -> NodeStatus:
    node = NodeStatus(netns=netns, role=role, name=name, exists=netns in existing, daemons=len(daemons))
    if not node.exists:
        node.problems.append("namespace missing")
        return node
    alive = probes.daemons_alive(netns, daemons)
    node.daemons_up = sum(alive.values())
    if node.daemons_up < node.daemons:
        node.problems.append("not running: " + ", ".join(d for d, ok in alive.items() if not ok))
    peers = probes.bgp_peers(netns) if alive.get("bgpd") else None
    if peers is not None:
        node.bgp_total = len(peers)
        node.bgp_established = sum(1 for s in peers.values() if s == "Established")
        down = [p for p, s in peers.items() if s != "Established" and p not in faulted_peers]
        if down:
            node.problems.append("BGP not Established: " + ", ".join(sorted(down)))
    if mgmt_ip is not None:
        node.ssh = probes.ssh_open(mgmt_ip)
        if not node.ssh:
            node.problems.append(f"SSH not answering on {mgmt_ip}")
        node.agent = agents.pid(netns) is not None
        node.agent_policy = agents.policy_path(netns).is_file()
        if agents_expected and node.agent_policy and not node.agent:
            node.problems.append("the SD-WAN agent is not running (it has a policy)")
    return node


def _faulted_peers(topo: Topology, faults: list[CircuitFault]) -> set[str]:
    """Both ends' addresses of faulted circuits: their BGP sessions are expected down."""
    out = set()
    for fault in faults:
        if fault.active:
            link = topo.sites[fault.site].circuit(fault.role)
            if link is not None:
                out |= {link.gateway.split("/")[0], link.site_address.split("/")[0]}
    return out


def collect(record: LabRecord) -> LabStatus:
    topo = record.topology
    existing = set(probes.netns_list())
    faults = circuit_faults(record) if all(p.netns in existing for p in topo.providers.values()) else []
    faulted = _faulted_peers(topo, faults)
    jobs: list[tuple[str, str, str, list[str], str | None]] = [
        (topo.internet.netns, "internet", "internet", topo.internet.daemons, None)
    ]
    jobs += [(p.netns, "provider", p.provider, p.daemons, None) for p in topo.providers.values()]
    jobs += [(s.netns, "site", s.site, s.daemons, s.mgmt_ip) for s in topo.sites.values()]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        nodes = list(
            pool.map(lambda j: _frr_node(j[0], j[1], j[2], j[3], existing, faulted, j[4], record.agents), jobs)
        )
    for site in topo.sites.values():
        hosts = NodeStatus(
            netns=site.hosts_netns, role="lan-hosts", name=site.site, exists=site.hosts_netns in existing
        )
        if not hosts.exists:
            hosts.problems.append("namespace missing")
        nodes.append(hosts)
    if topo.relay_netns:
        relay = NodeStatus(
            netns=topo.relay_netns, role="relay", name="relay", exists=topo.relay_netns in existing, daemons=1
        )
        pid = impairment.relay_pid(record.layout)
        relay.daemons_up = int(pid is not None and probes.pid_alive(pid))
        if not relay.exists or not relay.daemons_up:
            relay.problems.append("relay not running")
        nodes.append(relay)
    impaired = all_impairments(record) if all(p.netns in existing for p in topo.providers.values()) else []
    return LabStatus(
        prefix=topo.prefix,
        created=record.created,
        configs=record.configs,
        nodes=nodes,
        faults=faults,
        impairments=impaired,
    )

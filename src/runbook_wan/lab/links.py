"""``ip`` command lines that create the lab's namespaces, links and addresses.

Batches: :func:`netns_add_batch` and :func:`root_batch` (run in the root namespace) create every
namespace, the management bridge and every veth pair directly inside its namespaces;
:func:`netns_batches` (one batch per namespace, run inside it) brings links up and adds the
addresses the lab owns. Addresses the intents define for sites (WAN, LAN, loopback) are left
to the site's FRR config.
"""

from __future__ import annotations

from runbook_wan.lab.topology import SiteNode, Topology

#: Policy-routing tables in a LAN-hosts namespace: one per segment, so a ping bound to a
#: segment's host address leaves through that segment.
HOST_TABLE_BASE = 100
HOST_RULE_PREF = 100


def _veth(a_ns: str, a_if: str, b_ns: str, b_if: str) -> str:
    return f"link add {a_if} netns {a_ns} type veth peer name {b_if} netns {b_ns}"


def _site_links(topo: Topology, site: SiteNode) -> list[str]:
    lines = [
        f"link add {site.mgmt_port} type veth peer name {site.mgmt_if} netns {site.netns}",
        f"link set {site.mgmt_port} master {topo.bridge}",
        f"link set {site.mgmt_port} up",
    ]
    for c in site.circuits:
        if c.relay is None:
            lines.append(_veth(site.netns, c.site_if, c.provider_netns, c.provider_if))
        else:
            assert topo.relay_netns is not None
            lines.append(_veth(site.netns, c.site_if, topo.relay_netns, c.relay.site_side))
            lines.append(_veth(topo.relay_netns, c.relay.provider_side, c.provider_netns, c.provider_if))
    lines += [_veth(site.netns, lan.site_if, site.hosts_netns, lan.host_if) for lan in site.lans]
    return lines


def netns_add_batch(topo: Topology) -> list[str]:
    return [f"netns add {ns}" for ns in topo.all_netns()]


def root_batch(topo: Topology) -> list[str]:
    """The management bridge and every veth pair (namespaces must exist)."""
    lines = [
        f"link add {topo.bridge} type bridge",
        f"addr add {topo.bridge_address} dev {topo.bridge}",
        f"link set {topo.bridge} up",
    ]
    for provider in topo.providers.values():
        lines.append(_veth(provider.netns, provider.core_if, topo.internet.netns, provider.internet_if))
    for site in topo.sites.values():
        lines += _site_links(topo, site)
    return lines


def _site_batch(site: SiteNode) -> list[str]:
    lines = ["link set lo up", f"addr add {site.mgmt_address} dev {site.mgmt_if}", f"link set {site.mgmt_if} up"]
    lines += [f"link set {c.site_if} up" for c in site.circuits]
    lines += [f"link set {lan.site_if} up" for lan in site.lans]
    return lines


def _hosts_batch(site: SiteNode) -> list[str]:
    lines = ["link set lo up"]
    for i, lan in enumerate(site.lans):
        table = HOST_TABLE_BASE + i
        host_ip = lan.host_address.split("/")[0]
        router_ip = lan.router_address.split("/")[0]
        lines += [
            f"link set {lan.host_if} up",
            f"addr add {lan.host_address} dev {lan.host_if}",
            f"route add default via {router_ip} dev {lan.host_if} onlink table {table}",
            f"rule add from {host_ip} lookup {table} pref {HOST_RULE_PREF + i}",
        ]
        if i == 0:
            lines.append(f"route add default via {router_ip} dev {lan.host_if} onlink")
    return lines


def netns_batches(topo: Topology) -> dict[str, list[str]]:
    batches: dict[str, list[str]] = {}
    inet = topo.internet
    batches[inet.netns] = ["link set lo up", *(f"addr add {a}/32 dev lo" for a in inet.addresses)]
    for provider in topo.providers.values():
        batches[inet.netns] += [
            f"addr add {provider.internet_address} dev {provider.internet_if}",
            f"link set {provider.internet_if} up",
        ]
        batches[provider.netns] = [
            "link set lo up",
            f"addr add {provider.tracking_address}/32 dev lo",
            f"addr add {provider.core_address} dev {provider.core_if}",
            f"link set {provider.core_if} up",
        ]
    if topo.relay_netns:
        batches[topo.relay_netns] = ["link set lo up"]
    for site in topo.sites.values():
        batches[site.netns] = _site_batch(site)
        batches[site.hosts_netns] = _hosts_batch(site)
        for c in site.circuits:
            batches[c.provider_netns] += [f"addr add {c.gateway} dev {c.provider_if}", f"link set {c.provider_if} up"]
            if c.relay is not None and topo.relay_netns:
                batches[topo.relay_netns] += [
                    f"link set {end} promisc on up" for end in (c.relay.site_side, c.relay.provider_side)
                ]
    return batches

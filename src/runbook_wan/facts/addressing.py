"""Address and code-point notations platforms need, derived once here so templates only place them."""

from __future__ import annotations

import functools
import ipaddress

from runbook_wan.facts.models import PrefixFact
from runbook_wan.model.types import DSCP_NAMES

_DSCP_BY_VALUE: dict[int, str] = {value: name for name, value in DSCP_NAMES.items()}


@functools.lru_cache(maxsize=4096)
def prefix_fact(prefix: str | ipaddress.IPv4Network) -> PrefixFact:
    """``10.21.40.0/24`` in prefix, network + mask, wildcard and ACL-operand notations.

    Facts are frozen, so one instance per prefix serves every site that names it (an estate
    repeats its hub, SaaS and provider prefixes at every site)."""
    net = ipaddress.IPv4Network(prefix)
    network, netmask = str(net.network_address), str(net.netmask)
    wildcard = str(net.hostmask)
    host = net.prefixlen == net.max_prefixlen
    return PrefixFact(
        prefix=str(net),
        network=network,
        netmask=netmask,
        wildcard=wildcard,
        acl_prefix=f"host {network}" if host else str(net),
        acl_wildcard=f"host {network}" if host else f"{network} {wildcard}",
    )


def dscp_name(value: int) -> str:
    """The keyword platforms print for a DSCP code point (``46`` -> ``ef``), else the number."""
    return _DSCP_BY_VALUE.get(value, str(value))

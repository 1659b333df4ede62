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
    net = prefix if isinstance(prefix, ipaddress.IPv4Network) else ipaddress.IPv4Network(prefix)
    length = net.prefixlen
    mask = _ALL_ONES ^ (_ALL_ONES >> length)
    # From the bits, not through ipaddress' objects: each site has prefixes of its own (uncached).
    network, netmask, wildcard = _dotted(int(net.network_address)), _dotted(mask), _dotted(mask ^ _ALL_ONES)
    text = f"{network}/{length}"
    host = length == _BITS
    return PrefixFact(
        prefix=text,
        network=network,
        netmask=netmask,
        wildcard=wildcard,
        acl_prefix=f"host {network}" if host else text,
        acl_wildcard=f"host {network}" if host else f"{network} {wildcard}",
    )


_BITS = 32
_ALL_ONES = (1 << _BITS) - 1


def _dotted(bits: int) -> str:
    """An IPv4 address in dotted-quad notation, as ``str(IPv4Address(bits))`` writes it."""
    return f"{bits >> 24}.{(bits >> 16) & 255}.{(bits >> 8) & 255}.{bits & 255}"


def dscp_name(value: int) -> str:
    """The keyword platforms print for a DSCP code point (``46`` -> ``ef``), else the number."""
    return _DSCP_BY_VALUE.get(value, str(value))

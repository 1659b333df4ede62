"""Prefix facts: every notation a platform may place, as Python's ``ipaddress`` writes it.

``prefix_fact`` formats the notations from the prefix's bits (a site's own prefixes are not
cached, and this runs for each of them); these tests hold it to ``ipaddress`` for any prefix.
"""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from runbook_wan.facts.addressing import prefix_fact

PREFIXES = st.builds(
    lambda bits, length: ipaddress.IPv4Network((bits, length), strict=False),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=0, max_value=32),
)


@given(net=PREFIXES, as_text=st.booleans())
def test_every_notation_is_what_ipaddress_writes(net: ipaddress.IPv4Network, as_text: bool) -> None:
    fact = prefix_fact.__wrapped__(str(net) if as_text else net)
    assert fact.prefix == str(net)
    assert fact.network == str(net.network_address)
    assert fact.netmask == str(net.netmask)
    assert fact.wildcard == str(net.hostmask)
    host = net.prefixlen == 32
    assert fact.acl_prefix == (f"host {net.network_address}" if host else str(net))
    assert fact.acl_wildcard == (f"host {net.network_address}" if host else f"{net.network_address} {net.hostmask}")


def test_the_edges_of_the_address_space() -> None:
    assert prefix_fact("0.0.0.0/0").wildcard == "255.255.255.255"
    assert prefix_fact("255.255.255.255/32").acl_prefix == "host 255.255.255.255"
    assert prefix_fact("10.21.40.0/24").acl_wildcard == "10.21.40.0 0.0.0.255"

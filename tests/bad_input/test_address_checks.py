"""Interface addresses are checked with integer masks (every address of every site passes through
the check): the verdict must be the one the ``ipaddress`` module's own tests give, for any address
and prefix length."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from runbook_wan.model.types import _NOT_UNICAST, _interface_address


def _verdict_by_ipaddress(text: str) -> str:
    """What the address is, by ``ipaddress``' containment and network/broadcast attributes."""
    iface = ipaddress.IPv4Interface(text)
    for network, what in _NOT_UNICAST:
        if iface.ip in network:
            return what
    net = iface.network
    if net.prefixlen < 31 and iface.ip == net.network_address:
        return "the network address"
    if net.prefixlen < 31 and iface.ip == net.broadcast_address:
        return "the broadcast address"
    return "ok"


@settings(max_examples=3000, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=0, max_value=32))
def test_the_integer_checks_agree_with_ipaddress(bits: int, length: int) -> None:
    text = f"{ipaddress.IPv4Address(bits)}/{length}"
    expected = _verdict_by_ipaddress(text)
    try:
        got = _interface_address(text)
    except PydanticCustomError as exc:
        message = exc.message()
        assert expected != "ok" and expected in message, (text, expected, message)
    else:
        assert expected == "ok" and got == ipaddress.IPv4Interface(text)


@pytest.mark.parametrize("text", ["10.0.0.0/24", "10.0.0.255/24", "127.0.0.1/8", "0.0.0.1/30", "239.1.1.1/24"])
def test_edges_are_refused(text: str) -> None:
    with pytest.raises(PydanticCustomError):
        _interface_address(text)

"""Annotated value types used across the intent schema, with messages people can act on."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

_NAME = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"


def _interface_address(value: Any) -> ipaddress.IPv4Interface:
    if isinstance(value, ipaddress.IPv4Interface):
        return value
    if not isinstance(value, str) or "/" not in value:
        raise PydanticCustomError(
            "interface_address",
            "{value} is not an interface address (expected a.b.c.d/len)",
            {
                "value": repr(value),
                "hint": f"add the prefix length of the subnet, e.g. '{value}/30' on a point-to-point link, "
                "/32 for a loopback",
            },
        )
    try:
        iface = ipaddress.IPv4Interface(value)
    except ValueError as exc:
        raise PydanticCustomError(
            "interface_address",
            "{value} is not a valid IPv4 interface address ({reason})",
            {"value": repr(value), "reason": str(exc), "hint": "use a.b.c.d/len with each octet 0-255 and len 0-32"},
        ) from None
    net = iface.network
    if net.prefixlen < 31 and iface.ip in (net.network_address, net.broadcast_address):
        which = "network" if iface.ip == net.network_address else "broadcast"
        raise PydanticCustomError(
            "interface_address",
            "{value} is the {which} address of {net}, not a usable host address",
            {
                "value": repr(value),
                "which": which,
                "net": str(net),
                "hint": f"pick a host address between {net.network_address + 1} and {net.broadcast_address - 1}",
            },
        )
    return iface


def _ipv4_address(value: Any) -> ipaddress.IPv4Address:
    if isinstance(value, ipaddress.IPv4Address):
        return value
    try:
        return ipaddress.IPv4Address(value if isinstance(value, str) else str(value))
    except ValueError:
        hint = (
            "write a plain address without a prefix length"
            if isinstance(value, str) and "/" in value
            else "write a dotted-quad IPv4 address, e.g. 192.0.2.1"
        )
        raise PydanticCustomError(
            "ipv4_address", "{value} is not an IPv4 address", {"value": repr(value), "hint": hint}
        ) from None


def _ipv4_network(value: Any) -> ipaddress.IPv4Network:
    if isinstance(value, ipaddress.IPv4Network):
        return value
    if not isinstance(value, str) or "/" not in value:
        raise PydanticCustomError(
            "ipv4_network",
            "{value} is not a prefix (expected a.b.c.d/len)",
            {"value": repr(value), "hint": "write the network with its prefix length, e.g. 10.1.10.0/24"},
        )
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        if "host bits set" in str(exc):
            network = ipaddress.IPv4Network(value, strict=False)
            raise PydanticCustomError(
                "ipv4_network",
                "{value} has host bits set, so it is not a prefix",
                {"value": repr(value), "hint": f"did you mean {network}?"},
            ) from None
        raise PydanticCustomError(
            "ipv4_network",
            "{value} is not a valid prefix ({reason})",
            {"value": repr(value), "reason": str(exc), "hint": "use a.b.c.d/len with each octet 0-255 and len 0-32"},
        ) from None


def _name(kind: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, str) and not re.match(_NAME, value):
            raise PydanticCustomError(
                "name_format",
                "{value} is not a valid {kind} name",
                {
                    "value": repr(value),
                    "kind": kind,
                    "hint": "use lowercase letters, digits and single hyphens, starting with a letter",
                },
            )
        return value

    return check


InterfaceAddress = Annotated[ipaddress.IPv4Interface, BeforeValidator(_interface_address)]
IPv4Addr = Annotated[ipaddress.IPv4Address, BeforeValidator(_ipv4_address)]
IPv4Prefix = Annotated[ipaddress.IPv4Network, BeforeValidator(_ipv4_network)]

SiteId = Annotated[str, AfterValidator(_name("site"))]
RegionName = Annotated[str, AfterValidator(_name("region"))]
ProviderName = Annotated[str, AfterValidator(_name("provider"))]
PolicyName = Annotated[str, AfterValidator(_name("policy"))]
ClassName = Annotated[str, AfterValidator(_name("application class"))]
SegmentName = Annotated[str, AfterValidator(_name("LAN segment"))]
PlatformName = Annotated[str, AfterValidator(_name("platform"))]
SecretName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._/-]*$", max_length=128)]

Asn = Annotated[int, Field(ge=1, le=4294967295, strict=True)]
Vlan = Annotated[int, Field(ge=1, le=4094, strict=True)]
Percent = Annotated[float, Field(ge=0, le=100)]
_SHARE = re.compile(r"^(100|[1-9]?[0-9])(\.[0-9]+)?%$")


def _site_count(value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str) and _SHARE.match(value.strip()):
        return value.strip()
    raise PydanticCustomError(
        "site_count",
        "{value} is neither a number of sites nor a share of them",
        {"value": repr(value), "hint": "write a count such as 20, or a share such as '25%' (0-100%)"},
    )


#: A number of sites, or a share of them: ``20`` or ``"25%"``.
SiteCount = Annotated[
    int | str,
    BeforeValidator(_site_count),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "string", "pattern": _SHARE.pattern},
            ],
            "description": "a count of sites (20) or a share of them ('25%')",
        }
    ),
]

#: DSCP names accepted in policies, with their code points (RFC 2474/2597/3246/4594).
DSCP_NAMES: dict[str, int] = {
    "default": 0,
    "cs1": 8,
    "af11": 10,
    "af12": 12,
    "af13": 14,
    "cs2": 16,
    "af21": 18,
    "af22": 20,
    "af23": 22,
    "cs3": 24,
    "af31": 26,
    "af32": 28,
    "af33": 30,
    "cs4": 32,
    "af41": 34,
    "af42": 36,
    "af43": 38,
    "cs5": 40,
    "ef": 46,
    "cs6": 48,
    "cs7": 56,
}


def _dscp(value: Any) -> int:
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int) and 0 <= value <= 63:
        return value
    if isinstance(value, str) and value.lower() in DSCP_NAMES:
        return DSCP_NAMES[value.lower()]
    raise PydanticCustomError(
        "dscp",
        "{value} is not a DSCP value",
        {"value": repr(value), "hint": "use 0-63 or a name such as ef, af41, cs1"},
    )


Dscp = Annotated[int, BeforeValidator(_dscp)]

"""Annotated value types used across the intent schema, with messages people can act on."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
#: Longest id: a site id is also a hostname, and a DNS label holds at most 63 characters.
NAME_MAX_LENGTH = 63

#: Punctuation allowed in free text (descriptions, display names, circuit ids). Anything else --
#: line breaks and every other control character, quotes, ``!`` (a comment in device configs),
#: ``<`` and ``>`` (``<secret:NAME>`` tokens are resolved at push time) -- is refused at the model,
#: so an intent string can never add a line to a config, hide a token in it or break out of a page.
TEXT_PUNCTUATION = " -_.,:/()#&+'@"
_TEXT_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" + TEXT_PUNCTUATION)
#: Longest free text (a LAN description ends up in an interface description: IOS allows 240).
TEXT_MAX_LENGTH = 160
#: Longest short text: display names, provider names, circuit ids.
SHORT_TEXT_MAX_LENGTH = 64
TEXT_HINT = "use letters, digits, spaces and " + " ".join(TEXT_PUNCTUATION.strip()) + " (ASCII, one line)"

_CATEGORY_NAMES = {"Zl": "a line separator", "Zp": "a paragraph separator", "Cf": "an invisible format character"}
_CHARACTER_NAMES = {"\n": "a line break (\\n)", "\r": "a carriage return (\\r)", "\t": "a tab (\\t)"}


def describe_character(char: str) -> str:
    """A refused character as a person reads it: ``a line break (\\n)``, ``'<'``, ``U+2028``."""
    if char in _CHARACTER_NAMES:
        return _CHARACTER_NAMES[char]
    if not char.isprintable() or not char.isascii():
        category = unicodedata.category(char)
        kind = _CATEGORY_NAMES.get(
            category, "a control character" if category.startswith("C") else "a non-ASCII character"
        )
        return f"{kind} (U+{ord(char):04X})"
    return repr(char)


#: Unicode categories that act instead of showing: controls, format (bidi overrides, zero-width), separators.
_ACTING = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def refuse_control(value: Any) -> None:
    """Refuse a string holding a line break or any other character that acts instead of showing.

    Every value type of the intents calls this first (names, addresses, times, hosts), so the error
    says what is wrong ("contains a line break (\\n)") rather than "is not an e-mail address", and
    no such character reaches a generated file, a config line, a terminal or a page.
    """
    if not isinstance(value, str) or value.isprintable():
        return
    bad = next((c for c in value if unicodedata.category(c) in _ACTING), None)
    if bad is not None:
        raise PydanticCustomError(
            "text_character",
            "{value} contains {character}, which is not allowed in intent text",
            {
                "value": shorten(value),
                "character": describe_character(bad),
                "hint": "write the value on one line, without control characters",
            },
        )


def shorten(value: str, limit: int = 40) -> str:
    """``repr`` of ``value`` cut to ``limit`` characters (a refused value may be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _text(max_length: int) -> Any:
    def check(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        bad = next((c for c in value if c not in _TEXT_OK), None)
        if bad is not None:
            raise PydanticCustomError(
                "text_character",
                "{value} contains {character}, which is not allowed in intent text",
                {"value": shorten(value), "character": describe_character(bad), "hint": TEXT_HINT},
            )
        if len(value) > max_length:
            raise PydanticCustomError(
                "text_length",
                "{value} is {length} characters long, more than the {limit} allowed",
                {"value": shorten(value), "length": len(value), "limit": max_length, "hint": "shorten it"},
            )
        if value != value.strip() or "  " in value:
            raise PydanticCustomError(
                "text_spaces",
                "{value} has leading, trailing or repeated spaces",
                {"value": shorten(value), "hint": "use single spaces between words"},
            )
        return value

    return check


#: Addresses that are never a host's: "this network", loopback, link-local... no: link-local is a
#: valid (if rare) circuit address. Multicast, reserved (class E) and broadcast are not.
_NOT_UNICAST: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (ipaddress.IPv4Network("0.0.0.0/8"), "'this network' (0.0.0.0/8)"),
    (ipaddress.IPv4Network("127.0.0.0/8"), "a loopback address (127.0.0.0/8)"),
    (ipaddress.IPv4Network("224.0.0.0/4"), "a multicast address (224.0.0.0/4)"),
    (ipaddress.IPv4Network("240.0.0.0/4"), "reserved (240.0.0.0/4) or broadcast"),
)


#: The same ranges as (network, mask) integers: the test runs for every address of every site.
_NOT_UNICAST_BITS: tuple[tuple[int, int, str], ...] = tuple(
    (int(net.network_address), int(net.netmask), what) for net, what in _NOT_UNICAST
)


def _unicast(address: ipaddress.IPv4Address, value: Any) -> None:
    """Refuse an address no device may use as its own or as a next hop."""
    bits = int(address)
    for network, mask, what in _NOT_UNICAST_BITS:
        if bits & mask == network:
            raise PydanticCustomError(
                "address_not_unicast",
                "{value} is {what}, not a unicast host address",
                {"value": repr(value), "what": what, "hint": "use a unicast address from your address plan"},
            )


_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
#: ``a.b.c.d/len`` as written canonically (no leading zero, ASCII digits, in range): nearly every
#: address of an estate, whose bits are read here rather than by ``ipaddress``' parser (1.5x slower);
#: anything else goes to that parser, which accepts or refuses it with its own reason.
_PLAIN_INTERFACE = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}/(3[0-2]|[12]?[0-9])\Z")


def _bits(plain: re.Match[str]) -> tuple[int, int]:
    """(address bits, prefix length) of a :data:`_PLAIN_INTERFACE` match: what ``IPv4Interface`` takes."""
    a, b, c, d, length = map(int, plain.groups())
    return (a << 24) | (b << 16) | (c << 8) | d, length


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
    plain = _PLAIN_INTERFACE.match(value)
    try:
        iface = ipaddress.IPv4Interface(_bits(plain) if plain is not None else value)
    except ValueError as exc:
        raise PydanticCustomError(
            "interface_address",
            "{value} is not a valid IPv4 interface address ({reason})",
            {"value": repr(value), "reason": str(exc), "hint": "use a.b.c.d/len with each octet 0-255 and len 0-32"},
        ) from None
    _unicast(iface, value)  # an IPv4Interface is its address (int() is the address' bits)
    net = iface.network
    hostmask = (1 << (32 - net.prefixlen)) - 1
    host_bits = int(iface) & hostmask
    if net.prefixlen < 31 and host_bits in (0, hostmask):
        which = "network" if host_bits == 0 else "broadcast"
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
        address = ipaddress.IPv4Address(value if isinstance(value, str) else str(value))
    except ValueError:
        hint = (
            "write a plain address without a prefix length"
            if isinstance(value, str) and "/" in value
            else "write a dotted-quad IPv4 address, e.g. 192.0.2.1"
        )
        raise PydanticCustomError(
            "ipv4_address", "{value} is not an IPv4 address", {"value": repr(value), "hint": hint}
        ) from None
    _unicast(address, value)
    return address


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
        refuse_control(value)
        if isinstance(value, str) and len(value) > NAME_MAX_LENGTH:
            raise PydanticCustomError(
                "name_length",
                "{value} is {length} characters long; a {kind} name has at most {limit}",
                {
                    "value": shorten(value),
                    "length": len(value),
                    "kind": kind,
                    "limit": NAME_MAX_LENGTH,
                    "hint": "shorten it (ids become hostnames and file names)",
                },
            )
        if isinstance(value, str) and not _NAME.fullmatch(value):
            raise PydanticCustomError(
                "name_format",
                "{value} is not a valid {kind} name",
                {
                    "value": shorten(value, 60),
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


def _text_schema(min_length: int, max_length: int) -> WithJsonSchema:
    """What editors see of a text type (the validator itself gives the better message)."""
    allowed = TEXT_PUNCTUATION.replace("-", "") + "-"  # no escapes: valid in every regex dialect
    return WithJsonSchema(
        {
            "type": "string",
            "minLength": min_length,
            "maxLength": max_length,
            "pattern": f"^[A-Za-z0-9{allowed}]*$",
        }
    )


#: Free text that may reach a config or a page (descriptions): one line of safe characters.
Text = Annotated[str, AfterValidator(_text(TEXT_MAX_LENGTH)), _text_schema(0, TEXT_MAX_LENGTH)]
#: Short free text: display names, provider names, circuit ids.
ShortText = Annotated[
    str,
    Field(min_length=1),
    AfterValidator(_text(SHORT_TEXT_MAX_LENGTH)),
    _text_schema(1, SHORT_TEXT_MAX_LENGTH),
]
#: A key of a mapping whose values are validated elsewhere (``site_defaults``, driver options).
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
#: A tag for ``--limit tag=T``.
Tag = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=32)]
#: A phone number as dialled: digits, spaces and + ( ) . - only.
Phone = Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ().-]{2,31}$")]
#: An e-mail address (the plain ``local@domain`` form; no display names, no quoting).
Email = Annotated[str, Field(pattern=r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$", max_length=254)]

#: AS numbers IANA reserves (RFC 7300, 6793, 5398 leaves the documentation ranges usable in examples).
RESERVED_ASNS: tuple[tuple[int, int, str], ...] = (
    (23456, 23456, "AS_TRANS (RFC 6793), a placeholder for 4-byte ASNs"),
    (65535, 65535, "reserved (RFC 7300)"),
    (65552, 131071, "reserved by IANA"),
    (4294967295, 4294967295, "reserved (RFC 7300)"),
)


def _asn(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        for low, high, why in RESERVED_ASNS:
            if low <= value <= high:
                raise PydanticCustomError(
                    "asn_reserved",
                    "AS number {value} is {why}",
                    {"value": value, "why": why, "hint": "sites use private ASNs: 64512-65534, 4200000000-4294967294"},
                )
    return value


Asn = Annotated[int, Field(ge=1, le=4294967295, strict=True), AfterValidator(_asn)]
Vlan = Annotated[int, Field(ge=1, le=4094, strict=True)]
Percent = Annotated[float, Field(ge=0, le=100)]
_SHARE = re.compile(r"^(100|[1-9]?[0-9])(\.[0-9]+)?%$")


def _site_count(value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str) and _SHARE.fullmatch(value):
        return value
    raise PydanticCustomError(
        "site_count",
        "{value} is neither a number of sites nor a share of them",
        {"value": repr(value), "hint": "write a count such as 20, or a share such as '25%' (0-100%)"},
    )


#: A share of sites, ``"25%"``.
Share = Annotated[str, Field(pattern=_SHARE.pattern, max_length=8)]
#: One line of a regular expression or a prefix (platform catalog): no control characters, bounded.
LinePattern = Annotated[str, Field(pattern="^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$", max_length=200)]
#: A number of sites, or a share of them: ``20`` or ``"25%"``.
SiteCount = Annotated[
    int | Share,
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

"""``show interface json`` -> NAPALM interfaces and interface addresses."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from napalm_frr.models import InterfaceDict, InterfacesIPDict, PrefixLengthDict
from napalm_frr.parsers.common import as_int

_FRR_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S.%f", "%Y/%m/%d %H:%M:%S")


def utc_offset(text: str) -> timezone:
    """``date +%z`` output (``+0100``) -> a timezone; UTC when unreadable."""
    text = text.strip()
    if len(text) == 5 and text[0] in "+-" and text[1:].isdigit():
        minutes = int(text[1:3]) * 60 + int(text[3:])
        return timezone(timedelta(minutes=minutes if text[0] == "+" else -minutes))
    return UTC


def _epoch(stamp: str, tz: timezone) -> float | None:
    for fmt in _FRR_TIME_FORMATS:
        try:
            return datetime.strptime(stamp, fmt).replace(tzinfo=tz).timestamp()
        except ValueError:
            continue
    return None


def _last_flapped(data: dict[str, Any], tz: timezone) -> float:
    stamps = [_epoch(str(data[key]), tz) for key in ("lastLinkUp", "lastLinkDown") if key in data]
    known = [s for s in stamps if s is not None]
    return max(known) if known else -1.0


def interfaces(show_interface: dict[str, Any], tz: timezone) -> dict[str, InterfaceDict]:
    """NAPALM ``get_interfaces``: state, description, MTU, speed (Mbit/s), MAC, last flap (epoch)."""
    result: dict[str, InterfaceDict] = {}
    for name, data in sorted(show_interface.items()):
        if not isinstance(data, dict):
            continue
        result[name] = {
            "is_up": data.get("operationalStatus") == "up",
            "is_enabled": data.get("administrativeStatus") == "up",
            "description": str(data.get("description", "")),
            "last_flapped": _last_flapped(data, tz),
            "mtu": as_int(data.get("mtu")),
            "speed": float(as_int(data.get("speed"), -1)),
            "mac_address": str(data.get("hardwareAddress", "")).upper(),
        }
    return result


def interface_addresses(show_interface: dict[str, Any]) -> dict[str, InterfacesIPDict]:
    """NAPALM ``get_interfaces_ip``: only interfaces that have an address are listed."""
    result: dict[str, InterfacesIPDict] = {}
    for name, data in sorted(show_interface.items()):
        if not isinstance(data, dict):
            continue
        entry: InterfacesIPDict = {}
        for address in data.get("ipAddresses", []):
            try:
                iface = ipaddress.ip_interface(str(address.get("address", "")))
            except ValueError:
                continue
            length: PrefixLengthDict = {"prefix_length": iface.network.prefixlen}
            if iface.version == 4:
                entry.setdefault("ipv4", {})[str(iface.ip)] = length
            else:
                entry.setdefault("ipv6", {})[str(iface.ip)] = length
        if entry:
            result[name] = entry
    return result

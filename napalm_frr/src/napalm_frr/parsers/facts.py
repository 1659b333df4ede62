"""Facts of an FRR box: ``show version``, the kernel's hostname / domain / uptime, DMI if present."""

from __future__ import annotations

import re

from napalm_frr.models import FactsDict

_VERSION = re.compile(r"FRRouting\s+(\S+)")


def os_version(show_version: str) -> str:
    """``FRRouting 8.4.4 (host) on Linux(...)`` -> ``8.4.4``."""
    match = _VERSION.search(show_version)
    return match.group(1) if match else show_version.strip().splitlines()[0] if show_version.strip() else ""


def facts(
    show_version: str,
    proc_uptime: str,
    hostname: str,
    domainname: str,
    machine: str,
    dmi_product: str,
    dmi_serial: str,
    interface_list: list[str],
) -> FactsDict:
    hostname = hostname.strip()
    domain = domainname.strip()
    uptime_field = (proc_uptime.split() or ["-1"])[0]
    return {
        "vendor": "FRRouting",
        "model": dmi_product.strip() or f"Linux {machine.strip()}".strip(),
        "serial_number": dmi_serial.strip(),
        "os_version": os_version(show_version),
        "hostname": hostname,
        "fqdn": f"{hostname}.{domain}" if domain and domain != "(none)" else hostname,
        "uptime": float(uptime_field),
        "interface_list": sorted(interface_list),
    }

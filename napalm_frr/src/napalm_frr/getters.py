"""NAPALM getters for FRR: which commands run on the box, then a pure parser per getter.

vtysh ``show`` commands go to the connection's vtysh session (no process per getter); the few
shell facts (uptime, hostname, DMI, startup config) are one exec.
"""

from __future__ import annotations

import ipaddress
import json
import shlex
from typing import Any

from napalm.base.exceptions import CommandErrorException

from napalm_frr.frr_shell import FrrShell
from napalm_frr.models import (
    BGPVrfDict,
    ConfigDict,
    FactsDict,
    InterfaceDict,
    InterfacesIPDict,
    PingResultDict,
    RouteDict,
)
from napalm_frr.parsers import bgp, facts, interfaces, ping, routes
from napalm_frr.parsers.common import as_int, json_documents
from napalm_frr.sanitize import sanitize_config

_CONFIG_STORES = ("running", "startup", "candidate")
#: ``show ip route <protocol> json`` accepts these FRR route types.
_ROUTE_PROTOCOLS = {
    "bgp",
    "connected",
    "kernel",
    "static",
    "ospf",
    "isis",
    "rip",
    "babel",
    "eigrp",
    "nhrp",
    "openfabric",
    "sharp",
    "table",
    "vnc",
    "local",
}


def _json_output(text: str, command: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise CommandErrorException(f"{command}: FRR did not answer with JSON (is zebra running?): {exc}") from exc
    if not isinstance(document, dict):
        raise CommandErrorException(f"{command}: expected a JSON object")
    return document


def get_facts(shell: FrrShell) -> FactsDict:
    out = shell.sections(
        {
            "version": shell.vtysh_command("show version"),
            "interfaces": shell.vtysh_command("show interface json"),
            "uptime": "cat /proc/uptime",
            "hostname": "cat /proc/sys/kernel/hostname",
            "domain": "cat /proc/sys/kernel/domainname",
            "machine": "uname -m",
            "product": "cat /sys/class/dmi/id/product_name",
            "serial": "cat /sys/class/dmi/id/product_serial",
        }
    )
    interface_data = _json_output(out["interfaces"], "show interface json")
    return facts.facts(
        show_version=out["version"],
        proc_uptime=out["uptime"],
        hostname=out["hostname"],
        domainname=out["domain"],
        machine=out["machine"],
        dmi_product=out["product"],
        dmi_serial=out["serial"],
        interface_list=list(interface_data),
    )


def _show_interface(shell: FrrShell) -> dict[str, Any]:
    (output,) = shell.show("show interface json")
    return _json_output(output, "show interface json")


def get_interfaces(shell: FrrShell) -> dict[str, InterfaceDict]:
    data = _show_interface(shell)
    return interfaces.interfaces(data, interfaces.utc_offset(shell.utc_offset()))


def get_interfaces_ip(shell: FrrShell) -> dict[str, InterfacesIPDict]:
    return interfaces.interface_addresses(_show_interface(shell))


def get_bgp_neighbors(shell: FrrShell) -> dict[str, BGPVrfDict]:
    summary, neighbors = shell.vtysh_json("show bgp vrf all summary json", "show bgp vrf all neighbors json")
    return bgp.bgp_neighbors(summary, neighbors)


def _route_command(destination: str, protocol: str, longer: bool) -> str:
    if not destination:
        family = "ip"
        selector = protocol.lower() if protocol.lower() in _ROUTE_PROTOCOLS else ""
        return " ".join(part for part in ("show", family, "route", selector, "json") if part)
    try:
        network = ipaddress.ip_network(destination, strict=False)
    except ValueError as exc:
        raise ValueError(f"get_route_to: {destination!r} is not an IP address or prefix") from exc
    family = "ip" if network.version == 4 else "ipv6"
    if longer:
        return f"show {family} route {network.with_prefixlen} longer-prefixes json"
    target = destination if "/" in destination else str(network.network_address)
    return f"show {family} route {target} json"


def get_route_to(shell: FrrShell, destination: str, protocol: str, longer: bool) -> dict[str, list[RouteDict]]:
    (table,) = shell.vtysh_json(_route_command(destination, protocol, longer))
    bgp_prefixes = [
        prefix
        for prefix, entries in table.items()
        if isinstance(entries, list)
        and any(e.get("protocol") == "bgp" for e in entries)
        and (not protocol or protocol.lower() == "bgp")
    ]
    details: dict[str, dict[str, Any]] = {}
    local_as = 0
    if bgp_prefixes:
        family = "ipv6" if ":" in bgp_prefixes[0] else "ipv4"
        commands = [f"show bgp {family} unicast summary json"]
        commands += [f"show bgp {family} unicast {prefix} json" for prefix in bgp_prefixes]
        summary, *found = shell.vtysh_json(*commands)
        local_as = as_int(summary.get("as"))
        details = dict(zip(bgp_prefixes, found, strict=True))
    return routes.routes(table, protocol, details, local_as)


def ping_command(
    destination: str,
    source: str,
    ttl: int,
    timeout: int,
    size: int,
    count: int,
    vrf: str,
    source_interface: str,
    interval: float,
    deadline: int | None = None,
) -> str:
    """The iputils command line.

    NAPALM's ping has no ``-w`` deadline: with one, iputils stops at the first ICMP error instead
    of sending ``count`` probes; the SSH command timeout bounds the run instead. With ``deadline``
    (:meth:`FrrExtensions.ping_until_reply`) it is ``-c COUNT -w DEADLINE``: probes every ``interval``
    until COUNT replies came back or the deadline passed.
    """
    argv = ["ping", "-n", "-c", str(count), "-W", str(timeout), "-s", str(size), "-t", str(ttl), "-i", f"{interval:g}"]
    if deadline is not None:
        argv += ["-w", str(deadline)]
    if source:
        argv += ["-I", source]
    elif source_interface:
        argv += ["-I", source_interface]
    argv.append(destination)
    if vrf:
        argv = ["ip", "vrf", "exec", vrf, *argv]
    # exec: the login shell becomes ping (one process, not two)
    return "exec " + " ".join(shlex.quote(a) for a in argv) + " 2>&1"


def get_ping(shell: FrrShell, command: str, timeout: float) -> PingResultDict:
    return ping.ping_result(shell.run(command, timeout=timeout).stdout)


def get_config(shell: FrrShell, retrieve: str, sanitized: bool, candidate: str) -> ConfigDict:
    if retrieve not in (*_CONFIG_STORES, "all"):
        raise ValueError(f"get_config: retrieve must be one of all, running, startup, candidate; got {retrieve!r}")
    wanted = _CONFIG_STORES if retrieve == "all" else (retrieve,)
    running = shell.running_config() if "running" in wanted else ""
    startup = ""
    if "startup" in wanted:
        startup = shell.run(f"cat {shlex.quote(shell.options.startup_config)} 2>/dev/null").stdout
    config: ConfigDict = {
        "running": running,
        "startup": startup,
        "candidate": candidate if "candidate" in wanted else "",
    }
    if sanitized:
        config = {
            "running": sanitize_config(config["running"]),
            "startup": sanitize_config(config["startup"]),
            "candidate": sanitize_config(config["candidate"]),
        }
    return config


def run_cli(shell: FrrShell, commands: list[str], encoding: str) -> dict[str, str | dict[str, Any]]:
    if encoding not in ("text", "json"):
        raise NotImplementedError(f"cli: encoding {encoding!r} is not supported (text, json)")
    if not isinstance(commands, list):
        raise TypeError("cli: commands must be a list of strings")
    output: dict[str, str | dict[str, Any]] = {}
    for command in commands:
        result = shell.vtysh(command)
        text = result.stdout + result.stderr
        if encoding == "text":
            output[command] = text
            continue
        try:
            (document,) = json_documents(result.stdout)
        except ValueError as exc:
            raise CommandErrorException(f"cli: {command!r} did not return one JSON document: {text.strip()}") from exc
        output[command] = document
    return output

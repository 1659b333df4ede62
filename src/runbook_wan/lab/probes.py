"""Cheap observations of lab nodes: daemons alive, BGP sessions, routes, SSH, links.

Used by readiness polling and ``lab status``. Every probe returns data; none raises for a
node that is down.
"""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

from runbook_wan.lab import device, shell
from runbook_wan.lab.device import FRR_RUN

VTYSH = "/usr/bin/vtysh"
SSH_BANNER = b"SSH-"


def pid_alive(pid: int) -> bool:
    return device.alive(pid)


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def daemons_alive(netns: str, daemons: list[str]) -> dict[str, bool]:
    """Each expected FRR daemon of the instance: running (pid file + live process)?"""
    out = {}
    for daemon in daemons:
        pid = read_pid(FRR_RUN / netns / f"{daemon}.pid")
        out[daemon] = pid is not None and pid_alive(pid)
    return out


def vtysh(netns: str, command: str, timeout: float = 10.0) -> str | None:
    """Output of one vtysh command on the instance, or None if it is not answering."""
    try:
        proc = shell.run([VTYSH, "-N", netns, "-c", command], check=False, timeout=timeout)
    except (subprocess.TimeoutExpired, OSError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def configure(netns: str, lines: list[str], timeout: float = 10.0) -> None:
    """Apply config lines in vtysh's configure mode (raises when vtysh refuses them)."""
    argv = [VTYSH, "-N", netns, "-c", "configure terminal"]
    for line in lines:
        argv += ["-c", line]
    shell.run(argv, check=True, timeout=timeout)


def bgp_peers(netns: str) -> dict[str, str] | None:
    """Peer address -> BGP state (``Established``, ``Active``...), or None if bgpd does not answer.

    Dynamic (listen-range) neighbours appear once they connected.
    """
    text = vtysh(netns, "show bgp ipv4 unicast summary json")
    if text is None:
        return None
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError:
        return None
    peers = data.get("peers", {}) if isinstance(data, dict) else {}
    return {addr: str(info.get("state", "")) for addr, info in peers.items()}


def bfd_peers(netns: str) -> dict[str, str]:
    """Peer address -> BFD status (``up``, ``down``, ``init``); empty if bfdd does not answer."""
    text = vtysh(netns, "show bfd peers json")
    try:
        data = json.loads(text or "[]")
    except json.JSONDecodeError:
        return {}
    return {str(p.get("peer")): str(p.get("status")) for p in data} if isinstance(data, list) else {}


def has_default_route(netns: str) -> bool:
    proc = shell.ip("-n", netns, "-j", "route", "show", "default", check=False)
    if proc.returncode != 0:
        return False
    try:
        return bool(json.loads(proc.stdout or "[]"))
    except json.JSONDecodeError:
        return False


def route_device(netns: str, address: str) -> str | None:
    """The interface of the kernel route for exactly ``address``/32, if there is one."""
    proc = shell.ip("-n", netns, "-j", "route", "show", f"{address}/32", check=False)
    if proc.returncode != 0:
        return None
    routes = json.loads(proc.stdout or "[]")
    if not routes:
        return None
    dev = routes[0].get("dev") or next((h.get("dev") for h in routes[0].get("nexthops", [])), None)
    return str(dev) if dev else None


def ssh_open(address: str, port: int = 22, timeout: float = 2.0) -> bool:
    """TCP connect and an SSH banner within ``timeout``."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            return sock.recv(4).startswith(SSH_BANNER)
    except OSError:
        return False


def netns_list() -> list[str]:
    proc = shell.ip("netns", "list", check=False)
    return [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]


def root_link_exists(name: str) -> bool:
    return shell.ip("link", "show", "dev", name, check=False).returncode == 0


def link_state(netns: str, ifname: str) -> str | None:
    """``UP``/``DOWN``/``LOWERLAYERDOWN``... of an interface, None if missing."""
    proc = shell.ip("-n", netns, "-j", "link", "show", "dev", ifname, check=False)
    if proc.returncode != 0:
        return None
    data = json.loads(proc.stdout or "[]")
    return str(data[0].get("operstate")) if data else None


def link_flags(netns: str) -> dict[str, list[str]]:
    """Every interface of the namespace with its flags (``UP``, ``LOWER_UP``...)."""
    proc = shell.ip("-n", netns, "-j", "link", "show", check=False)
    if proc.returncode != 0:
        return {}
    return {str(link["ifname"]): list(link.get("flags", [])) for link in json.loads(proc.stdout or "[]")}


def admin_up(netns: str, ifname: str) -> bool | None:
    proc = shell.ip("-n", netns, "-j", "link", "show", "dev", ifname, check=False)
    if proc.returncode != 0:
        return None
    data = json.loads(proc.stdout or "[]")
    return bool(data) and "UP" in data[0].get("flags", [])


def nft_tables(netns: str) -> list[str]:
    proc = shell.in_netns(netns, "nft", "list", "tables", check=False)
    return [line.split()[-1] for line in proc.stdout.splitlines() if line.startswith("table ")]

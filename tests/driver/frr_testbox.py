"""A real FRR test box for the driver tests, built with :mod:`lab.device`.

Topology. ``<run>`` is the pid of the pytest process that owns the box, so two test sessions on
one machine never share objects. ``X`` is a free 198.19.X.0/24 management subnet::

    root ns: bridge rbd<run>-br 198.19.X.254/24 ── veth rbd<run>-m0 ─┐
                                                                      │ mgmt0 198.19.X.1 (sshd)
    netns rbd<run>-dut  (zebra bgpd staticd bfdd pbrd, AS 65101) ─────┘
        lan0 10.254.1.1/24 ── lan0p            (LAN: a veth pair inside the netns)
        wan0 100.127.254.1/30 ── wan0 100.127.254.2/30
    netns rbd<run>-peer (zebra bgpd staticd, AS 65001): originates a default and 198.51.100.1/32

The DUT reaches the peer's 198.51.100.1 through BGP and advertises its LAN back, so a ping from the
LAN address only works when routing really works. Leftovers of runs whose pytest process is gone
(a crashed run) are removed before a new box is built.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runbook_wan.lab import device, shell

DUT_WAN = "100.127.254.1"
PEER_WAN = "100.127.254.2"
DUT_LAN = "10.254.1.1"
LAN_PREFIX = "10.254.1.0/24"
INTERNET = "198.51.100.1"
DUT_AS = 65101
PEER_AS = 65001
DUT_DAEMONS = ("zebra", "bgpd", "staticd", "bfdd", "pbrd")
PEER_DAEMONS = ("zebra", "bgpd", "staticd")
#: FRR logs where the frr user may write (the layout root is private to root).
FRR_LOGS = Path("/var/log/frr")
#: Management subnets 198.19.X.0/24 the driver tests may use (the lab tests use 240 and up).
SUBNET_RANGE = range(200, 240)
_OWNED = re.compile(r"^rbd(\d+)-(dut|peer|br|m0)$")
_BUILD_LOCK = Path("/run/lock/rbd-driver-testbox.lock")


@dataclass(frozen=True)
class BoxNames:
    """Every global name of one run's box."""

    run: int
    subnet: int

    @property
    def dut(self) -> str:
        return f"rbd{self.run}-dut"

    @property
    def peer(self) -> str:
        return f"rbd{self.run}-peer"

    @property
    def bridge(self) -> str:
        return f"rbd{self.run}-br"

    @property
    def mgmt_veth(self) -> str:
        return f"rbd{self.run}-m0"

    @property
    def mgmt_address(self) -> str:
        return f"198.19.{self.subnet}.1"

    @property
    def bridge_address(self) -> str:
        return f"198.19.{self.subnet}.254/24"


@dataclass(frozen=True)
class FrrTestBox:
    """How to reach the DUT, plus the values the tests check against."""

    names: BoxNames
    username: str
    key_file: Path
    known_hosts: Path
    bgp_password: str
    root: Path

    @property
    def address(self) -> str:
        return self.names.mgmt_address

    @property
    def hostname(self) -> str:
        return self.names.dut

    @property
    def work_dir_on_host(self) -> Path:
        """The driver's work dir (/etc/frr/napalm over SSH) seen from the host: lab.device
        bind-mounts /etc/frr/<netns> onto /etc/frr for the device's sshd."""
        return Path("/etc/frr") / self.names.dut / "napalm"

    def optional_args(self) -> dict[str, Any]:
        return {"key_file": str(self.key_file), "known_hosts_file": str(self.known_hosts), "port": 22}


def dut_config(names: BoxNames, bgp_password: str) -> str:
    return f"""frr defaults traditional
hostname {names.dut}
log file {FRR_LOGS}/{names.dut}.log informational
no ipv6 forwarding
service integrated-vtysh-config
!
ip route 10.254.99.0/24 Null0
!
interface lan0
 description LAN users
 ip address {DUT_LAN}/24
exit
!
router bgp {DUT_AS}
 bgp router-id {DUT_LAN}
 no bgp ebgp-requires-policy
 neighbor {PEER_WAN} remote-as {PEER_AS}
 neighbor {PEER_WAN} description upstream-isp
 neighbor {PEER_WAN} password {bgp_password}
 neighbor {PEER_WAN} timers 3 9
 !
 address-family ipv4 unicast
  network {LAN_PREFIX}
 exit-address-family
exit
!
"""


def peer_config(names: BoxNames, bgp_password: str) -> str:
    return f"""frr defaults traditional
hostname {names.peer}
log file {FRR_LOGS}/{names.peer}.log informational
no ipv6 forwarding
service integrated-vtysh-config
!
router bgp {PEER_AS}
 bgp router-id {INTERNET}
 no bgp ebgp-requires-policy
 neighbor {DUT_WAN} remote-as {DUT_AS}
 neighbor {DUT_WAN} password {bgp_password}
 neighbor {DUT_WAN} timers 3 9
 !
 address-family ipv4 unicast
  network {INTERNET}/32
  neighbor {DUT_WAN} default-originate
 exit-address-family
exit
!
"""


# -- finding and removing boxes -----------------------------------------------------------------
def _owned_names() -> set[str]:
    namespaces = shell.ip("netns", "list").stdout.split()
    links = [
        line.split(":")[1].strip().split("@")[0]
        for line in shell.ip("-o", "link", "show").stdout.splitlines()
        if ":" in line
    ]
    folders = [p.name for root in (device.FRR_ETC, device.FRR_RUN) if root.is_dir() for p in root.iterdir()]
    return {name for name in (*namespaces, *links, *folders) if _OWNED.match(name)}


def stale_runs() -> set[int]:
    """Runs with leftovers whose pytest process no longer exists."""
    runs = {int(m.group(1)) for name in _owned_names() if (m := _OWNED.match(name))}
    return {run for run in runs if run != os.getpid() and not device.alive(run)}


def remove_run(run: int, layout: device.LabLayout | None = None) -> None:
    """Stop and delete everything of run ``run``; safe when parts are missing."""
    names = BoxNames(run, 0)
    present = set(shell.ip("netns", "list").stdout.split())
    namespaces = [ns for ns in (names.dut, names.peer) if ns in present]
    device.stop_processes(sorted({pid for ns in namespaces for pid in device.device_pids(ns, layout)}))
    for ns in (names.dut, names.peer):
        device.delete_netns(ns)
        device.remove_device_files(ns)
        (FRR_LOGS / f"{ns}.log").unlink(missing_ok=True)
    for link in (names.mgmt_veth, names.bridge):
        if shell.ip("link", "show", link, check=False).returncode == 0:
            shell.ip("link", "del", link, check=False)


def _free_subnet() -> int:
    routes = shell.ip("-4", "route", "show", "table", "all").stdout
    used = {int(m.group(1)) for m in re.finditer(r"\b198\.19\.(\d+)\.", routes)}
    for subnet in SUBNET_RANGE:
        if subnet not in used:
            return subnet
    raise RuntimeError(f"no free 198.19.X.0/24 management subnet for X in {SUBNET_RANGE}")


@contextlib.contextmanager
def _build_lock() -> Iterator[None]:
    """Serialise stale cleanup and subnet choice between concurrent test sessions."""
    _BUILD_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with _BUILD_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- building -------------------------------------------------------------------------------------
def _wire_mgmt(names: BoxNames) -> None:
    device.create_netns(names.dut)
    shell.ip("link", "add", names.bridge, "type", "bridge")
    shell.ip("addr", "add", names.bridge_address, "dev", names.bridge)
    shell.ip("link", "set", names.bridge, "up")
    shell.ip("link", "add", names.mgmt_veth, "type", "veth", "peer", "name", "mgmt0", "netns", names.dut)
    shell.ip("link", "set", names.mgmt_veth, "master", names.bridge, "up")
    shell.ip("-n", names.dut, "addr", "add", f"{names.mgmt_address}/24", "dev", "mgmt0")
    shell.ip("-n", names.dut, "link", "set", "mgmt0", "up")


def _wire_routing(names: BoxNames) -> None:
    dut, peer = names.dut, names.peer
    device.create_netns(peer)
    shell.ip("link", "add", "wan0", "netns", dut, "type", "veth", "peer", "name", "wan0", "netns", peer)
    shell.ip("-n", dut, "addr", "add", f"{DUT_WAN}/30", "dev", "wan0")
    shell.ip("-n", peer, "addr", "add", f"{PEER_WAN}/30", "dev", "wan0")
    shell.ip("-n", peer, "addr", "add", f"{INTERNET}/32", "dev", "lo")
    shell.ip("-n", dut, "link", "add", "lan0", "type", "veth", "peer", "name", "lan0p")
    for ns, link in ((dut, "wan0"), (peer, "wan0"), (dut, "lan0"), (dut, "lan0p")):
        shell.ip("-n", ns, "link", "set", link, "up")


def _ssh_open(address: str) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((address, 22), timeout=0.5):
        return True
    return False


def _bgp_ready(dut: str) -> bool:
    """The DUT has its session up and the peer's prefix installed."""
    proc = shell.run(["vtysh", "-N", dut, "-c", f"show ip route {INTERNET}/32 json"], check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        return False
    routes = json.loads(proc.stdout).get(f"{INTERNET}/32", [])
    return any(r.get("protocol") == "bgp" and r.get("installed") for r in routes)


def _wait_until_ready(names: BoxNames, deadline_s: float = 90.0) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if _ssh_open(names.mgmt_address) and _bgp_ready(names.dut):
            return
        time.sleep(0.2)
    raise RuntimeError(
        f"test box not ready within {deadline_s:g} s (ssh on {names.mgmt_address}, BGP route to {INTERNET})"
    )


def build_box(root: Path) -> FrrTestBox:
    """Build this run's box under ``root`` (keys, sshd config); crashed runs' leftovers go first."""
    layout = device.LabLayout(root)
    layout.ensure()
    key = device.ensure_client_key(layout)
    password = secrets.token_hex(8)
    with _build_lock():
        for run in stale_runs():
            remove_run(run)
        names = BoxNames(os.getpid(), _free_subnet())
        remove_run(names.run)
        try:
            _wire_mgmt(names)  # the bridge address claims the subnet
        except BaseException:
            remove_run(names.run)
            raise
    try:
        _wire_routing(names)
        device.write_frr_instance(names.dut, dut_config(names, password), DUT_DAEMONS)
        device.write_frr_instance(names.peer, peer_config(names, password), PEER_DAEMONS)
        device.start_frr(names.peer, names.peer)
        device.start_frr(names.dut, names.dut)
        device.start_sshd(layout, names.dut, names.dut, names.mgmt_address)
        layout.known_hosts.write_text(device.host_key_line(layout, names.dut, names.mgmt_address) + "\n")
        _wait_until_ready(names)
    except BaseException:
        remove_run(names.run, layout)
        raise
    return FrrTestBox(names, "root", key, layout.known_hosts, password, root)


def destroy_box(box: FrrTestBox) -> None:
    remove_run(box.names.run, device.LabLayout(box.root))

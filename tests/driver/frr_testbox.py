"""A real FRR test box for the driver tests, built with :mod:`lab.device`.

Topology (every name starts with ``rbd-drv`` so a crashed run's leftovers can be found)::

    root ns: bridge rbd-drv-br 198.19.254.254/24 ── veth rbd-drv-m0 ─┐
                                                                      │ mgmt0 198.19.254.1 (sshd)
    netns rbd-drv-dut  (zebra bgpd staticd bfdd pbrd, AS 65101)  ─────┘
        lan0 10.254.1.1/24 ── lan0p            (LAN: a veth pair inside the netns)
        wan0 100.127.254.1/30 ── wan0 100.127.254.2/30
    netns rbd-drv-peer (zebra bgpd staticd, AS 65001): originates a default and 198.51.100.1/32

The DUT reaches the peer's 198.51.100.1 through BGP and advertises its LAN back, so a ping from the
LAN address only works when routing really works.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab import device, shell

PREFIX = "rbd-drv"
DUT = f"{PREFIX}-dut"
PEER = f"{PREFIX}-peer"
BRIDGE = f"{PREFIX}-br"
MGMT_VETH = f"{PREFIX}-m0"
BRIDGE_ADDRESS = "198.19.254.254/24"
MGMT_ADDRESS = "198.19.254.1"
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


@dataclass(frozen=True)
class FrrTestBox:
    """How to reach the DUT, plus the values the tests check against."""

    address: str
    username: str
    key_file: Path
    known_hosts: Path
    hostname: str
    bgp_password: str
    root: Path

    def optional_args(self) -> dict[str, Any]:
        return {"key_file": str(self.key_file), "known_hosts_file": str(self.known_hosts), "port": 22}


def dut_config(log_dir: Path, bgp_password: str) -> str:
    return f"""frr defaults traditional
hostname {DUT}
log file {log_dir}/{DUT}.log informational
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


def peer_config(log_dir: Path, bgp_password: str) -> str:
    return f"""frr defaults traditional
hostname {PEER}
log file {log_dir}/{PEER}.log informational
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


def _link_exists(name: str) -> bool:
    return shell.ip("link", "show", name, check=False).returncode == 0


def _netns_exists(name: str) -> bool:
    return name in shell.ip("netns", "list").stdout.split()


def remove_box(layout: device.LabLayout | None = None) -> None:
    """Stop and delete everything named ``rbd-drv*`` (also what a crashed run left behind)."""
    namespaces = [n for n in (DUT, PEER) if _netns_exists(n)]
    pids = sorted({pid for ns in namespaces for pid in device.device_pids(ns, layout)})
    device.stop_processes(pids)
    for ns in (DUT, PEER):
        device.delete_netns(ns)
        device.remove_device_files(ns)
    for ns in (DUT, PEER):
        (FRR_LOGS / f"{ns}.log").unlink(missing_ok=True)
    for link in (MGMT_VETH, BRIDGE):
        if _link_exists(link):
            shell.ip("link", "del", link, check=False)


def _wire() -> None:
    for ns in (DUT, PEER):
        device.create_netns(ns)
    shell.ip("link", "add", BRIDGE, "type", "bridge")
    shell.ip("addr", "add", BRIDGE_ADDRESS, "dev", BRIDGE)
    shell.ip("link", "set", BRIDGE, "up")
    shell.ip("link", "add", MGMT_VETH, "type", "veth", "peer", "name", "mgmt0", "netns", DUT)
    shell.ip("link", "set", MGMT_VETH, "master", BRIDGE, "up")
    shell.ip("-n", DUT, "addr", "add", f"{MGMT_ADDRESS}/24", "dev", "mgmt0")
    shell.ip("-n", DUT, "link", "set", "mgmt0", "up")
    shell.ip("link", "add", "wan0", "netns", DUT, "type", "veth", "peer", "name", "wan0", "netns", PEER)
    shell.ip("-n", DUT, "addr", "add", f"{DUT_WAN}/30", "dev", "wan0")
    shell.ip("-n", PEER, "addr", "add", f"{PEER_WAN}/30", "dev", "wan0")
    shell.ip("-n", PEER, "addr", "add", f"{INTERNET}/32", "dev", "lo")
    shell.ip("-n", DUT, "link", "add", "lan0", "type", "veth", "peer", "name", "lan0p")
    for ns, link in ((DUT, "wan0"), (PEER, "wan0"), (DUT, "lan0"), (DUT, "lan0p")):
        shell.ip("-n", ns, "link", "set", link, "up")


def _ssh_open(address: str) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((address, 22), timeout=0.5):
        return True
    return False


def _bgp_ready() -> bool:
    """The DUT has its session up and the peer's prefix installed."""
    proc = shell.run(["vtysh", "-N", DUT, "-c", f"show ip route {INTERNET}/32 json"], check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        return False
    routes = json.loads(proc.stdout).get(f"{INTERNET}/32", [])
    return any(r.get("protocol") == "bgp" and r.get("installed") for r in routes)


def _wait_until_ready(deadline_s: float = 90.0) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if _ssh_open(MGMT_ADDRESS) and _bgp_ready():
            return
        time.sleep(0.2)
    raise RuntimeError(f"test box not ready within {deadline_s:g} s (ssh on {MGMT_ADDRESS}, BGP route to {INTERNET})")


def build_box(root: Path) -> FrrTestBox:
    """Build the box under ``root`` (keys, sshd config, logs); remove stale ``rbd-drv*`` first."""
    layout = device.LabLayout(root)
    remove_box()
    layout.ensure()
    key = device.ensure_client_key(layout)
    password = secrets.token_hex(8)
    try:
        _wire()
        device.write_frr_instance(DUT, dut_config(FRR_LOGS, password), DUT_DAEMONS)
        device.write_frr_instance(PEER, peer_config(FRR_LOGS, password), PEER_DAEMONS)
        device.start_frr(PEER, PEER)
        device.start_frr(DUT, DUT)
        device.start_sshd(layout, DUT, DUT, MGMT_ADDRESS)
        known_hosts = layout.known_hosts
        known_hosts.write_text(device.host_key_line(layout, DUT, MGMT_ADDRESS) + "\n")
        _wait_until_ready()
    except BaseException:
        remove_box(layout)
        raise
    return FrrTestBox(MGMT_ADDRESS, "root", key, known_hosts, DUT, password, root)


def destroy_box(box: FrrTestBox) -> None:
    remove_box(device.LabLayout(box.root))

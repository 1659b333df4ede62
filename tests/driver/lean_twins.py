"""Two identical FRR boxes for the lean-apply tests: box ``a`` and box ``b``, built with
:mod:`lab.device` like :mod:`frr_testbox` (whose free-subnet choice and build lock they share).

Both run zebra, bgpd, staticd, bfdd and pbrd (everything the example sites configure), boot with
the lab's day-0 config, and carry the **same** hostname and log file, so their running configs
can be compared byte for byte. Names: netns ``rbl<run>-a`` / ``rbl<run>-b``, bridge
``rbl<run>-br``, veths ``rbl<run>-ma`` / ``rbl<run>-mb``; ``<run>`` is the pytest pid, and the
leftovers of runs whose process is gone are removed first.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frr_testbox import FRR_LOGS, _build_lock, _free_subnet

from runbook_wan.lab import device, shell

DAEMONS = ("zebra", "bgpd", "staticd", "bfdd", "pbrd")
_OWNED = re.compile(r"^rbl(\d+)-(a|b|br|ma|mb)$")


@dataclass(frozen=True)
class TwinBoxes:
    run: int
    subnet: int
    root: Path

    @property
    def hostname(self) -> str:
        return f"rbl{self.run}"

    @property
    def log_file(self) -> Path:
        return FRR_LOGS / f"rbl{self.run}.log"

    def netns(self, box: str) -> str:
        return f"rbl{self.run}-{box}"

    def address(self, box: str) -> str:
        return f"198.19.{self.subnet}.{1 if box == 'a' else 2}"

    def work_dir(self, box: str) -> Path:
        """The driver's /etc/frr/napalm on box ``box``, seen from the host."""
        return device.FRR_ETC / self.netns(box) / "napalm"

    def day0(self) -> str:
        return (
            "frr defaults traditional\n"
            f"hostname {self.hostname}\n"
            f"log file {self.log_file} informational\n"
            "no ipv6 forwarding\n"
            "service integrated-vtysh-config\n"
            "!\n"
        )

    def optional_args(self, **extra: Any) -> dict[str, Any]:
        layout = device.LabLayout(self.root)
        return {"key_file": str(layout.client_key), "known_hosts_file": str(layout.known_hosts), **extra}


def _names(run: int) -> list[str]:
    return [f"rbl{run}-{suffix}" for suffix in ("a", "b", "br", "ma", "mb")]


def remove_run(run: int, layout: device.LabLayout | None = None) -> None:
    present = set(shell.ip("netns", "list").stdout.split())
    namespaces = [f"rbl{run}-{box}" for box in ("a", "b") if f"rbl{run}-{box}" in present]
    device.stop_processes(sorted({pid for ns in namespaces for pid in device.device_pids(ns, layout)}))
    for box in ("a", "b"):
        device.delete_netns(f"rbl{run}-{box}")
        device.remove_device_files(f"rbl{run}-{box}")
    (FRR_LOGS / f"rbl{run}.log").unlink(missing_ok=True)
    for link in (f"rbl{run}-ma", f"rbl{run}-mb", f"rbl{run}-br"):
        if shell.ip("link", "show", link, check=False).returncode == 0:
            shell.ip("link", "del", link, check=False)


def _stale_runs() -> set[int]:
    namespaces = shell.ip("netns", "list").stdout.split()
    links = [line.split(":")[1].strip().split("@")[0] for line in shell.ip("-o", "link", "show").stdout.splitlines()]
    folders = [p.name for root in (device.FRR_ETC, device.FRR_RUN) if root.is_dir() for p in root.iterdir()]
    runs = {int(m.group(1)) for name in (*namespaces, *links, *folders) if (m := _OWNED.match(name))}
    return {run for run in runs if run != os.getpid() and not device.alive(run)}


def _ssh_open(address: str) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((address, 22), timeout=0.5):
        return True
    return False


def build_twins(root: Path, interfaces: list[str]) -> TwinBoxes:
    """Both boxes, each with ``interfaces`` (veth pairs inside the box: the kernel has no dummy
    links), so that zebra accepts and removes their addresses as on a real site."""
    layout = device.LabLayout(root)
    layout.ensure()
    device.ensure_client_key(layout)
    with _build_lock():
        for run in _stale_runs():
            remove_run(run)
        twins = TwinBoxes(os.getpid(), _free_subnet(), root)
        remove_run(twins.run)
        bridge = f"rbl{twins.run}-br"
        shell.ip("link", "add", bridge, "type", "bridge")
        shell.ip("addr", "add", f"198.19.{twins.subnet}.254/24", "dev", bridge)
        shell.ip("link", "set", bridge, "up")
    try:
        lines = []
        for box in ("a", "b"):
            ns, veth = twins.netns(box), f"rbl{twins.run}-m{box}"
            device.create_netns(ns)
            shell.ip("link", "add", veth, "type", "veth", "peer", "name", "mgmt0", "netns", ns)
            shell.ip("link", "set", veth, "master", bridge, "up")
            shell.ip("-n", ns, "addr", "add", f"{twins.address(box)}/24", "dev", "mgmt0")
            shell.ip("-n", ns, "link", "set", "mgmt0", "up")
            for name in interfaces:
                shell.ip("-n", ns, "link", "add", name, "type", "veth", "peer", "name", f"{name}-p")
                shell.ip("-n", ns, "link", "set", name, "up")
                shell.ip("-n", ns, "link", "set", f"{name}-p", "up")
            device.write_frr_instance(ns, twins.day0(), DAEMONS)
            device.start_frr(ns, twins.hostname)
            device.start_sshd(layout, ns, twins.hostname, twins.address(box))
            lines.append(device.host_key_line(layout, ns, twins.address(box)))
        layout.known_hosts.write_text("\n".join(lines) + "\n")
        deadline = time.monotonic() + 90
        while not all(_ssh_open(twins.address(box)) for box in ("a", "b")):
            if time.monotonic() > deadline:
                raise RuntimeError("twin boxes: sshd did not open within 90 s")
            time.sleep(0.2)
    except BaseException:
        remove_run(twins.run, layout)
        raise
    return twins


def destroy_twins(twins: TwinBoxes) -> None:
    remove_run(twins.run, device.LabLayout(twins.root))

"""Tear a lab down, or clean up what a crashed run of the same prefix left behind.

Only the lab's own processes are stopped: PIDs from the pid files (FRR instances, sshd, relay)
plus whatever ``ip netns pids`` finds inside the lab's namespaces; never by process name.
Objects are found from ``lab.json`` and, for leftovers of a crashed run, by prefix: namespaces
``<prefix>-*``, ``/etc/frr/<prefix>-*``, ``/run/frr/<prefix>-*``, bridge ``<prefix>-mgmt`` and
nft table ``inet <prefix>_lab``.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from runbook_wan.inventory.hosts_file import remove_if_written_by
from runbook_wan.lab import device, impairment, kernel, naming, probes, seal, shell, state
from runbook_wan.lab.device import FRR_ETC, FRR_RUN, LabLayout
from runbook_wan.lab.state import LabRecord

FRR_CRASH_DIR = Path("/var/tmp/frr")
GRACE_SECONDS = 3.0
#: Rounds of "kill what is still in the namespaces" after the grace period.
SWEEPS = 5


@dataclass
class TeardownReport:
    namespaces: list[str] = field(default_factory=list)
    processes: int = 0
    elapsed: float = 0.0
    leftover_namespaces: list[str] = field(default_factory=list)


def _lab_namespaces(prefix: str, record: LabRecord | None) -> list[str]:
    found = {ns for ns in probes.netns_list() if naming.owned_netns(prefix, ns)}
    if record is not None:
        found |= set(record.topology.all_netns()) & set(probes.netns_list())
    return sorted(found)


def _root_ports(prefix: str, record: LabRecord | None) -> list[str]:
    """Root-namespace management ports of the lab (by record and by name pattern)."""
    pattern = re.compile(rf"{re.escape(prefix)}m\d+")
    proc = shell.ip("-j", "link", "show", check=False)
    names = {str(link["ifname"]) for link in json.loads(proc.stdout or "[]")} if proc.returncode == 0 else set()
    ours = {n for n in names if pattern.fullmatch(n)}
    if record is not None:
        ours |= {s.mgmt_port for s in record.topology.sites.values()} & names
    return sorted(ours)


def _frr_dirs(prefix: str) -> list[str]:
    names = set()
    for root in (FRR_ETC, FRR_RUN):
        if root.is_dir():
            names |= {p.name for p in root.glob(f"{prefix}-*") if p.is_dir()}
    return sorted(names)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _owned(pid: int, marker: str) -> bool:
    """A pid read from a file is ours only if its command line names our instance (pids get reused)."""
    return pid > 1 and probes.pid_alive(pid) and marker in _cmdline(pid)


def _collect_pids(namespaces: list[str], frr_dirs: list[str], layout: LabLayout) -> list[int]:
    pids: set[int] = set()
    for ns in sorted(set(namespaces) | set(frr_dirs)):
        pids |= {p for p in device.pid_file_pids(ns, layout) if _owned(p, ns)}
    for ns in namespaces:
        pids |= set(device.netns_pids(ns))
    relay = impairment.relay_pid(layout)
    if relay is not None and _owned(relay, str(impairment.RELAY_SCRIPT)):
        pids.add(relay)
    return sorted(p for p in pids if p > 1)


def _sweep(namespaces: list[str]) -> int:
    """KILL whatever still runs inside the namespaces (e.g. a daemon watchfrr restarted)."""
    killed = 0
    for _ in range(SWEEPS):
        left = sorted({p for ns in namespaces for p in device.netns_pids(ns)})
        if not left:
            break
        device.signal_pids(left, signal.SIGKILL)
        killed += len(left)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and any(probes.pid_alive(p) for p in left):
            time.sleep(0.02)
    return killed


def _remove_crash_dirs(pids: list[int]) -> None:
    if not FRR_CRASH_DIR.is_dir():
        return
    wanted = {str(p) for p in pids}
    for path in FRR_CRASH_DIR.iterdir():
        if path.is_dir() and path.suffix.lstrip(".") in wanted:
            shutil.rmtree(path, ignore_errors=True)


def teardown(prefix: str, layout: LabLayout, record: LabRecord | None = None) -> TeardownReport:
    """Stop and remove everything of lab ``prefix``; safe to run when nothing exists."""
    start = time.monotonic()
    naming.check_prefix(prefix)
    namespaces = _lab_namespaces(prefix, record)
    frr_dirs = _frr_dirs(prefix)
    pids = _collect_pids(namespaces, frr_dirs, layout)
    # The relay goes last: while routers close their BGP sessions it must still carry the
    # FIN/ACK exchange, or the sockets linger as orphans and keep the namespaces alive.
    relay = impairment.relay_pid(layout)
    relay_ns = [ns for ns in namespaces if ns == naming.relay_netns(prefix)]
    in_relay = {relay} | {p for ns in relay_ns for p in device.netns_pids(ns)}
    routers = [p for p in pids if p not in in_relay]
    device.stop_processes(routers, grace=GRACE_SECONDS)
    extra = _sweep([ns for ns in namespaces if ns not in relay_ns])
    device.stop_processes([p for p in pids if p not in routers], grace=GRACE_SECONDS)
    extra += _sweep(relay_ns)
    # Delete root-side management ports first: a deleted namespace can linger (orphaned TCP
    # sockets) and would keep them, blocking the next `up` with the same names.
    shell.ip_batch([f"link del {port}" for port in _root_ports(prefix, record)], force=True)
    shell.ip_batch([f"netns del {ns}" for ns in namespaces], force=True)
    for name in frr_dirs:
        device.remove_device_files(name)
    bridge = record.topology.bridge if record else naming.bridge(prefix)
    if probes.root_link_exists(bridge):
        shell.ip("link", "del", bridge, check=False)
    seal.remove(record.topology.nft_table if record else naming.nft_table(prefix))
    layout.relay_pid.unlink(missing_ok=True)
    for ns in namespaces:
        layout.sshd_pid(ns).unlink(missing_ok=True)
    _remove_crash_dirs(pids)
    if record is not None:
        kernel.restore(record.sysctl_restore)
        if record.hosts_file:
            remove_if_written_by(Path(record.hosts_file), prefix)
    layout.record.unlink(missing_ok=True)
    leftover = [ns for ns in probes.netns_list() if naming.owned_netns(prefix, ns)]
    return TeardownReport(
        namespaces=namespaces,
        processes=len(pids) + extra,
        elapsed=time.monotonic() - start,
        leftover_namespaces=leftover,
    )


def down(state_dir: Path, prefix: str | None = None) -> TeardownReport:
    """Tear down the lab recorded under ``state_dir``; with no record, clean up ``prefix``'s leftovers."""
    lab_layout = state.layout(state_dir)
    try:
        record = state.load_optional(state_dir)
    except ValueError:  # unreadable or outdated lab.json: fall back to the prefix
        record = None
    chosen = record.prefix if record is not None else (prefix or naming.DEFAULT_PREFIX)
    if record is not None and prefix is not None and prefix != record.prefix:
        teardown(prefix, lab_layout, None)
    return teardown(chosen, lab_layout, record)

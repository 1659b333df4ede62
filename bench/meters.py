"""Measuring instruments the benchmarks share: CPU accounting and a process-spawn counter.

* :class:`MachineLoad` samples ``/proc/stat``: how busy the machine is, and how much of that is
  *foreign* (CPU that neither the benchmark's own processes nor its lab used). A wall-clock figure
  taken while others use the CPU is not the figure the code earns, so every result records the
  load beside it and :func:`busy_fraction` lets a benchmark refuse to start on a busy machine.
* :func:`tree_cpu_seconds`: CPU of a process plus every descendant it has reaped
  (``utime+stime+cutime+cstime``). For a lab device's sshd, that is all work the driver caused on
  the device: every vtysh, shell and ping ran under it.
* :func:`speed_probe`: the CPU a fixed pure-Python workload takes on this machine. Machines of one
  kind differ (the same build has measured 1.8x slower on one than on another), so a figure is
  compared across machines only through it: divide each by its own machine's probe.
* :class:`ForkCounter` listens to the kernel's process events (netlink connector, root only) and
  counts the processes forked under given root pids, attributing each to its root's label
  (orphans included: they are counted when forked, before they are re-parented).
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
CPUS = os.cpu_count() or 1

_NETLINK_CONNECTOR = 11
_CN_IDX_PROC = 1
_CN_VAL_PROC = 1
_PROC_CN_MCAST_LISTEN = 1
_PROC_CN_MCAST_IGNORE = 2
_PROC_EVENT_FORK = 0x1
_PROC_EVENT_EXEC = 0x2
_NLMSG_DONE = 3


def busy_seconds() -> float:
    """CPU-seconds the whole machine has spent not idle since boot (all CPUs)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def busy_fraction(seconds: float = 3.0) -> float:
    """Share of the machine's CPUs busy over ``seconds`` (0..1)."""
    start_busy, start = busy_seconds(), time.monotonic()
    time.sleep(seconds)
    return (busy_seconds() - start_busy) / ((time.monotonic() - start) * CPUS)


def quiet_machine(max_busy: float, wait: float) -> float:
    """Wait up to ``wait`` s for a 5 s window with the machine's CPUs below ``max_busy`` busy;
    returns the last share seen (the caller refuses to measure above the limit)."""
    deadline = time.monotonic() + wait
    busy = busy_fraction(5.0)
    while busy > max_busy and time.monotonic() < deadline:
        busy = busy_fraction(5.0)
    return busy


def _probe_workload() -> int:
    """Dict, str and int work like a build's: 300,000 keys made, stored and measured."""
    table: dict[str, int] = {}
    for i in range(300_000):
        table[f"k{i}"] = i * i
    return sum(len(key) for key in table)


def speed_probe(runs: int = 7) -> dict[str, float]:
    """CPU seconds of :func:`_probe_workload` in this process: the median and the fastest of ``runs``."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        _probe_workload()
        times.append(time.process_time() - start)
    times.sort()
    return {"cpu_s_median": round(times[len(times) // 2], 4), "cpu_s_min": round(times[0], 4)}


def loadavg() -> tuple[float, float, float]:
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return float(one), float(five), float(fifteen)


def tree_cpu_seconds(pid: int) -> float:
    """utime + stime + cutime + cstime of ``pid`` (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / CLK_TCK


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def netns_pids(prefix: str) -> list[int]:
    """Processes in the network namespaces whose name starts with ``prefix``."""
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout.split()
    pids: set[int] = set()
    for name in names:
        if name.startswith(prefix):
            out = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True, check=False).stdout
            pids.update(int(p) for p in out.split())
    return sorted(pids)


@dataclass
class CpuWindow:
    """Machine CPU over a window, split into ours (given pids + our children) and foreign."""

    pids: list[int]
    started: float = field(default_factory=time.monotonic)
    per_pid: dict[int, float] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    busy_start: float = field(default_factory=busy_seconds)
    ours_start: float = 0.0
    children_start: float = 0.0

    def __post_init__(self) -> None:
        self.per_pid = {p: tree_cpu_seconds(p) for p in self.pids}
        self.names = {p: comm(p) for p in self.pids}
        self.ours_start = sum(self.per_pid.values())
        usage = os.times()
        self.children_start = usage.children_user + usage.children_system + usage.user + usage.system

    def close(self, extra_pids: list[int] | None = None) -> dict[str, float]:
        wall = time.monotonic() - self.started
        busy = busy_seconds() - self.busy_start
        ours = sum(tree_cpu_seconds(p) for p in self.pids) - self.ours_start
        ours += sum(tree_cpu_seconds(p) for p in extra_pids or [] if p not in self.pids)
        usage = os.times()  # the benchmark process itself and what it ran (the CLI, the driver)
        controller = usage.children_user + usage.children_system + usage.user + usage.system - self.children_start
        foreign = max(0.0, busy - ours - controller)
        by_program: dict[str, float] = {}
        for pid, start in self.per_pid.items():
            name = self.names[pid]
            by_program[name] = by_program.get(name, 0.0) + tree_cpu_seconds(pid) - start
        return {
            "lab_cpu_s_by_program": {k: round(v, 2) for k, v in sorted(by_program.items(), key=lambda i: -i[1])},
            "wall_s": round(wall, 2),
            "machine_busy_cpu_s": round(busy, 2),
            "lab_cpu_s": round(ours, 2),
            "controller_cpu_s": round(controller, 2),
            "foreign_cpu_s": round(foreign, 2),
            "foreign_share": round(foreign / max(wall * CPUS, 1e-9), 3),
        }


class ForkCounter:
    """Counts processes forked under the given roots, per root label (needs root)."""

    def __init__(self, roots: dict[int, str]) -> None:
        self.owner: dict[int, str] = {**_descendants(roots), **roots}
        self.counts: dict[str, int] = dict.fromkeys(roots.values(), 0)
        #: pid -> the program it runs last (forked processes that never exec keep their parent's)
        self.program: dict[int, str] = {}
        self.forked: list[int] = []
        self.overflowed = False
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_CONNECTOR)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        self._sock.bind((0, _CN_IDX_PROC))
        self._sock.settimeout(0.2)
        self._control(_PROC_CN_MCAST_LISTEN)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="fork-counter", daemon=True)
        self._thread.start()

    def _control(self, op: int) -> None:
        message = struct.pack("=IIIIHH", _CN_IDX_PROC, _CN_VAL_PROC, 0, 0, 4, 0) + struct.pack("=I", op)
        self._sock.send(struct.pack("=IHHII", 16 + len(message), _NLMSG_DONE, 0, 0, 0) + message)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._sock.recv(1 << 16)
            except TimeoutError:
                continue
            except OSError:  # ENOBUFS: events were dropped; counts are a lower bound
                self.overflowed = True
                continue
            offset = 0
            while offset + 16 <= len(data):
                length = struct.unpack_from("=I", data, offset)[0]
                body = data[offset + 16 : offset + length]
                offset += (length + 3) & ~3
                # cn_msg (20 bytes), then proc_event: what, cpu, timestamp (16 bytes), then data
                if len(body) < 36 + 8:
                    continue
                what = struct.unpack_from("=I", body, 20)[0]
                if what == _PROC_EVENT_EXEC:
                    _pid, tgid = struct.unpack_from("=II", body, 36)
                    if tgid in self.owner:
                        self.program[tgid] = _comm(tgid) or self.program.get(tgid, "?")
                    continue
                if what != _PROC_EVENT_FORK or len(body) < 36 + 16:
                    continue
                _ppid, parent, child_pid, child = struct.unpack_from("=IIII", body, 36)
                label = self.owner.get(parent)
                if label is not None and child_pid == child:  # a process, not a thread
                    self.owner[child] = label
                    self.counts[label] += 1
                    self.forked.append(child)
                    self.program[child] = self.program.get(parent) or _comm(parent) or "?"

    def programs(self) -> dict[str, int]:
        """How many of the counted processes ran each program (by its last exec)."""
        found: dict[str, int] = {}
        for pid in self.forked:
            name = self.program.get(pid, "?")
            found[name] = found.get(name, 0) + 1
        return dict(sorted(found.items(), key=lambda item: -item[1]))

    def close(self) -> dict[str, int]:
        self._stop.set()
        self._thread.join()
        try:
            self._control(_PROC_CN_MCAST_IGNORE)
        finally:
            self._sock.close()
        return dict(self.counts)


def _descendants(roots: dict[int, str]) -> dict[int, str]:
    """Processes already running under the roots (an open SSH connection's sshd, say), labelled."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(stat.parent.name)] = int(fields[1])
    found: dict[int, str] = {}
    for pid in parent:
        chain, node = [], pid
        while node in parent and node not in roots and len(chain) < 64:
            chain.append(node)
            node = parent[node]
        if node in roots:
            found.update(dict.fromkeys(chain, roots[node]))
    return found


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""

#!/usr/bin/env python3
"""Benchmark: lab boot time, memory and teardown time for 10, 40 and 80 sites (needs root).

For each size and boot mode (``day0``: identity-only configs; ``configs``: the sites' rendered
configs, so every circuit runs BGP and BFD) it builds the lab from the first N sites of the
example estate, waits until it is ready, then measures:

* boot: seconds from ``up`` to ready, with the builder's phases;
* memory: RSS and PSS sums over every process in the lab's namespaces (``smaps_rollup``), and
  the drop of ``MemAvailable`` against before the boot;
* CPU: share of one core the lab uses while idle (utime+stime over a few seconds);
* teardown: seconds for ``down`` and whether any namespace was left.

Results go to ``bench/results/lab.json``; docs/lab.md quotes them. The labs use prefix ``rbb``
and a free /22 management network, so they never touch the CLI's or the tests' labs.

    python bench/lab.py                       # 10, 40, 80 sites, both modes
    python bench/lab.py --sizes 10 --modes day0
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

PREFIX = "rbb"
CPU_SAMPLE_S = 5.0


def derive_intents(dest: Path, size: int, management_network: str) -> Path:
    shutil.copytree(REPO / "intents", dest, ignore=shutil.ignore_patterns("sites"))
    (dest / "sites").mkdir()
    for path in sorted((REPO / "intents" / "sites").glob("*.yaml"))[:size]:
        shutil.copy(path, dest / "sites" / path.name)
    defaults = dest / "defaults.yaml"
    text = re.sub(r"management_network: \S+", f"management_network: {management_network}", defaults.read_text())
    defaults.write_text(text)
    return dest


def mem_available_mib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return 0.0


def lab_pids(record: Any) -> list[int]:
    from runbook_wan.lab import device, impairment

    pids = {p for ns in record.topology.all_netns() for p in device.netns_pids(ns)}
    relay = impairment.relay_pid(record.layout)
    if relay is not None:
        pids.add(relay)
    return sorted(pids)


def memory(pids: list[int]) -> dict[str, float]:
    rss = pss = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return {"rss_mib": round(rss / 1024, 1), "pss_mib": round(pss / 1024, 1)}


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def idle_cpu_pct(pids: list[int]) -> float:
    hz = os.sysconf("SC_CLK_TCK")
    before = cpu_ticks(pids)
    time.sleep(CPU_SAMPLE_S)
    return round(100 * (cpu_ticks(pids) - before) / hz / CPU_SAMPLE_S, 1)


def measure(size: int, mode: str, work: Path) -> dict[str, Any]:
    from runbook_wan.credentials.redact import Redactor
    from runbook_wan.lab.builder import UpOptions, free_management_network, up
    from runbook_wan.lab.kernel import NEIGH, neighbour_estimate, read
    from runbook_wan.lab.teardown import down
    from runbook_wan.render.pipeline import render_estate
    from runbook_wan.render.writer import write_configs

    intents = derive_intents(work / f"intents-{size}-{mode}", size, free_management_network(prefixlen=22))
    configs = None
    if mode == "configs":
        configs = work / f"configs-{size}"
        write_configs(render_estate(intents).configs, configs, prune=False)
    state = work / "state"
    down(state, PREFIX)
    baseline = mem_available_mib()
    start = time.monotonic()
    result = up(
        UpOptions(intents=intents, state_dir=state, prefix=PREFIX, configs=configs, inventory_dir=None), Redactor()
    )
    boot = time.monotonic() - start
    try:
        pids = lab_pids(result.record)
        mem = memory(pids)
        drop = baseline - mem_available_mib()
        cpu = idle_cpu_pct(pids)
        bgp = sum(len(s.circuits) for s in result.record.topology.sites.values()) if mode == "configs" else 0
    finally:
        t0 = time.monotonic()
        report = down(state, PREFIX)
        teardown = time.monotonic() - t0
    return {
        "sites": size,
        "mode": mode,
        "ready": result.ready,
        "pending": len(result.readiness.pending),
        "boot_s": round(boot, 2),
        "phases_s": result.timings,
        "namespaces": len(result.record.topology.all_netns()),
        "processes": len(pids),
        **mem,
        "mem_available_drop_mib": round(drop, 1),
        "idle_cpu_pct_of_one_core": cpu,
        "bgp_sessions_site_side": bgp,
        "arp_entries_estimate": neighbour_estimate(result.record.topology),
        "gc_thresh3_during_run": int(read(f"{NEIGH}3")),
        "teardown_s": round(teardown, 2),
        "teardown_left_namespaces": len(report.leftover_namespaces),
        "mem_available_after_teardown_vs_before_mib": round(mem_available_mib() - baseline, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 40, 80])
    parser.add_argument("--modes", nargs="+", choices=("day0", "configs"), default=["day0", "configs"])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "lab.json")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="rbb-bench-") as tmp:
        for size in args.sizes:
            for mode in args.modes:
                run = measure(size, mode, Path(tmp))
                print(json.dumps(run), flush=True)
                runs.append(run)
    machine = {
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "mem_total_mib": round(int(Path("/proc/meminfo").read_text().split()[1]) / 1024),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"benchmark": "lab", "machine": machine, "runs": runs}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

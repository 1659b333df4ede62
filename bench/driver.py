#!/usr/bin/env python3
"""Benchmark: each NAPALM method of the FRR driver on the driver test box (needs root and FRR).

Builds the box of ``tests/driver`` (one FRR DUT with an eBGP peer, reached over SSH), then times
every operation ``--runs`` times on one open connection and counts the processes it forks on the
device (kernel process events under the box's sshd). Results: ``bench/results/driver.json``;
napalm_frr/README.md quotes them (section "Timings").

    python3 bench/driver.py [--runs 5] [--force]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for folder in (REPO / "tests" / "driver", REPO / "src", REPO / "napalm_frr" / "src", Path(__file__).resolve().parent):
    sys.path.insert(0, str(folder))

import napalm  # noqa: E402
from frr_testbox import DUT_LAN, INTERNET, PEER_WAN, build_box, destroy_box  # noqa: E402
from meters import CpuWindow, ForkCounter, loadavg, netns_pids, quiet_machine  # noqa: E402

OUT = REPO / "bench" / "results" / "driver.json"


def measure(
    name: str, op: Callable[[], Any], runs: int, sshd: int, setup: Callable[[], Any] | None = None
) -> dict[str, Any]:
    seconds: list[float] = []
    processes: list[int] = []
    for _ in range(runs):
        if setup is not None:
            setup()
        counter = ForkCounter({sshd: name})
        start = time.perf_counter()
        op()
        seconds.append(time.perf_counter() - start)
        time.sleep(0.05)  # let the last process events arrive
        processes.append(counter.close()[name])
    return {"median_s": round(statistics.median(seconds), 3), "processes": max(processes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-busy", type=float, default=0.15)
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="S", help="wait up to S s for a quiet machine")
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    busy = quiet_machine(args.max_busy, args.wait_quiet)
    if busy > args.max_busy and not args.force:
        raise SystemExit(f"refusing to benchmark: the machine is {busy:.0%} busy (limit {args.max_busy:.0%}); --force")
    with tempfile.TemporaryDirectory(prefix="bench-driver-") as tmp:
        box = build_box(Path(tmp))
        try:
            sshd = int((box.root / "run" / f"sshd-{box.names.dut}.pid").read_text())
            driver = napalm.get_network_driver("frr")(
                box.address, box.username, None, optional_args=box.optional_args()
            )
            window = CpuWindow(sorted({sshd, *netns_pids(box.names.dut), *netns_pids(box.names.peer)}))
            results = run_all(driver, args.runs, sshd)
            load = window.close()
        finally:
            destroy_box(box)
    report = {
        "benchmark": "driver",
        "what": "napalm_frr methods on the tests/driver FRR box over SSH (median of runs; device processes forked)",
        "measured": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform()},
        "load": {"busy_share_before": round(busy, 3), "loadavg_before": loadavg(), **load},
        "operations": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


def run_all(driver: Any, runs: int, sshd: int) -> dict[str, Any]:
    def changed(text: str) -> str:
        return text.replace(" description LAN users", " description LAN guests").replace(
            f" neighbor {PEER_WAN} timers 3 9", f" neighbor {PEER_WAN} timers 4 12"
        )

    results: dict[str, Any] = {}
    results["open + close"] = measure("open", lambda: (driver.open(), driver.close()), runs, sshd)
    driver.open()
    try:
        results["has_pending_commit (first: starts the session)"] = measure(
            "pending", driver.has_pending_commit, runs, sshd, setup=lambda: (driver.close(), driver.open())
        )
        results["has_pending_commit"] = measure("pending", driver.has_pending_commit, runs, sshd)
        initial = driver.get_config(retrieve="running")["running"]
        candidate = changed(initial)
        for name, op in (
            ("get_config (running)", lambda: driver.get_config(retrieve="running")),
            ("get_facts", driver.get_facts),
            ("get_interfaces", driver.get_interfaces),
            ("get_bgp_neighbors", driver.get_bgp_neighbors),
            ("get_route_to (BGP prefix)", lambda: driver.get_route_to(f"{INTERNET}/32")),
            ("ping (1 probe from the LAN address)", lambda: driver.ping(INTERNET, source=DUT_LAN, count=1)),
            ("load_replace_candidate", lambda: driver.load_replace_candidate(config=candidate)),
            ("compare_config", driver.compare_config),
        ):
            results[name] = measure(name, op, runs, sshd)

        def restore() -> None:
            driver.discard_config()
            if driver.has_pending_commit():
                driver.rollback()
            driver.load_replace_candidate(config=initial)
            driver.commit_config()
            driver.get_config(retrieve="running")
            driver.load_replace_candidate(config=candidate)

        results["commit_config (4 changed lines)"] = measure("commit", driver.commit_config, runs, sshd, setup=restore)
        results["commit_config(revert_in=60)"] = measure(
            "commit-confirm", lambda: driver.commit_config(revert_in=60), runs, sshd, setup=restore
        )

        def pending() -> None:
            restore()
            driver.commit_config(revert_in=60)

        results["confirm_commit"] = measure("confirm", driver.confirm_commit, runs, sshd, setup=pending)
        results["rollback (frr-reload.py on the device)"] = measure(
            "rollback", driver.rollback, runs, sshd, setup=pending
        )
        restore()
        driver.discard_config()
    finally:
        driver.close()
    return results


if __name__ == "__main__":
    main()

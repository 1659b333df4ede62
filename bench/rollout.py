#!/usr/bin/env python3
"""Benchmark: a full 80-site rollout in the FRR lab, ``--workers 20`` against ``--workers 1``.

For each worker count: boot the example estate's lab with day-0 configs, deploy every site
(canary of 1, then waves of 20), verify, and tear the lab down. Records wall time per phase
(lab boot, prepare, canary and each wave, verify) and the speed-up in
``bench/results/rollout.json``. Targets: <= 120 s for 80 sites with 20 workers, >= 10x faster
than serial. Needs root and FRR; takes about 10-15 minutes (the serial run dominates).

    python bench/rollout.py [--sites 80] [--workers 20 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "results" / "rollout.json"
PREFIX = "rbbench"


def cli(state: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "--no-color", "--state", str(state), *argv],
        capture_output=True,
        text=True,
        check=False,
    )


def one_run(workers: int, sites: str | None, tmp: Path) -> dict[str, Any]:
    state, inventory = tmp / f"state-{workers}", tmp / f"inventory-{workers}"
    shutil.copytree(REPO / "inventory", inventory, ignore=shutil.ignore_patterns("*.py", "hosts.yaml", "__pycache__"))
    limit = ["--limit", sites] if sites else []
    start = time.perf_counter()
    up = cli(state, "lab", "up", "--prefix", PREFIX, "--inventory", str(inventory), *limit)
    boot = time.perf_counter() - start
    if up.returncode != 0:
        raise SystemExit(f"lab up failed:\n{up.stdout}\n{up.stderr}")
    try:
        report = tmp / f"report-{workers}.json"
        start = time.perf_counter()
        deploy = cli(
            state,
            "deploy",
            "--yes",
            "--inventory",
            str(inventory),
            "--workers",
            str(workers),
            "--canary",
            "1",
            "--wave-size",
            "20",
            "--report",
            str(report),
            *limit,
        )
        wall = time.perf_counter() - start
        if deploy.returncode != 0:
            raise SystemExit(f"deploy (workers {workers}) exited {deploy.returncode}:\n{deploy.stdout[-3000:]}")
        data = json.loads(report.read_text())
        start = time.perf_counter()
        verify = cli(state, "verify", "--inventory", str(inventory), "--format", "json", *limit)
        verify_s = time.perf_counter() - start
        health = json.loads(verify.stdout)
    finally:
        cli(state, "lab", "down", "--prefix", PREFIX)
    return {
        "workers": workers,
        "sites": len(data["sites"]),
        "lab_boot_s": round(boot, 1),
        "deploy_wall_s": round(wall, 1),
        "deploy_phases_s": data["timings"],
        "summary": data["summary"],
        "verify_s": round(verify_s, 1),
        "sites_up": health["summary"]["up"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[20, 1])
    parser.add_argument("--limit", help="fewer sites, e.g. region=west (default: all 80)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-rollout-") as tmp:
        for workers in args.workers:
            runs.append(one_run(workers, args.limit, Path(tmp)))
            print(json.dumps(runs[-1]))
    by_workers = {r["workers"]: r["deploy_wall_s"] for r in runs}
    speedup = round(by_workers[1] / by_workers[20], 1) if 1 in by_workers and 20 in by_workers else None
    report = {
        "benchmark": "rollout",
        "what": "runbook.py deploy of the example estate onto a day-0 FRR lab: canary 1, waves of 20",
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform()},
        "target": {"workers_20_max_s": 120, "speedup_min": 10},
        "runs": runs,
        "speedup_20_vs_1": speedup,
        "controller_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}; speed-up {speedup}x")


if __name__ == "__main__":
    main()

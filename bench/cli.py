#!/usr/bin/env python3
"""Benchmark: CLI start-up: ``runbook.py --help`` and ``runbook.py render`` of the 80 example sites.

Each command runs ``--runs`` times in a fresh interpreter, as a user runs it; the median wall
time and CPU time are recorded, with the bare interpreter (``python3 -c pass``: the
environment's own start-up, site-packages ``.pth`` hooks included) beside them, and the slowest
imports of ``--help`` (``-X importtime``). The checkout's bytecode is compiled first, as ``pip
install`` does for the wheel. The machine's load is recorded beside the figures; the benchmark
refuses to start on a busy machine unless ``--force``.

Targets (issue 13): ``--help`` <= 0.25 s, ``render`` of 80 sites <= 0.5 s wall.
Results: ``bench/results/cli.json``.

    python3 bench/cli.py [--runs 7] [--force]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from meters import CpuWindow, loadavg, quiet_machine  # noqa: E402

OUT = REPO / "bench" / "results" / "cli.json"
TARGETS = {"help_max_s": 0.25, "render_80_max_s": 0.5}


def timed(argv: list[str], runs: int, max_foreign: float) -> dict[str, Any]:
    walls: list[float] = []
    cpus: list[float] = []
    window = CpuWindow([])
    for _ in range(runs):
        before = os.times()
        start = time.perf_counter()
        subprocess.run(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append(after.children_user + after.children_system - before.children_user - before.children_system)
    load = window.close()
    return {
        "wall_s": {"median": round(statistics.median(walls), 3), "min": round(min(walls), 3), "runs": len(walls)},
        "cpu_s_median": round(statistics.median(cpus), 3),
        "load": {**load, "noisy": load["foreign_share"] > max_foreign},
    }


def slowest_imports(argv: list[str], top: int = 8) -> dict[str, Any]:
    argv = [*argv[:1], "-X", "importtime", *argv[1:]]
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=True)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        rows.append((int(self_us), int(cumulative), name))
    return {
        "modules": len(rows),
        "self_total_ms": round(sum(r[0] for r in rows) / 1000, 1),
        "slowest_self_ms": {name: round(us / 1000, 1) for us, _, name in sorted(rows, reverse=True)[:top]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--max-busy", type=float, default=0.15, help="refuse to start above this CPU share")
    parser.add_argument("--max-foreign", type=float, default=0.10, help="flag figures with more foreign CPU share")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="S", help="wait up to S s for a quiet machine")
    parser.add_argument("--force", action="store_true", help="record even on a busy machine (load is recorded)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    busy = quiet_machine(args.max_busy, args.wait_quiet)
    if busy > args.max_busy and not args.force:
        raise SystemExit(f"refusing to benchmark: the machine is {busy:.0%} busy (limit {args.max_busy:.0%}); --force")
    for folder in (REPO / "src", REPO / "napalm_frr" / "src"):
        compileall.compile_dir(folder, quiet=1)
    python, runbook = sys.executable, str(REPO / "runbook.py")
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        results = {
            "python_startup": timed([python, "-c", "pass"], args.runs, args.max_foreign),
            "help": timed([python, runbook, "--help"], args.runs, args.max_foreign),
            "render_80": timed([python, runbook, "render", "--configs", tmp], args.runs, args.max_foreign),
        }
    report = {
        "benchmark": "cli",
        "what": "fresh-interpreter start-up of runbook.py --help and render of the 80 example sites",
        "measured": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform()},
        "load_before": {"busy_share": round(busy, 3), "loadavg": loadavg()},
        "target": TARGETS,
        "results": results,
        "help_imports": slowest_imports([python, runbook, "--help"]),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

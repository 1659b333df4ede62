#!/usr/bin/env python3
"""Benchmark: render 80, 1,000 and 10,000 generated sites (load + facts + templates + write).

Each size runs in a fresh process so peak memory (max RSS) is that size's own. Results go to
``bench/results/render.json``; the README quotes them. Target: <= 1 s for 80 sites, cost linear.

    python bench/render.py            # all sizes
    python bench/render.py --sizes 80 # a subset
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "examples"))


def measure_one(size: int) -> dict[str, float]:
    from generate_estate import generate

    from runbook_wan.render.pipeline import render_estate
    from runbook_wan.render.writer import write_configs

    with tempfile.TemporaryDirectory() as tmp:
        intents = Path(tmp) / "intents"
        generate(intents, size)
        start = time.perf_counter()
        result = render_estate(intents)
        rendered = time.perf_counter()
        write_configs(result.configs, Path(tmp) / "configs", prune=True)
        done = time.perf_counter()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "sites": size,
        "wall_s": round(done - start, 3),
        "render_s": round(rendered - start, 3),
        "write_s": round(done - rendered, 3),
        "ms_per_site": round(1000 * (done - start) / size, 3),
        "peak_rss_mib": round(peak_kib / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[80, 1000, 10000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "render.json")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one)))
        return
    runs = []
    for size in args.sizes:
        proc = subprocess.run(
            [sys.executable, __file__, "--one", str(size)], capture_output=True, text=True, check=True
        )
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(runs[-1])
    per_site = [r["ms_per_site"] for r in runs]
    report = {
        "benchmark": "render",
        "what": "load intents + build facts + render templates + write configs, generated estates",
        "machine": {
            "python": platform.python_version(),
            "cpu_count": __import__("os").cpu_count(),
            "platform": platform.platform(),
        },
        "target": {"sites_80_wall_s_max": 1.0, "growth": "linear"},
        "runs": runs,
        "linear": max(per_site) <= 2.0 * min(per_site),
        "target_met": runs[0]["wall_s"] <= 1.0 if runs and runs[0]["sites"] == 80 else None,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark: a PR plan of a one-site change in a 10,000-site estate, incremental vs full.

A generated 10,000-site estate is rendered and committed on ``main`` of a fresh git repository;
a ``change`` branch edits one site file. Measured, each as a user runs it (a fresh
``python3 runbook.py`` process, from the repository root):

* ``incremental``: ``plan --against main --format json``, the median of ``--repeat`` runs: only the
  changed site file is read on both sides and only that site is rendered;
* ``full``: ``plan --against main --full --format json``: every site loaded and rendered, what
  every plan did before the impact analysis.

Also the 80-site example estate's one-line policy change (72 sites reached), both ways. Target:
``incremental`` of 1 site among 10,000 <= 2 s. Results: ``bench/results/plan.json``.

    python bench/plan.py [--sites 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "examples"))

OUT = REPO / "bench" / "results" / "plan.json"
TARGET_S = 2.0


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def plan(root: Path, *extra: str) -> tuple[float, dict[str, Any]]:
    """Wall time of one plan process and its JSON."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "plan", "--against", "main", "--format", "json", *extra],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode not in (0, 2, 7):
        raise SystemExit(f"plan exited {done.returncode}: {done.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(done.stdout)
    return wall, data


def build_repo(root: Path, sites: int | None) -> list[str]:
    """A repository with the estate's intents and configs committed on main, then branch ``change``."""
    from generate_estate import generate

    from runbook_wan.render.pipeline import render_estate
    from runbook_wan.render.writer import write_configs

    intents = root / "intents"
    if sites is None:
        shutil.copytree(REPO / "intents", intents)
        ids = sorted(p.stem for p in (intents / "sites").glob("*.yaml"))
    else:
        ids = generate(intents, sites)
    write_configs(render_estate(intents).configs, root / "configs", prune=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "estate")
    git(root, "checkout", "-qb", "change")
    return ids


def measure(root: Path, repeat: int, expect: int) -> dict[str, Any]:
    runs = [plan(root) for _ in range(repeat)]
    incremental = [wall for wall, _ in runs]
    _, fast = runs[-1]
    full_wall, full = plan(root, "--full")
    assert len(fast["touched"]) == expect, fast["touched"][:5]
    assert fast["touched"] == full["touched"] and fast["summary"] == full["summary"]
    return {
        "sites": fast["total_sites"],
        "touched": len(fast["touched"]),
        "incremental_s": round(statistics.median(incremental), 3),
        "incremental_runs_s": [round(w, 3) for w in incremental],
        "incremental_mode": fast["review"]["mode"],
        "incremental_inside_s": fast["review"]["timings"],
        "full_s": round(full_wall, 3),
        "full_mode": full["review"]["mode"],
        "full_inside_s": full["review"]["timings"],
        "speedup": round(full_wall / statistics.median(incremental), 1),
    }


def one_site(sites: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        ids = build_repo(root, sites)
        setup = time.perf_counter() - start
        site = root / "intents" / "sites" / f"{ids[len(ids) // 2]}.yaml"
        text = site.read_text()
        site.write_text(re.sub(r"bandwidth_mbps: (\d+)", lambda m: f"bandwidth_mbps: {int(m[1]) + 100}", text, count=1))
        result = measure(root, repeat, expect=1)
        result["what"] = f"one site file changed ({site.stem}: primary bandwidth)"
        result["setup_s"] = round(setup, 1)
        return result


def policy_change(repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        root = Path(tmp)
        build_repo(root, None)
        policy = root / "intents" / "policies" / "retail-standard.yaml"
        policy.write_text(
            policy.read_text().replace(
                "path_preference: [secondary_dia, primary_dia, tertiary_wireless]",
                "path_preference: [primary_dia, secondary_dia, tertiary_wireless]",
            )
        )
        result = measure(root, repeat, expect=72)
        result["what"] = "one line of intents/policies/retail-standard.yaml (saas path_preference)"
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONPATH", str(REPO / "src"))
    big = one_site(args.sites, args.repeat)
    print(json.dumps(big))
    small = policy_change(args.repeat)
    print(json.dumps(small))
    report = {
        "benchmark": "plan",
        "what": "runbook.py plan --against main in a git repository, incremental (the sites a change reaches) "
        "vs --full (every site), fresh process each",
        "machine": {
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
        },
        "target": {"one_site_of_10000_incremental_s_max": TARGET_S},
        "runs": {"one_site_of_many": big, "policy_change_80": small},
        "target_met": big["incremental_s"] <= TARGET_S if args.sites >= 10_000 else None,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

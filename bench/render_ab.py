#!/usr/bin/env python3
"""Benchmark: ``render`` from the CLI at a baseline commit against the checkout, interleaved on one
machine, so a change's effect is measured apart from the machine's speed.

Machines of one kind differ (the same 80-site render has taken 0.58 s on one and 1.25 s on
another), and one machine's speed moves by a quarter within seconds (``meters.speed_probe``). A
figure from ``bench/render.py`` compares to the targets on the machine that recorded it; this one
says what a change did: the baseline (``--base REF``, checked out in a temporary git worktree) and
the checkout run the same ``render`` into a fresh workspace, one after the other, alternating which
goes first, ``--pairs`` times per size. Recorded per size: each run's wall time and CPU (the process
and its workers), the medians, and the checkout's figure as a share of the baseline's within each
pair (run back to back, so the machine's drift between pairs cancels) with the median of those.

Every run writes into output folders no run used before (``out/<n>/configs`` and ``.../monitoring``),
removed only when the size is done: this machine's root file system is ext4 without a journal,
where a new inode is never one freed in the last minute (``recently_deleted`` in ``ext4_new_inode``,
seen with ``perf``), so emptying ``configs/`` and writing it again at once made creating the files
up to six times as slow (20,000 files: 1.4 s of system time into a fresh folder, 8.1 s right after
deleting 20,000), a cost of the benchmark's own deletions, not of ``render``.

Sizes: 1 generated site (the fixed cost of a fresh process), the 80 example sites, and generated
estates of any other size. Results: ``bench/results/render_ab.json``.

    python3 bench/render_ab.py --base REF [--sizes 1 80 2000] [--pairs 8]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "examples"))

from meters import loadavg, speed_probe  # noqa: E402

OUT = REPO / "bench" / "results" / "render_ab.json"


def _git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _intents(size: int, into: Path) -> None:
    if size == 80:
        shutil.copytree(REPO / "intents", into)
        return
    from generate_estate import generate

    generate(into, size)


def _render(checkout: Path, workspace: Path) -> dict[str, float]:
    """One fresh ``render`` of ``checkout`` in ``workspace``, into output folders of its own that no
    run used before (nothing is deleted between runs): wall and CPU seconds."""
    runs = workspace / "out"
    out = runs / str(len(list(runs.iterdir())) if runs.is_dir() else 0)
    before = os.times()
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(checkout / "runbook.py"),
            "--no-color",
            "render",
            "--configs",
            str(out / "configs"),
            "--monitoring",
            str(out / "monitoring"),
        ],
        cwd=workspace,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = os.times()
    cpu = after.children_user + after.children_system - before.children_user - before.children_system
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}


def _summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    return {
        "wall_s_median": round(statistics.median(r["wall_s"] for r in runs), 3),
        "cpu_s_median": round(statistics.median(r["cpu_s"] for r in runs), 3),
        "runs": runs,
    }


def compare(base: Path, head: Path, size: int, pairs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-render-ab-{size}-") as tmp:
        workspace = Path(tmp)
        _intents(size, workspace / "intents")
        _render(head, workspace)  # warm the page cache and the compiled templates once
        figures: dict[str, list[dict[str, float]]] = {"base": [], "head": []}
        for pair in range(pairs):
            order = ("base", "head") if pair % 2 == 0 else ("head", "base")
            for side in order:
                figures[side].append(_render(base if side == "base" else head, workspace))
    result: dict[str, Any] = {side: _summary(runs) for side, runs in figures.items()}
    for key in ("wall_s", "cpu_s"):
        # Each pair ran back to back: the ratio within a pair cancels the machine's drift between pairs.
        ratios = sorted(h[key] / b[key] for b, h in zip(figures["base"], figures["head"], strict=True))
        result[f"head_over_base_{key}"] = {
            "median_of_pairs": round(statistics.median(ratios), 3),
            "pairs": [round(r, 3) for r in ratios],
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, metavar="REF", help="the baseline commit")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 80, 2000])
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    base_commit = _git("rev-parse", args.base)
    head_commit = _git("rev-parse", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    with tempfile.TemporaryDirectory(prefix="bench-render-ab-base-") as tmp:
        base = Path(tmp) / "checkout"
        _git("worktree", "add", "--detach", "--quiet", str(base), base_commit)
        try:
            for tree in (base, REPO):  # as installed packages are (this environment may not write .pyc)
                compileall.compile_dir(tree / "src", quiet=1)
            report: dict[str, Any] = {
                "benchmark": "render_ab",
                "what": "runbook.py render into a fresh workspace, baseline commit vs checkout, interleaved",
                "measured": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "base": base_commit,
                "head": head_commit + (" (with uncommitted changes)" if dirty else ""),
                "machine": {
                    "python": platform.python_version(),
                    "cpu_count": os.cpu_count(),
                    "speed_probe": speed_probe(),
                    "loadavg_before": loadavg(),
                },
                "sizes": {},
            }
            for size in args.sizes:
                report["sizes"][str(size)] = found = compare(base, REPO, size, args.pairs)
                print(size, {k: v["median_of_pairs"] for k, v in found.items() if k.startswith("head_over")})
            report["machine"]["loadavg_after"] = loadavg()
        finally:
            _git("worktree", "remove", "--force", str(base))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark: the instructions a fresh ``render`` executes, at a baseline commit and in the checkout,
counted by valgrind (callgrind): what a change did to the code's work, apart from the machine.

On this machine kind a process's speed moves by half within minutes (``meters.speed_probe``: from
0.13 to 0.24 s for one fixed workload in one afternoon), so wall and CPU times, even interleaved
(``bench/render_ab.py``), only show changes of about a tenth. The instructions the interpreter
executes do not move: the same render executes the same count to within 0.01 % (with
``PYTHONHASHSEED`` fixed). What it leaves out: time in the kernel (creating files, ``syncfs``) and
waiting, and how fast each instruction runs (caches), so it says what a change did to the work in
Python and C, not the seconds.

Each side (a worktree: the baseline, and the checkout with its uncommitted changes to tracked
files) renders two generated estates into fresh workspaces from the CLI (``runbook.py render
--jobs 1``, under ``valgrind --tool=callgrind``, the two sides at once on two cores): ``--small``
and ``--large`` sites (the first sites of one generated estate). The count per site is the
difference over the sites between them; the fixed count is what a fresh process executes before
and around its sites (interpreter, imports, shared intents, the monitoring files).

``tree``: the same for ``render --jobs 2`` of ``--tree`` sites, each process of the tree counted
on its own: the command (the parent) and its two workers. Callgrind counts a forked child from its
parent's count at the fork, so each worker's figure holds the parent's work before the fork too;
between two sides, the differences say where work moved (the parent's share is serial: it runs
before and after the workers, and beside them).
Results: ``bench/results/render_instructions.json``.

    python3 bench/render_instructions.py --base REF [--small 20] [--large 120] [--tree 1000]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "examples"))

OUT = REPO / "bench" / "results" / "render_instructions.json"
_COLLECTED = re.compile(r"Collected : (\d+)")
_PROCESS = re.compile(r"==(\d+)== Collected : (\d+)")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()


def _callgrind(checkout: Path, workspace: Path, jobs: int) -> str:
    """valgrind's report of one fresh ``render --jobs N`` of ``checkout`` into ``workspace`` (emptied first)."""
    for folder in ("configs", "monitoring"):
        shutil.rmtree(workspace / folder, ignore_errors=True)
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    command += [str(checkout / "runbook.py"), "--no-color", "render", "--jobs", str(jobs)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, cwd=workspace, env=env, capture_output=True, text=True, check=True)
    return done.stderr


def instructions(checkout: Path, workspace: Path) -> int:
    """Instructions of one fresh ``render --jobs 1`` of ``checkout`` into ``workspace``."""
    report = _callgrind(checkout, workspace, 1)
    found = _COLLECTED.search(report)
    if found is None:
        raise SystemExit(f"valgrind did not report a count:\n{report[-2000:]}")
    return int(found.group(1))


def tree(checkout: Path, intents: Path) -> dict[str, Any]:
    """Instructions of each process of a fresh ``render --jobs 2``: the parent (it exits last, so
    valgrind reports it last) and its workers."""
    with tempfile.TemporaryDirectory(prefix="bench-instr-tree-") as tmp:
        workspace = Path(tmp)
        shutil.copytree(intents, workspace / "intents")
        subprocess.run(  # warm the compiled templates, as any second render finds them
            [sys.executable, str(checkout / "runbook.py"), "--no-color", "render"],
            cwd=workspace,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        report = _callgrind(checkout, workspace, 2)
    counts = [int(count) for _, count in _PROCESS.findall(report)]
    if len(counts) != 3:
        raise SystemExit(f"expected three processes, valgrind reported {len(counts)}:\n{report[-2000:]}")
    *workers, parent = counts
    return {"parent": parent, "workers": sorted(workers), "workers_sum": sum(workers), "sum": sum(counts)}


def side(checkout: Path, estates: dict[int, Path]) -> dict[str, Any]:
    """Per-site and fixed counts of one checkout (each estate rendered once to warm, then counted)."""
    counts = {}
    for size, intents in estates.items():
        with tempfile.TemporaryDirectory(prefix=f"bench-instr-{size}-") as tmp:
            workspace = Path(tmp)
            shutil.copytree(intents, workspace / "intents")
            # The compiled templates are kept per user: warm them, as any second render finds them.
            subprocess.run(
                [sys.executable, str(checkout / "runbook.py"), "--no-color", "render"],
                cwd=workspace,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            counts[size] = instructions(checkout, workspace)
    small, large = sorted(counts)
    per_site = (counts[large] - counts[small]) / (large - small)
    return {
        "instructions": {str(size): count for size, count in counts.items()},
        "per_site": round(per_site),
        "fixed": round(counts[small] - small * per_site),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, metavar="REF", help="the baseline commit")
    parser.add_argument("--small", type=int, default=20, help="sites of the small estate")
    parser.add_argument("--large", type=int, default=120, help="sites of the large estate")
    parser.add_argument("--tree", type=int, default=1000, help="sites of the --jobs 2 estate (0: not counted)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt install valgrind)")
    from generate_estate import generate

    base_commit = _git("rev-parse", args.base)
    head_commit = _git("rev-parse", "HEAD")
    # The checkout with its uncommitted changes to tracked files, as a commit (nothing is changed).
    head_tree = _git("stash", "create") or head_commit
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-instr-") as tmp:
        root = Path(tmp)
        # Both sides in worktrees side by side: paths of one length (a render's work depends a
        # little on its paths: the same commit counted from this checkout and from a worktree
        # differed by 0.9 %, measured).
        base, head = root / "base", root / "head"
        _git("worktree", "add", "--detach", "--quiet", str(base), base_commit)
        _git("worktree", "add", "--detach", "--quiet", str(head), head_tree)
        try:
            for checkout in (base, head):  # as installed packages are (this environment may not write .pyc)
                compileall.compile_dir(checkout / "src", quiet=1)
            # One estate, and the same with its first sites only: the shared intents are the same.
            estates = {args.small: root / "intents-small", args.large: root / "intents-large"}
            generate(estates[args.large], args.large)
            shutil.copytree(estates[args.large], estates[args.small])
            for extra in sorted((estates[args.small] / "sites").glob("*.yaml"))[args.small :]:
                extra.unlink()
            with ThreadPoolExecutor(2) as pool:
                counted = pool.map(lambda checkout: side(checkout, estates), (base, head))
                found = dict(zip(("base", "head"), counted, strict=True))
            if args.tree:
                generate(root / "intents-tree", args.tree)
                with ThreadPoolExecutor(2) as pool:
                    trees = pool.map(lambda checkout: tree(checkout, root / "intents-tree"), (base, head))
                    for name, counts in zip(("base", "head"), trees, strict=True):
                        found[name]["tree"] = {"sites": args.tree, "jobs": 2, **counts}
        finally:
            for checkout in (base, head):
                _git("worktree", "remove", "--force", str(checkout))
    report = {
        "benchmark": "render_instructions",
        "what": "instructions of a fresh runbook.py render --jobs 1, and of each process of one with --jobs 2 "
        "(valgrind callgrind), baseline vs checkout",
        "measured": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "base": base_commit,
        "head": head_commit + (f" with uncommitted changes ({head_tree})" if head_tree != head_commit else ""),
        "sites": {"small": args.small, "large": args.large},
        **found,
        "head_over_base": {
            "per_site": round(found["head"]["per_site"] / found["base"]["per_site"], 4),
            "fixed": round(found["head"]["fixed"] / found["base"]["fixed"], 4),
            **(
                {
                    f"tree_{part}": round(found["head"]["tree"][part] / found["base"]["tree"][part], 4)
                    for part in ("parent", "workers_sum", "sum")
                }
                if args.tree
                else {}
            ),
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["head_over_base"]), f"wrote {args.out}")


if __name__ == "__main__":
    main()

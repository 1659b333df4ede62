#!/usr/bin/env python3
"""Benchmark: ``render`` and plain ``plan`` from the CLI, 80 and 10,000 sites, from scratch and from
the build cache.

Each figure is a fresh ``python3 runbook.py ...`` process in a scratch workspace, as a user runs it:

* ``sites_80``: ``render`` of the 80 example sites into an empty workspace (every site built), and
  again with the build cache (nothing to build);
* ``sites_10000``: a generated 10,000-site estate (``examples/generate_estate.py``), committed in
  git, then
  - ``full``: ``render`` into an empty workspace (every site built, on every core), with the peak
    memory of the process tree (sampled every 20 ms: the sum of the processes' RSS, and the largest
    process alone);
  - ``one_site``: one site file edited, then plain ``plan`` (renders that site), ``render`` and
    ``plan`` again (nothing left to render);
  - ``template``: a line added to a template every site uses (``frr/bgp.j2`` in the workspace's
    own ``templates/``), then ``render``: every site rebuilt, to compare with ``full``;
  - ``full_again``: ``render --full`` over the rendered workspace (every site built and compared,
    nothing written).
* ``sites_1_floor``: ``render`` of one generated site into an empty workspace: what a fresh
  process pays before the sites' own work (interpreter, imports, the models' validators, the shared
  intents, the monitoring files), the floor under the 80-site figure;
* ``profile``: where a one-process build of 1,000 sites spends its time (cProfile), by stage.

Targets (issue 20): 10,000 sites full <= 10 s and <= 0.5 GB peak RSS; 80 sites <= 0.5 s; a
one-site edit among 10,000 -> ``render`` and plain ``plan`` <= 2 s each; a template change that
reaches every site about as fast as a full render. The package is byte-compiled first, as an
installed one is. The machine's load is recorded beside every
figure (CPU that other processes used meanwhile); the benchmark waits for, or refuses, a busy
machine unless ``--force``. Results: ``bench/results/render.json``.

    python3 bench/render.py [--sizes 80 10000] [--runs 3] [--wait-quiet 600] [--force]
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "examples"))

from meters import CpuWindow, loadavg, quiet_machine, speed_probe  # noqa: E402

OUT = REPO / "bench" / "results" / "render.json"
TARGETS = {
    "sites_10000_full_wall_s_max": 10.0,
    "sites_10000_full_peak_rss_mib_max": 512,
    "sites_80_wall_s_max": 0.5,
    "one_site_of_10000_render_s_max": 2.0,
    "one_site_of_10000_plan_s_max": 2.0,
    "template_change_vs_full": "about as fast",
}
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        return []
    return found


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


class TreeMemory(threading.Thread):
    """Samples the RSS of a process and its descendants every 20 ms: peak of the sum, and of one."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_sum, self.peak_one, self.processes = pid, 0, 0, 1
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            pids, queue = [], [self.pid]
            while queue:
                pid = queue.pop()
                pids.append(pid)
                queue += _children(pid)
            sizes = [_rss(p) for p in pids]
            self.peak_sum = max(self.peak_sum, sum(sizes))
            self.peak_one = max(self.peak_one, max(sizes, default=0))
            self.processes = max(self.processes, len(pids))
            self.done.wait(0.02)


def runbook(cwd: Path, *argv: str, memory: bool = False, ok: tuple[int, ...] = (0,)) -> dict[str, Any]:
    """One fresh ``runbook.py`` process: wall, CPU of it and its workers, machine load meanwhile."""
    window = CpuWindow([])
    before = os.times()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "runbook.py"), "--no-color", *argv],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = TreeMemory(proc.pid) if memory else None
    if sampler is not None:
        sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if sampler is not None:
        sampler.done.set()
        sampler.join()
    after = os.times()
    if proc.returncode not in ok:
        raise SystemExit(f"runbook {' '.join(argv)} exited {proc.returncode}:\n{out[-2000:]}\n{err[-2000:]}")
    load = window.close()
    figure: dict[str, Any] = {
        "wall_s": round(wall, 3),
        "cpu_s": round(after.children_user + after.children_system - before.children_user - before.children_system, 2),
        "load": {"foreign_share": load["foreign_share"], "machine_busy_cpu_s": load["machine_busy_cpu_s"]},
        "said": [line for line in out.splitlines() if line.startswith(("rendered", "built"))],
    }
    if sampler is not None:
        figure["peak_rss_mib"] = {
            "tree_sum": round(sampler.peak_sum / 2**20, 1),
            "largest_process": round(sampler.peak_one / 2**20, 1),
            "processes": sampler.processes,
        }
    return figure


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def edit_one_site(root: Path, site: str) -> None:
    path = root / "intents" / "sites" / f"{site}.yaml"
    text = path.read_text()
    start = text.index("bandwidth_mbps: ") + len("bandwidth_mbps: ")
    end = text.index("\n", start)
    path.write_text(text[:start] + str(int(text[start:end]) + 100) + text[end:])


def sites_80(runs: int) -> dict[str, Any]:
    full, cached = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-render-80-") as tmp:
            root = Path(tmp)
            shutil.copytree(REPO / "intents", root / "intents")
            full.append(runbook(root, "render"))
            cached.append(runbook(root, "render"))
    return {
        "full": {"wall_s_median": statistics.median(r["wall_s"] for r in full), "runs": full},
        "cached": {"wall_s_median": statistics.median(r["wall_s"] for r in cached), "runs": cached},
    }


def floor(runs: int) -> dict[str, Any]:
    """One generated site, rendered into an empty workspace: the fixed cost of a fresh process."""
    from generate_estate import generate

    figures = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-render-1-") as tmp:
            root = Path(tmp)
            generate(root / "intents", 1)
            figures.append(runbook(root, "render"))
    return {"wall_s_median": statistics.median(r["wall_s"] for r in figures), "runs": figures}


def sites_many(size: int, runs: int) -> dict[str, Any]:
    from generate_estate import generate

    with tempfile.TemporaryDirectory(prefix=f"bench-render-{size}-") as tmp:
        root = Path(tmp)
        ids = generate(root / "intents", size)
        (root / ".gitignore").write_text(".runbook/\n")
        full = runbook(root, "render", memory=True)
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "estate")
        site = ids[len(ids) // 2]
        one: dict[str, list[dict[str, Any]]] = {"plan_before_render": [], "render": [], "plan_after_render": []}
        for _ in range(runs):
            git(root, "checkout", "-q", "--", ".")
            edit_one_site(root, site)
            one["plan_before_render"].append(runbook(root, "plan", ok=(0, 2)))
            one["render"].append(runbook(root, "render"))
            one["plan_after_render"].append(runbook(root, "plan", ok=(0, 2)))
            git(root, "checkout", "-q", "--", ".")
        runbook(root, "render")
        shutil.copytree(REPO / "src" / "runbook_wan" / "templates", root / "templates")
        same = runbook(root, "render")
        bgp = root / "templates" / "frr" / "bgp.j2"
        bgp.write_text(bgp.read_text() + "! reviewed\n")
        template = runbook(root, "render", memory=True)
        again = runbook(root, "render", "--full", memory=True)
        return {
            "sites": size,
            "full": full,
            "one_site": {
                "site": site,
                **{
                    name: {"wall_s_median": statistics.median(r["wall_s"] for r in figures), "runs": figures}
                    for name, figures in one.items()
                },
            },
            "templates_copied_no_change": same,
            "template": template,
            "full_again": again,
        }


def profile(size: int = 1000) -> dict[str, Any]:
    """cProfile of a one-process build: the share of the build's time in each stage."""
    from generate_estate import generate

    from runbook_wan.build.engine import BuildRequest, build

    stages = {
        "load (parse, merge, validate)": "loader.py:load_site_file",
        "facts": "builder.py:build_site_facts",
        "templates": "renderer.py:render_site",
        "probe-targets block": "monitoring/bundle.py:target_block",
        "stage files": "atomic_files.py:stage_file",
        "monitoring files": "engine.py:_write_monitoring",
        "commit and cache": "engine.py:_record",
    }
    with tempfile.TemporaryDirectory(prefix="bench-render-profile-") as tmp:
        root = Path(tmp)
        generate(root / "intents", size)
        profiler = cProfile.Profile()
        profiler.enable()
        build(BuildRequest(root / "intents", root / "configs", root / "monitoring", jobs=1))
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(stats.total_tt, 1e-9)  # type: ignore[attr-defined]
    found = {}
    for name, where in stages.items():
        file, func = where.split(":")
        cumulative = sum(v[3] for (path, _, fn), v in stats.stats.items() if path.endswith(file) and fn == func)  # type: ignore[attr-defined]
        found[name] = round(100 * cumulative / total, 1)
    return {"sites": size, "profiled_s": round(total, 2), "share_pct_by_stage": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[80, 10_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-busy", type=float, default=0.25, help="refuse to start above this CPU share")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="S", help="wait up to S s for a quiet machine")
    parser.add_argument("--force", action="store_true", help="record even on a busy machine (the load is recorded)")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    busy = quiet_machine(args.max_busy, args.wait_quiet)
    if busy > args.max_busy and not args.force:
        raise SystemExit(f"refusing to benchmark: the machine is {busy:.0%} busy (limit {args.max_busy:.0%}); --force")
    # As an installed package is (pip compiles it): each fresh process below would otherwise compile
    # every module it imports, this environment setting PYTHONDONTWRITEBYTECODE.
    compileall.compile_dir(REPO / "src", quiet=1)
    report: dict[str, Any] = {
        "benchmark": "render",
        "what": "runbook.py render / plan from the CLI (fresh process each), from scratch and from the build cache",
        "measured": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            # a fixed pure-Python workload's CPU here: compare figures across machines through it
            "speed_probe": speed_probe(),
        },
        "load_before": {"busy_share": round(busy, 3), "loadavg": loadavg()},
        "target": TARGETS,
    }
    if 80 in args.sizes:
        report["sites_80"] = sites_80(args.runs)
        report["sites_1_floor"] = floor(max(args.runs, 5))
        print(json.dumps(report["sites_80"]["full"]["wall_s_median"]))
    for size in (s for s in args.sizes if s != 80):
        report[f"sites_{size}"] = sites_many(size, args.runs)
        print(json.dumps(report[f"sites_{size}"]["full"]))
    if not args.no_profile:
        report["profile"] = profile()
    report["load_after"] = {"loadavg": loadavg(), "speed_probe": speed_probe()}
    big = report.get("sites_10000")
    if big is not None and "sites_80" in report:
        report["target_met"] = {
            "full_10000": big["full"]["wall_s"] <= TARGETS["sites_10000_full_wall_s_max"]
            and big["full"]["peak_rss_mib"]["tree_sum"] <= TARGETS["sites_10000_full_peak_rss_mib_max"],
            "sites_80": report["sites_80"]["full"]["wall_s_median"] <= TARGETS["sites_80_wall_s_max"],
            "one_site_render": big["one_site"]["render"]["wall_s_median"] <= 2.0,
            "one_site_plan": max(
                big["one_site"]["plan_before_render"]["wall_s_median"],
                big["one_site"]["plan_after_render"]["wall_s_median"],
            )
            <= 2.0,
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark: embedded validation of the 80-site example estate (estate rules + builtin backend).

Measures, each as the median of ``--repeat`` runs on an estate already rendered in memory:

* ``rules_80``: the estate rules;
* ``builtin_static_80``: references + default-path checks of every rendered config;
* ``vtysh_batched_80``: FRR syntax through vtysh, batched one process per CPU (what validate does);
* ``vtysh_per_site_80``: the same with one vtysh process per site, in parallel (for comparison);
* ``embedded_without_vtysh_80`` / ``embedded_with_vtysh_80``: the whole ``validate()`` call.

With ``--twin``, also ``twin_80``: the twin survivability proof of all 80 sites x 6 scenarios
in the FRR lab (root + FRR; minutes, so opt-in). Targets: ``embedded_without_vtysh_80`` <= 1 s,
``twin_80`` <= 300 s. Results are merged into
``bench/results/validate.json`` under these keys of ``measurements`` (other keys, e.g. the twin's,
are kept).

    python bench/validate.py [--repeat 5] [--twin]
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

OUT = REPO / "bench" / "results" / "validate.json"


def timed(fn: Callable[[], object], repeat: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return {
        "median_s": round(statistics.median(runs), 4),
        "min_s": round(min(runs), 4),
        "runs_s": [round(r, 4) for r in runs],
    }


def measure(repeat: int) -> dict[str, dict[str, Any]]:
    from runbook_wan.render.pipeline import render_estate
    from runbook_wan.validation.builtin.backend import BuiltinBackend
    from runbook_wan.validation.builtin.syntax_vtysh import SyntaxInput, VtyshRunner, VtyshSyntax
    from runbook_wan.validation.checks.base import ValidationContext, ValidationOptions
    from runbook_wan.validation.rules import run_rules
    from runbook_wan.validation.runner import validate

    rendered = render_estate(REPO / "intents")
    sites = len(rendered.selected)
    static = ValidationOptions(vtysh=False)
    backend = BuiltinBackend()
    ctx = ValidationContext(rendered, static)
    items = [SyntaxInput(s, rendered.configs[s].text, f"configs/{s}.cfg") for s in rendered.selected]
    jobs = os.cpu_count() or 1
    runner = VtyshRunner()

    def per_site() -> None:
        with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(jobs) as pool:
            list(pool.map(lambda item: runner.run(item.text, Path(tmp), f"{item.site}.conf"), items))

    out = {
        "render_80": timed(lambda: render_estate(REPO / "intents"), repeat),
        "rules_80": timed(lambda: run_rules(rendered.estate, rendered.selected), repeat),
        "builtin_static_80": timed(lambda: backend.structure(ctx), repeat),
        "embedded_without_vtysh_80": timed(lambda: validate(rendered, static), repeat),
    }
    if runner.available():
        out["vtysh_batched_80"] = timed(lambda: VtyshSyntax(jobs=jobs).check(items), repeat)
        out["vtysh_per_site_80"] = timed(per_site, repeat)
        out["embedded_with_vtysh_80"] = timed(lambda: validate(rendered, ValidationOptions()), repeat)
    for value in out.values():
        value["sites"] = sites
    return out


def measure_twin() -> dict[str, Any]:
    """One twin proof over the whole example estate, with its phase timings."""
    from runbook_wan.render.pipeline import render_estate
    from runbook_wan.validation.twin.proof import run_proof

    rendered = render_estate(REPO / "intents")
    with tempfile.TemporaryDirectory(prefix="bench-twin-") as state:
        start = time.perf_counter()
        matrix = run_proof(rendered, list(rendered.selected), Path(state), print)
        wall = time.perf_counter() - start
    cells = list(matrix.cells.values())
    return {
        "sites": len(rendered.selected),
        "scenarios": len(matrix.scenarios),
        "wall_s": round(wall, 1),
        "phases_s": matrix.timings,
        "cells": len(cells),
        "cells_ok": sum(c.ok for c in cells),
        "problems": sorted({p for c in cells for p in c.problems})[:10],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--twin", action="store_true", help="also time the 80-site twin proof (root + FRR)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data: dict[str, Any] = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    data.setdefault("benchmark", "validate")
    data.setdefault("measurements", {})
    data["machine"] = {
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
    }
    data.setdefault("target", {})["embedded_without_vtysh_80_max_s"] = 1.0
    data["measurements"].update(measure(args.repeat))
    if args.twin:
        data["measurements"]["twin_80"] = measure_twin()
        data["target"]["twin_80_max_s"] = 300.0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    for name, value in data["measurements"].items():
        print(f"{name:30s} {value.get('median_s', value.get('wall_s', '?'))} s")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark: change lead time, end to end. One policy edit touching many sites, committed, then
``plan``, ``validate``, ``deploy`` and ``verify`` of all 80 sites, timed stage by stage.

The lab boots with the estate's current configs (the network runs the last change); the edit
swaps the SaaS class's first two circuits in ``intents/policies/retail-standard.yaml``, the
policy of most sites. Every command runs from a git workspace as an operator would, and the
lead time is read back with ``runbook.py report lead-time`` (commit -> verified, from git and
the audit log). Target: under 5 minutes, twelve times under the one-hour promise.

The machine is shared: the load average (1/5/15 min) before and after and the other labs running
are recorded beside the figures. Needs root and FRR; about 3-5 minutes.

    PYTHONPATH=src:napalm_frr/src python3 bench/lead_time.py [--out bench/results/lead_time.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "results" / "lead_time.json"
PREFIX = "rbltp"
TARGET_S = 300


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def cli(root: Path, *argv: str) -> tuple[int, str, float]:
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}:{REPO / 'napalm_frr' / 'src'}"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "--no-color", "--workspace", str(root), *argv],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr, round(time.perf_counter() - start, 2)


def load() -> dict[str, Any]:
    one, five, fifteen = os.getloadavg()
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout.split("\n")
    others = sorted({n.split()[0].split("-")[0] for n in netns if n.strip() and not n.startswith(PREFIX + "-")})
    return {
        "loadavg_1_5_15": [round(one, 2), round(five, 2), round(fifteen, 2)],
        "other_netns": sum(1 for n in netns if n.strip() and not n.startswith(PREFIX + "-")),
        "other_lab_prefixes": others,
    }


def workspace(tmp: Path) -> Path:
    root = tmp / "ws"
    shutil.copytree(REPO / "intents", root / "intents")
    shutil.copytree(
        REPO / "inventory", root / "inventory", ignore=shutil.ignore_patterns("*.py", "hosts.yaml", "__pycache__")
    )
    (root / ".gitignore").write_text(".runbook/\ninventory/hosts.yaml\ninventory/known_hosts\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "Bench")
    return root


def must(step: str, result: tuple[int, str, float], ok: tuple[int, ...] = (0,)) -> float:
    code, out, seconds = result
    if code not in ok:
        raise SystemExit(f"{step} exited {code}:\n{out[-4000:]}")
    return seconds


def run(tmp: Path, management_network: str) -> dict[str, Any]:
    root = workspace(tmp)
    must("render", cli(root, "render"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "estate")
    boot = must(
        "lab up",
        cli(root, "lab", "up", "--prefix", PREFIX, "--configs", "configs", "--management-network", management_network),
    )
    try:
        must("baseline verify", cli(root, "verify"))  # the network runs the committed estate
        policy = root / "intents" / "policies" / "retail-standard.yaml"
        text, count = re.subn(
            r"(  saas:\n(?:    .*\n)*?    path_preference: )\[secondary_dia, primary_dia, tertiary_wireless\]",
            r"\1[primary_dia, secondary_dia, tertiary_wireless]",
            policy.read_text(),
        )
        assert count == 1, "the example policy changed: update the benchmark's edit"
        policy.write_text(text)
        must("render", cli(root, "render"))
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "policy: SaaS prefers fiber at standard stores")
        commit = git(root, "rev-parse", "HEAD")
        before = load()
        started = time.perf_counter()
        plan_s = must("plan", cli(root, "plan", "--against", "HEAD~1", "--format", "json"), ok=(2,))
        validate_s = must("validate", cli(root, "validate"))
        report = tmp / "rollout.json"
        deploy_s = must("deploy", cli(root, "deploy", "--yes", "--report", str(report)))
        code, out, verify_s = cli(root, "verify", "--format", "json")
        must("verify", (code, out, verify_s))
        total = round(time.perf_counter() - started, 2)
        after = load()
        rollout = json.loads(report.read_text())
        health = json.loads(out[out.index("{") :])
        code, out, _ = cli(root, "report", "lead-time", "--format", "json")
        lead = json.loads(out[out.index("{") :])
        change = next(c for c in lead["changes"] if c["commit"] == commit)
    finally:
        cli(root, "lab", "down", "--prefix", PREFIX)
    return {
        "change": change["subject"],
        "sites": len(rollout["sites"]),
        "sites_changed": rollout["summary"]["changed"],
        "sites_unchanged": rollout["summary"]["unchanged"],
        "sites_up_after": health["summary"]["up"],
        "drift_after_confirm": len(rollout.get("drift_after_confirm", {})),
        "stage_wall_s": {"plan": plan_s, "validate": validate_s, "deploy": deploy_s, "verify": verify_s},
        "commands_wall_s": total,
        "deploy_phases_s": rollout["timings"],
        "lead_time": {
            "commit_to_verified_s": change["lead_s"],
            "after_commit_s": {k: v["after_s"] for k, v in change["stages"].items()},
            "within_promise": change["within_promise"],
            "report_exit_code": code,
        },
        "lab_boot_s": boot,
        "load_before": before,
        "load_after": after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    sys.path[:0] = [str(REPO / "src"), str(REPO / "napalm_frr" / "src")]
    from runbook_wan.lab.builder import free_management_network

    with tempfile.TemporaryDirectory(prefix="bench-lead-time-") as tmp:
        result = run(Path(tmp), free_management_network(prefixlen=22))
    report = {
        "benchmark": "lead_time",
        "what": "one policy edit (SaaS path at retail-standard stores) committed, then plan, validate, deploy and "
        "verify of all 80 sites from the command line; lead time read back with `report lead-time`",
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform()},
        "target": {"commit_to_verified_max_s": TARGET_S, "promise_s": 3600},
        **result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark: how fast a failure reaches people, and what the monitoring stack costs (needs root).

Builds the lab of the whole example estate (80 sites, rendered configs), starts the stack with
``runbook.py monitor up`` at the committed, realistic timing (15 s scrape and evaluation, 10 s
probe cycle, 60 s device polls), with the notifier sending to local receivers: a chat webhook,
an SMTP server (aiosmtpd) and Twilio through the contract proxy of ``tests/contracts``. Then:

* circuit down: ``lab fail SITE primary_dia --mode blackhole`` -> first chat message
  (target: under 90 s); one run per site, on different sites;
* site down: all three circuits of a site blackholed -> first SMS request (the page; target:
  under 60 s);
* cost: CPU (utime+stime of every stack process over one device-poll interval, so one poll of every
  device counts in its steady-state share) and
  memory (RSS and PSS from ``smaps_rollup``) of Prometheus, Alertmanager, the probe and the
  notifier for 80 sites (target: under 5 % of one core, under 300 MB), next to the lab's own.

Results go to ``bench/results/alerting.json``; the README quotes them. Lab prefix ``rbba``, a free
/22 management network.

    python bench/alerting.py                  # 2 runs of each failure, 300 s cost window
    python bench/alerting.py --runs 1 --window 60
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for extra in (REPO / "src", REPO / "napalm_frr" / "src", REPO / "tests" / "notify", REPO / "tests" / "contracts"):
    sys.path.insert(0, str(extra))

import trustme  # noqa: E402
import yaml  # noqa: E402
from contract_proxy import ContractProxy  # noqa: E402
from notifykit import SECRETS, ChatReceiver, SmtpServer, notifications_intent, private_key_pem  # noqa: E402

from runbook_wan.lab.api import Lab  # noqa: E402
from runbook_wan.lab.builder import free_management_network  # noqa: E402
from runbook_wan.lab.teardown import down  # noqa: E402
from runbook_wan.ops.stack import StackRecord  # noqa: E402

PREFIX = "rbba"
CIRCUITS = ("primary_dia", "secondary_dia", "tertiary_wireless")
TICK = 0.05


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mib(pid: int) -> tuple[float, float]:
    rss = pss = 0.0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1]) / 1024
        elif line.startswith("Pss:"):
            pss = int(line.split()[1]) / 1024
    return rss, pss


def lab_pids() -> list[int]:
    pids: set[int] = set()
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    for name in listing.split():
        if name.startswith(f"{PREFIX}-"):
            out = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True, check=False).stdout
            pids |= {int(p) for p in out.split()}
    return sorted(pids)


def measure_cost(record: StackRecord, window: float) -> dict[str, Any]:
    pids = {name: s.pid for name, s in record.services.items()}
    lab_side = lab_pids()
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    lab_before = sum(cpu_seconds(p) for p in lab_side if Path(f"/proc/{p}").exists())
    start = time.monotonic()
    time.sleep(window)
    elapsed = time.monotonic() - start
    per_service = {}
    for name, pid in pids.items():
        rss, pss = memory_mib(pid)
        per_service[name] = {
            "cpu_pct_of_one_core": round(100 * (cpu_seconds(pid) - before[name]) / elapsed, 2),
            "rss_mib": round(rss, 1),
            "pss_mib": round(pss, 1),
        }
    lab_cpu = sum(cpu_seconds(p) for p in lab_side if Path(f"/proc/{p}").exists()) - lab_before
    return {
        "window_s": round(elapsed, 1),
        "services": per_service,
        "total_cpu_pct_of_one_core": round(sum(s["cpu_pct_of_one_core"] for s in per_service.values()), 2),
        "total_rss_mib": round(sum(s["rss_mib"] for s in per_service.values()), 1),
        "total_pss_mib": round(sum(s["pss_mib"] for s in per_service.values()), 1),
        "lab_cpu_pct_of_one_core": round(100 * lab_cpu / elapsed, 1),
        "lab_processes": len(lab_side),
    }


def first(check: Any, timeout: float) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(TICK)
    return None


def circuit_down(lab: Lab, chat: ChatReceiver, site: str, timeout: float) -> float | None:
    lab.fail(site, "primary_dia", mode="blackhole")
    try:
        return first(lambda: any("CircuitDown" in t and site in t for t in chat.texts()), timeout)
    finally:
        lab.restore(site, "primary_dia")


def site_down(lab: Lab, proxy: ContractProxy, site: str, timeout: float) -> float | None:
    for circuit in CIRCUITS:
        lab.fail(site, circuit, mode="blackhole")
    try:
        return first(
            lambda: any(
                r.path.endswith("/Messages.json") and site in r.body.decode(errors="replace") for r in proxy.records
            ),
            timeout,
        )
    finally:
        for circuit in CIRCUITS:
            lab.restore(site, circuit)


def runbook(state: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "--no-color", "--state", str(state), *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2, help="failures of each kind (each on its own site)")
    parser.add_argument(
        "--window",
        type=float,
        default=300.0,
        help="seconds of the cost measurement (default: one device-poll interval)",
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="rb-bench-alerting-"))
    state = root / "state"
    with ContractProxy(trustme.CA(), root) as proxy:
        chat, smtp = ChatReceiver().start(), SmtpServer().start()
        try:
            intents = root / "intents"
            shutil.copytree(REPO / "intents", intents)
            text = (intents / "defaults.yaml").read_text()
            mgmt = free_management_network(prefixlen=22)
            (intents / "defaults.yaml").write_text(text.replace("198.18.0.0/22", mgmt))
            (intents / "notifications.yaml").write_text(yaml.safe_dump(notifications_intent(smtp.port)))
            shutil.copytree(REPO / "inventory", root / "inventory", ignore=shutil.ignore_patterns("*.py", "hosts.yaml"))
            secrets = dict(SECRETS) | {"chat/webhook": chat.url, "vonage/private-key": private_key_pem()}
            env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
            env |= proxy.env
            env |= {"RUNBOOK_SECRET_" + n.upper().replace("/", "_").replace("-", "_"): v for n, v in secrets.items()}
            env["RUNBOOK_SECRETS_FILE"] = str(root / "none.yaml")
            down(state, PREFIX)
            boot = time.monotonic()
            lab = Lab.up(intents, state, prefix=PREFIX, configs=REPO / "configs", inventory_dir=root / "inventory")
            lab_boot = time.monotonic() - boot
            try:
                up = runbook(
                    state, env, "monitor", "up", "--intents", str(intents), "--inventory", str(root / "inventory")
                )
                if up.returncode != 0:
                    print(up.stdout + up.stderr, file=sys.stderr)
                    return 1
                record = StackRecord.read(state)
                assert record is not None
                # From right after `up`, over one device-poll interval: every cost in its steady-state share
                # (one NAPALM poll of every device, 30 measurement cycles, 20 scrapes and evaluations).
                cost = measure_cost(record, args.window)
                sites = lab.sites
                circuit_runs = [{"site": s, "seconds": circuit_down(lab, chat, s, 240)} for s in sites[: args.runs]]
                site_runs = [
                    {"site": s, "seconds": site_down(lab, proxy, s, 240)} for s in sites[args.runs : 2 * args.runs]
                ]
            finally:
                runbook(state, env, "monitor", "down")
                lab.down()
        finally:
            chat.stop()
            smtp.stop()

    def worst(runs: list[dict[str, Any]]) -> float | None:
        times = [r["seconds"] for r in runs]
        return None if None in times else round(max(times), 1)

    result = {
        "benchmark": "alerting",
        "machine": {"kernel": platform.release(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "sites": len(sites),
        "timing": "committed profile: 15 s scrape/evaluation, 10 s probe cycle, 60 s device polls, "
        "CircuitDown for 30 s, SiteDown for 15 s, group_wait 5 s",
        "lab_boot_s": round(lab_boot, 1),
        "circuit_down_to_chat_s": [
            {**r, "seconds": None if r["seconds"] is None else round(r["seconds"], 1)} for r in circuit_runs
        ],
        "site_down_to_sms_s": [
            {**r, "seconds": None if r["seconds"] is None else round(r["seconds"], 1)} for r in site_runs
        ],
        "worst_circuit_down_s": worst(circuit_runs),
        "worst_site_down_s": worst(site_runs),
        "targets": {"site_down_page_s": 60, "circuit_down_message_s": 90, "cpu_pct_of_one_core": 5, "memory_mib": 300},
        "cost_80_sites": cost,
    }
    out = REPO / "bench" / "results" / "alerting.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Benchmark: how fast the notifier turns Alertmanager's webhook into provider requests, alone and in a burst.

A real notifier process (``runbook.py notify``) with the test intent of ``tests/notify`` receives
Alertmanager-shaped webhooks (payload version 4, one group per site as the generated routes
group them) and pages through the unchanged Twilio SDK, which reaches the contract proxy of
``tests/contracts``; the proxy answers after ``--latency`` seconds, like a provider across the
Internet. Measured:

* one site down: webhook posted -> both on-call SMS requests received (median of ``--runs``);
* a burst: ``--sites`` sites down at once (concurrent webhooks) -> every SMS request received;
* the notifier's CPU seconds over the burst and its memory (RSS) after it.

Results go to ``bench/results/notifier.json``. The end-to-end numbers (a blackholed circuit to the
first message, through the probe, Prometheus and Alertmanager) are ``bench/alerting.py``'s.

    python bench/notifier.py                   # 5 single runs, 80 sites, 0.3 s provider latency
    python bench/notifier.py --sites 20 --latency 0
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for extra in (REPO / "src", REPO / "tests" / "notify", REPO / "tests" / "contracts"):
    sys.path.insert(0, str(extra))

import httpx  # noqa: E402
import trustme  # noqa: E402
import yaml  # noqa: E402
from contract_proxy import ContractProxy, ProviderResponder  # noqa: E402
from notifykit import (  # noqa: E402
    SECRETS,
    ChatReceiver,
    Notifier,
    SmtpServer,
    free_port,
    notifications_intent,
    private_key_pem,
)

RESULTS = REPO / "bench" / "results" / "notifier.json"
POLL = 0.005


def webhook(site: str, n: int) -> dict[str, Any]:
    """One SiteDown group as Alertmanager posts it to the ``site-down`` route's receiver."""
    starts = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "version": "4",
        "groupKey": f'{{}}/{{alertname="SiteDown"}}:{{alertname="SiteDown", site="{site}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "runbook-site-down",
        "groupLabels": {"alertname": "SiteDown", "site": site},
        "commonLabels": {"alertname": "SiteDown", "site": site, "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "SiteDown", "site": site, "severity": "critical"},
                "annotations": {"summary": f"{site} is down: no circuit passes traffic"},
                "startsAt": starts,
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://127.0.0.1:9090/graph",
                "fingerprint": f"bench{n:011d}",
            }
        ],
    }


def sms_count(proxy: ContractProxy, sites: set[str]) -> int:
    count = 0
    for recorded in proxy.to("api.twilio.com"):
        if recorded.path.endswith("/Messages.json"):
            body = recorded.form().get("Body", [""])[0]
            count += any(f" {site} " in body for site in sites)
    return count


def wait_sms(proxy: ContractProxy, sites: set[str], expected: int, timeout: float = 300.0) -> float:
    start = time.monotonic()
    while sms_count(proxy, sites) < expected:
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"only {sms_count(proxy, sites)} of {expected} SMS after {timeout:g} s")
        time.sleep(POLL)
    return time.monotonic()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(args: argparse.Namespace, proxy: ContractProxy, notifier: Notifier, ready_s: float) -> dict[str, Any]:
    url = f"{notifier.url}/alerts"
    singles = []
    with httpx.Client(timeout=60) as client:
        for run in range(args.runs):
            site = f"single-{run:03d}"
            t0 = time.monotonic()
            client.post(url, json=webhook(site, run)).raise_for_status()
            singles.append(wait_sms(proxy, {site}, 2) - t0)

    sites = {f"burst-{n:03d}" for n in range(args.sites)}
    cpu0 = cpu_seconds(notifier.pid)
    t0 = time.monotonic()
    with ThreadPoolExecutor(16) as pool, httpx.Client(timeout=300) as client:
        posts = [pool.submit(client.post, url, json=webhook(site, 1000 + n)) for n, site in enumerate(sorted(sites))]
        first = wait_sms(proxy, sites, 1) - t0
        done = wait_sms(proxy, sites, 2 * args.sites) - t0
        for post in posts:
            post.result().raise_for_status()
    cpu = cpu_seconds(notifier.pid) - cpu0
    return {
        "what": "Alertmanager-shaped SiteDown webhook -> SMS requests (Twilio SDK via the contract proxy)",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "provider_latency_s": args.latency,
        "notifier_ready_s": round(ready_s, 2),
        "single_site": {
            "runs": args.runs,
            "median_s": round(statistics.median(singles), 3),
            "max_s": round(max(singles), 3),
        },
        "burst": {
            "sites": args.sites,
            "sms": 2 * args.sites,
            "first_sms_s": round(first, 3),
            "all_sms_s": round(done, 3),
            "notifier_cpu_s": round(cpu, 2),
        },
        "notifier_rss_mb": round(rss_mb(notifier.pid), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="single-site runs (median reported)")
    parser.add_argument("--sites", type=int, default=80, help="sites down at once in the burst")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds each provider request takes")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-notifier-"))
    responder = ProviderResponder(delay=args.latency)
    proxy = ContractProxy(trustme.CA(), work, responder).start()
    chat, smtp = ChatReceiver().start(), SmtpServer().start()
    notifier: Notifier | None = None
    try:
        intents = work / "intents"
        shutil.copytree(REPO / "intents", intents)
        intent = notifications_intent(smtp.port)
        intent["routes"][0]["escalate"]["after_minutes"] = 60  # type: ignore[index]  # no calls in this bench
        (intents / "notifications.yaml").write_text(yaml.safe_dump(intent, sort_keys=False))
        secrets = dict(SECRETS) | {"chat/webhook": chat.url, "vonage/private-key": private_key_pem()}
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and not k.startswith("RUNBOOK_")}
        env |= proxy.env | {"RUNBOOK_SECRETS_FILE": str(work / "none.yaml"), "PYTHONPATH": str(REPO / "src")}
        env |= {"RUNBOOK_SECRET_" + n.upper().replace("/", "_").replace("-", "_"): v for n, v in secrets.items()}
        started = time.monotonic()
        notifier = Notifier(work, intents, f"http://127.0.0.1:{free_port()}", env, free_port()).start()
        ready_s = time.monotonic() - started
        result = measure(args, proxy, notifier, ready_s)
    finally:
        if notifier is not None:
            notifier.stop()
        chat.stop()
        smtp.stop()
        proxy.stop()
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

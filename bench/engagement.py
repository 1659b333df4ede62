#!/usr/bin/env python3
"""Benchmark: from a signed SMS reply reaching the notifier to the incident acknowledged (escalation cancelled).

A real notifier process (``runbook.py notify --public-url ... --public-listen ...``) pages SiteDown
incidents by SMS through the unchanged Twilio SDK (the contract proxy of ``tests/contracts`` answers
for Twilio). Then replies arrive on its public listener as Twilio sends them: a form POST to
``/inbound/twilio/sms`` signed with ``X-Twilio-Signature`` (HMAC-SHA1 over the public URL and the
fields, written from Twilio's document in ``tests/contracts/provider_signing.py``). Measured:

* one reply at a time (``--runs``): the reply posted -> the notifier's answer (TwiML "Acknowledged: ...",
  sent once the acknowledgement is committed), and -> the incident seen ``acknowledged`` in the
  incident store by another reader (what ``runbook.py incidents`` and the escalation clock read:
  a firing incident is the only kind that escalates, so this is the escalation cancelled);
* ``--burst`` replies at once (each to its own incident, from two on-call phones): each reply's answer
  time, and the time until every incident is acknowledged in the store;
* the notifier's CPU seconds over the burst and its memory (RSS) after it.

Results go to ``bench/results/engagement.json``; target: <= 200 ms from reply to acknowledged.

    python bench/engagement.py                  # 20 single replies, 100 at once
    python bench/engagement.py --runs 5 --burst 40
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import sqlite3
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
from answerkit import ALICE, ANSWER_SECRETS, BOB, TWILIO_NUMBER, answers_intent  # noqa: E402
from contract_proxy import ContractProxy  # noqa: E402
from notifier import cpu_seconds, rss_mb  # noqa: E402
from notifykit import SECRETS, Notifier, SmtpServer, free_port, private_key_pem  # noqa: E402
from provider_signing import twilio_request  # noqa: E402

RESULTS = REPO / "bench" / "results" / "engagement.json"
TARGET_S = 0.200
#: How often the store is read while waiting: often for one reply, less for the burst (not to compete for the CPU).
POLL, BURST_POLL = 0.002, 0.05
#: Region -> the phone on call for it (two on-call people: reply codes are per phone, 1..99).
ON_CALL = {"west": ("alice", ALICE), "east": ("bob", BOB)}


def bench_intent(smtp_port: int, public_url: str) -> dict[str, Any]:
    """The answers tests' intent, with one person on call per region and no call within the bench."""
    intent = answers_intent(smtp_port, public_url)
    intent["groups"] |= {f"{region}-oncall": {"members": [name]} for region, (name, _phone) in ON_CALL.items()}
    intent["routes"] = [
        {
            "name": f"site-down-{region}",
            "match": {"alertname": "SiteDown", "region": region},
            "notify": [{"channel": "sms", "to": f"{region}-oncall"}],
            "escalate": {"after_minutes": 60, "channel": "voice", "to": f"{region}-oncall"},
        }
        for region in ON_CALL
    ]
    return intent


def webhook(site: str, region: str, n: int) -> dict[str, Any]:
    starts = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    labels = {"alertname": "SiteDown", "site": site, "region": region, "severity": "critical"}
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="SiteDown", site="{site}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": f"runbook-site-down-{region}",
        "groupLabels": {"alertname": "SiteDown", "site": site},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": f"{site} is down: no circuit passes traffic"},
                "startsAt": starts,
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://127.0.0.1:9090/graph",
                "fingerprint": f"eng{n:013d}",
            }
        ],
    }


class Store:
    """The incident store as another process reads it (read only)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def status(self, site: str) -> str | None:
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        try:
            row = db.execute("SELECT status FROM incidents WHERE site = ?", (site,)).fetchone()
        finally:
            db.close()
        return str(row[0]) if row else None

    def acknowledged(self, sites: set[str]) -> int:
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        try:
            marks = ", ".join("?" for _ in sites)
            row = db.execute(
                f"SELECT COUNT(*) FROM incidents WHERE status = 'acknowledged' AND site IN ({marks})", sorted(sites)
            ).fetchone()
        finally:
            db.close()
        return int(row[0])


def paged_codes(proxy: ContractProxy, sites: dict[str, str]) -> dict[str, int]:
    """Site -> the reply code its SMS states to the phone on call (``... chi-021 ... Reply 7a ack``)."""
    codes = {}
    for recorded in proxy.to("api.twilio.com"):
        body = recorded.form().get("Body", [""])[0] if recorded.path.endswith("/Messages.json") else ""
        where, code = re.search(r"SiteDown (\S+)", body), re.search(r"Reply (\d+)a ack", body)
        if where and code and where.group(1) in sites:
            codes[where.group(1)] = int(code.group(1))
    return codes


def page(
    client: httpx.Client, notifier: Notifier, proxy: ContractProxy, sites: dict[str, str], first: int
) -> dict[str, int]:
    """Open one incident per site (SiteDown webhooks), wait for every SMS; site -> its reply code."""
    for n, (site, region) in enumerate(sites.items()):
        client.post(f"{notifier.url}/alerts", json=webhook(site, region, first + n)).raise_for_status()
    deadline = time.monotonic() + 300
    while len(codes := paged_codes(proxy, sites)) < len(sites):
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(codes)} of {len(sites)} pages went out")
        time.sleep(0.05)
    return codes


def reply(client: httpx.Client, public_url: str, token: str, phone: str, code: int, sid: str) -> float:
    """Post one signed reply ``<code>a``; returns the seconds until the notifier answered."""
    url = f"{public_url}/inbound/twilio/sms"
    fields = {"MessageSid": sid, "AccountSid": SECRETS["twilio/sid"], "From": phone, "To": TWILIO_NUMBER,
              "Body": f"{code}a", "NumMedia": "0"}  # fmt: skip
    headers, body = twilio_request(token, url, fields)
    t0 = time.perf_counter()
    answer = client.post(url, content=body, headers=headers)
    took = time.perf_counter() - t0
    if answer.status_code != 200 or "Acknowledged" not in answer.text:
        raise RuntimeError(f"reply {code}a from {phone}: HTTP {answer.status_code} {answer.text[:200]}")
    return took


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def ms(value: float) -> float:
    return round(value * 1000, 1)


def measure(args: argparse.Namespace, proxy: ContractProxy, notifier: Notifier, public_url: str) -> dict[str, Any]:
    token = SECRETS["twilio/token"]
    store = Store(notifier.state / "monitor" / "incidents.sqlite")
    with httpx.Client(timeout=60) as client:
        singles = {f"one-{n:03d}": "west" for n in range(args.runs)}
        codes = page(client, notifier, proxy, singles, 0)
        answered, seen = [], []
        for n, site in enumerate(singles):
            t0 = time.perf_counter()
            answered.append(reply(client, public_url, token, ALICE, codes[site], f"SM{n:032d}"))
            while store.status(site) != "acknowledged":
                time.sleep(POLL)
            seen.append(time.perf_counter() - t0)

        half = args.burst // 2
        burst = {f"west-{n:03d}": "west" for n in range(half)} | {f"east-{n:03d}": "east" for n in range(half)}
        codes = page(client, notifier, proxy, burst, 10_000)
    cpu0 = cpu_seconds(notifier.pid)
    with ThreadPoolExecutor(len(burst)) as pool, httpx.Client(timeout=120, limits=httpx.Limits(
            max_connections=len(burst))) as client:  # fmt: skip
        t0 = time.perf_counter()
        futures = [
            pool.submit(reply, client, public_url, token, ON_CALL[region][1], codes[site], f"SMB{n:031d}")
            for n, (site, region) in enumerate(burst.items())
        ]
        while store.acknowledged(set(burst)) < len(burst):
            if time.perf_counter() - t0 > 300:
                raise RuntimeError("the burst was not acknowledged within 300 s")
            time.sleep(BURST_POLL)
        all_acked = time.perf_counter() - t0
        each = [f.result() for f in futures]
    cpu = cpu_seconds(notifier.pid) - cpu0
    return {
        "what": "signed Twilio SMS reply on the notifier's public listener -> incident acknowledged "
        "(escalation cancelled), real notifier process",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "target_ms": ms(TARGET_S),
        "single": {
            "replies": args.runs,
            "answered_median_ms": ms(statistics.median(answered)),
            "answered_p90_ms": ms(p90(answered)),
            "acknowledged_in_store_median_ms": ms(statistics.median(seen)),
            "acknowledged_in_store_p90_ms": ms(p90(seen)),
            "acknowledged_in_store_max_ms": ms(max(seen)),
        },
        "burst": {
            "replies_at_once": len(burst),
            "phones": len(ON_CALL),
            "each_answered_median_ms": ms(statistics.median(each)),
            "each_answered_p90_ms": ms(p90(each)),
            "each_answered_max_ms": ms(max(each)),
            "all_acknowledged_ms": ms(all_acked),
            "notifier_cpu_s": round(cpu, 2),
        },
        "notifier_rss_mb": round(rss_mb(notifier.pid), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="single replies (median and p90 reported)")
    parser.add_argument("--burst", type=int, default=100, help="replies at once (even; at most 196)")
    args = parser.parse_args()
    if args.burst % 2 or not 2 <= args.burst <= 196:
        parser.error("--burst must be even, 2..196 (two phones, reply codes 1..99 each)")

    work = Path(tempfile.mkdtemp(prefix="bench-engagement-"))
    proxy = ContractProxy(trustme.CA(), work).start()
    smtp = SmtpServer().start()
    notifier: Notifier | None = None
    try:
        public_port = free_port()
        public_url = f"http://127.0.0.1:{public_port}"
        intents = work / "intents"
        shutil.copytree(REPO / "intents", intents)
        (intents / "notifications.yaml").write_text(yaml.safe_dump(bench_intent(smtp.port, public_url)))
        secrets = dict(SECRETS) | ANSWER_SECRETS | {"vonage/private-key": private_key_pem()}
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and not k.startswith("RUNBOOK_")}
        env |= proxy.env | {"RUNBOOK_SECRETS_FILE": str(work / "none.yaml"), "PYTHONPATH": str(REPO / "src")}
        env |= {"RUNBOOK_SECRET_" + n.upper().replace("/", "_").replace("-", "_"): v for n, v in secrets.items()}
        public = ("--public-listen", f"127.0.0.1:{public_port}")
        notifier = Notifier(work, intents, f"http://127.0.0.1:{free_port()}", env, free_port(), public).start()
        result = measure(args, proxy, notifier, public_url)
    finally:
        if notifier is not None:
            notifier.stop()
        smtp.stop()
        proxy.stop()
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

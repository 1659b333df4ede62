#!/usr/bin/env python3
"""Benchmark: the pane's estate page and ``/api``, logged in, at 80 and 10,000 generated sites.

For each size: a generated estate (``examples/generate_estate.py``), an admin account that logs
in through the real login form (so every request carries a session cookie and passes the
access gate), open incidents at 1 % of the sites, drift results at 1 %, and a real Prometheus
(Debian's) holding one fresh sample of every circuit series the pane reads (backfilled with
promtool; a 1 h scrape interval keeps those samples fresh for the whole run). The server is the
real ``runbook.py status serve``. Each route is requested ``--requests`` times after two warm-up
requests; the result is the median and p90 of the wall time per request, as a client sees it.

Targets: <= 200 ms at 80 sites, <= 1 s at 10,000 (``bench/results/pane.json``; the README quotes it).

    python bench/pane.py                 # 80 and 10,000 sites
    python bench/pane.py --sizes 80      # a subset
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "examples"))
sys.path.insert(0, str(REPO / "tests" / "pane"))  # promkit: the Prometheus the pane tests run
sys.path.insert(0, str(REPO / "bench"))

TARGETS_S = {80: 0.2, 10000: 1.0}
PASSWORD = "bench-admin-pass-0001"
COOKIE = "__Host-runbook_session"


def _populate(intents: Path, state: Path, sites: list[str]) -> None:
    from runbook_wan.drift.model import DriftResult, DriftStatus
    from runbook_wan.drift.store import DriftStore
    from runbook_wan.ops.incidents import IncidentStore
    from runbook_wan.ops.stack import incidents_path
    from runbook_wan.status.accounts import AccountStore
    from runbook_wan.status.authz import Role

    AccountStore(state).add("bench", Role.ADMIN, None, PASSWORD)
    regions = {p.stem: re.search(r"^region: (\S+)", p.read_text(), re.M) for p in (intents / "sites").glob("*.yaml")}
    store = IncidentStore(incidents_path(state))
    drift = DriftStore(state)
    for n, site in enumerate(sites):
        if n % 100 == 7:
            found = regions.get(site)
            labels = {"site": site, "region": found.group(1) if found else "", "severity": "critical"}
            store.open_incident(f"bench/{site}", "CircuitDown", labels, f"{site} primary DIA is down")
        if n % 100 == 42:
            diff = ["@@ -1 +1 @@", "-a", "+b"]
            drift.save(DriftResult(site, DriftStatus.DRIFT, "2026-01-01T00:00:00Z", "bench", diff))


#: Backfilled sample times, relative to the start of the measurement: Prometheus' instant queries see a
#: sample for 5 minutes, so one every 4 minutes keeps every series live for the whole run.
SAMPLE_OFFSETS = tuple(range(-30, 20 * 60, 240))


def _samples(intents: Path, now: float) -> str:
    from promkit import openmetrics

    from runbook_wan.model.roles import CIRCUIT_ROLES
    from runbook_wan.ops import metrics

    names = {
        metrics.CIRCUIT_UP: 1.0,
        metrics.CIRCUIT_LOSS: 0.0,
        metrics.CIRCUIT_LATENCY: 0.012,
        metrics.CIRCUIT_JITTER: 0.001,
        metrics.CIRCUIT_SLA_LOSS: 0.005,
        metrics.CIRCUIT_SLA_LATENCY: 0.2,
        metrics.CIRCUIT_SLA_JITTER: 0.04,
    }
    families: dict[str, list[tuple[dict[str, str], float, float]]] = {name: [] for name in names}
    for n, path in enumerate(sorted((intents / "sites").glob("*.yaml"))):
        found = re.search(r"^region: (\S+)", path.read_text(), re.M)
        region = found.group(1) if found else ""
        for circuit in CIRCUIT_ROLES:
            labels = {metrics.SITE: path.stem, metrics.REGION: region, metrics.CIRCUIT: circuit}
            for name, value in names.items():
                down = name == metrics.CIRCUIT_UP and circuit == "primary_dia" and n % 50 == 3
                for offset in SAMPLE_OFFSETS:
                    families[name].append((labels, 0.0 if down else value, now + offset))
    return openmetrics(families)


def _login(url: str) -> str:
    with httpx.Client(base_url=url) as client:
        form = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        pending = form.cookies.get(COOKIE) or ""
        assert csrf and pending, "no login form"
        answer = client.post(
            "/login",
            data={"csrf": csrf.group(1), "name": "bench", "password": PASSWORD, "next": "/"},
            headers={"Cookie": f"{COOKIE}={pending}"},
        )
        assert answer.status_code == 303, answer.text[:300]
        return str(answer.cookies[COOKIE])


def _after_change(client: httpx.Client, state: Path) -> dict[str, Any]:
    """GET / right after an incident is acknowledged (the view is rebuilt; Prometheus is not asked again)."""
    from runbook_wan.ops.incidents import IncidentStore
    from runbook_wan.ops.stack import incidents_path

    store = IncidentStore(incidents_path(state))
    times = []
    for incident in store.incidents(open_only=True)[:3]:
        store.acknowledge(incident.id, "bench (cli)")
        start = time.perf_counter()
        client.get("/").raise_for_status()
        times.append(time.perf_counter() - start)
    return {"requests": len(times), "median_s": round(statistics.median(times), 4), "max_s": round(max(times), 4)}


def _live_read(state: Path, url: str) -> float:
    """How long one reading of the live state takes (done in the background by the pane)."""
    from runbook_wan.status.collect import Sources, read_live

    start = time.perf_counter()
    read_live(Sources(state, url))
    return round(time.perf_counter() - start, 3)


def _time(client: httpx.Client, path: str, count: int) -> dict[str, Any]:
    for _ in range(2):
        client.get(path).raise_for_status()
    times = []
    size = 0
    for _ in range(count):
        start = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - start)
        answer.raise_for_status()
        size = len(answer.content)
    times.sort()
    return {
        "requests": count,
        "median_s": round(statistics.median(times), 4),
        "p90_s": round(times[min(len(times) - 1, int(0.9 * len(times)))], 4),
        "max_s": round(times[-1], 4),
        "bytes": size,
    }


def measure(size: int, requests: int) -> dict[str, Any]:
    from generate_estate import generate
    from meters import loadavg
    from promkit import backfill, prometheus

    from runbook_wan.credentials.redact import Redactor  # noqa: F401 - the package imports
    from runbook_wan.status.sessions import SessionStore

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        intents = work / "intents"
        sites = generate(intents, size)
        state = work / "state"
        _populate(intents, state, sites)
        prom_port = _free_port()
        prom_url = f"http://127.0.0.1:{prom_port}"
        port = _free_port()
        log = (work / "serve.log").open("w")
        server = subprocess.Popen(
            [
                sys.executable,
                str(REPO / "runbook.py"),
                "--state",
                str(state),
                "status",
                "serve",
                "--intents",
                str(intents),
                "--port",
                str(port),
                "--prometheus",
                prom_url,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            started = time.perf_counter()
            _wait(url, server, work / "serve.log")
            ready_s = time.perf_counter() - started
            cookie = _login(url)
            # Prometheus starts once the pane is up (10,000 sites load for minutes), with samples fresh from now on
            (work / "prom").mkdir()
            backfill(_samples(intents, time.time()), work / "prom" / "data")
            with (
                prometheus(work / "prom", interval="1h", port=prom_port),
                httpx.Client(
                    base_url=url,
                    headers={"Cookie": f"{COOKIE}={cookie}"},
                    timeout=300,
                    limits=httpx.Limits(max_keepalive_connections=0),  # a new connection each: no keep-alive race
                ) as client,
            ):
                first = time.perf_counter()
                while client.get("/api").json()["summary"]["unknown"] and time.perf_counter() - first < 1200:
                    time.sleep(1)  # the pane renews its live reading in the background
                live_after_s = time.perf_counter() - first
                estate = _time(client, "/", requests)
                api = _time(client, "/api", requests)
                shown = client.get("/api").json()["summary"]
                changed = _after_change(client, state)
                live_s = _live_read(state, prom_url)
            assert len(SessionStore(state).active()) == 1
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
    target = TARGETS_S.get(size)
    return {
        "sites": size,
        "server_ready_s": round(ready_s, 2),
        "live_state_known_after_s": round(live_after_s, 1),
        "estate_page": estate,
        "api": api,
        "estate_page_after_a_change": changed,
        "prometheus_read_s": live_s,
        "summary_seen": shown,
        "target_s": target,
        "target_met": None if target is None else max(estate["median_s"], api["median_s"]) <= target,
        "load_average": loadavg(),
    }


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 1800  # 10,000 sites load in minutes on a busy machine
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 401:  # up, and asking for a login
                return
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"status serve did not start: {log.read_text()[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[80, 10000])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "pane.json")
    parser.add_argument("--keep", action="store_true", help="keep the other sizes' runs already in --out")
    args = parser.parse_args()
    runs = []
    if args.keep and args.out.is_file():
        runs = [r for r in json.loads(args.out.read_text())["runs"] if r["sites"] not in args.sizes]
    for size in args.sizes:
        runs.append(measure(size, args.requests if size <= 1000 else max(5, args.requests // 2)))
        print(json.dumps(runs[-1]))
    report = {
        "benchmark": "pane",
        "what": "GET / (estate page, problems first, 200 rows) and GET /api (all sites) of `runbook.py status serve`, "
        "logged in (session cookie), live state from a real Prometheus, 1 % of sites with an open incident, "
        "1 % drifting, 2 % with a circuit down. The pane keeps its view between requests: Prometheus is read "
        "in the background (prometheus_read_s), the view is rebuilt when a local source changes "
        "(estate_page_after_a_change: an acknowledgement shows on the very next page)",
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform()},
        "targets_s": {str(k): v for k, v in TARGETS_S.items()},
        "runs": sorted(runs, key=lambda r: int(r["sites"])),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

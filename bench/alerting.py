#!/usr/bin/env python3
"""Benchmark: how fast a failure reaches people, and what the monitoring stack costs (needs root).

Builds the lab of the whole example estate (80 sites, rendered configs), starts the stack with
``runbook.py monitor up`` at the committed timing (``runbook_wan.monitoring.timing.PRODUCTION``: 5 s
probe cycle, scrape and evaluation, SiteDown for 10 s, CircuitDown for 20 s, no group_wait for
SiteDown), with the notifier sending to local receivers: a chat webhook, an SMTP server (aiosmtpd)
and Twilio through the contract proxy of ``tests/contracts``. Then:

* idle (``--idle S``, first, before any fault): the healthy estate watched for S seconds at the
  committed timing; what reached people (target: 0 pages);
* circuit down: ``lab fail SITE primary_dia --mode blackhole`` -> first chat message
  (target: 45 s); one run per site, ``--runs`` sites, median and max;
* site down: all three circuits of a site blackholed -> first SMS request (the page; target:
  30 s); likewise;
* each failure's time split into its stages, from Prometheus' own samples: the cut to the probe
  cycle that saw it, that cycle to the scrape, the scrape to the rule evaluation (pending), the
  ``for`` (pending to firing), and Alertmanager plus the notifier (firing to the request seen);
* cost: CPU (utime+stime of every stack process over one device-poll interval, so one poll of every
  device counts in its steady-state share) and
  memory (RSS and PSS from ``smaps_rollup``) of Prometheus, Alertmanager, the probe and the
  notifier for 80 sites (target: under 5 % of one core, under 300 MB), next to the lab's own.

Alert volume (``--volume S``, issue 19: pages only for impact): the healthy 80-site lab, with the
normal loss of its wireless circuits, watched for S seconds at the demo's 5 s scrape; every
notification the notifier sent is counted, per channel kind: messages to the NOC (chat, e-mail,
SMS, voice) must be 0, tickets are allowed. Then a canary is halted on purpose (a change that
breaks its primary circuit): exactly one RolloutHalted and no CircuitDown page.

Results go to ``bench/results/alerting.json`` (a run updates only the figures it measured); the
README quotes them. Lab prefix ``rbba`` (``--prefix``), a free /22 management network.

    python bench/alerting.py --idle 1800      # 30 min idle, 5 runs of each failure, 300 s cost window
    python bench/alerting.py --runs 1 --window 60
    python bench/alerting.py --volume 1800 --only-volume   # 30 min of a healthy estate + a halted canary
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
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
from runbook_wan.monitoring.timing import PRODUCTION  # noqa: E402
from runbook_wan.ops import metrics as m  # noqa: E402
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


def lab_pids(prefix: str = PREFIX) -> list[int]:
    pids: set[int] = set()
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    for name in listing.split():
        if name.startswith(f"{prefix}-"):
            out = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True, check=False).stdout
            pids |= {int(p) for p in out.split()}
    return sorted(pids)


def measure_cost(record: StackRecord, window: float, prefix: str = PREFIX) -> dict[str, Any]:
    pids = {name: s.pid for name, s in record.services.items()}
    lab_side = lab_pids(prefix)
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


def _samples(prometheus: str, expr: str) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
    """Raw samples of a range selector (``metric{...}[5m]``), as Prometheus stored them."""
    url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as reply:  # the stack's loopback Prometheus
        data = json.load(reply)
    return [(r["metric"], [(float(t), float(v)) for t, v in r["values"]]) for r in data["data"]["result"]]


def _first(samples: list[tuple[float, float]], after: float, value: float | None = None) -> float | None:
    return next((t for t, v in samples if t >= after and (value is None or v == value)), None)


def stages(
    prometheus: str, site: str, alert: str, cut: float, notified: float, circuit: str | None = None
) -> dict[str, float | None]:
    """Where the time from the cut to the notification went, from the samples Prometheus kept."""
    selector = f'{m.SITE}="{site}"' + (f',{m.CIRCUIT}="{circuit}"' if circuit else "")
    circuits = _samples(prometheus, f"{m.CIRCUIT_UP}{{{selector}}}[10m]")
    down = [_first(values, cut, 0.0) for _, values in circuits]
    scraped = None if not down or None in down else max(t for t in down if t is not None)
    cycles = _samples(prometheus, f"{m.PROBE_LAST_CYCLE}[10m]")
    cycle = next((v for t, v in cycles[0][1] if t == scraped), None) if cycles and scraped else None
    alerts = f'ALERTS{{alertname="{alert}",{selector},alertstate="%s"}}[10m]'
    pending = _samples(prometheus, alerts % "pending")
    firing = _samples(prometheus, alerts % "firing")
    pending_at = _first(pending[0][1], cut) if pending else None
    firing_at = _first(firing[0][1], cut) if firing else None

    def gap(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else round(b - a, 2)

    return {
        "cut_to_probe_cycle_s": gap(cut, cycle),
        "cycle_to_scrape_s": gap(cycle, scraped),
        "scrape_to_evaluation_s": gap(scraped, pending_at),
        "for_s": gap(pending_at, firing_at),
        "alertmanager_and_notifier_s": gap(firing_at, notified),
    }


def circuit_down(lab: Lab, chat: ChatReceiver, site: str, timeout: float, prometheus: str) -> dict[str, Any]:
    lab.fail(site, "primary_dia", mode="blackhole")
    cut = time.time()
    try:
        seconds = first(lambda: any("CircuitDown" in t and site in t for t in chat.texts()), timeout)
    finally:
        lab.restore(site, "primary_dia")
    split = stages(prometheus, site, "CircuitDown", cut, cut + seconds, "primary_dia") if seconds else {}
    return {"site": site, "seconds": seconds, "stages": split}


def site_down(lab: Lab, proxy: ContractProxy, site: str, timeout: float, prometheus: str) -> dict[str, Any]:
    for circuit in CIRCUITS:
        lab.fail(site, circuit, mode="blackhole")
    cut = time.time()
    try:
        seconds = first(
            lambda: any(
                r.path.endswith("/Messages.json") and site in r.body.decode(errors="replace") for r in proxy.records
            ),
            timeout,
        )
    finally:
        for circuit in CIRCUITS:
            lab.restore(site, circuit)
    split = stages(prometheus, site, "SiteDown", cut, cut + seconds) if seconds else {}
    return {"site": site, "seconds": seconds, "stages": split}


#: Channel kinds of tests/notify/notifykit.py's notifications intent that reach people.
PEOPLE = {
    "sms": "sms",
    "voice": "voice",
    "sms-backup": "sms",
    "voice-backup": "voice",
    "chat": "chat",
    "email": "email",
}


def incidents(state: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    done = runbook(state, env, "incidents", "list", "--all", "--format", "json")
    if done.returncode != 0:
        return []
    found: list[dict[str, Any]] = json.loads(done.stdout)
    return found


def tally(found: list[dict[str, Any]]) -> dict[str, Any]:
    """Incidents by alert (and impact), and what was sent: messages to people vs tickets."""
    by_alert: dict[str, int] = {}
    people: dict[str, int] = {}
    paged_for: dict[str, int] = {}
    breaches: dict[str, int] = {}
    tickets = 0
    for incident in found:
        labels = incident.get("labels", {})
        impact = labels.get("impact") or ""
        key = incident["alertname"] + (f" ({impact})" if impact else "")
        by_alert[key] = by_alert.get(key, 0) + 1
        if incident["alertname"] == "CircuitSLABreach":  # which figure, on which circuit role
            what = f"{impact} {labels.get('sla', '?')} {labels.get('circuit') or labels.get('provider', '?')}"
            breaches[what] = breaches.get(what, 0) + 1
        for delivery in incident.get("deliveries", []):
            if delivery["kind"] == "resolved":
                continue
            kind = PEOPLE.get(delivery["channel"])
            if kind is None:
                tickets += 1
            else:
                people[kind] = people.get(kind, 0) + 1
                paged_for[key] = paged_for.get(key, 0) + 1
    return {
        "incidents": by_alert,
        "pages_to_noc": sum(people.values()),
        "pages_by_channel": people,
        "pages_by_alert": paged_for,
        "sla_breaches": breaches,
        "tickets": tickets,
    }


def volume(state: Path, env: dict[str, str], seconds: float) -> dict[str, Any]:
    """A healthy estate watched for ``seconds``: what reached people."""
    samples = [os.getloadavg()[0]]
    end = time.monotonic() + seconds
    while time.monotonic() < end:  # the machine's 1-minute load, every 30 s (it is shared)
        time.sleep(max(0.0, min(30.0, end - time.monotonic())))
        samples.append(os.getloadavg()[0])
    found = incidents(state, env)
    return {
        "seconds": seconds,
        "what": "healthy 80-site lab, normal wireless loss of the lab relay, no fault injected",
        **tally(found),
        "load_average_1m": {
            "min": round(min(samples), 2),
            "mean": round(sum(samples) / len(samples), 2),
            "max": round(max(samples), 2),
        },
    }


def halted_canary(state: Path, env: dict[str, str], intents: Path, inventory: Path, wait: float) -> dict[str, Any]:
    """A change that breaks the canary's primary circuit (its provider's ASN): rolled back, halted."""
    known = {i["id"] for i in incidents(state, env)}
    provider = intents / "providers" / "fibrelink.yaml"
    original = provider.read_text()
    provider.write_text(original.replace("asn: 64501", "asn: 64599"))
    started = time.monotonic()
    try:
        done = runbook(
            state,
            env,
            "deploy",
            *("--intents", str(intents), "--inventory", str(inventory), "--yes"),
            *("--limit", "sea-001,pdx-002", "--canary", "sea-001", "--wave-size", "1"),
            *("--gate-timeout", "20", "--revert-in", "45"),
        )
    finally:
        provider.write_text(original)
    deploy_s = time.monotonic() - started
    time.sleep(wait)  # longer than CircuitDown's for + keep_firing_for and a notification round
    new = [i for i in incidents(state, env) if i["id"] not in known]
    return {
        "deploy_exit_code": done.returncode,
        "deploy_s": round(deploy_s, 1),
        "watched_after_s": wait,
        "rollout_halted_incidents": sum(1 for i in new if i["alertname"] == "RolloutHalted"),
        "circuit_down_incidents": sum(1 for i in new if i["alertname"] == "CircuitDown"),
        **tally(new),
    }


def runbook(state: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "--no-color", "--state", str(state), *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def worst(runs: list[dict[str, Any]]) -> float | None:
    times = [r["seconds"] for r in runs]
    return None if None in times else round(max(times), 1)


def rounded(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "seconds": None if r["seconds"] is None else round(r["seconds"], 1)} for r in runs]


def summary(runs: list[dict[str, Any]], target: float) -> dict[str, Any]:
    """Median and max of the runs, and the median of each stage."""
    times = [r["seconds"] for r in runs if r["seconds"] is not None]
    names = {name for r in runs for name in r.get("stages", {})}
    medians = {}
    for name in sorted(names):
        values = [r["stages"][name] for r in runs if r.get("stages", {}).get(name) is not None]
        medians[name] = round(statistics.median(values), 2) if values else None
    return {
        "runs": len(runs),
        "missed": len(runs) - len(times),
        "median_s": round(statistics.median(times), 1) if times else None,
        "max_s": round(max(times), 1) if times else None,
        "target_s": target,
        "met": bool(times) and len(times) == len(runs) and max(times) <= target,
        "median_stages_s": medians,
    }


def timing_text() -> str:
    t = PRODUCTION
    return (
        f"committed profile: {t.probe_interval:g} s probe cycle ({t.probe_count} echoes), {t.scrape_interval:g} s "
        f"scrape/evaluation, SiteDown for {t.site_down_for:g} s (group_wait {t.site_down_group_wait:g} s), "
        f"CircuitDown for {t.circuit_down_for:g} s (group_wait {t.group_wait:g} s), "
        f"{t.device_interval:g} s device polls"
    )


def merge_results(measured: dict[str, Any], sites: int, lab_boot: float, limit: str | None = None) -> dict[str, Any]:
    """The results file with the figures this run measured replaced (the others kept). A ``--limit`` run
    keeps the estate's figures and writes its own under ``subset_<N>_sites``."""
    out = REPO / "bench" / "results" / "alerting.json"
    result: dict[str, Any] = json.loads(out.read_text()) if out.is_file() else {"benchmark": "alerting"}
    result["machine"] = {"kernel": platform.release(), "cpus": os.cpu_count(), "python": platform.python_version()}
    figures: dict[str, Any] = {}
    if "cost" in measured:
        figures |= {
            "timing": timing_text(),
            "lab_boot_s": round(lab_boot, 1),
            "load_average": measured["load"],
            "circuit_down_to_chat": summary(measured["circuit_runs"], 45.0),
            "site_down_to_sms": summary(measured["site_runs"], 30.0),
            "circuit_down_to_chat_s": rounded(measured["circuit_runs"]),
            "site_down_to_sms_s": rounded(measured["site_runs"]),
            "worst_circuit_down_s": worst(measured["circuit_runs"]),
            "worst_site_down_s": worst(measured["site_runs"]),
            "targets": {
                "site_down_page_s": 30,
                "circuit_down_message_s": 45,
                "cpu_pct_of_one_core": 5,
                "memory_mib": 300,
            },
            f"cost_{sites}_sites": measured["cost"],
        }
    if "idle" in measured:
        figures["idle_at_committed_timing"] = {
            **measured["idle"],
            "timing": timing_text(),
            "target": {"pages_to_noc": 0},
        }
    if "volume" in measured:
        figures["alert_volume"] = {**measured["volume"], "target": {"pages_to_noc": 0}}
        figures["halted_canary"] = {
            **measured["canary"],
            "target": {"rollout_halted_incidents": 1, "circuit_down_incidents": 0},
        }
    if limit:
        result[f"subset_{sites}_sites"] = {"limit": limit, "sites": sites, **figures}
    else:
        result["sites"] = sites
        result |= figures
    return result


def measure(
    args: argparse.Namespace,
    lab: Lab,
    state: Path,
    env: dict[str, str],
    receivers: tuple[ChatReceiver, ContractProxy],
    intents: Path,
    inventory: Path,
) -> dict[str, Any]:
    """The runs the options ask for, against the running lab and stack."""
    chat, proxy = receivers
    measured: dict[str, Any] = {}
    record = StackRecord.read(state)
    assert record is not None
    sites = lab.sites
    prometheus = record.url("prometheus") or ""
    if args.idle and not args.only_volume:
        measured["idle"] = volume(state, env, args.idle)  # before any fault: every incident is a false one
    if not args.only_volume:
        before = os.getloadavg()
        # From right after `up`, over one device-poll interval: every cost in its steady-state
        # share (one NAPALM poll of every device, 60 measurement cycles, scrapes and evaluations).
        measured["cost"] = measure_cost(record, args.window, args.prefix)
        measured["circuit_runs"] = [circuit_down(lab, chat, s, 240, prometheus) for s in sites[: args.runs]]
        measured["site_runs"] = [site_down(lab, proxy, s, 240, prometheus) for s in sites[args.runs : 2 * args.runs]]
        measured["load"] = {"before": [round(x, 2) for x in before], "after": [round(x, 2) for x in os.getloadavg()]}
    if args.volume:
        measured["volume"] = volume(state, env, args.volume)
        measured["volume"]["scrape_interval_s"] = args.volume_scrape if args.only_volume else PRODUCTION.scrape_interval
        measured["canary"] = halted_canary(state, env, intents, inventory, 90)
    return measured


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="failures of each kind (each on its own site)")
    parser.add_argument("--prefix", default=PREFIX, help="lab name prefix (another run's lab keeps its own)")
    parser.add_argument(
        "--idle", type=float, default=0.0, help="seconds of a healthy estate, first, at the committed timing"
    )
    parser.add_argument(
        "--window",
        type=float,
        default=300.0,
        help="seconds of the cost measurement (default: one device-poll interval)",
    )
    parser.add_argument("--volume", type=float, default=0.0, help="seconds of a healthy estate to count pages")
    parser.add_argument("--only-volume", action="store_true", help="skip the latency and cost runs")
    parser.add_argument("--volume-scrape", type=float, default=5.0, help="scrape interval of the volume run (demo: 5)")
    parser.add_argument("--limit", help="a subset of the sites (its figures go to subset_<N>_sites)")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
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
            down(state, args.prefix)
            boot = time.monotonic()
            lab = Lab.up(
                intents,
                state,
                prefix=args.prefix,
                limit=args.limit,
                configs=REPO / "configs",
                inventory_dir=root / "inventory",
            )
            lab_boot = time.monotonic() - boot
            measured: dict[str, Any] = {}
            sites = lab.sites
            try:
                scrape = ["--scrape-interval", f"{args.volume_scrape:g}"] if args.only_volume else []
                up = runbook(
                    state,
                    env,
                    *("monitor", "up", "--intents", str(intents), "--inventory", str(root / "inventory")),
                    *scrape,
                )
                if up.returncode != 0:
                    print(up.stdout + up.stderr, file=sys.stderr)
                    return 1
                measured = measure(args, lab, state, env, (chat, proxy), intents, root / "inventory")
            finally:
                runbook(state, env, "monitor", "down")
                lab.down()
        finally:
            chat.stop()
            smtp.stop()

    result = merge_results(measured, len(sites), lab_boot, args.limit)
    out = REPO / "bench" / "results" / "alerting.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

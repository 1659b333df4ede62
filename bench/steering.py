#!/usr/bin/env python3
"""Benchmark: SLA steering by the edge agent on the FRR lab (needs root).

Four parts, each on a lab booted with the sites' rendered configs and artifacts (every site runs
``runbook-agent`` with its rendered policy, production settings: 100 ms probes over 10 s windows,
breach over 2 windows, hold 60 s):

1. **Brownouts** (``--sites`` sites, ``--cycles`` rounds, every site at once): 5 % loss on the
   primary (``lab impair --loss 5``); *time to steer* is the agent's own record of the move
   (``/state`` ``since`` of voice) minus the moment the loss began; ``lab path`` checks that voice's
   packets then arrive at the secondary's provider. The loss is cleared once the move is seen;
   *time to return* is voice's move back minus that moment (it includes the 60 s hold; a site's
   second brownout within 15 minutes is damped: hold 120 s, reported apart).
2. **Cost per site** on the same lab, steady and clean: each agent's CPU (its process and its
   fping children, utime + stime over ``--cpu-s`` seconds) as a share of one core; probe traffic
   per circuit from nft counters in the provider namespaces (echo requests from the site's
   address and the replies, IP bytes, both ways).
3. **Relayed DIAs** (``--relay-sites N``, default 10): CPU of the relay when every circuit of N sites
   runs through it (``lab up --relay``), per relayed circuit.
4. **The 80-site lab** (``--scale N``, default 80): boot every example site with its artifacts,
   wait until every agent measures, then record CPU of the whole lab and of the agents alone, load
   average, memory (PSS) of the agents, and boot time.

Results go to ``bench/results/steering.json``; the README quotes them. Labs use prefix ``rbbs``
and free management networks.

    python bench/steering.py                     # 10 sites x 2 brownouts, relayed DIAs, 80 sites
    python bench/steering.py --sites 0 --relay-sites 0    # only the 80-site lab; other results kept
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
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

PREFIX = "rbbs"
PRIMARY, SECONDARY = "primary_dia", "secondary_dia"
STEER_TIMEOUT_S = 60.0
RETURN_TIMEOUT_S = 150.0


def _p(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def _summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "median_s": round(statistics.median(values), 2) if values else None,
        "p90_s": _p(values, 0.9),
        "max_s": round(max(values), 2) if values else None,
        "min_s": round(min(values), 2) if values else None,
    }


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Steering times over every brownout; return times apart for a site's first brownout (hold
    60 s) and later ones within the agent's 15 min damping memory (the hold doubles)."""
    steer = [r["steer_s"] for r in runs if r["steer_s"] is not None]
    first = [r["return_s"] for r in runs if r["return_s"] is not None and r["cycle"] == 0]
    again = [r["return_s"] for r in runs if r["return_s"] is not None and r["cycle"] > 0]
    return {
        "loss_pct": 5,
        "runs": runs,
        "steer": _summary(steer) | {"target_p90_s": 15.0, "missed": len(runs) - len(steer)},
        "return_first_brownout": _summary(first) | {"hold_s": 60, "target_max_s": 75.0},
        "return_repeated_brownout": _summary(again) | {"hold_s": 120, "why": "second breach within 15 min: damped"},
        "returns_missed": sum(1 for r in runs if r["return_s"] is None),
        "voice_packets_on_secondary": sum(1 for r in runs if r["voice_packets_on"] == SECONDARY),
    }


def _relay_cost(n: int, work: Path, seconds: float) -> dict[str, Any]:
    """CPU of the lab's relay when every circuit of ``n`` sites runs through it (``lab up --relay``)."""
    from lab import cpu_ticks, derive_intents

    from runbook_wan.lab import impairment
    from runbook_wan.lab.builder import free_management_network

    intents = derive_intents(work / f"intents-relay-{n}", n, free_management_network(prefixlen=22))
    lab, _ = _boot(intents, work, f"relay{n}", relay="*")
    try:
        _wait_measuring(lab, 120)
        relay = impairment.relay_pid(lab.record.layout)
        assert relay is not None
        hz = os.sysconf("SC_CLK_TCK")
        before, start = cpu_ticks([relay]), time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - start
        pct = 100 * (cpu_ticks([relay]) - before) / hz / elapsed
        relayed = len(lab.topology.relayed())
        return {
            "sites": n,
            "relayed_circuits": relayed,
            "seconds": round(elapsed, 1),
            "relay_cpu_pct_of_one_core": round(pct, 2),
            "per_relayed_circuit_pct": round(pct / relayed, 3),
            "traffic": "BGP keepalives, BFD (500 ms both ends), the agent's probes; no user traffic",
            "load_average_1m": round(os.getloadavg()[0], 2),
        }
    finally:
        lab.down()


def _boot(intents: Path, work: Path, label: str, relay: str | None = None) -> Any:
    from runbook_wan.credentials.redact import Redactor
    from runbook_wan.lab.api import Lab
    from runbook_wan.lab.builder import UpOptions, free_management_network, up
    from runbook_wan.lab.teardown import down
    from runbook_wan.render.pipeline import render_estate
    from runbook_wan.render.writer import write_configs

    configs = work / f"configs-{label}"
    write_configs(render_estate(intents).configs, configs, prune=False)
    state = work / f"state-{label}"
    down(state, PREFIX)
    start = time.monotonic()
    result = up(
        UpOptions(
            intents=intents,
            state_dir=state,
            prefix=PREFIX,
            configs=configs,
            inventory_dir=None,
            management_network=free_management_network(prefixlen=22),
            relay=relay,
        ),
        Redactor(),
    )
    lab = Lab(result.record, result)
    return lab, time.monotonic() - start


def _wait_measuring(lab: Any, timeout: float) -> float:
    start = time.monotonic()
    pending = set(lab.sites)
    while pending and time.monotonic() - start < timeout:
        for site in sorted(pending):
            state = lab.agent_state(site)
            if state and all(c.get("loss_ratio") is not None for c in state["circuits"].values()):
                pending.discard(site)
        time.sleep(1)
    if pending:
        raise SystemExit(f"agents not measuring: {sorted(pending)}")
    return time.monotonic() - start


def _voice(lab: Any, site: str) -> tuple[str | None, float]:
    state = lab.agent_state(site) or {}
    voice = state.get("classes", {}).get("voice", {})
    return voice.get("circuit"), float(voice.get("since", 0.0))


def _brownout(lab: Any, site: str, cycles: int, out: list[dict[str, Any]]) -> None:
    for cycle in range(cycles):
        began = time.time()
        lab.impair(site, PRIMARY, loss_pct=5)
        steered = None
        deadline = time.monotonic() + STEER_TIMEOUT_S
        while time.monotonic() < deadline:
            circuit, since = _voice(lab, site)
            if circuit == SECONDARY and since >= began:
                steered = since - began
                break
            time.sleep(0.25)
        carried = lab.path(site, "voice", count=3).circuit if steered is not None else None
        cleared = time.time()
        lab.restore(site, PRIMARY)
        returned = None
        deadline = time.monotonic() + RETURN_TIMEOUT_S
        while steered is not None and time.monotonic() < deadline:
            circuit, since = _voice(lab, site)
            if circuit == PRIMARY and since >= cleared:
                returned = since - cleared
                break
            time.sleep(0.5)
        out.append(
            {
                "site": site,
                "cycle": cycle,
                "steer_s": round(steered, 2) if steered is not None else None,
                "voice_packets_on": carried,
                "return_s": round(returned, 2) if returned is not None else None,
            }
        )
        print(json.dumps(out[-1]), flush=True)


def _agent_pids(lab: Any, site: str) -> list[int]:
    from runbook_wan.lab.device import netns_pids

    agent = lab.agent_pid(site)
    found = [agent] if agent else []
    for pid in netns_pids(lab.netns(site)):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "fping":
                found.append(pid)
        except OSError:
            continue
    return found


def _probe_counters(lab: Any) -> dict[tuple[str, str], tuple[str, str]]:
    """An nft table per provider counting each circuit's probe echoes both ways."""
    from runbook_wan.lab import shell

    tables: dict[str, list[str]] = {}
    where = {}
    for site in lab.sites:
        node = lab.record.site(site)
        for link in node.circuits:
            source = link.site_address.split("/")[0]
            target = lab.topology.providers[link.provider].tracking_address
            tables.setdefault(link.provider_netns, []).append(
                f'    iifname "{link.provider_if}" ip saddr {source} ip daddr {target} icmp type echo-request '
                f'counter comment "{site} {link.role} out"\n'
                f'    oifname "{link.provider_if}" ip saddr {target} ip daddr {source} icmp type echo-reply '
                f'counter comment "{site} {link.role} back"'
            )
            where[(site, link.role)] = (link.provider_netns, link.media)
    for netns, rules in tables.items():
        text = (
            "table inet rbb_probes {\n  chain pre {\n    type filter hook prerouting priority raw; policy accept;\n"
            + "\n".join(r.split("\n")[0] for r in rules)
            + "\n  }\n  chain post {\n    type filter hook postrouting priority raw; policy accept;\n"
            + "\n".join(r.split("\n")[1] for r in rules)
            + "\n  }\n}\n"
        )
        shell.in_netns(netns, "nft", "-f", "-", input_text=text)
    return where


def _read_counters(netns_list: set[str]) -> dict[str, int]:
    from runbook_wan.lab import shell

    out: dict[str, int] = {}
    for netns in netns_list:
        data = json.loads(shell.in_netns(netns, "nft", "-j", "list", "table", "inet", "rbb_probes").stdout)
        for item in data.get("nftables", []):
            rule = item.get("rule")
            if rule:
                counter = next(e["counter"] for e in rule["expr"] if "counter" in e)
                out[rule["comment"]] = int(counter["bytes"])
    return out


def _cost(lab: Any, seconds: float) -> dict[str, Any]:
    from lab import cpu_ticks

    where = _probe_counters(lab)
    netns = {n for n, _ in where.values()}
    pids = {site: _agent_pids(lab, site) for site in lab.sites}
    hz = os.sysconf("SC_CLK_TCK")
    before_cpu = {site: cpu_ticks(p) for site, p in pids.items()}
    before_bytes = _read_counters(netns)
    time.sleep(seconds)
    after_bytes = _read_counters(netns)
    cpu = {site: 100 * (cpu_ticks(p) - before_cpu[site]) / hz / seconds for site, p in pids.items()}
    traffic: dict[str, list[float]] = {}
    for (site, role), (_, media) in where.items():
        sent = sum(after_bytes[f"{site} {role} {d}"] - before_bytes[f"{site} {role} {d}"] for d in ("out", "back"))
        traffic.setdefault("wireless" if media in ("lte", "5g") else "dia", []).append(sent * 8 / seconds / 1000)
    return {
        "seconds": seconds,
        "agent_cpu_pct_of_one_core_per_site": {
            "median": round(statistics.median(cpu.values()), 3),
            "max": round(max(cpu.values()), 3),
            "target": 0.5,
        },
        "probe_kbit_s_per_circuit_both_ways": {
            kind: {"median": round(statistics.median(v), 3), "max": round(max(v), 3), "circuits": len(v)}
            for kind, v in traffic.items()
        }
        | {"target_dia": 8.0, "target_wireless": 1.0},
    }


def _scale(n: int, work: Path, seconds: float) -> dict[str, Any]:
    from lab import cpu_ticks, derive_intents, lab_pids, memory

    from runbook_wan.lab.builder import free_management_network

    intents = derive_intents(work / f"intents-{n}", n, free_management_network(prefixlen=22))
    lab, boot = _boot(intents, work, f"scale{n}")
    try:
        measuring = _wait_measuring(lab, 240)
        time.sleep(5)
        every = lab_pids(lab.record)
        agents = [p for site in lab.sites for p in _agent_pids(lab, site)]
        hz = os.sysconf("SC_CLK_TCK")
        load_before = os.getloadavg()
        a0, l0, t0 = cpu_ticks(agents), cpu_ticks(every), time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - t0
        a1, l1 = cpu_ticks(agents), cpu_ticks(every)
        moved = 0
        for site in lab.sites:
            state = lab.agent_state(site) or {}
            moved += sum(int(c.get("transitions", 0)) for c in state.get("classes", {}).values())
        agent_mem = memory([lab.agent_pid(s) for s in lab.sites if lab.agent_pid(s)])
        return {
            "sites": n,
            "boot_s": round(boot, 1),
            "boot_phases_s": dict(lab.result.timings) if lab.result else {},
            "all_agents_measuring_after_s": round(measuring, 1),
            "seconds": round(elapsed, 1),
            "lab_cpu_pct_of_one_core": round(100 * (l1 - l0) / hz / elapsed, 1),
            "agents_cpu_pct_of_one_core": round(100 * (a1 - a0) / hz / elapsed, 1),
            "agents_cpu_pct_per_site": round(100 * (a1 - a0) / hz / elapsed / n, 3),
            "load_average_1m_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
            "agent_processes": len([s for s in lab.sites if lab.agent_pid(s)]),
            "agents_memory": agent_mem,
            "class_moves_on_clean_links": moved,
        }
    finally:
        lab.down()


def main() -> None:

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10, help="sites browned out at once (0: keep the last results)")
    parser.add_argument("--cycles", type=int, default=2, help="brownouts per site")
    parser.add_argument("--cpu-s", type=float, default=60.0)
    parser.add_argument("--scale", type=int, default=80, help="sites of the all-agents lab (0: skip)")
    parser.add_argument("--relay-sites", type=int, default=10, help="sites of the all-relayed lab (0: skip)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "steering.json")
    args = parser.parse_args()
    result: dict[str, Any] = {"benchmark": "steering"}
    if args.out.is_file():
        result |= {
            k: v
            for k, v in json.loads(args.out.read_text()).items()
            if k in ("brownout_lab", "cost", "brownouts", "scale", "relayed_dias")
        }
    with tempfile.TemporaryDirectory(prefix="rbbs-bench-") as tmp:
        work = Path(tmp)
        if args.sites:
            _brownout_part(args, work, result)
        if args.relay_sites:
            result["relayed_dias"] = _relay_cost(args.relay_sites, work, args.cpu_s)
            print(json.dumps(result["relayed_dias"]), flush=True)
        if args.scale:
            result["scale"] = _scale(args.scale, work, args.cpu_s)
            print(json.dumps(result["scale"]), flush=True)
    result["machine"] = {
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "fping": shutil.which("fping"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


def _brownout_part(args: argparse.Namespace, work: Path, result: dict[str, Any]) -> None:
    from lab import derive_intents

    from runbook_wan.lab.builder import free_management_network

    intents = derive_intents(work / "intents", args.sites, free_management_network(prefixlen=22))
    lab, boot = _boot(intents, work, "brownouts")
    try:
        _wait_measuring(lab, 120)
        result["brownout_lab"] = {"sites": len(lab.sites), "boot_s": round(boot, 1)}
        result["cost"] = _cost(lab, args.cpu_s)
        print(json.dumps(result["cost"]), flush=True)
        runs: list[dict[str, Any]] = []
        threads = [threading.Thread(target=_brownout, args=(lab, s, args.cycles, runs)) for s in lab.sites]
        load0 = os.getloadavg()[0]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result["brownouts"] = summarize(runs) | {"load_average_1m_at_start": round(load0, 2)}
    finally:
        lab.down()


if __name__ == "__main__":
    main()

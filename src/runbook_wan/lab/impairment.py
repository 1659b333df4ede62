"""Impaired (wireless) circuits: offloads off, tbf rate limits and the relay process.

See :mod:`lab.relay` for why a relay and not netem. Offloads are turned off on all four veth
ends of a relayed circuit so that frames the relay re-injects carry complete checksums and
never exceed the MTU.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from runbook_wan.lab import shell
from runbook_wan.lab.device import LabLayout
from runbook_wan.lab.topology import Topology

RELAY_SCRIPT = Path(__file__).resolve().parent / "relay.py"
OFFLOADS = ("tx", "off", "sg", "off", "tso", "off", "gso", "off", "gro", "off")
#: tbf bucket: at least this many bytes, or 10 ms of traffic at the circuit's rate.
MIN_BURST_BYTES = 32 * 1024
TBF_LATENCY = "100ms"


def _offload_script(interfaces: list[str]) -> str:
    return "; ".join(f"ethtool -K {name} {' '.join(OFFLOADS)} >/dev/null 2>&1" for name in interfaces)


def disable_offloads(topo: Topology) -> None:
    by_netns: dict[str, list[str]] = defaultdict(list)
    for site, circuit in topo.relayed():
        assert circuit.relay is not None and topo.relay_netns is not None
        by_netns[site.netns].append(circuit.site_if)
        by_netns[topo.relay_netns] += [circuit.relay.site_side, circuit.relay.provider_side]
        by_netns[circuit.provider_netns].append(circuit.provider_if)
    for netns, names in by_netns.items():
        shell.in_netns(netns, "sh", "-c", _offload_script(names))


def tbf_batch(topo: Topology) -> list[str]:
    """Rate limits on the relay box's egress in both directions (towards site and carrier)."""
    lines = []
    for _, circuit in topo.relayed():
        assert circuit.relay is not None and circuit.impairment is not None
        rate = circuit.impairment.rate_mbit
        burst = max(MIN_BURST_BYTES, rate * 1_000_000 // 8 // 100)
        for end in (circuit.relay.site_side, circuit.relay.provider_side):
            lines.append(f"qdisc add dev {end} root tbf rate {rate}mbit burst {burst} latency {TBF_LATENCY}")
    return lines


def relay_config(topo: Topology) -> dict[str, object]:
    pairs = []
    for _, circuit in topo.relayed():
        assert circuit.relay is not None and circuit.impairment is not None
        pairs.append(
            {
                "a": circuit.relay.site_side,
                "b": circuit.relay.provider_side,
                "delay_ms": circuit.impairment.delay_ms,
                "jitter_ms": circuit.impairment.jitter_ms,
                "loss_pct": circuit.impairment.loss_pct,
            }
        )
    return {"seed": 1, "pairs": pairs}


def start(topo: Topology, layout: LabLayout) -> int | None:
    """Configure impaired circuits and start the relay; returns its pid (None: nothing to relay)."""
    if topo.relay_netns is None or not topo.relayed():
        return None
    disable_offloads(topo)
    lines = tbf_batch(topo)
    shell.run(["ip", "netns", "exec", topo.relay_netns, "tc", "-batch", "-"], input_text="\n".join(lines) + "\n")
    layout.relay_config.write_text(json.dumps(relay_config(topo), indent=1) + "\n")
    log = (layout.logs / "relay.log").open("ab")
    proc = subprocess.Popen(
        ["ip", "netns", "exec", topo.relay_netns, sys.executable, str(RELAY_SCRIPT), str(layout.relay_config)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    log.close()
    layout.relay_pid.write_text(f"{proc.pid}\n")
    return proc.pid


def relay_pid(layout: LabLayout) -> int | None:
    try:
        return int(layout.relay_pid.read_text().strip())
    except (OSError, ValueError):
        return None

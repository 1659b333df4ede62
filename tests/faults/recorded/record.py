#!/usr/bin/env python3
"""Record the NAPALM getter answers the deploy, gate and verify decisions read, from the FRR lab.

The lab-free fault tests (tests/faults) replay these RECORDED answers through NAPALM's own mock
driver. To record them again (root, FRR; a lab with one deployed site)::

    python3 runbook.py --state /tmp/rec-state lab up --prefix rbrec --limit chi-021 \\
        --management-network <free /22> --inventory /tmp/rec/inventory
    python3 runbook.py --state /tmp/rec-state deploy --limit chi-021 --yes --inventory /tmp/rec/inventory
    PYTHONPATH=src:napalm_frr/src python3 tests/faults/recorded/record.py /tmp/rec-state chi-021
    python3 runbook.py --state /tmp/rec-state lab down --prefix rbrec

It writes ``tests/faults/recorded/<site>-<state>.json`` for three states of the site: healthy,
``primary-down`` (its primary circuit's link cut) and ``isolated`` (every circuit cut). Config
text is recorded sanitized (no secret). Nothing is invented: every answer is the driver's own.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import napalm

from runbook_wan.lab.api import Lab

HERE = Path(__file__).resolve().parent


def _answers(driver: Any, lab: Lab, site: str) -> dict[str, Any]:
    source = lab.record.site(site).lans[0].router_address.split("/")[0]
    answers: dict[str, Any] = {
        "get_config": driver.get_config(retrieve="running", sanitized=True),
        "get_interfaces": driver.get_interfaces(),
        "get_bgp_neighbors": driver.get_bgp_neighbors(),
        "get_route_to": driver.get_route_to("0.0.0.0/0"),
        "ping_hub": driver.ping(lab.hub, source=source, count=3, timeout=1),
        "ping_saas": driver.ping(lab.saas, source=source, count=3, timeout=1),
    }
    for circuit in lab.record.site(site).circuits:
        tracking = lab.topology.providers[circuit.provider].tracking_address
        answers[f"ping_tracking_{circuit.role}"] = driver.ping(tracking, source=source, count=3, timeout=1)
    return answers


def main(state_dir: str, site: str) -> None:
    lab = Lab.attach(Path(state_dir))
    driver = napalm.get_network_driver("frr")(
        lab.management_address(site),
        "root",
        None,
        timeout=20,
        optional_args={
            "key_file": str(lab.key_file),
            "known_hosts_file": str(lab.known_hosts_file),
        },
    )
    driver.open()
    try:
        roles = [c.role for c in lab.record.site(site).circuits]
        states: list[tuple[str, list[str]]] = [("healthy", []), ("primary-down", roles[:1]), ("isolated", roles)]
        for name, cut in states:
            for circuit in cut:
                lab.fail(site, circuit, mode="link")
            time.sleep(12 if cut else 0)  # BGP hold time (9 s) and BFD notice the cut
            out = HERE / f"{site}-{name}.json"
            out.write_text(json.dumps(_answers(driver, lab, site), indent=1, sort_keys=True) + "\n")
            print(f"wrote {out}")
            for circuit in cut:
                lab.restore(site, circuit, wait=60)
    finally:
        driver.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])

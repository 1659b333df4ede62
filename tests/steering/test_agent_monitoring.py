"""Prometheus scrapes every SD-WAN agent, found through the inventory; a class moved off its preferred
circuit is an event (severity info) routed to the record-only receiver, never a page.

The agent is *hand-built* (``steerkit``: a real HTTP server answering the contract's /metrics);
Prometheus and Alertmanager are Debian's, started by ``runbook.py monitor up`` with the generated files.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from steerkit import HandBuiltAgent, hand_built_state, serve_agent, write_agent_policy

from runbook_wan.ops import metrics as m
from runbook_wan.ops.stack import StackRecord

REPO = Path(__file__).resolve().parents[2]
INTENTS = REPO / "intents"
#: chi-021 runs retail-flagship: these are its classes' allowed circuits (path_preference).
PATHS = {
    "pos": ["primary_dia", "secondary_dia", "tertiary_wireless"],
    "voice": ["primary_dia", "secondary_dia", "tertiary_wireless"],
    "video": ["primary_dia", "secondary_dia", "tertiary_wireless"],
    "saas": ["secondary_dia", "primary_dia", "tertiary_wireless"],
    "bulk": ["secondary_dia", "primary_dia"],
    "guest": ["secondary_dia", "primary_dia"],
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "--no-color", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PYTHONPATH": f"{REPO / 'src'}:{REPO / 'napalm_frr' / 'src'}", "PATH": "/usr/bin:/bin"},
    )


def test_monitor_targets_lists_each_agent_from_the_inventory_and_names_sites_without_an_address(
    tmp_path: Path,
) -> None:
    inventory, configs = tmp_path / "inventory", tmp_path / "configs"
    write_agent_policy(configs, "chi-021", 9469)
    write_agent_policy(configs, "sea-001", 9555)
    write_agent_policy(configs, "mke-022", 9469)  # an agent, but no management address
    inventory.mkdir()
    (inventory / "hosts.yaml").write_text(
        "hosts:\n  chi-021: {hostname: 198.18.0.15}\n  sea-001: {hostname: 198.18.0.61}\n"
        "  atl-061: {hostname: 198.18.0.2}\n"  # an address, but no agent policy: nothing to scrape
    )
    out = tmp_path / "file_sd" / "agents.json"
    run = _run("monitor", "targets", "--intents", str(INTENTS), "--inventory", str(inventory), "--configs",
               str(configs), "--out", str(out))  # fmt: skip
    assert run.returncode == 0, run.stderr
    groups = json.loads(out.read_text())
    assert groups == [
        {
            "targets": ["198.18.0.15:9469"],
            "labels": {"site": "chi-021", "region": "central", "policy": "retail-flagship"},
        },
        {"targets": ["198.18.0.61:9555"], "labels": {"site": "sea-001", "region": "west", "policy": "retail-flagship"}},
    ]
    assert "2 agent(s) written" in run.stderr
    assert "1 site(s) run an agent but have no management address" in run.stderr and "mke-022" in run.stderr


def _wait(what: str, probe, timeout: float = 90.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(0.5)


def test_prometheus_scrapes_the_hand_built_agent_and_a_moved_class_is_an_info_event(tmp_path: Path) -> None:
    inventory, configs, state = tmp_path / "inventory", tmp_path / "configs", tmp_path / "state"
    agent = HandBuiltAgent(hand_built_state("chi-021", time.time()), PATHS)
    with serve_agent(agent):
        write_agent_policy(configs, "chi-021", agent.port)
        inventory.mkdir()
        (inventory / "hosts.yaml").write_text("hosts:\n  chi-021: {hostname: 127.0.0.1}\n")
        up = _run(
            *("--state", str(state), "monitor", "up", "--intents", str(INTENTS), "--inventory", str(inventory)),
            *("--configs", str(configs), "--scrape-interval", "1", "--without", "probe", "--without", "notifier"),
        )
        try:
            assert up.returncode == 0, up.stdout + up.stderr
            record = StackRecord.read(state)
            assert record is not None
            prometheus, alertmanager = record.url("prometheus"), record.url("alertmanager")

            def series() -> list[dict[str, Any]]:
                answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": m.SDWAN_CLASS_CIRCUIT}).json()
                return list(answer["data"]["result"])

            found = _wait("the agent's series in Prometheus", series)
            labels = {r["metric"]["class"]: r["metric"] for r in found if r["value"][1] == "1"}
            # the agent's own site label, the inventory's region and policy as target labels
            assert labels["voice"]["site"] == "chi-021" and labels["voice"]["circuit"] == "secondary_dia"
            assert labels["voice"]["region"] == "central" and labels["voice"]["policy"] == "retail-flagship"

            def events() -> list[dict[str, Any]]:
                alerts = httpx.get(f"{alertmanager}/api/v2/alerts").json()
                return [a for a in alerts if a["labels"]["alertname"] == "ClassOffPreferred"]

            moved = _wait("ClassOffPreferred in Alertmanager", lambda: len(events()) >= 3 and events())
            assert {(a["labels"]["class"], a["labels"]["circuit"], a["labels"]["preferred"]) for a in moved} == {
                ("pos", "secondary_dia", "primary_dia"),
                ("voice", "secondary_dia", "primary_dia"),
                ("video", "secondary_dia", "primary_dia"),
            }
            assert all(a["labels"]["severity"] == "info" for a in moved)
            assert {r["name"] for a in moved for r in a["receivers"]} == {"runbook-events"}  # recorded, not paged
            # the agent dies: SdwanAgentDown (a warning, routed like other alerts), the event stays until resolved
            agent.mode = "error"

            def agent_down() -> list[dict[str, Any]]:
                alerts = httpx.get(f"{alertmanager}/api/v2/alerts").json()
                return [a for a in alerts if a["labels"]["alertname"] == "SdwanAgentDown"]

            [down] = _wait("SdwanAgentDown", agent_down)
            assert down["labels"]["site"] == "chi-021" and down["labels"]["severity"] == "warning"
        finally:
            _run("--state", str(state), "monitor", "down")


def test_only_sites_whose_platform_runs_the_agent_are_scraped(tmp_path: Path) -> None:
    """The platform catalog says who runs an agent: an IOS-XE site is not a target, even with a stray policy file."""
    inventory, configs = tmp_path / "inventory", tmp_path / "configs"
    write_agent_policy(configs, "sea-101", 9469)  # FRR
    write_agent_policy(configs, "sfo-103", 9469)  # IOS-XE: a file that does not make it run an agent
    inventory.mkdir()
    (inventory / "hosts.yaml").write_text(
        "hosts:\n  sea-101: {hostname: 198.18.0.5}\n  sfo-103: {hostname: 198.18.0.6}\n"
    )
    run = _run(
        *("monitor", "targets", "--intents", str(REPO / "examples" / "multivendor" / "intents")),
        *("--inventory", str(inventory), "--configs", str(configs)),
    )
    assert run.returncode == 0, run.stderr
    assert [g["labels"]["site"] for g in json.loads(run.stdout)] == ["sea-101"]

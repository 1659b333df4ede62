"""``verify`` shows where each class runs, why and since when, from the site's agent (``/state``).

The agent here is *hand-built* (``steerkit``: a real HTTP server answering the contract's /state
with data written by the test); the lab test (``test_steering_lab.py``) reads the real agent.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from steerkit import HandBuiltAgent, free_port, hand_built_state, serve_agent, write_agent_policy

from runbook_wan.inventory.agents import AgentEndpoint
from runbook_wan.model.estate import Estate
from runbook_wan.model.loader import load_estate
from runbook_wan.results import Status
from runbook_wan.verify.steering import check_sites, policy_digest

REPO = Path(__file__).resolve().parents[2]
INTENTS = REPO / "intents"


@pytest.fixture(scope="module")
def estate() -> Estate:
    return load_estate(INTENTS)[0]


def test_hand_built_agent_state_shows_each_class_where_why_and_since(estate: Estate, tmp_path: Path) -> None:
    now = time.time()
    with serve_agent(HandBuiltAgent(hand_built_state("chi-021", now))) as agent:
        write_agent_policy(tmp_path, "chi-021", agent.port)
        found = check_sites(estate, {"chi-021": AgentEndpoint("chi-021", "127.0.0.1", agent.port)}, tmp_path, 4)
    check = found["chi-021"]
    assert check.status is Status.SUCCESS
    lines = {line.app_class: line for line in check.classes}
    voice = lines["voice"]
    assert (voice.circuit, voice.preferred, voice.off_preferred) == ("secondary_dia", "primary_dia", True)
    # why: the agent's own reason, then the figures of the circuit it runs on against voice's SLA (150/30/1)
    assert voice.why.startswith("primary_dia breaches loss 5.0% > 1%; on secondary_dia (meets the SLA): ")
    assert "loss 0 % ≤ 1 %, latency 18.0 ms ≤ 150 ms, jitter 3.0 ms ≤ 30 ms" in voice.why
    assert voice.since == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 300))
    assert not lines["saas"].off_preferred and lines["saas"].circuit == "secondary_dia"
    # the policy it runs differs from the rendered one (a deploy pending, or drift): said, not hidden
    assert check.policy_differs and "deploy pending or drift" in check.detail


@pytest.mark.parametrize("mode", ["down", "error", "garbage"])
def test_an_agent_that_does_not_answer_properly_is_a_finding_naming_its_address(
    estate: Estate, tmp_path: Path, mode: str
) -> None:
    agent = HandBuiltAgent(hand_built_state("chi-021", time.time()), mode=mode)
    if mode == "down":
        port = free_port()  # nothing listens there
        found = check_sites(estate, {"chi-021": AgentEndpoint("chi-021", "127.0.0.1", port)}, tmp_path, 1)
    else:
        with serve_agent(agent):
            port = agent.port
            found = check_sites(estate, {"chi-021": AgentEndpoint("chi-021", "127.0.0.1", port)}, tmp_path, 1)
    check = found["chi-021"]
    assert check.status is Status.ERROR and check.classes == []
    assert f"the SD-WAN agent at 127.0.0.1:{port}" in check.detail
    expected = {"down": "does not answer", "error": "answered HTTP 500", "garbage": "not its /state"}[mode]
    assert expected in check.detail


def test_the_rendered_policy_digest_is_the_one_the_agent_reports(estate: Estate, tmp_path: Path) -> None:
    path = write_agent_policy(tmp_path, "chi-021", 9469)
    import hashlib

    assert policy_digest(estate, tmp_path, "chi-021") == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert policy_digest(estate, tmp_path, "sea-001") == ""  # not rendered here


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "--no-color", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PYTHONPATH": f"{REPO / 'src'}:{REPO / 'napalm_frr' / 'src'}", "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )


def test_verify_cli_shows_the_agents_decision_and_an_unreachable_agent_as_a_finding(tmp_path: Path) -> None:
    """Two sites whose routers refuse SSH (unknown) but whose agents are a hand-built one and a dead port."""
    inventory, configs = tmp_path / "inventory", tmp_path / "configs"
    dead = free_port()
    with serve_agent(HandBuiltAgent(hand_built_state("chi-021", time.time()))) as agent:
        write_agent_policy(configs, "chi-021", agent.port)
        write_agent_policy(configs, "sea-001", dead)
        inventory.mkdir()
        (inventory / "hosts.yaml").write_text(
            "hosts:\n  chi-021: {hostname: 127.0.0.1, port: 1}\n  sea-001: {hostname: 127.0.0.1, port: 1}\n"
        )
        common = ["--state", str(tmp_path / "s"), "verify", "--intents", str(INTENTS), "--limit", "chi-021,sea-001"]
        text = _run(*common, "--inventory", str(inventory), "--configs", str(configs))
        as_json = _run(*common, "--inventory", str(inventory), "--configs", str(configs), "--format", "json")
    assert "Traceback" not in text.stderr + text.stdout
    assert text.returncode == 3, text.stdout + text.stderr  # the routers are unreachable: unknown, not up
    assert "SD-WAN steering" in text.stdout
    row = next(line for line in text.stdout.splitlines() if "voice" in line and "chi-021" in line)
    assert "secondary_dia" in row and "primary_dia breaches loss" in row
    assert f"finding: sea-001: the SD-WAN agent at 127.0.0.1:{dead} does not answer" in text.stdout
    sites = {s["site"]: s for s in json.loads(as_json.stdout)["sites"]}
    voice = next(c for c in sites["chi-021"]["steering"]["classes"] if c["app_class"] == "voice")
    assert voice["circuit"] == "secondary_dia" and voice["off_preferred"] is True
    assert sites["sea-001"]["steering"]["status"] == "error"

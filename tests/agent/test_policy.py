"""The policy file: a good one is read as the contract says; a bad one is reported whole, by field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from recorded_kit import POLICY

from runbook_wan.agent.policy import LEAST_BAD_KEYS, PolicyError, load_policy, parse_policy


def _doc() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(POLICY.read_text())
    return data


def test_the_hand_built_policy_reads_as_the_contract_says() -> None:
    policy = load_policy(POLICY)
    assert policy.site == "chi-021"
    assert policy.pbr_map == "SDWAN"
    assert [c.role for c in policy.circuits] == ["primary_dia", "secondary_dia", "tertiary_wireless"]
    wireless = policy.circuit("tertiary_wireless")
    assert wireless.metered and wireless.probe.interval_ms == 1000 and wireless.probe.window_s == 30
    voice = next(c for c in policy.classes if c.name == "voice")
    assert voice.path == ("primary_dia", "secondary_dia", "tertiary_wireless")
    assert voice.groups == ((45, 50, 55),)
    assert voice.sla.loss_ratio == pytest.approx(0.01) and voice.sla.latency_s == pytest.approx(0.15)
    guest = next(c for c in policy.classes if c.name == "guest")
    assert "tertiary_wireless" not in guest.path, "the guardrail is applied by the controller: not in the path"
    assert policy.decision.hold_s == 60 and policy.decision.least_bad == LEAST_BAD_KEYS
    assert policy.metrics is not None and (policy.metrics.interface, policy.metrics.port) == ("mgmt0", 9469)
    assert policy.digest.startswith("sha256:") and len(policy.digest) == 7 + 64


def test_every_problem_is_reported_at_once_with_its_field(tmp_path: Path) -> None:
    doc = _doc()
    doc["version"] = 2
    doc["circuits"][0]["source"] = "100.64.0.300"
    doc["classes"][0]["path"] = ["primary_dia", "satellite"]
    doc["classes"][1]["groups"][0]["sequences"] = [45, 50]
    doc["classes"][3]["groups"][0]["sequences"] = [110, 95, 100]
    doc["decision"]["least_bad"] = ["loss", "cost"]
    del doc["pbr_map"]
    path = tmp_path / "runbook-agent.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    problems = caught.value.problems
    expected = [
        "version: this agent reads version 1, the file has 2",
        "pbr_map: missing",
        "circuits[0].source: '100.64.0.300' is not an IPv4 address",
        "classes[0].path[1]: circuit 'satellite' is not in circuits (primary_dia, secondary_dia, tertiary_wireless)",
        "classes[1].groups[0].sequences: expected 3 sequence numbers, one per circuit of path",
        "classes: sequence 110 belongs to more than one group",
        "decision.least_bad: unknown key(s) cost; known: criteria_met, loss, latency, jitter, path_order",
    ]
    for line in expected:
        assert line in problems
    assert caught.value.lines()[0].startswith(f"error: {path}: ")


def test_a_missing_or_broken_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no policy file; the agent stays idle"):
        load_policy(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "runbook-agent-policy",\n "version": 1,\n oops}\n')
    with pytest.raises(PolicyError, match="line 3: not valid JSON"):
        load_policy(broken)


def test_a_bool_is_not_a_number_and_probe_rates_are_bounded() -> None:
    doc = _doc()
    doc["decision"]["hold_s"] = True
    doc["circuits"][1]["probe"] = {"interval_ms": 5, "window_s": 10}
    doc["circuits"][2]["probe"] = {"interval_ms": 1000, "window_s": 2}
    with pytest.raises(PolicyError) as caught:
        parse_policy(doc, Path("p.json"))
    assert caught.value.problems == [
        "circuits[1].probe.interval_ms: 5 is outside 20..10000 ms",
        "circuits[2].probe.window_s: a 2 s window holds fewer than 5 probes at 1000 ms",
        "decision.hold_s: expected a number, got a boolean",
    ]


def test_probe_and_decision_default_when_absent() -> None:
    doc = _doc()
    for circuit in doc["circuits"]:
        del circuit["probe"]
    del doc["decision"], doc["metrics"]
    policy = parse_policy(doc, Path("p.json"))
    assert policy.circuit("primary_dia").probe.interval_ms == 100
    assert policy.circuit("tertiary_wireless").probe.interval_ms == 1000
    assert policy.decision.breach_windows == 2 and policy.decision.hold_s == 60
    assert policy.metrics is None

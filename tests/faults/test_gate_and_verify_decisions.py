"""The health gate and verify decisions on RECORDED lab answers, through NAPALM's mock driver.

Data tables: each row names the recorded state the device answers from (and, for the gate, the
recorded state its links were in before the change) and what the decision must be.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mock_device import job, raises, recorded, write_calls
from napalm.base.exceptions import ConnectionClosedException
from napalm.base.mock import MockDriver

from runbook_wan.results import Status
from runbook_wan.tasks.gate import observe
from runbook_wan.verify import probes
from runbook_wan.verify.model import SiteState
from runbook_wan.verify.site_checks import check_site


def _device(folder: Path, calls: dict[str, list[Any]]) -> MockDriver:
    driver = MockDriver("chi-021", "user", "pass", optional_args={"path": str(write_calls(folder, calls))})
    driver.open()
    return driver


def _links(state: str) -> dict[str, dict[str, Any]]:
    """What the pre-check (circuits_up) recorded before the change, from a recorded state."""
    interfaces = recorded(state)["get_interfaces"]
    facts = job().facts
    return {c.role: {"status": probes.link(interfaces, c.interface).status.value} for c in facts.circuits}


GATE = [
    # (answers now, links before the change, passes, words in the failures)
    ("healthy", "healthy", True, ()),
    ("primary-down", "healthy", False, ("primary_dia: 100.64.0.86 not established",)),
    ("primary-down", "primary-down", True, ()),  # its link was down before: not expected up after
    ("isolated", "healthy", False, ("primary_dia", "secondary_dia", "tertiary_wireless")),
    ("isolated", "isolated", False, ("default route: no active default route",)),
]


@pytest.mark.parametrize(("now", "before", "passes", "words"), GATE, ids=[f"{n}-after-{b}" for n, b, *_ in GATE])
def test_gate_decision(now: str, before: str, passes: bool, words: tuple[str, ...], tmp_path: Path) -> None:
    data = recorded(now)
    calls = {
        "get_bgp_neighbors": [data["get_bgp_neighbors"]],
        "get_route_to": [data["get_route_to"]],
        "ping": [data["ping_hub"], data["ping_saas"]],
    }
    obs = observe(_device(tmp_path, calls), job().facts, _links(before))
    assert obs.passed is passes, obs.failures
    for word in words:
        assert any(word in failure for failure in obs.failures), obs.failures


def _verify_calls(state: str) -> dict[str, list[Any]]:
    data = recorded(state)
    up = [
        role
        for role, peer in zip(("primary_dia", "secondary_dia", "tertiary_wireless"), _peers(state), strict=True)
        if peer
    ]
    return {
        "get_interfaces": [data["get_interfaces"]],
        "get_bgp_neighbors": [data["get_bgp_neighbors"]],
        "ping": [*(data[f"ping_tracking_{role}"] for role in up), data["ping_hub"], data["ping_saas"]],
        "get_route_to": [data["get_route_to"]],
    }


def _peers(state: str) -> list[bool]:
    peers = recorded(state)["get_bgp_neighbors"]["global"]["peers"]
    return [peers[address]["is_up"] for address in ("100.64.0.86", "100.67.0.86", "100.69.0.86")]


VERIFY = [("healthy", SiteState.HEALTHY), ("primary-down", SiteState.DEGRADED), ("isolated", SiteState.DOWN)]


@pytest.mark.parametrize(("state", "expected"), VERIFY, ids=[s for s, _ in VERIFY])
def test_verify_decision(state: str, expected: SiteState, tmp_path: Path) -> None:
    health = check_site(_device(tmp_path, _verify_calls(state)), job().facts)
    assert health.state is expected, health
    assert health.up is (expected is not SiteState.DOWN)


def test_verify_of_a_device_that_drops_the_connection_is_unknown_not_a_crash(tmp_path: Path) -> None:
    calls = {"get_interfaces": [raises(ConnectionClosedException, "connection lost")]}
    health = check_site(_device(tmp_path, calls), job().facts)
    assert health.state is SiteState.UNKNOWN and "device query failed" in health.error


def test_a_ping_that_cannot_run_is_an_error_not_a_failure(tmp_path: Path) -> None:
    """ANTA's distinction, in the probes: an exception is an error, a lost reply is a failure."""
    device = _device(tmp_path, {"ping": [raises(ConnectionClosedException, "gone"), recorded("isolated")["ping_hub"]]})
    assert probes.ping(device, "hub", "198.51.100.10", "10.21.10.1").status is Status.ERROR
    assert probes.ping(device, "hub", "198.51.100.10", "10.21.10.1").status is Status.FAILURE

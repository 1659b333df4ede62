"""The edge agent's steering (another order of a class's nexthops) is no drift; anything else is.

Uses the golden chi-021 config and agent policy (tests/golden/frr/expected/configs/), with the
running config made by hand from them: voice moved to the secondary as the agent would do it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook_wan.drift.compare import compare
from runbook_wan.drift.model import DriftStatus
from runbook_wan.model.platform import PlatformSpec, load_platforms
from runbook_wan.render.live_steering import adopt_live_order
from runbook_wan.workspace import BUILTIN_PLATFORMS

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "frr" / "expected" / "configs"
INTENDED = (GOLDEN / "chi-021.cfg").read_text()
POLICY = (GOLDEN / "chi-021.agent.json").read_text()
P, S = "100.64.255.1", "100.67.255.1"


@pytest.fixture
def frr() -> PlatformSpec:
    platforms, _ = load_platforms(BUILTIN_PLATFORMS)
    return platforms["frr"]


def _set(text: str, seq: int, nexthop: str) -> str:
    head = f"pbr-map SDWAN seq {seq}\n"
    before, _, rest = text.partition(head)
    block, _, after = rest.partition("exit\n")
    lines = [f" set nexthop {nexthop}" if line.startswith(" set nexthop ") else line for line in block.splitlines()]
    return before + head + "\n".join(lines) + "\n" + "exit\n" + after


def test_the_policy_names_the_agents_sequences(frr: PlatformSpec) -> None:
    steers = frr.artifact("agent_policy").steers  # type: ignore[union-attr]
    running = _set(_set(INTENDED, 45, S), 50, P)
    adopted, groups = adopt_live_order(INTENDED, running, POLICY, steers)
    assert adopted == running and [g.sequences for g in groups] == [(45, 50, 55)]
    assert adopt_live_order(INTENDED, running, "not json", steers) == (INTENDED, [])


def test_a_class_the_agent_moved_is_no_drift(frr: PlatformSpec) -> None:
    running = _set(_set(INTENDED, 45, S), 50, P)  # voice: secondary first, as the agent rewrites it
    assert running != INTENDED
    result = compare("chi-021", INTENDED, running, frr, checked_at="now", source="test", agent_policy=POLICY)
    assert result.status is DriftStatus.IN_SYNC
    without = compare("chi-021", INTENDED, running, frr, checked_at="now", source="test")
    assert without.status is DriftStatus.DRIFT, "without the policy the reorder is a change"


def test_a_foreign_nexthop_in_an_agent_sequence_is_still_drift(frr: PlatformSpec) -> None:
    running = _set(INTENDED, 45, "192.0.2.99")
    result = compare("chi-021", INTENDED, running, frr, checked_at="now", source="test", agent_policy=POLICY)
    assert result.status is DriftStatus.DRIFT
    assert any(line.startswith("+") and "192.0.2.99" in line for line in result.diff)


def test_half_a_move_is_still_drift(frr: PlatformSpec) -> None:
    running = _set(INTENDED, 45, S)  # voice's first two sequences both on the secondary
    result = compare("chi-021", INTENDED, running, frr, checked_at="now", source="test", agent_policy=POLICY)
    assert result.status is DriftStatus.DRIFT

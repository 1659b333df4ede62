"""The agent policy's JSON writers give exactly ``json.dumps(sort_keys=True, indent=2)``'s bytes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from runbook_wan.facts.builder import build_estate_facts
from runbook_wan.facts.models import (
    AgentCircuitFact,
    AgentClassFact,
    AgentDecisionFact,
    AgentGroupFact,
    AgentMetricsFact,
    AgentPolicyFact,
    AgentProbeFact,
    AgentSlaFact,
)
from runbook_wan.model.loader import load_estate
from runbook_wan.render.agent_policy import agent_policy_text
from runbook_wan.render.json_text import sorted_json

REPO = Path(__file__).resolve().parents[2]


def reference(value: Any) -> str:
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=True)


def test_every_agent_policy_of_the_example_estates() -> None:
    for intents in (REPO / "intents", REPO / "examples" / "multivendor" / "intents"):
        estate, _ = load_estate(intents)
        facts, _ = build_estate_facts(estate)
        policies = [f.agent for f in facts.values() if f.agent is not None]
        assert policies
        for policy in policies:
            plain = dataclasses.asdict(policy)
            assert sorted_json(plain) == reference(plain)
            assert agent_policy_text(policy) == reference(plain) + "\n", policy.site


TEXT = st.text(max_size=6)
INT = st.integers(min_value=-(2**63), max_value=2**63 - 1)
POLICY = st.builds(
    AgentPolicyFact,
    site=TEXT,
    pbr_map=TEXT,
    metrics=st.builds(AgentMetricsFact, interface=TEXT, port=INT),
    circuits=st.lists(
        st.builds(
            AgentCircuitFact,
            role=TEXT,
            interface=TEXT,
            source=TEXT,
            target=TEXT,
            nexthop=TEXT,
            metered=st.booleans(),
            probe=st.builds(AgentProbeFact, interval_ms=INT, window_s=INT),
        ),
        max_size=3,
    ),
    classes=st.lists(
        st.builds(
            AgentClassFact,
            name=TEXT,
            sla=st.builds(
                AgentSlaFact,
                latency_ms=INT,
                jitter_ms=INT,
                loss_pct=st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([0.1, 1e-05, 1e16]),
            ),
            path=st.lists(TEXT, max_size=3),
            groups=st.lists(st.builds(AgentGroupFact, sequences=st.lists(INT, max_size=3)), max_size=2),
        ),
        max_size=3,
    ),
    decision=st.builds(
        AgentDecisionFact, breach_windows=INT, clear_windows=INT, hold_s=INT, least_bad=st.lists(TEXT, max_size=3)
    ),
)


@settings(max_examples=300, deadline=None)
@given(POLICY)
def test_any_agent_policy_is_written_as_json_dumps_writes_it(policy: AgentPolicyFact) -> None:
    """Non-ASCII text and floats in exponent notation included: those take the standard library's path."""
    assert agent_policy_text(policy) == reference(dataclasses.asdict(policy)) + "\n"


def test_the_agent_facts_declare_their_fields_in_name_order() -> None:
    """The fast path writes keys in declaration order: a field added out of order would be caught
    by the tests above only if it changed the bytes; this names the class."""
    for cls in (
        AgentPolicyFact,
        AgentCircuitFact,
        AgentClassFact,
        AgentDecisionFact,
        AgentGroupFact,
        AgentMetricsFact,
        AgentProbeFact,
        AgentSlaFact,
    ):
        names = [f.name for f in dataclasses.fields(cls)]
        assert names == sorted(names), cls.__name__


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text()),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(JSON)
def test_random_json(value: Any) -> None:
    assert sorted_json(value) == reference(value)


@given(st.dictionaries(st.integers(), st.integers(), max_size=6))
def test_int_keys_sort_as_numbers_like_json_dumps(value: dict[int, int]) -> None:
    assert sorted_json(value) == reference(value)

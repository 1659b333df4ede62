"""The agent policy's JSON writer gives exactly ``json.dumps(sort_keys=True, indent=2)``'s bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from runbook_wan.facts.builder import build_estate_facts
from runbook_wan.model.loader import load_estate
from runbook_wan.render.json_text import sorted_json

REPO = Path(__file__).resolve().parents[2]


def reference(value: Any) -> str:
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=True)


def test_every_agent_policy_of_the_example_estates() -> None:
    for intents in (REPO / "intents", REPO / "examples" / "multivendor" / "intents"):
        estate, _ = load_estate(intents)
        facts, _ = build_estate_facts(estate)
        policies = [f.agent.model_dump(mode="json") for f in facts.values() if f.agent is not None]
        assert policies
        for policy in policies:
            assert sorted_json(policy) == reference(policy)


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

"""The edge agent's policy file: the site's :class:`AgentPolicyFact` as JSON (docs/agent.md).

Sorted keys and an indent of 2, so a policy change reads as a line diff in ``plan``: the bytes
``json.dumps(value, sort_keys=True, indent=2)`` writes. pydantic's serializer (in Rust) writes them
for the facts' own key order, which is sorted; it writes non-ASCII characters and DEL as they are and very
small or large floats in another notation, so a policy holding either (none does that Runbook
validates today) is written by the standard library's rules instead.
"""

from __future__ import annotations

import dataclasses
from functools import cache

from pydantic import TypeAdapter

from runbook_wan.facts.models import AgentPolicyFact
from runbook_wan.render.json_text import sorted_json


@cache
def policy_adapter() -> TypeAdapter[AgentPolicyFact]:
    """The policy's serializer, built once per process (before the build's workers fork)."""
    return TypeAdapter(AgentPolicyFact)


def _plain_floats(policy: AgentPolicyFact) -> bool:
    """Every float of the policy reads the same in Python's notation and in pydantic's."""
    return all("e" not in repr(c.sla.loss_pct) for c in policy.classes)


def agent_policy_text(policy: AgentPolicyFact) -> str:
    if _plain_floats(policy):
        text = policy_adapter().dump_json(policy, indent=2).decode()
        if text.isascii() and "\x7f" not in text:  # json.dumps escapes DEL too
            return text + "\n"
    return sorted_json(dataclasses.asdict(policy)) + "\n"

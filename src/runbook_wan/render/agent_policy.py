"""The edge agent's policy file: the site's :class:`AgentPolicyFact` as JSON (docs/agent.md).

Sorted keys and an indent of 2, so a policy change reads as a line diff in ``plan``.
"""

from __future__ import annotations

from runbook_wan.facts.models import AgentPolicyFact
from runbook_wan.render.json_text import sorted_json


def agent_policy_text(policy: AgentPolicyFact) -> str:
    return sorted_json(policy.model_dump(mode="json")) + "\n"

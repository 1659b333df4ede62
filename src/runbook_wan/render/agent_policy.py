"""The edge agent's policy file: the site's :class:`AgentPolicyFact` as JSON (docs/agent.md).

Sorted keys and an indent of 2, so a policy change reads as a line diff in ``plan``.
"""

from __future__ import annotations

import json

from runbook_wan.facts.models import AgentPolicyFact


def agent_policy_text(policy: AgentPolicyFact) -> str:
    return json.dumps(policy.model_dump(mode="json"), sort_keys=True, indent=2, ensure_ascii=True) + "\n"

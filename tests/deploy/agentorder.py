"""A lab site's running config as it was, but for the classes its edge agent moved meanwhile.

The agent steers on its own measurements at any time (a loaded CI machine can brown a circuit out,
and it moved a class of an untouched site once), by reordering the next hops of a class's pbr-map
sequences. That reorder is no deploy, as drift agrees (``render/live_steering.py``): tests that
assert "nothing was touched" compare the config with the agent's moves put back in the old order.
Any other change still shows.
"""

from __future__ import annotations

from runbook_wan.lab import agents
from runbook_wan.lab.api import Lab
from runbook_wan.model.platform import load_platforms
from runbook_wan.render.live_steering import adopt_live_order
from runbook_wan.workspace import BUILTIN_PLATFORMS

_STEERS = load_platforms(BUILTIN_PLATFORMS)[0]["frr"].artifact("agent_policy").steers  # type: ignore[union-attr]


def as_before(lab: Lab, site: str, before: str) -> str:
    """``site``'s running config now, each class the agent reordered since ``before`` back in its old order."""
    now = lab.vtysh(site, "show running-config")
    assert now is not None, f"{site}: FRR does not answer"
    policy = agents.policy_path(lab.netns(site))
    text = policy.read_text() if policy.is_file() else None
    adopted, _ = adopt_live_order(now, before, text, _STEERS)
    return adopted

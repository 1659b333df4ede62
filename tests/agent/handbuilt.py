"""HAND-BUILT agent policies, made in the tests from a rendered site's facts.

They follow the contract in docs/agent.md (the controller renders the real ones as
``configs/<site>.agent.json``). Tests that use them say "hand-built" in their names or docstrings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runbook_wan.render.pipeline import RenderResult


def hand_built_policy(rendered: RenderResult, site: str, hold_s: float = 60.0) -> dict[str, Any]:
    facts = rendered.facts[site]
    policy = rendered.estate.policies[facts.policy]
    assert facts.steering is not None
    circuits = []
    for c in facts.circuits:
        metered = c.media in ("lte", "5g")
        circuits.append(
            {
                "role": c.role,
                "interface": c.interface,
                "source": c.address.split("/")[0],
                "target": c.tracking_address,
                "nexthop": c.tracking_address,
                "metered": metered,
                "probe": {"interval_ms": 1000, "window_s": 30} if metered else {"interval_ms": 100, "window_s": 10},
            }
        )
    classes = []
    for name, app in policy.classes.items():
        groups = [
            {"sequences": [p.seq for p in g.nexthops]}
            for g in facts.steering.groups
            if g.app_class == name and not g.local
        ]
        classes.append(
            {
                "name": name,
                "sla": {"latency_ms": app.sla.latency_ms, "jitter_ms": app.sla.jitter_ms, "loss_pct": app.sla.loss_pct},
                "path": [str(r) for r in app.path_preference],
                "groups": groups,
            }
        )
    return {
        "format": "runbook-agent-policy",
        "version": 1,
        "site": site,
        "pbr_map": facts.steering.name,
        "metrics": {"interface": "mgmt0", "port": 9469},
        "circuits": circuits,
        "classes": classes,
        "decision": {
            "breach_windows": 2,
            "clear_windows": 2,
            "hold_s": hold_s,
            "least_bad": ["criteria_met", "loss", "latency", "jitter", "path_order"],
        },
    }


def write_hand_built(rendered: RenderResult, site: str, path: Path, hold_s: float = 60.0) -> Path:
    path.write_text(json.dumps(hand_built_policy(rendered, site, hold_s), indent=2, sort_keys=True) + "\n")
    return path

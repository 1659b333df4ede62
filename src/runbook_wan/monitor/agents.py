"""The SD-WAN agents Prometheus scrapes: a ``file_sd`` file from the inventory and the agent policies.

Management addresses live in the inventory (``inventory/hosts.yaml``), not in the intents, so the
committed ``monitoring/prometheus.yml`` names a file (``agent-targets.json``) instead of addresses.
``monitor up`` writes it beside its runtime config; ``monitor targets`` writes it anywhere (your own
Prometheus). Each target group carries the labels the rules need: site, region, policy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runbook_wan.atomic_files import write_folder
from runbook_wan.inventory.agents import AgentSites, agent_sites
from runbook_wan.inventory.hosts_file import read_hosts_file
from runbook_wan.model.estate import Estate
from runbook_wan.monitoring.sdwan import AGENT_TARGETS_FILE
from runbook_wan.ops import metrics as m


def file_sd(estate: Estate, found: AgentSites) -> list[dict[str, Any]]:
    """Prometheus ``file_sd`` target groups, one per site, sorted by site."""
    groups = []
    for site, endpoint in sorted(found.endpoints.items()):
        intent = estate.sites[site]
        groups.append(
            {
                "targets": [endpoint.address],
                "labels": {m.SITE: site, m.REGION: intent.region, m.POLICY: intent.policy},
            }
        )
    return groups


def targets_text(estate: Estate, inventory: Path, configs: Path) -> tuple[str, AgentSites]:
    found = agent_sites(estate, estate.site_ids(), read_hosts_file(inventory), configs)
    return json.dumps(file_sd(estate, found), indent=2) + "\n", found


def write_targets(estate: Estate, inventory: Path, configs: Path, folder: Path) -> AgentSites:
    """Write ``folder/agent-targets.json`` (atomically: Prometheus watches the file)."""
    text, found = targets_text(estate, inventory, configs)
    write_folder(folder, {AGENT_TARGETS_FILE: text})
    return found

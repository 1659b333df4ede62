"""Where each site's SD-WAN edge agent answers: the management address and the agent's port.

The address is the site's entry in ``<inventory dir>/hosts.yaml`` (the management side of the
router, where the agent serves ``/metrics`` and ``/state``); the port is the one the agent's
rendered policy gives it (``configs/<site>.agent.json``, ``metrics.port``; docs/agent.md): what
the router runs, not what the intents say now. A site whose platform has no agent policy artifact
(the platform catalog), or whose policy was never rendered, runs no agent; a site without a
management address cannot be reached and is listed as such, never guessed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from runbook_wan.inventory.hosts_file import HostsFile
from runbook_wan.model.estate import Estate
from runbook_wan.ops.metrics import SDWAN_AGENT_DEFAULT_PORT, SDWAN_AGENT_STATE_PATH

#: The platform catalog's artifact kind that is the agent's policy.
AGENT_POLICY = "agent_policy"


@dataclass(frozen=True)
class AgentEndpoint:
    site: str
    host: str
    port: int

    @property
    def address(self) -> str:
        """``host:port`` (IPv6 literals in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def state_url(self) -> str:
        return f"http://{self.address}{SDWAN_AGENT_STATE_PATH}"


@dataclass(frozen=True)
class AgentSites:
    """The sites that run an agent: reachable ones with their endpoint, and those without an address."""

    endpoints: dict[str, AgentEndpoint]
    no_address: list[str]


def agent_policy_path(estate: Estate, configs: Path, site: str) -> Path | None:
    """``configs/<site><suffix>`` of the agent policy, or None when the site's platform has none."""
    artifact = estate.platforms[estate.sites[site].platform].artifact(AGENT_POLICY)
    return None if artifact is None else configs / f"{site}{artifact.suffix}"


def agent_port(estate: Estate, configs: Path, site: str) -> int | None:
    """The agent's port from its rendered policy; None when the site has no agent policy."""
    path = agent_policy_path(estate, configs, site)
    if path is None:
        return None
    try:
        policy = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return SDWAN_AGENT_DEFAULT_PORT  # unreadable here; the agent itself reports what it runs
    port = (policy.get("metrics") or {}).get("port") if isinstance(policy, dict) else None
    return port if isinstance(port, int) and 0 < port < 65536 else SDWAN_AGENT_DEFAULT_PORT


def agent_sites(estate: Estate, sites: list[str], hosts: HostsFile, configs: Path) -> AgentSites:
    endpoints: dict[str, AgentEndpoint] = {}
    no_address: list[str] = []
    for site in sites:
        port = agent_port(estate, configs, site)
        if port is None:
            continue
        entry = hosts.hosts.get(site)
        if entry is None:
            no_address.append(site)
            continue
        endpoints[site] = AgentEndpoint(site, entry.hostname, port)
    return AgentSites(endpoints, no_address)

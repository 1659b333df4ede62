"""Verify the SD-WAN steering of a site from its edge agent's own ``/state`` (never recomputed).

``verify`` asks each FRR site's agent, on the router's management address, where each class
runs now, why and since when. An agent that does not answer, or answers with something else, is
a *finding* on that site: routing does not depend on the agent (reachability failover stays with
BGP and BFD), so it does not change the site's location-level state or the exit code.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from runbook_wan.inventory.agents import AgentEndpoint, agent_policy_path
from runbook_wan.model.estate import Estate
from runbook_wan.ops.steering import AgentReport, Thresholds, explain, iso
from runbook_wan.results import Status

#: Seconds to wait for an agent's answer (it answers from memory; a slow answer is a dead agent).
TIMEOUT = 3.0


@dataclass
class ClassLine:
    """One class as verify shows it."""

    app_class: str
    circuit: str | None
    preferred: str | None
    since: str
    since_ts: float | None
    why: str
    off_preferred: bool


@dataclass
class SteeringCheck:
    """The agent's view of the site: ``success`` read, ``error`` could not be read (a finding)."""

    status: Status
    agent: str
    detail: str = ""
    classes: list[ClassLine] = field(default_factory=list)
    policy_digest: str = ""
    #: The agent runs another policy than ``configs/<site>.agent.json`` (a deploy pending, or drift).
    policy_differs: bool = False


def fetch(endpoint: AgentEndpoint, timeout: float = TIMEOUT) -> AgentReport | str:
    """The agent's report, or why there is none (a sentence naming the address)."""
    where = f"the SD-WAN agent at {endpoint.address}"
    try:
        answer = httpx.get(endpoint.state_url, timeout=timeout)
    except httpx.TimeoutException:
        return f"{where} did not answer within {timeout:g} s"
    except httpx.HTTPError as exc:
        return f"{where} does not answer ({type(exc).__name__}: {exc or 'no detail'})"
    if answer.status_code != 200:
        return f"{where} answered HTTP {answer.status_code} for /state"
    try:
        return AgentReport.from_state(answer.json())
    except ValueError as exc:  # bad JSON, or JSON that is not the agent's /state
        return f"{where} answered something that is not its /state: {exc}"[:300]


def policy_digest(estate: Estate, configs: Path, site: str) -> str:
    """``sha256:<hex>`` of the rendered agent policy, as the agent reports it (empty: no file)."""
    path = agent_policy_path(estate, configs, site)
    try:
        return "" if path is None else "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def check(endpoint: AgentEndpoint, slas: dict[str, Thresholds], rendered_digest: str) -> SteeringCheck:
    found = fetch(endpoint)
    if isinstance(found, str):
        return SteeringCheck(Status.ERROR, endpoint.address, found)
    if found.site != endpoint.site:
        return SteeringCheck(
            Status.ERROR, endpoint.address, f"the agent at {endpoint.address} reports site {found.site!r}"
        )
    lines = []
    for name, decision in found.classes.items():
        sla = slas.get(name)
        why = explain(decision, found, sla) if sla else (decision.reason or "class not in the site's policy")
        lines.append(
            ClassLine(
                app_class=name,
                circuit=decision.circuit,
                preferred=decision.preferred,
                since=iso(decision.since),
                since_ts=decision.since,
                why=why,
                off_preferred=decision.off_preferred,
            )
        )
    differs = bool(rendered_digest and found.policy_digest and rendered_digest != found.policy_digest)
    return SteeringCheck(
        Status.SUCCESS,
        endpoint.address,
        f"runs policy {found.policy_digest or '(no digest)'}"
        + (f", configs/ holds {rendered_digest}: deploy pending or drift" if differs else ""),
        classes=lines,
        policy_digest=found.policy_digest,
        policy_differs=differs,
    )


def class_slas(estate: Estate, site: str) -> dict[str, Thresholds]:
    """Each class's SLA at ``site`` (its policy's), as the agent's policy carries it."""
    policy = estate.policies[estate.sites[site].policy]
    return {
        name: Thresholds(app.sla.latency_ms, app.sla.jitter_ms, float(app.sla.loss_pct))
        for name, app in policy.classes.items()
    }


def check_sites(
    estate: Estate, endpoints: dict[str, AgentEndpoint], configs: Path, workers: int
) -> dict[str, SteeringCheck]:
    """Every agent asked in parallel; one answer (or finding) per site."""

    def one(site: str) -> tuple[str, SteeringCheck]:
        return site, check(endpoints[site], class_slas(estate, site), policy_digest(estate, configs, site))

    if not endpoints:
        return {}
    with ThreadPoolExecutor(max(1, min(workers, len(endpoints))), thread_name_prefix="agent") as pool:
        return dict(pool.map(one, sorted(endpoints)))

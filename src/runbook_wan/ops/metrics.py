"""Metric, label and alert names: one definition for the probe, the generated rules and the readers.

Conventions follow Prometheus: base units (seconds, ratios 0..1), ``_total`` for counters,
``runbook_`` prefix, recording rules named ``level:metric:operation``.
"""

from __future__ import annotations

from enum import StrEnum

PREFIX = "runbook_"

# --- labels -----------------------------------------------------------------------------------
SITE = "site"
REGION = "region"
#: The circuit role (``primary_dia`` ...; see :mod:`runbook_wan.model.roles`).
CIRCUIT = "circuit"
PROVIDER = "provider"
#: ``hub`` or ``saas`` (the estate's reachability targets).
TARGET = "target"
SEVERITY = "severity"

# --- exported by the probe (one series per site x circuit unless noted) ------------------------
#: 1 while the circuit passes traffic from the site's LAN side to its provider's tracking address.
CIRCUIT_UP = "runbook_circuit_up"
#: Share of probe packets lost in the last cycle, 0..1.
CIRCUIT_LOSS = "runbook_circuit_loss_ratio"
#: Mean round-trip time in the last cycle, seconds.
CIRCUIT_LATENCY = "runbook_circuit_latency_seconds"
#: Mean absolute difference of consecutive round-trip times in the last cycle, seconds.
CIRCUIT_JITTER = "runbook_circuit_jitter_seconds"
#: The strictest SLA of the policy classes that may use the circuit (from intents/policies/). Latency is
#: a round-trip budget (twice the policies' one-way figure), comparable with CIRCUIT_LATENCY.
CIRCUIT_SLA_LOSS = "runbook_circuit_sla_loss_ratio"
CIRCUIT_SLA_LATENCY = "runbook_circuit_sla_latency_seconds"
CIRCUIT_SLA_JITTER = "runbook_circuit_sla_jitter_seconds"
#: Device view, read through NAPALM at a slower cadence: interface carrier, BGP session established.
LINK_UP = "runbook_link_up"
BGP_UP = "runbook_bgp_session_up"
#: 1 while the site reaches ``target`` (hub, saas) from its LAN (labels: site, region, target).
TARGET_REACHABLE = "runbook_target_reachable"
#: 1 while the device's running config differs from configs/<site>.cfg (labels: site, region).
CONFIG_DRIFT = "runbook_config_drift"
#: Unix time of the probe's last completed measurement cycle (no site label).
PROBE_LAST_CYCLE = "runbook_probe_last_cycle_timestamp_seconds"
#: Seconds since the oldest intents change that is not yet deployed and verified (no labels).
CHANGE_OPEN = "runbook_change_open_seconds"
#: The customer's promise: a configuration change is done (deployed and verified) within one hour.
CHANGE_PROMISE_SECONDS = 3600.0

# --- exported by the edge agent on each FRR router (runbook-agent, docs/agent.md) --------------
#: The class label of the agent's class series (an SD-WAN application class of the site's policy).
APP_CLASS = "class"
#: Probe loss over the agent's last window, 0..1 (labels: site, circuit).
SDWAN_CIRCUIT_LOSS = "runbook_sdwan_circuit_loss_ratio"
#: One-way latency estimate (half the mean round trip) over the last window, seconds.
SDWAN_CIRCUIT_LATENCY = "runbook_sdwan_circuit_latency_seconds"
#: One-way jitter estimate over the last window, seconds.
SDWAN_CIRCUIT_JITTER = "runbook_sdwan_circuit_jitter_seconds"
#: Probes the agent sent on the circuit (counter).
SDWAN_CIRCUIT_PROBES_SENT = "runbook_sdwan_circuit_probes_sent_total"
#: 1 for the circuit the class is on now, 0 for its other allowed circuits (labels: site, class, circuit).
SDWAN_CLASS_CIRCUIT = "runbook_sdwan_class_circuit"
#: 1 while the circuit meets the class SLA (labels: site, class, circuit).
SDWAN_CLASS_SLA_MET = "runbook_sdwan_class_sla_met"
#: Unix time the class moved to its current circuit (labels: site, class).
SDWAN_CLASS_SINCE = "runbook_sdwan_class_since_timestamp_seconds"
#: Moves of the class between circuits (counter; labels: site, class).
SDWAN_CLASS_TRANSITIONS = "runbook_sdwan_class_transitions_total"
#: 1, labelled with the sha256 digest of the policy file the agent runs (labels: site, digest).
SDWAN_AGENT_POLICY_INFO = "runbook_sdwan_agent_policy_info"

# --- recording rules ---------------------------------------------------------------------------
#: Location-level state: 1 while any circuit of the site passes traffic (labels: site, region).
SITE_UP = "runbook:site_up"
#: Share of the last 30 days the site was up (labels: site, region).
SITE_AVAILABILITY_30D = "runbook:site_availability:ratio_30d"


class Alert(StrEnum):
    """Alert names of the generated rules (``alertname`` label)."""

    CIRCUIT_DOWN = "CircuitDown"
    CIRCUIT_SLA_BREACH = "CircuitSLABreach"
    SITE_DOWN = "SiteDown"
    PROVIDER_OUTAGE = "ProviderOutage"
    PROBE_DOWN = "ProbeDown"
    CONFIG_DRIFT = "ConfigDrift"
    ROLLOUT_HALTED = "RolloutHalted"
    CHANGE_OVERDUE = "ChangeOverdue"


class Severity(StrEnum):
    """``severity`` label values, most urgent first."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

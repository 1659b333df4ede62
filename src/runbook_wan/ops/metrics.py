"""Metric, label and alert names: one definition for the probe, the edge agent, the generated rules and the readers.

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
#: An application class of the site's SD-WAN policy (``voice``, ``pos``, ...).
APP_CLASS = "class"
#: The SD-WAN policy of the site (a target label Prometheus adds to the agent's series).
POLICY = "policy"
#: The circuit a class prefers (first of its path): on the ``ClassOffPreferred`` event.
PREFERRED = "preferred"
#: ``sha256:<hex>`` of the agent's policy file.
DIGEST = "digest"
#: The edge agent's health of a circuit for a class: ``unknown``, ``ok``, ``degrading``, ``breached``,
#: ``recovering`` (docs/agent.md, "Deciding").
HEALTH = "health"
#: On CircuitSLABreach: ``carried`` (a class is on the circuit now: a page by the route) or ``standby``
#: (nothing is on it now: a low-priority ticket or digest). See ``monitoring.impact``.
IMPACT = "impact"

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
#: Each class's path, from the intents: 1 for the circuit it prefers, 2 for the next ... (labels: site, region,
#: class, circuit). Where no edge agent runs, a class is on the first circuit of its path that is up.
CLASS_CIRCUIT_PREFERENCE = "runbook_class_circuit_preference"
#: Each class's own SLA at the site (labels: site, region, class); latency as a round-trip budget.
CLASS_SLA_LOSS = "runbook_class_sla_loss_ratio"
CLASS_SLA_LATENCY = "runbook_class_sla_latency_seconds"
CLASS_SLA_JITTER = "runbook_class_sla_jitter_seconds"
#: Seconds since the oldest intents change that is not yet deployed and verified (no labels).
CHANGE_OPEN = "runbook_change_open_seconds"
#: The customer's promise: a configuration change is done (deployed and verified) within one hour.
CHANGE_PROMISE_SECONDS = 3600.0

# --- exported by the notifier (its loopback listener's /metrics) --------------------------------
#: Seconds since the first page of a firing incident nobody acknowledged yet (labels: incident,
#: paged_alertname, site, region, severity). Gone once acknowledged or resolved.
INCIDENT_UNACKNOWLEDGED = "runbook_incident_unacknowledged_seconds"
#: The alert an incident is about (not ``alertname``: an alert rule over the series sets its own).
PAGED_ALERTNAME = "paged_alertname"
#: The notifier's scrape job (its loopback listener's ``/metrics``).
NOTIFIER_JOB = "runbook-notifier"
#: Engagement over the last 30 days (no labels): share of paged incidents acknowledged by a person
#: within the promise, time to acknowledge (``quantile`` 0.5 and 0.9), incidents and breaches.
ENGAGEMENT_MET_RATIO = "runbook_engagement_met_ratio"
ENGAGEMENT_ACK_SECONDS = "runbook_engagement_ack_seconds"
ENGAGEMENT_INCIDENTS = "runbook_engagement_incidents"
ENGAGEMENT_BREACHES = "runbook_engagement_breaches"
#: The customer's promise: every page is acknowledged by a person within ten minutes.
ENGAGEMENT_PROMISE_SECONDS = 600.0
#: Label of EngagementOverdue naming the incident nobody acknowledged.
INCIDENT = "incident"
# --- exported by the edge agent on each FRR router (``runbook-agent``, docs/agent.md) -----------
# The agent cannot import this module (it imports nothing of the controller): a test pins its names
# to these. Latency and jitter are one-way figures, comparable with the policies' SLAs as written.
#: Loss over the last window, 0..1 (labels: site, circuit).
SDWAN_CIRCUIT_LOSS = "runbook_sdwan_circuit_loss_ratio"
#: One-way latency estimate over the last window, seconds (labels: site, circuit).
SDWAN_CIRCUIT_LATENCY = "runbook_sdwan_circuit_latency_seconds"
#: Jitter over the last window, seconds (labels: site, circuit).
SDWAN_CIRCUIT_JITTER = "runbook_sdwan_circuit_jitter_seconds"
#: Probes sent (counter; labels: site, circuit).
SDWAN_PROBES_SENT = "runbook_sdwan_circuit_probes_sent_total"
#: 1 for the circuit the class is on now, 0 for its other allowed circuits (labels: site, class, circuit).
SDWAN_CLASS_CIRCUIT = "runbook_sdwan_class_circuit"
#: 1 while the circuit meets the class SLA (labels: site, class, circuit).
SDWAN_CLASS_SLA_MET = "runbook_sdwan_class_sla_met"
#: Always 1; the agent's health of the circuit for the class as a label, one series per class and
#: allowed circuit (labels: site, class, circuit, health).
SDWAN_CLASS_HEALTH = "runbook_sdwan_class_circuit_health"
#: Unix time the class moved to its current circuit (labels: site, class).
SDWAN_CLASS_SINCE = "runbook_sdwan_class_since_timestamp_seconds"
#: Moves (counter; labels: site, class).
SDWAN_CLASS_TRANSITIONS = "runbook_sdwan_class_transitions_total"
#: Always 1; the policy file's digest as a label (labels: site, digest).
SDWAN_AGENT_POLICY = "runbook_sdwan_agent_policy_info"
#: Every name the agent exports, in the contract's order (docs/agent.md).
SDWAN_AGENT_METRICS = (
    SDWAN_CIRCUIT_LOSS,
    SDWAN_CIRCUIT_LATENCY,
    SDWAN_CIRCUIT_JITTER,
    SDWAN_PROBES_SENT,
    SDWAN_CLASS_CIRCUIT,
    SDWAN_CLASS_SLA_MET,
    SDWAN_CLASS_HEALTH,
    SDWAN_CLASS_SINCE,
    SDWAN_CLASS_TRANSITIONS,
    SDWAN_AGENT_POLICY,
)
#: The agent's port on the router's management address unless its policy says otherwise.
SDWAN_AGENT_DEFAULT_PORT = 9469
#: The agent's JSON view of the same facts (docs/agent.md, "/state").
SDWAN_AGENT_STATE_PATH = "/state"

# --- recording rules ---------------------------------------------------------------------------
#: Location-level state: 1 while any circuit of the site passes traffic (labels: site, region).
SITE_UP = "runbook:site_up"
#: Share of the last 30 days the site was up (labels: site, region).
SITE_AVAILABILITY_30D = "runbook:site_availability:ratio_30d"
#: 1 for the circuit each class is on right now: the agent's word where one runs, else the first
#: circuit of the class's path that is up (labels: site, class, circuit).
CLASS_CIRCUIT_ACTIVE = "runbook:class_circuit:active"
#: Per circuit, the strictest SLA of the classes on it right now (absent: it carries none).
CIRCUIT_CARRIED_SLA_LOSS = "runbook:circuit_sla_carried:loss_ratio"
CIRCUIT_CARRIED_SLA_LATENCY = "runbook:circuit_sla_carried:latency_seconds"
CIRCUIT_CARRIED_SLA_JITTER = "runbook:circuit_sla_carried:jitter_seconds"
#: Per circuit, the mean over the SLA window of the samples taken while it was up.
CIRCUIT_LOSS_MEAN = "runbook:circuit_loss_ratio:avg_up"
CIRCUIT_LATENCY_MEAN = "runbook:circuit_latency_seconds:avg_up"
CIRCUIT_JITTER_MEAN = "runbook:circuit_jitter_seconds:avg_up"


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
    ENGAGEMENT_OVERDUE = "EngagementOverdue"
    #: An event, never a page: an SD-WAN class runs on another circuit than its preferred one.
    CLASS_OFF_PREFERRED = "ClassOffPreferred"
    #: The edge agent of a site cannot be scraped (routing still works; SLA steering is frozen).
    AGENT_DOWN = "SdwanAgentDown"


#: Events: recorded in the incident timeline and shown on the pane, sent to nobody (never a page).
EVENT_ALERTS = (Alert.CLASS_OFF_PREFERRED,)


class Severity(StrEnum):
    """``severity`` label values, most urgent first."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class Impact(StrEnum):
    """``impact`` label of CircuitSLABreach: does the circuit carry an application class right now?"""

    #: A class is on the circuit now: its users feel the breach (a page, by the route).
    CARRIED = "carried"
    #: No class is on it now (a backup standing by): a low-priority ticket or digest.
    STANDBY = "standby"

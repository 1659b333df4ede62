"""Prometheus recording and alert rules, from the timing profile and the metric names in ``ops.metrics``.

Flapping is handled in the rules, not in Alertmanager: ``for`` keeps a short outage from paging,
``keep_firing_for`` keeps a flapping circuit one incident instead of many. SiteDown needs less
time than CircuitDown, so when a whole site goes down SiteDown fires first and Alertmanager's
inhibition hides the circuit alerts it explains; ProviderOutage likewise fires before the
CircuitDown alerts of its provider.

CircuitSLABreach pages only when the circuit carries an application class right now; a breach on a
circuit standing by is a low-priority ticket (:mod:`runbook_wan.monitoring.impact`).

EngagementOverdue watches the notifier's own metric: an incident that paged somebody and is still
unacknowledged at the ten-minute promise. The notifier escalates that incident at once when the
alert reaches it (whatever the route's own escalation delay).

RolloutHalted is not a rule: ``deploy`` posts it to Alertmanager itself when a rollout halts or
rolls a site back (the event happens in deploy, not in a metric), with the same labels, routes
and receivers as every other alert.
"""

from __future__ import annotations

from typing import Any

from runbook_wan.monitoring import impact
from runbook_wan.monitoring.timing import Timing, duration
from runbook_wan.ops import metrics as m
from runbook_wan.ops.metrics import Alert, Severity

PROBE_JOB = "runbook-probe"
#: Intermediate recording rule for the 30-day availability (a 5-minute mean, cheap to keep 30 days of).
SITE_UP_5M = "runbook:site_up:ratio_5m"
#: How often the availability rules run, in evaluation intervals of the production profile (5 min).
AVAILABILITY_EVERY = 60

#: "sea-001 primary_dia (fibrelink)" in a summary.
CIRCUIT = impact.CIRCUIT_LABEL


def _alert(
    name: Alert,
    expr: str,
    hold: float,
    severity: Severity,
    summary: str,
    description: str,
    timing: Timing,
    *,
    keep_firing: bool = True,
    **labels: str,
) -> dict[str, Any]:
    rule: dict[str, Any] = {"alert": name.value, "expr": expr}
    if hold > 0:
        rule["for"] = duration(hold)
    if keep_firing:
        rule["keep_firing_for"] = duration(timing.keep_firing_for)
    rule["labels"] = {m.SEVERITY: severity.value, **labels}
    rule["annotations"] = {"summary": summary, "description": description}
    return rule


def rule_groups(timing: Timing) -> dict[str, Any]:
    """The rules file (``groups:``)."""
    up = m.CIRCUIT_UP
    down_provider = f"count by ({m.PROVIDER}) ({up} == 0)"
    site = [
        {"record": m.SITE_UP, "expr": f"max by ({m.SITE}, {m.REGION}) ({up})"},
        _alert(
            Alert.SITE_DOWN,
            f"{m.SITE_UP} == 0",
            timing.site_down_for,
            Severity.CRITICAL,
            f"{{{{ $labels.{m.SITE} }}}} is down: no circuit passes traffic",
            "Every circuit of the site failed its probe: expected at least one circuit to reach its provider "
            "from the site's LAN, got none.",
            timing,
        ),
    ]
    circuits = [
        *impact.recording_rules(timing),
        _alert(
            Alert.CIRCUIT_DOWN,
            f"{up} == 0",
            timing.circuit_down_for,
            Severity.WARNING,
            f"{CIRCUIT} is down",
            "No reply from the provider's tracking address through this circuit: expected replies to the "
            "site's LAN-side probe, got none.",
            timing,
        ),
        *impact.sla_rules(timing),
    ]
    providers = [
        _alert(
            Alert.PROVIDER_OUTAGE,
            f"{down_provider} >= 3\nor\n({down_provider} >= 2\n"
            f" and on({m.PROVIDER}) {down_provider} / count by ({m.PROVIDER}) ({up}) >= 0.5)",
            timing.site_down_for,
            Severity.CRITICAL,
            f"outage at {{{{ $labels.{m.PROVIDER} }}}}: {{{{ $value }}}} circuits down",
            "Circuits of one provider are down at several sites at once: expected independent failures, got "
            "{{ $value }} circuits down together (one carrier ticket for all of them).",
            timing,
        ),
    ]
    stale = 3 * timing.probe_interval + timing.scrape_interval
    probe = [
        _alert(
            Alert.PROBE_DOWN,
            f'up{{job="{PROBE_JOB}"}} == 0\nor absent(up{{job="{PROBE_JOB}"}})\n'
            f"or time() - {m.PROBE_LAST_CYCLE} > {stale:g}",
            timing.probe_down_for,
            Severity.CRITICAL,
            "the Runbook probe is not measuring",
            "Expected a measurement cycle every probe interval, got none: circuit and site alerts are held "
            "back until the probe is back (they would all be false).",
            timing,
        ),
    ]
    changes = [
        _alert(
            Alert.CONFIG_DRIFT,
            f"{m.CONFIG_DRIFT} == 1",
            timing.config_drift_for,
            Severity.WARNING,
            f"{{{{ $labels.{m.SITE} }}}} runs a config that differs from configs/",
            "Expected the running config to equal the rendered one, got a difference: someone changed the "
            "device by hand, or a deploy did not finish (`runbook.py plan` shows it).",
            timing,
        ),
        _alert(
            Alert.CHANGE_OVERDUE,
            f"{m.CHANGE_OPEN} > {int(timing.change_overdue_after)}",
            0,
            Severity.WARNING,
            "an intents change has been open {{ $value | humanizeDuration }}, longer than the one-hour promise",
            "Expected every committed intents change to be deployed and verified within one hour, got one still "
            "open (`runbook.py report lead-time` shows it).",
            timing,
        ),
    ]
    engagement = [
        _alert(
            Alert.ENGAGEMENT_OVERDUE,
            f"{m.INCIDENT_UNACKNOWLEDGED} >= {m.ENGAGEMENT_PROMISE_SECONDS:g}",
            0,
            Severity.CRITICAL,
            f"incident {{{{ $labels.{m.INCIDENT} }}}} ({{{{ $labels.{m.PAGED_ALERTNAME} }}}} "
            f"{{{{ $labels.{m.SITE} }}}}) not acknowledged for {{{{ $value | humanizeDuration }}}}",
            "Expected every page to be acknowledged by a person within ten minutes, got no answer yet: the "
            "notifier escalates the incident now (`runbook.py incidents` shows who was told).",
            timing,
            # Gone as soon as somebody answers: the series ends with the acknowledgement.
            keep_firing=False,
        ),
    ]
    availability_every = duration(AVAILABILITY_EVERY * timing.evaluation_interval)
    return {
        "groups": [
            {"name": "runbook-site", "rules": site},
            {"name": "runbook-circuits", "rules": circuits},
            {"name": "runbook-providers", "rules": providers},
            {"name": "runbook-probe", "rules": probe},
            {"name": "runbook-changes", "rules": changes},
            {"name": "runbook-engagement", "rules": engagement},
            {
                "name": "runbook-availability",
                "interval": availability_every,
                "rules": [
                    {"record": SITE_UP_5M, "expr": f"avg_over_time({m.SITE_UP}[{availability_every}])"},
                    {"record": m.SITE_AVAILABILITY_30D, "expr": f"avg_over_time({SITE_UP_5M}[30d])"},
                ],
            },
        ]
    }

"""Prometheus's own config: scrape the probe and the notifier, load the rules, send alerts to Alertmanager."""

from __future__ import annotations

from typing import Any

from runbook_wan.monitoring.endpoints import Endpoints
from runbook_wan.monitoring.rules import PROBE_JOB
from runbook_wan.monitoring.timing import Timing, duration
from runbook_wan.ops.metrics import NOTIFIER_JOB

RULES_FILE = "rules/runbook.rules.yml"


def prometheus_config(
    estate: str, timing: Timing, endpoints: Endpoints, rules_file: str = RULES_FILE
) -> dict[str, Any]:
    return {
        "global": {
            "scrape_interval": duration(timing.scrape_interval),
            "evaluation_interval": duration(timing.evaluation_interval),
            "external_labels": {"estate": estate},
        },
        "rule_files": [rules_file],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [endpoints.alertmanager]}]}]},
        "scrape_configs": [
            {
                "job_name": PROBE_JOB,
                "scrape_timeout": duration(min(10.0, timing.scrape_interval)),
                "static_configs": [{"targets": [endpoints.probe]}],
            },
            {
                # Engagement: unacknowledged incidents (EngagementOverdue) and the 30-day figures.
                "job_name": NOTIFIER_JOB,
                "scrape_interval": duration(timing.context_scrape_interval),
                "scrape_timeout": duration(min(10.0, timing.context_scrape_interval)),
                "static_configs": [{"targets": [endpoints.notifier]}],
            },
        ],
    }

"""Monitoring of the SD-WAN edge agents: their scrape job, their rules and the tests of those rules.

Every FRR site runs an agent on its router (docs/agent.md) that measures its circuits and moves
application classes between them; it serves ``/metrics`` on the router's management address.

* **Scrape job** ``runbook-agent``: targets come from a file (Prometheus ``file_sd``), because
  management addresses live in the inventory (``inventory/hosts.yaml``, git-ignored), not in the
  intents. ``runbook.py monitor up`` writes that file; ``monitor targets`` writes it for your own
  Prometheus. Each target carries ``site``, ``region`` and ``policy`` labels; ``honor_labels``
  keeps the agent's own ``site`` label as it exports it.
* **ClassOffPreferred** (severity ``info``): a class runs on another circuit than the first of
  its path. It is an *event*: Alertmanager sends it to the ``runbook-events`` receiver, which the
  notifier records in the incident timeline and sends to nobody (:mod:`.alertmanager`). The agent
  already confirmed the move over several windows, so the rule has no ``for`` of its own.
* **SdwanAgentDown** (severity ``warning``): an agent cannot be scraped. Routing still works
  (reachability failover stays with BGP and BFD), but its classes no longer move on SLA.
"""

from __future__ import annotations

from typing import Any

from runbook_wan.model.estate import Estate
from runbook_wan.monitoring.timing import Timing, duration
from runbook_wan.ops import metrics as m
from runbook_wan.ops.metrics import Alert, Severity

AGENT_JOB = "runbook-agent"
#: The file_sd file, beside prometheus.yml (relative paths resolve against the config's folder).
AGENT_TARGETS_FILE = "agent-targets.json"
GROUP = "runbook-sdwan"


def scrape_config(timing: Timing) -> dict[str, Any]:
    """The ``runbook-agent`` scrape job."""
    return {
        "job_name": AGENT_JOB,
        "honor_labels": True,
        "scrape_interval": duration(timing.context_scrape_interval),
        "scrape_timeout": duration(min(10.0, timing.context_scrape_interval)),
        "file_sd_configs": [{"files": [AGENT_TARGETS_FILE], "refresh_interval": duration(timing.scrape_interval)}],
    }


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def preferred_circuits(estate: Estate) -> list[tuple[str, str, str]]:
    """(policy, class, preferred circuit role) for every class of every policy, in file order."""
    return [
        (pname, cname, str(app.path_preference[0]))
        for pname, policy in sorted(estate.policies.items())
        for cname, app in policy.classes.items()
    ]


def off_preferred_expr(estate: Estate) -> str:
    """One branch per policy class: the class's current circuit, when it is not its preferred one."""
    branches = []
    for policy, app_class, preferred in preferred_circuits(estate):
        selector = (
            f"{m.SDWAN_CLASS_CIRCUIT}{{{m.POLICY}={_quote(policy)}, {m.APP_CLASS}={_quote(app_class)}, "
            f"{m.CIRCUIT}!={_quote(preferred)}}} == 1"
        )
        branches.append(f'label_replace({selector}, "{m.PREFERRED}", {_quote(preferred)}, "", "")')
    return "\nor ".join(branches) if branches else "vector(0) == 1"


def rule_group(estate: Estate, timing: Timing) -> dict[str, Any]:
    """The ``runbook-sdwan`` rule group."""
    labels = f"{{{{ $labels.{m.SITE} }}}} {{{{ $labels.{m.APP_CLASS} }}}}"
    return {
        "name": GROUP,
        "rules": [
            {
                "alert": Alert.CLASS_OFF_PREFERRED.value,
                "expr": off_preferred_expr(estate),
                "labels": {m.SEVERITY: Severity.INFO.value},
                "annotations": {
                    "summary": f"{labels} runs on {{{{ $labels.{m.CIRCUIT} }}}}, "
                    f"off its preferred {{{{ $labels.{m.PREFERRED} }}}}",
                    "description": "The site's SD-WAN agent moved the class (an event, recorded, never a page): "
                    "its preferred circuit breaks the class SLA or is down. The site's page shows the figures "
                    "against the class's thresholds and since when (`runbook.py status`).",
                },
            },
            {
                "alert": Alert.AGENT_DOWN.value,
                "expr": f'up{{job="{AGENT_JOB}"}} == 0',
                "for": duration(timing.circuit_down_for),
                "keep_firing_for": duration(timing.keep_firing_for),
                "labels": {m.SEVERITY: Severity.WARNING.value},
                "annotations": {
                    "summary": f"the SD-WAN agent of {{{{ $labels.{m.SITE} }}}} does not answer",
                    "description": "Expected the agent's /metrics at {{ $labels.instance }}, got no answer. Routing "
                    "still works (reachability failover stays with BGP and BFD), but the site's classes no "
                    "longer move on SLA breaches until the agent is back.",
                },
            },
        ],
    }


def _series(metric: str, labels: dict[str, str], values: str) -> dict[str, str]:
    inner = ",".join(f"{k}={_quote(v)}" for k, v in labels.items())
    return {"series": f"{metric}{{{inner}}}", "values": values}


def _at(steps: int, timing: Timing) -> str:
    return duration(steps * timing.scrape_interval)


def unit_tests(estate: Estate, timing: Timing, site: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """``promtool test rules`` cases of the group (appended to the generated rule tests); ``site``:
    the example site's id and region (default: the estate's first site)."""
    tests: list[dict[str, Any]] = []
    chosen = next(iter(preferred_circuits(estate)), None)
    if site is None:
        site = next(((sid, intent.region) for sid, intent in sorted(estate.sites.items())), None)
    if chosen is not None and site is not None:
        policy, app_class, preferred = chosen
        sid, region = site
        path = [str(r) for r in estate.policies[policy].classes[app_class].path_preference]
        other = next((r for r in path if r != preferred), None)
        base = {m.SITE: sid, m.REGION: region, m.POLICY: policy, m.APP_CLASS: app_class}
        if other is not None:
            n = 6
            tests.append(
                {
                    "name": f"{app_class} moved off {preferred}: one info event, resolved when it returns",
                    "interval": duration(timing.scrape_interval),
                    "input_series": [
                        _series(m.SDWAN_CLASS_CIRCUIT, {**base, m.CIRCUIT: preferred}, f"1 1 0x{n} 1x{n}"),
                        _series(m.SDWAN_CLASS_CIRCUIT, {**base, m.CIRCUIT: other}, f"0 0 1x{n} 0x{n}"),
                    ],
                    "alert_rule_test": [
                        {"eval_time": _at(1, timing), "alertname": Alert.CLASS_OFF_PREFERRED.value, "exp_alerts": []},
                        {
                            "eval_time": _at(3, timing),
                            "alertname": Alert.CLASS_OFF_PREFERRED.value,
                            "exp_alerts": [
                                {
                                    "exp_labels": {
                                        **base,
                                        m.CIRCUIT: other,
                                        m.PREFERRED: preferred,
                                        m.SEVERITY: Severity.INFO.value,
                                    },
                                    "exp_annotations": {
                                        "summary": f"{sid} {app_class} runs on {other}, off its preferred {preferred}",
                                        "description": rule_group(estate, timing)["rules"][0]["annotations"][
                                            "description"
                                        ],
                                    },
                                }
                            ],
                        },
                        {
                            "eval_time": _at(n + 4, timing),
                            "alertname": Alert.CLASS_OFF_PREFERRED.value,
                            "exp_alerts": [],
                        },
                    ],
                }
            )
        hold = max(1, round(timing.circuit_down_for / timing.scrape_interval))
        target = {"job": AGENT_JOB, "instance": "192.0.2.1:9469", m.SITE: sid, m.REGION: region}
        tests.append(
            {
                "name": "an agent that cannot be scraped: SdwanAgentDown after its `for`",
                "interval": duration(timing.scrape_interval),
                "input_series": [_series("up", target, f"1 0x{hold + 4}")],
                "alert_rule_test": [
                    {"eval_time": _at(hold, timing), "alertname": Alert.AGENT_DOWN.value, "exp_alerts": []},
                    {
                        "eval_time": _at(hold + 2, timing),
                        "alertname": Alert.AGENT_DOWN.value,
                        "exp_alerts": [
                            {
                                "exp_labels": {**target, m.SEVERITY: Severity.WARNING.value},
                                "exp_annotations": {
                                    "summary": f"the SD-WAN agent of {sid} does not answer",
                                    "description": rule_group(estate, timing)["rules"][1]["annotations"][
                                        "description"
                                    ].replace("{{ $labels.instance }}", target["instance"]),
                                },
                            }
                        ],
                    },
                ],
            }
        )
    return tests

"""``promtool test rules`` cases for every rule, generated with the rules (same timing, real labels).

Each case states what a user would see: the alert fires after its ``for`` and not before; a
circuit that flaps faster than ``for`` never pages; one that flaps slower stays one alert
(``keep_firing_for``); SLA breaches say "expected X, got Y". The timing profile sets the series
interval, so the file tests the rules exactly as committed.
"""

from __future__ import annotations

import math
import re
from typing import Any

from runbook_wan.model.roles import CircuitRole
from runbook_wan.monitoring.rules import PROBE_JOB, rule_groups
from runbook_wan.monitoring.targets import CircuitTarget, ProbeTargets, SiteTarget
from runbook_wan.monitoring.timing import Timing, duration
from runbook_wan.ops import metrics as m
from runbook_wan.ops.metrics import Alert


def humanize_percentage(value: float) -> str:
    """Prometheus's ``humanizePercentage``."""
    return f"{value * 100:.4g}%"


def humanize_duration(value: float) -> str:
    """Prometheus's ``humanizeDuration`` (for the values alerts carry: under a day)."""
    if value == 0:
        return "0s"
    if abs(value) >= 1:
        whole = int(value)
        hours, minutes, seconds = whole // 3600 % 24, whole // 60 % 60, whole % 60
        if whole // 86400:
            return f"{whole // 86400}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{minutes}m {seconds}s"
        return f"{value:.4g}s"
    prefix = ""
    for unit in ("m", "u", "n", "p"):
        if abs(value) >= 1:
            break
        prefix, value = unit, value * 1000
    return f"{value:.4g}{prefix}s"


_HUMANIZE = {"humanizePercentage": humanize_percentage, "humanizeDuration": humanize_duration}


def _go_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def expand(template: str, labels: dict[str, str], value: float, queried: float | None = None) -> str:
    """The annotation text Prometheus makes of ``template`` (the subset our rules use)."""

    def query(found: re.Match[str]) -> str:
        assert queried is not None, "template queries a series the test does not give"
        return _HUMANIZE[found.group(1)](queried)

    text = re.sub(
        r"\{\{ with printf .*? \| query \}\}\{\{ \. \| first \| value \| (\w+) \}\}\{\{ end \}\}", query, template
    )
    text = re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda f: labels.get(f.group(1), ""), text)
    text = re.sub(r"\{\{ \$value \| (\w+) \}\}", lambda f: _HUMANIZE[f.group(1)](value), text)
    return text.replace("{{ $value }}", _go_number(value))


def expected(
    timing: Timing, alert: Alert, labels: dict[str, str], value: float, queried: float | None = None, **match: str
) -> dict[str, Any]:
    """``exp_labels`` and ``exp_annotations`` of one firing alert, from the rule as generated."""
    for group in rule_groups(timing)["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == alert.value and all(rule["labels"].get(k) == v for k, v in match.items()):
                all_labels = {**labels, **rule["labels"]}
                notes = {k: expand(v, all_labels, value, queried) for k, v in rule["annotations"].items()}
                return {"exp_labels": all_labels, "exp_annotations": notes}
    raise KeyError(alert)


def _labels(site: SiteTarget, circuit: CircuitTarget) -> dict[str, str]:
    return {m.SITE: site.site, m.REGION: site.region, m.CIRCUIT: circuit.circuit, m.PROVIDER: circuit.provider}


def _series(metric: str, labels: dict[str, str], values: str) -> dict[str, str]:
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
    return {"series": f"{metric}{{{inner}}}", "values": values}


def _steps(seconds: float, timing: Timing) -> int:
    return math.ceil(seconds / timing.scrape_interval)


def _at(steps: int, timing: Timing) -> str:
    return duration(steps * timing.scrape_interval)


def _constant(value: float | int, steps: int) -> str:
    return f"{value:g}x{steps}"


class _Builder:
    def __init__(self, targets: ProbeTargets, timing: Timing) -> None:
        self.t = timing
        self.targets = targets
        self.site = next(iter(targets.sites.values()))
        self.circuits = self.site.circuits
        self.horizon = _steps(max(timing.sla_window, timing.sla_for) + 4 * timing.keep_firing_for, timing) + 8

    def base(self, length: int | None = None, down: dict[str, str] | None = None) -> list[dict[str, str]]:
        """Every circuit of the site up (unless ``down`` gives its values), and a healthy probe."""
        n = length or self.horizon
        series = []
        for c in self.circuits:
            values = (down or {}).get(c.circuit, _constant(1, n))
            series.append(_series(m.CIRCUIT_UP, _labels(self.site, c), values))
        series.append(_series("up", {"job": PROBE_JOB, "instance": "probe"}, _constant(1, n)))
        # The probe's cycle timestamp advances in step with the series: start 0, +interval per step.
        series.append(_series(m.PROBE_LAST_CYCLE, {}, f"0+{self.t.scrape_interval:g}x{n}"))
        return series

    def circuit_down_alert(self, circuit: CircuitTarget) -> dict[str, Any]:
        return expected(self.t, Alert.CIRCUIT_DOWN, _labels(self.site, circuit), 0)

    def circuit_down(self) -> list[dict[str, Any]]:
        first = self.circuits[0]
        start = 2
        hold = _steps(self.t.circuit_down_for, self.t)
        tests = [
            {"eval_time": _at(start + hold - 1, self.t), "alertname": Alert.CIRCUIT_DOWN.value, "exp_alerts": []},
            {
                "eval_time": _at(start + hold + 1, self.t),
                "alertname": Alert.CIRCUIT_DOWN.value,
                "exp_alerts": [self.circuit_down_alert(first)],
            },
            {"eval_time": _at(start + hold + 1, self.t), "alertname": Alert.SITE_DOWN.value, "exp_alerts": []},
        ]
        values = f"1x{start - 1} 0x{self.horizon}"
        return [
            {
                "name": "one circuit down: CircuitDown after its `for`, the site stays up",
                "interval": duration(self.t.scrape_interval),
                "input_series": self.base(down={first.circuit: values}),
                "alert_rule_test": tests,
                "promql_expr_test": [
                    {
                        "expr": m.SITE_UP,
                        "eval_time": _at(start + hold + 1, self.t),
                        "exp_samples": [
                            {
                                "labels": f'{m.SITE_UP}{{{m.SITE}="{self.site.site}",{m.REGION}="{self.site.region}"}}',
                                "value": 1,
                            }
                        ],
                    }
                ],
            }
        ]

    def flapping(self) -> list[dict[str, Any]]:
        first = self.circuits[0]
        hold = _steps(self.t.circuit_down_for, self.t)
        # Down for less than `for` each time, up in between: never a page.
        short_down = max(1, hold - 1)
        pattern = " ".join((["0"] * short_down + ["1"]) * (self.horizon // (short_down + 1) + 1))
        quiet = [
            {"eval_time": _at(step, self.t), "alertname": Alert.CIRCUIT_DOWN.value, "exp_alerts": []}
            for step in range(short_down, self.horizon, max(1, self.horizon // 6))
        ]
        # Down longer than `for`, up shorter than keep_firing_for: one alert that never resolves in between.
        long_down = hold + 2
        up_gap = max(1, _steps(self.t.keep_firing_for, self.t) - 2)
        long_pattern = " ".join((["0"] * long_down + ["1"] * up_gap) * (self.horizon // (long_down + up_gap) + 1))
        steady = [
            {
                "eval_time": _at(step, self.t),
                "alertname": Alert.CIRCUIT_DOWN.value,
                "exp_alerts": [self.circuit_down_alert(first)],
            }
            for step in range(long_down + 1, self.horizon - long_down, max(1, (long_down + up_gap) // 2))
        ]
        return [
            {
                "name": "a circuit flapping faster than `for` never pages",
                "interval": duration(self.t.scrape_interval),
                "input_series": self.base(down={first.circuit: pattern}),
                "alert_rule_test": quiet,
            },
            {
                "name": "a circuit flapping slower stays one alert (keep_firing_for bridges the short recoveries)",
                "interval": duration(self.t.scrape_interval),
                "input_series": self.base(down={first.circuit: long_pattern}),
                "alert_rule_test": steady,
            },
        ]

    def site_down(self) -> list[dict[str, Any]]:
        start = 2
        hold = _steps(self.t.site_down_for, self.t)
        down = {c.circuit: f"1x{start - 1} 0x{self.horizon}" for c in self.circuits}
        return [
            {
                "name": "every circuit down: SiteDown after its `for`, before CircuitDown (Alertmanager inhibits that)",
                "interval": duration(self.t.scrape_interval),
                "input_series": self.base(down=down),
                "alert_rule_test": [
                    {"eval_time": _at(start + hold - 1, self.t), "alertname": Alert.SITE_DOWN.value, "exp_alerts": []},
                    {
                        "eval_time": _at(start + hold, self.t),
                        "alertname": Alert.SITE_DOWN.value,
                        "exp_alerts": [
                            expected(self.t, Alert.SITE_DOWN, {m.SITE: self.site.site, m.REGION: self.site.region}, 0)
                        ],
                    },
                    {"eval_time": _at(start + hold, self.t), "alertname": Alert.CIRCUIT_DOWN.value, "exp_alerts": []}
                    if hold < _steps(self.t.circuit_down_for, self.t)
                    else {"eval_time": "0s", "alertname": Alert.CIRCUIT_DOWN.value, "exp_alerts": []},
                ],
                "promql_expr_test": [
                    {
                        "expr": m.SITE_UP,
                        "eval_time": _at(start + 1, self.t),
                        "exp_samples": [
                            {
                                "labels": f'{m.SITE_UP}{{{m.SITE}="{self.site.site}",{m.REGION}="{self.site.region}"}}',
                                "value": 0,
                            }
                        ],
                    }
                ],
            }
        ]

    def sla(self) -> list[dict[str, Any]]:
        circuit = next(c for c in self.circuits if c.sla is not None)
        assert circuit.sla is not None
        cases = []
        hold = _steps(self.t.sla_for, self.t)
        n = self.horizon
        kinds = {
            "loss": (m.CIRCUIT_LOSS, m.CIRCUIT_SLA_LOSS, circuit.sla.loss_ratio),
            "latency": (m.CIRCUIT_LATENCY, m.CIRCUIT_SLA_LATENCY, circuit.sla.latency_seconds),
            "jitter": (m.CIRCUIT_JITTER, m.CIRCUIT_SLA_JITTER, circuit.sla.jitter_seconds),
        }
        for kind, (metric, threshold_metric, threshold) in kinds.items():
            bad = max(threshold * 4, 0.01)
            labels = _labels(self.site, circuit)
            series = [
                *self.base(),
                _series(metric, labels, _constant(bad, n)),
                _series(threshold_metric, labels, _constant(threshold, n)),
            ]
            cases.append(
                {
                    "name": f"{kind} above the circuit's SLA: CircuitSLABreach after `for`, saying expected and got",
                    "interval": duration(self.t.scrape_interval),
                    "input_series": series,
                    "alert_rule_test": [
                        {
                            "eval_time": _at(hold - 1, self.t),
                            "alertname": Alert.CIRCUIT_SLA_BREACH.value,
                            "exp_alerts": [],
                        },
                        {
                            "eval_time": _at(hold + 1, self.t),
                            "alertname": Alert.CIRCUIT_SLA_BREACH.value,
                            "exp_alerts": [
                                expected(self.t, Alert.CIRCUIT_SLA_BREACH, labels, bad, threshold, sla=kind)
                            ],
                        },
                    ],
                }
            )
        # A down circuit is CircuitDown, not an SLA breach (its loss is 100 %).
        labels = _labels(self.site, circuit)
        down = {circuit.circuit: _constant(0, n)}
        cases.append(
            {
                "name": "a down circuit raises no SLA breach (CircuitDown says it)",
                "interval": duration(self.t.scrape_interval),
                "input_series": [
                    *self.base(down=down),
                    _series(m.CIRCUIT_LOSS, labels, _constant(1, n)),
                    _series(m.CIRCUIT_SLA_LOSS, labels, _constant(circuit.sla.loss_ratio, n)),
                ],
                "alert_rule_test": [
                    {"eval_time": _at(hold + 2, self.t), "alertname": Alert.CIRCUIT_SLA_BREACH.value, "exp_alerts": []}
                ],
            }
        )
        # An outage followed by a clean recovery leaves no breach: only samples taken while up count.
        outage = _steps(self.t.circuit_down_for, self.t) + 4
        cases.append(
            {
                "name": "a circuit back from an outage raises no SLA breach (its lost echoes were CircuitDown's)",
                "interval": duration(self.t.scrape_interval),
                "input_series": [
                    *self.base(down={circuit.circuit: f"0x{outage} 1x{n}"}),
                    _series(m.CIRCUIT_LOSS, labels, f"1x{outage} 0x{n}"),
                    _series(m.CIRCUIT_SLA_LOSS, labels, _constant(circuit.sla.loss_ratio, n + outage)),
                ],
                "alert_rule_test": [
                    {
                        "eval_time": _at(outage + hold + 2, self.t),
                        "alertname": Alert.CIRCUIT_SLA_BREACH.value,
                        "exp_alerts": [],
                    }
                ],
            }
        )
        return cases

    def provider_outage(self) -> list[dict[str, Any]]:
        n = self.horizon
        hold = _steps(self.t.site_down_for, self.t)
        provider = "carrier-x"

        def circuit(i: int, values: str) -> dict[str, str]:
            primary = CircuitRole.PRIMARY_DIA.value
            labels = {m.SITE: f"site-{i}", m.REGION: "r", m.CIRCUIT: primary, m.PROVIDER: provider}
            return _series(m.CIRCUIT_UP, labels, values)

        return [
            {
                "name": "half of a provider's circuits down together: one ProviderOutage for the provider",
                "interval": duration(self.t.scrape_interval),
                "input_series": [
                    *self.base(),
                    circuit(1, _constant(0, n)),
                    circuit(2, _constant(0, n)),
                    circuit(3, _constant(1, n)),
                ],
                "alert_rule_test": [
                    {
                        "eval_time": _at(hold + 1, self.t),
                        "alertname": Alert.PROVIDER_OUTAGE.value,
                        "exp_alerts": [expected(self.t, Alert.PROVIDER_OUTAGE, {m.PROVIDER: provider}, 2)],
                    }
                ],
            },
            {
                "name": "one circuit down of several: no provider outage",
                "interval": duration(self.t.scrape_interval),
                "input_series": [
                    *self.base(),
                    circuit(1, _constant(0, n)),
                    circuit(2, _constant(1, n)),
                    circuit(3, _constant(1, n)),
                ],
                "alert_rule_test": [
                    {"eval_time": _at(hold + 1, self.t), "alertname": Alert.PROVIDER_OUTAGE.value, "exp_alerts": []}
                ],
            },
        ]

    def probe_down(self) -> list[dict[str, Any]]:
        n = self.horizon
        hold = _steps(self.t.probe_down_for, self.t)
        stale_steps = _steps(3 * self.t.probe_interval + self.t.scrape_interval, self.t)
        probe_alert = [expected(self.t, Alert.PROBE_DOWN, {"job": PROBE_JOB, "instance": "probe"}, 0)]
        frozen = f"0+{self.t.scrape_interval:g}x2 {2 * self.t.scrape_interval:g}x{n}"
        return [
            {
                "name": "the probe cannot be scraped: ProbeDown",
                "interval": duration(self.t.scrape_interval),
                "input_series": [_series("up", {"job": PROBE_JOB, "instance": "probe"}, f"1 0x{n}")],
                "alert_rule_test": [
                    {
                        "eval_time": _at(1 + hold + 1, self.t),
                        "alertname": Alert.PROBE_DOWN.value,
                        "exp_alerts": probe_alert,
                    }
                ],
            },
            {
                "name": "the probe answers but stopped measuring: ProbeDown",
                "interval": duration(self.t.scrape_interval),
                "input_series": [
                    _series("up", {"job": PROBE_JOB, "instance": "probe"}, _constant(1, n)),
                    _series(m.PROBE_LAST_CYCLE, {}, frozen),
                ],
                "alert_rule_test": [
                    {"eval_time": _at(2, self.t), "alertname": Alert.PROBE_DOWN.value, "exp_alerts": []},
                    {
                        "eval_time": _at(2 + stale_steps + hold + 1, self.t),
                        "alertname": Alert.PROBE_DOWN.value,
                        "exp_alerts": [expected(self.t, Alert.PROBE_DOWN, {}, 0)],
                    },
                ],
            },
            {
                "name": "a healthy probe: no ProbeDown",
                "interval": duration(self.t.scrape_interval),
                "input_series": self.base(),
                "alert_rule_test": [
                    {"eval_time": _at(hold + 4, self.t), "alertname": Alert.PROBE_DOWN.value, "exp_alerts": []}
                ],
            },
        ]

    def changes(self) -> list[dict[str, Any]]:
        hold = _steps(self.t.config_drift_for, self.t)
        n = hold + 4
        site = {m.SITE: self.site.site, m.REGION: self.site.region}
        overdue = self.t.change_overdue_after
        return [
            {
                "name": "a device runs a config other than configs/: ConfigDrift after its `for`",
                "interval": duration(self.t.scrape_interval),
                "input_series": [_series(m.CONFIG_DRIFT, site, f"0 1x{n}")],
                "alert_rule_test": [
                    {"eval_time": _at(hold, self.t), "alertname": Alert.CONFIG_DRIFT.value, "exp_alerts": []},
                    {
                        "eval_time": _at(hold + 2, self.t),
                        "alertname": Alert.CONFIG_DRIFT.value,
                        "exp_alerts": [expected(self.t, Alert.CONFIG_DRIFT, site, 1)],
                    },
                ],
            },
            {
                "name": "an intents change open longer than allowed: ChangeOverdue",
                "interval": duration(self.t.scrape_interval),
                "input_series": [_series(m.CHANGE_OPEN, {}, f"{overdue - 1:g} {overdue + 1:g}x4")],
                "alert_rule_test": [
                    {"eval_time": "0s", "alertname": Alert.CHANGE_OVERDUE.value, "exp_alerts": []},
                    {
                        "eval_time": _at(2, self.t),
                        "alertname": Alert.CHANGE_OVERDUE.value,
                        "exp_alerts": [expected(self.t, Alert.CHANGE_OVERDUE, {}, overdue + 1)],
                    },
                ],
            },
        ]


def unit_tests(targets: ProbeTargets, timing: Timing, rules_file: str) -> dict[str, Any]:
    """The ``promtool test rules`` file for ``rules_file`` (a path relative to the test file)."""
    builder = _Builder(targets, timing)
    return {
        "rule_files": [rules_file],
        "evaluation_interval": duration(timing.evaluation_interval),
        "tests": [
            *builder.circuit_down(),
            *builder.flapping(),
            *builder.site_down(),
            *builder.sla(),
            *builder.provider_outage(),
            *builder.probe_down(),
            *builder.changes(),
        ],
    }

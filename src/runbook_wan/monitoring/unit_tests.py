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
from runbook_wan.monitoring import impact
from runbook_wan.monitoring.rules import PROBE_JOB, rule_groups
from runbook_wan.monitoring.targets import CircuitTarget, ProbeTargets, SiteTarget
from runbook_wan.monitoring.timing import Timing, duration
from runbook_wan.ops import metrics as m
from runbook_wan.ops.metrics import Alert, Severity


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


def _provider_region(site: SiteTarget, circuit: CircuitTarget) -> dict[str, str]:
    """Labels of a standby SLA breach: one alert per provider and region."""
    return {m.PROVIDER: circuit.provider, m.REGION: site.region}


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
        # Four flaps of the slower kind: enough to show the pattern, and promtool evaluates every step.
        horizon = _steps(4 * (self.t.circuit_down_for + self.t.keep_firing_for), self.t) + 8
        # Down for less than `for` each time, up in between: never a page.
        short_down = max(1, hold - 1)
        pattern = " ".join((["0"] * short_down + ["1"]) * (horizon // (short_down + 1) + 1))
        quiet = [
            {"eval_time": _at(step, self.t), "alertname": Alert.CIRCUIT_DOWN.value, "exp_alerts": []}
            for step in range(short_down, horizon, max(1, horizon // 6))
        ]
        # Down longer than `for`, up shorter than keep_firing_for: one alert that never resolves in between.
        long_down = hold + 2
        up_gap = max(1, _steps(self.t.keep_firing_for, self.t) - 2)
        long_pattern = " ".join((["0"] * long_down + ["1"] * up_gap) * (horizon // (long_down + up_gap) + 1))
        steady = [
            {
                "eval_time": _at(step, self.t),
                "alertname": Alert.CIRCUIT_DOWN.value,
                "exp_alerts": [self.circuit_down_alert(first)],
            }
            for step in range(long_down + 1, horizon - long_down, max(1, (long_down + up_gap) // 2))
        ]
        return [
            {
                "name": "a circuit flapping faster than `for` never pages",
                "interval": duration(self.t.scrape_interval),
                "input_series": self.base(horizon, down={first.circuit: pattern}),
                "alert_rule_test": quiet,
            },
            {
                "name": "a circuit flapping slower stays one alert (keep_firing_for bridges the short recoveries)",
                "interval": duration(self.t.scrape_interval),
                "input_series": self.base(horizon, down={first.circuit: long_pattern}),
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

    def classes(self, n: int, agent: dict[str, str] | None = None) -> list[dict[str, str]]:
        """The probe's static class series for the site (path ranks, SLAs); ``agent``: class -> the
        circuit the site's edge agent reports it on (the agent's series, as docs/agent.md fixes them)."""
        policy = self.targets.policies[self.site.policy]
        region = {m.SITE: self.site.site, m.REGION: self.site.region}
        series = []
        for name, cls in policy.classes.items():
            labels = {**region, m.APP_CLASS: name}
            for rank, circuit in enumerate(cls.path, 1):
                series.append(_series(m.CLASS_CIRCUIT_PREFERENCE, {**labels, m.CIRCUIT: circuit}, _constant(rank, n)))
            series.append(_series(m.CLASS_SLA_LOSS, labels, _constant(cls.loss_ratio, n)))
            series.append(_series(m.CLASS_SLA_LATENCY, labels, _constant(cls.latency_seconds, n)))
            series.append(_series(m.CLASS_SLA_JITTER, labels, _constant(cls.jitter_seconds, n)))
        if agent is not None:
            agent_labels = {m.SITE: self.site.site}
            series.append(_series(m.SDWAN_AGENT_POLICY, {**agent_labels, "digest": "sha256:test"}, _constant(1, n)))
            for name, cls in policy.classes.items():
                for circuit in cls.path:
                    on = 1 if agent.get(name, cls.path[0]) == circuit else 0
                    labels = {**agent_labels, m.APP_CLASS: name, m.CIRCUIT: circuit}
                    series.append(_series(m.SDWAN_CLASS_CIRCUIT, labels, _constant(on, n)))
        return series

    def carried_sla(self, circuit: str, kind: str, up: set[str], agent: dict[str, str] | None = None) -> float | None:
        """The strictest SLA (``kind``) of the classes on ``circuit`` now, as the recording rule finds it."""
        policy = self.targets.policies[self.site.policy]
        figures = []
        for name, cls in policy.classes.items():
            now = agent.get(name, cls.path[0]) if agent is not None else next((c for c in cls.path if c in up), None)
            if now == circuit:
                figures.append(
                    {"loss": cls.loss_ratio, "latency": cls.latency_seconds, "jitter": cls.jitter_seconds}[kind]
                )
        return min(figures) if figures else None

    def sla(self) -> list[dict[str, Any]]:
        """Severity follows impact: a breach on a circuit a class is on now pages (warning, carried);
        on a circuit standing by it is a ticket (info, standby); with and without an edge agent."""
        n = self.horizon
        hold = _steps(self.t.sla_for, self.t)
        roles = [c.circuit for c in self.circuits]
        carrying = self.circuits[0]  # most classes prefer the first circuit
        standby = self.circuits[-1]  # the wireless backup: no class prefers it
        assert carrying.sla is not None and standby.sla is not None
        cases = []
        for kind in impact.KINDS:
            figure = {"loss": "loss_ratio", "latency": "latency_seconds", "jitter": "jitter_seconds"}[kind.name]
            carried = self.carried_sla(carrying.circuit, kind.name, set(roles))
            assert carried is not None
            bad = max(carried * 4, 0.01)
            labels = _labels(self.site, carrying)
            cases.append(
                self._sla_case(
                    f"{kind.name} above the SLA of a class on the circuit now: CircuitSLABreach (carried, a page) "
                    "after `for`, saying expected and got",
                    kind,
                    {carrying.circuit: bad},
                    None,
                    [
                        {
                            "eval_time": _at(hold - 1, self.t),
                            "alertname": Alert.CIRCUIT_SLA_BREACH.value,
                            "exp_alerts": [],
                        },
                        {
                            "eval_time": _at(hold + 1, self.t),
                            "alertname": Alert.CIRCUIT_SLA_BREACH.value,
                            "exp_alerts": [
                                expected(
                                    self.t,
                                    Alert.CIRCUIT_SLA_BREACH,
                                    labels,
                                    bad,
                                    carried,
                                    sla=kind.name,
                                    impact="carried",
                                )
                            ],
                        },
                    ],
                )
            )
            may_use = getattr(standby.sla, figure)
            worse = may_use * 2
            cases.append(
                self._sla_case(
                    f"{kind.name} above the SLA of classes that may use a backup no class is on: standby (info, a "
                    "ticket), not a page",
                    kind,
                    {standby.circuit: worse},
                    None,
                    [
                        {
                            "eval_time": _at(hold + 1, self.t),
                            "alertname": Alert.CIRCUIT_SLA_BREACH.value,
                            "exp_alerts": [
                                expected(
                                    self.t,
                                    Alert.CIRCUIT_SLA_BREACH,
                                    _provider_region(self.site, standby),
                                    1,
                                    sla=kind.name,
                                    impact="standby",
                                )
                            ],
                        }
                    ],
                )
            )
        loss = impact.KINDS[0]
        worse = standby.sla.loss_ratio * 2
        # Every other circuit down: the classes that may use the backup fall through to it, so it carries them.
        others_down = {c.circuit: _constant(0, n) for c in self.circuits if c is not standby}
        fallen = self.carried_sla(standby.circuit, "loss", {standby.circuit})
        assert fallen is not None
        cases.append(
            self._sla_case(
                "the preferred circuits are down, so classes fall through to the backup: its breach pages (carried)",
                loss,
                {standby.circuit: worse},
                None,
                [
                    {
                        "eval_time": _at(hold + 1, self.t),
                        "alertname": Alert.CIRCUIT_SLA_BREACH.value,
                        "exp_alerts": [
                            expected(
                                self.t,
                                Alert.CIRCUIT_SLA_BREACH,
                                _labels(self.site, standby),
                                worse,
                                fallen,
                                sla="loss",
                                impact="carried",
                            )
                        ],
                    }
                ],
                down=others_down,
            )
        )
        # The edge agent moved a class onto the backup (its preferred circuit broke the class SLA): the agent's
        # word wins over the path preference, and a breach there now pages.
        policy = self.targets.policies[self.site.policy]
        moved = next(name for name, cls in policy.classes.items() if standby.circuit in cls.path)
        agent = {moved: standby.circuit}
        on_backup = self.carried_sla(standby.circuit, "loss", set(roles), agent)
        assert on_backup is not None
        worse = max(on_backup * 2, standby.sla.loss_ratio * 2)
        cases.append(
            self._sla_case(
                f"the edge agent reports {moved} on the backup: its breach there pages (carried), whatever the "
                "path preference says",
                loss,
                {standby.circuit: worse},
                agent,
                [
                    {
                        "eval_time": _at(hold + 1, self.t),
                        "alertname": Alert.CIRCUIT_SLA_BREACH.value,
                        "exp_alerts": [
                            expected(
                                self.t,
                                Alert.CIRCUIT_SLA_BREACH,
                                _labels(self.site, standby),
                                worse,
                                on_backup,
                                sla="loss",
                                impact="carried",
                            )
                        ],
                    }
                ],
            )
        )
        # ... and when the agent keeps every class off the first circuit, a breach there is standby, not a page.
        away = {
            name: next((c for c in cls.path if c != carrying.circuit), cls.path[0])
            for name, cls in policy.classes.items()
        }
        if self.carried_sla(carrying.circuit, "loss", set(roles), away) is None:
            worse = carrying.sla.loss_ratio * 4
            cases.append(
                self._sla_case(
                    f"the edge agent moved every class off {carrying.circuit}: a breach there is standby (a ticket)",
                    loss,
                    {carrying.circuit: worse},
                    away,
                    [
                        {
                            "eval_time": _at(hold + 1, self.t),
                            "alertname": Alert.CIRCUIT_SLA_BREACH.value,
                            "exp_alerts": [
                                expected(
                                    self.t,
                                    Alert.CIRCUIT_SLA_BREACH,
                                    _provider_region(self.site, carrying),
                                    1,
                                    sla="loss",
                                    impact="standby",
                                )
                            ],
                        }
                    ],
                )
            )
        # A down circuit is CircuitDown, not an SLA breach (its loss is 100 %).
        labels = _labels(self.site, carrying)
        down = {carrying.circuit: _constant(0, n)}
        cases.append(
            {
                "name": "a down circuit raises no SLA breach (CircuitDown says it)",
                "interval": duration(self.t.scrape_interval),
                "input_series": [
                    *self.base(down=down),
                    *self.classes(n),
                    _series(m.CIRCUIT_LOSS, labels, _constant(1, n)),
                    _series(m.CIRCUIT_SLA_LOSS, labels, _constant(carrying.sla.loss_ratio, n)),
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
                    *self.base(down={carrying.circuit: f"0x{outage} 1x{n}"}),
                    *self.classes(n + outage),
                    _series(m.CIRCUIT_LOSS, labels, f"1x{outage} 0x{n}"),
                    _series(m.CIRCUIT_SLA_LOSS, labels, _constant(carrying.sla.loss_ratio, n + outage)),
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

    def _sla_case(
        self,
        name: str,
        kind: impact.SlaKind,
        measured: dict[str, float],
        agent: dict[str, str] | None,
        tests: list[dict[str, Any]],
        down: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Every circuit measured within its SLA except ``measured`` (circuit -> value of ``kind``)."""
        n = self.horizon
        figure = {"loss": "loss_ratio", "latency": "latency_seconds", "jitter": "jitter_seconds"}[kind.name]
        series = [*self.base(down=down), *self.classes(n, agent)]
        for c in self.circuits:
            labels = _labels(self.site, c)
            series.append(_series(kind.measured, labels, _constant(measured.get(c.circuit, 0), n)))
            if c.sla is not None:
                series.append(_series(kind.may_use, labels, _constant(getattr(c.sla, figure), n)))
        return {
            "name": name,
            "interval": duration(self.t.scrape_interval),
            "input_series": series,
            "alert_rule_test": tests,
        }

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

    def engagement(self) -> list[dict[str, Any]]:
        """The notifier's ``runbook_incident_unacknowledged_seconds`` grows by the scrape interval each step."""
        step = self.t.scrape_interval
        promise = m.ENGAGEMENT_PROMISE_SECONDS
        labels = {
            m.INCIDENT: "inc-0a1b2c",
            m.PAGED_ALERTNAME: Alert.SITE_DOWN.value,
            m.SITE: self.site.site,
            m.REGION: self.site.region,
            m.SEVERITY: Severity.CRITICAL.value,
        }
        reached = math.ceil(promise / step)  # the step at which the page has waited ten minutes
        acked = reached // 2  # somebody answers half way
        waiting = _series(m.INCIDENT_UNACKNOWLEDGED, labels, f"0+{step:g}x{reached + 4}")
        answered = _series(m.INCIDENT_UNACKNOWLEDGED, labels, f"0+{step:g}x{acked} stale")
        overdue = {k: v for k, v in labels.items() if k != m.SEVERITY}
        return [
            {
                "name": "a page still unacknowledged at ten minutes: EngagementOverdue, naming the incident",
                "interval": duration(step),
                "input_series": [waiting],
                "alert_rule_test": [
                    {
                        "eval_time": _at(reached - 1, self.t),
                        "alertname": Alert.ENGAGEMENT_OVERDUE.value,
                        "exp_alerts": [],
                    },
                    {
                        "eval_time": _at(reached + 1, self.t),
                        "alertname": Alert.ENGAGEMENT_OVERDUE.value,
                        "exp_alerts": [expected(self.t, Alert.ENGAGEMENT_OVERDUE, overdue, (reached + 1) * step)],
                    },
                ],
            },
            {
                "name": "a page acknowledged within ten minutes never raises EngagementOverdue",
                "interval": duration(step),
                "input_series": [answered],
                "alert_rule_test": [
                    {
                        "eval_time": _at(reached + 1, self.t),
                        "alertname": Alert.ENGAGEMENT_OVERDUE.value,
                        "exp_alerts": [],
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
            *builder.engagement(),
        ],
    }

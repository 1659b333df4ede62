"""Severity follows impact: which circuit carries an application class right now, and the SLA
breach alerts that page only when one does.

* **Which circuit a class is on now** (``runbook:class_circuit:active``): where a site runs the
  SD-WAN edge agent, its word (``runbook_sdwan_class_circuit == 1``, docs/agent.md); elsewhere,
  or while the agent's series are absent, the path preference: the first circuit of the class's
  path that is up (policy routing falls through a dead circuit exactly so). The probe exports each
  class's path as ranks (``runbook_class_circuit_preference``) and its SLA.
* **The SLA that matters now** (``runbook:circuit_sla_carried:*``): per circuit, the strictest SLA
  of the classes on it right now; no series when it carries nothing.
* **CircuitSLABreach**, one name, two severities:
  ``impact="carried"`` (warning), one per circuit, when the window's mean breaks the SLA of a class
  on the circuit now: it pages by the notification routes; ``impact="standby"`` (info), one per
  provider and region (the count of its circuits in breach), when circuits break the strictest SLA
  of the classes that *may* use them but none of those on them: a low-priority ticket
  (``model.notifications``: the built-in ``default-standby-sla`` route comes before any other).
  A backup LTE circuit at 2 % loss, with voice allowed on it at 1 % but on fiber now, is standby.
"""

from __future__ import annotations

from typing import Any

from runbook_wan.monitoring.timing import Timing, duration
from runbook_wan.ops import metrics as m
from runbook_wan.ops.metrics import Alert, Impact, Severity

SITE_CIRCUIT = f"{m.SITE}, {m.CIRCUIT}"
SITE_CLASS = f"{m.SITE}, {m.APP_CLASS}"
CIRCUIT_LABEL = f"{{{{ $labels.{m.SITE} }}}} {{{{ $labels.{m.CIRCUIT} }}}} ({{{{ $labels.{m.PROVIDER} }}}})"


class SlaKind:
    """One SLA figure: the probe's measurement, its mean, the thresholds and how to print them."""

    def __init__(
        self, name: str, words: str, measured: str, mean: str, may_use: str, per_class: str, carried: str, fmt: str
    ) -> None:
        self.name, self.words, self.measured, self.mean = name, words, measured, mean
        self.may_use, self.per_class, self.carried, self.fmt = may_use, per_class, carried, fmt


KINDS = (
    SlaKind(
        "loss",
        "loss",
        m.CIRCUIT_LOSS,
        m.CIRCUIT_LOSS_MEAN,
        m.CIRCUIT_SLA_LOSS,
        m.CLASS_SLA_LOSS,
        m.CIRCUIT_CARRIED_SLA_LOSS,
        "humanizePercentage",
    ),
    SlaKind(
        "latency",
        "round-trip latency",
        m.CIRCUIT_LATENCY,
        m.CIRCUIT_LATENCY_MEAN,
        m.CIRCUIT_SLA_LATENCY,
        m.CLASS_SLA_LATENCY,
        m.CIRCUIT_CARRIED_SLA_LATENCY,
        "humanizeDuration",
    ),
    SlaKind(
        "jitter",
        "jitter",
        m.CIRCUIT_JITTER,
        m.CIRCUIT_JITTER_MEAN,
        m.CIRCUIT_SLA_JITTER,
        m.CLASS_SLA_JITTER,
        m.CIRCUIT_CARRIED_SLA_JITTER,
        "humanizeDuration",
    ),
)


def active_expr() -> str:
    """``runbook:class_circuit:active``: the agent's word, else the first circuit of the path that is up."""
    rank = m.CLASS_CIRCUIT_PREFERENCE
    return (
        f"max by ({SITE_CLASS}, {m.CIRCUIT}) ({m.SDWAN_CLASS_CIRCUIT} == 1)\n"
        f"or\n"
        f"count by ({SITE_CLASS}, {m.CIRCUIT}) (\n"
        f"  {rank}\n"
        f"  == on({SITE_CLASS}) group_left()\n"
        f"  min by ({SITE_CLASS}) ({rank} and on({SITE_CIRCUIT}) {m.CIRCUIT_UP} == 1)\n"
        f"  unless on({m.SITE}) {m.SDWAN_AGENT_POLICY}\n"
        f")"
    )


def recording_rules(timing: Timing) -> list[dict[str, Any]]:
    """Means over the SLA window, the circuit each class is on, the SLA that matters on each circuit."""
    window, step = duration(timing.sla_window), duration(timing.scrape_interval)
    rules: list[dict[str, Any]] = [
        # Only samples taken while the circuit was up count: an outage is CircuitDown's, and must not
        # leave a 100 % loss in the window that raises a breach once the circuit is back.
        {
            "record": kind.mean,
            "expr": f"avg_over_time(({kind.measured} and on({SITE_CIRCUIT}) {m.CIRCUIT_UP} == 1)[{window}:{step}])",
        }
        for kind in KINDS
    ]
    rules.append({"record": m.CLASS_CIRCUIT_ACTIVE, "expr": active_expr()})
    rules += [
        {
            "record": kind.carried,
            "expr": f"min by ({SITE_CIRCUIT}) (\n  {m.CLASS_CIRCUIT_ACTIVE}\n"
            f"  * on({SITE_CLASS}) group_left() {kind.per_class}\n)",
        }
        for kind in KINDS
    ]
    return rules


def _query(metric: str, fmt: str) -> str:
    """A template that prints ``metric`` of the alert's site and circuit."""
    return (
        f'{{{{ with printf "{metric}{{{m.SITE}=%q,{m.CIRCUIT}=%q}}" $labels.{m.SITE} $labels.{m.CIRCUIT} | query }}}}'
        f"{{{{ . | first | value | {fmt} }}}}{{{{ end }}}}"
    )


def _rule(kind: SlaKind, impact: Impact, expr: str, summary: str, description: str, timing: Timing) -> dict[str, Any]:
    severity = Severity.WARNING if impact is Impact.CARRIED else Severity.INFO
    return {
        "alert": Alert.CIRCUIT_SLA_BREACH.value,
        "expr": expr,
        "for": duration(timing.sla_for),
        "keep_firing_for": duration(timing.keep_firing_for),
        "labels": {m.SEVERITY: severity.value, "sla": kind.name, m.IMPACT: impact.value},
        "annotations": {"summary": summary, "description": description},
    }


def sla_rules(timing: Timing) -> list[dict[str, Any]]:
    """CircuitSLABreach for loss, latency and jitter: per circuit when a class is on it now (warning,
    carried); one per provider and region for the circuits standing by (info, standby)."""
    up = f"on({SITE_CIRCUIT}) {m.CIRCUIT_UP} == 1"
    window = duration(timing.sla_window)
    rules = []
    for kind in KINDS:
        carried = f"{kind.mean}\n> on({SITE_CIRCUIT}) group_left() {kind.carried}"
        rules.append(
            _rule(
                kind,
                Impact.CARRIED,
                f"{carried}\nand {up}",
                f"{CIRCUIT_LABEL} breaks the {kind.words} SLA of the classes on it now",
                f"{kind.words} over {window}: expected at most {_query(kind.carried, kind.fmt)}, "
                f"got {{{{ $value | {kind.fmt} }}}} (the strictest SLA of the classes on this circuit now)",
                timing,
            )
        )
        standby = (
            f"{kind.mean}\n> on({SITE_CIRCUIT}) group_left() {kind.may_use}\nand {up}\n"
            f"unless on({SITE_CIRCUIT}) (\n  {carried}\n)"
        )
        where = f"{{{{ $labels.{m.PROVIDER} }}}} in {{{{ $labels.{m.REGION} }}}}"
        rules.append(
            _rule(
                kind,
                Impact.STANDBY,
                f"count by ({m.PROVIDER}, {m.REGION}) (\n{standby}\n)",
                f"{{{{ $value }}}} circuit(s) of {where} standing by break the {kind.words} SLA of classes that "
                "may fail over to them",
                f"{kind.words} over {window}: {{{{ $value }}}} circuit(s) of {where} are above the strictest "
                "SLA of the classes that may use them, and none of those classes is on them now (a ticket, "
                "not a page; `runbook.py status` shows each circuit against its SLA).",
                timing,
            )
        )
    return rules

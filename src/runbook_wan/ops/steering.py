"""What a site's SD-WAN edge agent reports, as the readers (``verify``, ``status``, the pane) see it.

The agent (docs/agent.md) decides where each application class runs and says why; readers show
its decision and never recompute it. They get it from one of two places:

* its ``/state`` JSON on the router's management address (``verify``): :meth:`AgentReport.from_state`;
* its metrics in Prometheus (``status`` and the pane): the status page's steering source builds
  the same :class:`AgentReport` from the ``runbook_sdwan_*`` series.

:func:`explain` turns a decision and the agent's figures into the words a person reads: the
circuit's loss, latency and jitter against the class's SLA (one-way figures, as the policies
write them), with the agent's own verdict per circuit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: What the agent's ``/state`` must hold to be read (everything else is optional).
STATE_FIELDS = ("site", "circuits", "classes")


class AgentStateError(ValueError):
    """The agent answered with something that is not its ``/state`` (message says what is wrong)."""


@dataclass(frozen=True)
class CircuitFigures:
    """The agent's measurement of one circuit over its last window (None: not measured yet)."""

    loss_ratio: float | None = None
    latency_s: float | None = None
    jitter_s: float | None = None
    samples: int | None = None


@dataclass(frozen=True)
class ClassDecision:
    """Where the agent put one class, since when, and its verdict on each allowed circuit."""

    app_class: str
    circuit: str | None
    preferred: str | None = None
    #: Unix time the class moved to ``circuit``.
    since: float | None = None
    #: The agent's own words (``/state``); empty when read from Prometheus.
    reason: str = ""
    #: circuit role -> the circuit meets the class SLA now.
    sla_met: dict[str, bool] = field(default_factory=dict)
    #: circuit role -> the agent's health of it for the class (``breached``, ``recovering``, ...).
    health: dict[str, str] = field(default_factory=dict)

    @property
    def off_preferred(self) -> bool:
        return self.circuit is not None and self.preferred is not None and self.circuit != self.preferred


@dataclass(frozen=True)
class AgentReport:
    site: str
    circuits: dict[str, CircuitFigures]
    classes: dict[str, ClassDecision]
    policy_digest: str = ""
    started_at: float | None = None

    @classmethod
    def from_state(cls, data: Any) -> AgentReport:
        """Parse the agent's ``/state`` (docs/agent.md); :class:`AgentStateError` when it is not one."""
        if not isinstance(data, dict):
            raise AgentStateError("expected a JSON object")
        missing = [name for name in STATE_FIELDS if name not in data]
        if missing:
            raise AgentStateError(f"missing {', '.join(missing)}")
        if data["site"] is None:
            raise AgentStateError("the agent has not decided anything yet (it is starting)")
        circuits_in, classes_in = data["circuits"], data["classes"]
        if not isinstance(circuits_in, dict) or not isinstance(classes_in, dict):
            raise AgentStateError("circuits and classes must be objects")
        circuits = {str(role): _figures(role, raw) for role, raw in circuits_in.items()}
        classes = {str(name): _decision(name, raw) for name, raw in classes_in.items()}
        return cls(
            site=str(data["site"]),
            circuits=circuits,
            classes=classes,
            policy_digest=str(data.get("policy_digest") or ""),
            started_at=_number(data.get("started_at"), "started_at"),
        )


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AgentStateError(f"{where}: expected a number, got {value!r}"[:200])
    return float(value)


def _figures(role: object, raw: Any) -> CircuitFigures:
    if not isinstance(raw, dict):
        raise AgentStateError(f"circuits.{role}: expected an object")
    samples = _number(raw.get("samples"), f"circuits.{role}.samples")
    return CircuitFigures(
        loss_ratio=_number(raw.get("loss_ratio"), f"circuits.{role}.loss_ratio"),
        latency_s=_number(raw.get("latency_s"), f"circuits.{role}.latency_s"),
        jitter_s=_number(raw.get("jitter_s"), f"circuits.{role}.jitter_s"),
        samples=None if samples is None else int(samples),
    )


def _decision(name: object, raw: Any) -> ClassDecision:
    if not isinstance(raw, dict):
        raise AgentStateError(f"classes.{name}: expected an object")
    met = raw.get("sla_met") or {}
    health = raw.get("health") or {}
    for key, value in (("sla_met", met), ("health", health)):
        if not isinstance(value, dict):
            raise AgentStateError(f"classes.{name}.{key}: expected an object")
    circuit = raw.get("circuit")
    preferred = raw.get("preferred")
    return ClassDecision(
        app_class=str(name),
        circuit=None if circuit is None else str(circuit),
        preferred=None if preferred is None else str(preferred),
        since=_number(raw.get("since"), f"classes.{name}.since"),
        reason=str(raw.get("reason") or ""),
        sla_met={str(k): bool(v) for k, v in met.items()},
        health={str(k): str(v) for k, v in health.items()},
    )


# --- the words ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """A class SLA as the policies write it (one-way latency and jitter)."""

    latency_ms: float
    jitter_ms: float
    loss_pct: float


@dataclass(frozen=True)
class Criterion:
    """One figure of a circuit against the class's threshold."""

    name: str  # loss | latency | jitter
    value: str  # "5 %", "12.0 ms", or "-" when not measured
    limit: str
    over: bool | None  # None: not measured

    def text(self) -> str:
        mark = "?" if self.over is None else (">" if self.over else "≤")
        return f"{self.name} {self.value} {mark} {self.limit}"


def pct(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio * 100:.2f}".rstrip("0").rstrip(".") + " %"


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"


def criteria(figures: CircuitFigures | None, sla: Thresholds) -> list[Criterion]:
    f = figures or CircuitFigures()
    limit_loss = f"{sla.loss_pct:g} %"
    return [
        Criterion(
            "loss", pct(f.loss_ratio), limit_loss, None if f.loss_ratio is None else f.loss_ratio * 100 > sla.loss_pct
        ),
        Criterion(
            "latency",
            ms(f.latency_s),
            f"{sla.latency_ms:g} ms",
            None if f.latency_s is None else f.latency_s * 1000 > sla.latency_ms,
        ),
        Criterion(
            "jitter",
            ms(f.jitter_s),
            f"{sla.jitter_ms:g} ms",
            None if f.jitter_s is None else f.jitter_s * 1000 > sla.jitter_ms,
        ),
    ]


def explain(decision: ClassDecision, report: AgentReport, sla: Thresholds) -> str:
    """Why the class is where it is: the agent's reason (or its verdicts), then the figures that count.

    ``voice: primary_dia breaches loss 5 % > 1 %; on secondary_dia: loss 0 % ≤ 1 %, latency ...``
    """
    parts = []
    if decision.reason:
        parts.append(decision.reason)
    elif decision.off_preferred and decision.preferred is not None:
        parts.append(_off_preferred(decision.preferred, decision, report, sla))
    if decision.circuit is not None:
        figures = ", ".join(c.text() for c in criteria(report.circuits.get(decision.circuit), sla))
        verdict = decision.sla_met.get(decision.circuit)
        met = "meets the SLA" if verdict else ("least bad, below the SLA" if verdict is False else "no verdict")
        parts.append(f"on {decision.circuit} ({met}): {figures}")
    return "; ".join(parts) or "no decision reported"


def _off_preferred(preferred: str, decision: ClassDecision, report: AgentReport, sla: Thresholds) -> str:
    """Why the class is not on its preferred circuit: its figures, else the agent's health of it."""
    over = [c.text() for c in criteria(report.circuits.get(preferred), sla) if c.over]
    if over:
        return f"{preferred} breaches {', '.join(over)}"
    if decision.sla_met.get(preferred) is False:
        return f"{preferred} does not meet the SLA (agent's verdict)"
    health = decision.health.get(preferred)
    if health in ("breached", "degrading"):
        # A window can come out clean in a brownout (5 % loss leaves one of 100 probes lost now and then)
        return f"{preferred} is breached for the agent: its last window meets the SLA, not yet for long enough"
    if health == "recovering":
        return f"{preferred} meets the SLA again and serves its hold before the class returns"
    return f"{preferred} is not used (agent's decision: hold time or reachability)"


def iso(when: float | None) -> str:
    """``2026-11-30T18:00:03Z`` or ``-``."""
    if when is None:
        return "-"
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def age(when: float | None, now: float) -> str:
    """``3 min``, ``2 h 5 min``, ``4 d`` (how long ago ``when`` was)."""
    if when is None:
        return "-"
    seconds = max(0, int(now - when))
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60} min"
    return f"{hours // 24} d"

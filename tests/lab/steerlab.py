"""Scenario recorder for the steering lab tests: what the agent said, what the traffic did, when.

A :class:`Watch` polls one site's agent ``/state`` twice a second in a thread and keeps, per
class, the circuit the agent reports, with the time since the scenario began; scenarios add
``lab path`` results (real packets, counted by the providers) and named marks (``impaired``,
``restored`` ...). Tests then assert on the record, after the scenario thread finished.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from runbook_wan.lab.api import Lab
from runbook_wan.lab.path import PathResult, send_class

POLL_S = 0.5


@dataclass
class Record:
    site: str
    began: float = field(default_factory=time.monotonic)
    #: (seconds since began, class -> circuit the agent reports, its transitions counter per class)
    states: list[tuple[float, dict[str, str | None], dict[str, int]]] = field(default_factory=list)
    #: (seconds since began, circuit -> its window's loss ratio as the agent reports it)
    losses: list[tuple[float, dict[str, float | None]]] = field(default_factory=list)
    #: (seconds since began when the poll was sent, class -> circuit -> the agent's SLA verdict)
    verdicts: list[tuple[float, dict[str, dict[str, bool]]]] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)
    paths: list[tuple[float, str, PathResult]] = field(default_factory=list)
    last_state: dict[str, Any] | None = None
    #: ``/state`` taken by the scenario at a moment it chose (before it undid its impairment).
    snapshot: dict[str, Any] = field(default_factory=dict)

    def now(self) -> float:
        return time.monotonic() - self.began

    def mark(self, name: str) -> float:
        self.marks[name] = self.now()
        return self.marks[name]

    def circuits(self, app_class: str) -> list[tuple[float, str | None]]:
        """The class's circuit over time, one entry per change (as the agent reported it)."""
        out: list[tuple[float, str | None]] = []
        for t, circuits, _ in self.states:
            circuit = circuits.get(app_class)
            if not out or out[-1][1] != circuit:
                out.append((t, circuit))
        return out

    def first_on(self, app_class: str, circuit: str, after: float = 0.0) -> float | None:
        return next((t for t, c, _ in self.states if t >= after and c.get(app_class) == circuit), None)

    def max_loss(self, circuit: str, start: float, end: float) -> float | None:
        """The highest loss ratio the agent reported for the circuit between two times (None: none)."""
        seen = [v for t, loss in self.losses if start <= t <= end and (v := loss.get(circuit)) is not None]
        return max(seen, default=None)

    def last_broken(self, app_class: str, circuit: str) -> float | None:
        """When a poll last found the agent judging ``circuit`` to break the class's SLA (the poll's
        send time: the verdict it saw came no later, so a hold counted from the next verdict starts after)."""
        return max((t for t, v in self.verdicts if v.get(app_class, {}).get(circuit) is False), default=None)

    def path(self, label: str) -> PathResult:
        return next(r for _, name, r in self.paths if name == label)

    def transitions(self, app_class: str) -> int:
        return self.states[-1][2].get(app_class, 0) if self.states else 0


class Watch:
    def __init__(self, lab: Lab, record: Record) -> None:
        self.lab = lab
        self.record = record
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            sent = self.record.now()
            state = self.lab.agent_state(self.record.site)
            if state is not None:
                classes = state.get("classes", {})
                self.record.states.append(
                    (
                        self.record.now(),
                        {name: c.get("circuit") for name, c in classes.items()},
                        {name: int(c.get("transitions", 0)) for name, c in classes.items()},
                    )
                )
                self.record.losses.append(
                    (
                        self.record.now(),
                        {name: c.get("loss_ratio") for name, c in state.get("circuits", {}).items()},
                    )
                )
                self.record.verdicts.append(
                    (sent, {name: dict(c.get("sla_met", {})) for name, c in state.get("classes", {}).items()})
                )
                self.record.last_state = state
            self._stop.wait(POLL_S)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@contextmanager
def watching(lab: Lab, record: Record) -> Iterator[Watch]:
    with Watch(lab, record) as watch:
        yield watch


def path(lab: Lab, record: Record, label: str, app_class: str, **overrides: Any) -> PathResult:
    """Send the class's packets now (``lab path``) and keep the result under ``label``."""
    result = send_class(lab.record, record.site, app_class, count=4, **overrides)
    record.paths.append((record.now(), label, result))
    return result


def wait_for(record: Record, app_class: str, circuit: str, timeout: float, after: float = 0.0) -> float | None:
    """Seconds since the scenario began when the agent first reported the class on ``circuit``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = record.first_on(app_class, circuit, after)
        if found is not None:
            return found
        time.sleep(0.2)
    return record.first_on(app_class, circuit, after)


def sleep_until(record: Record, t: float) -> None:
    left = t - record.now()
    if left > 0:
        time.sleep(left)

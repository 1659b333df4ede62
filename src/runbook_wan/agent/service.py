"""The agent loop: probes in, decisions out, FRR moved, the snapshot published.

:class:`Agent` runs one policy. ``start`` reads where FRR has each class now and adopts it (no
move without new evidence), then starts one probe per circuit. ``tick`` (once a second) reads
the probes, judges each circuit for each class over its window, advances the health states,
chooses, and applies the moves in one ``vtysh`` call; if FRR refuses, the classes keep their
previous circuit and the move is tried again on the next tick. Every ``VERIFY_S`` (and on SIGHUP)
it re-reads FRR and puts back any class FRR lost (an FRR restart or a deploy brings back the
rendered order; the evidence still says where the class belongs).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from runbook_wan.agent import frr
from runbook_wan.agent.decision import (
    CircuitHealth,
    ClassState,
    Health,
    Inputs,
    Timing,
    advance,
    choose,
    judge,
)
from runbook_wan.agent.exporter import CircuitView, ClassView, Snapshot
from runbook_wan.agent.fping import CircuitProbe
from runbook_wan.agent.policy import Policy, SteeredClass
from runbook_wan.agent.runner import Runner
from runbook_wan.agent.window import WindowStats

#: How often FRR is re-read to put back moves it lost.
VERIFY_S = 60.0
#: How often FRR is re-read while some class is not placed yet (FRR still booting, or its
#: pbr-map does not match the policy).
RETRY_S = 5.0
log = logging.getLogger("runbook-agent")


@dataclass(frozen=True)
class Move:
    app_class: str
    old: str | None
    new: str
    reason: str


class Agent:
    """One policy at work. ``clock`` is monotonic seconds, ``wall`` Unix time (both injected)."""

    def __init__(
        self,
        policy: Policy,
        runner: Runner,
        clock: Callable[[], float],
        wall: Callable[[], float],
        pathspace: str | None = None,
    ) -> None:
        self.policy = policy
        self.runner = runner
        self.clock = clock
        self.wall = wall
        self.frr = frr.Frr(runner, pathspace)
        self.probes = {c.role: CircuitProbe(c, runner) for c in policy.circuits}
        self.timing = {c.role: Timing.of(policy.decision, c.probe.window_s) for c in policy.circuits}
        self.health: dict[str, dict[str, CircuitHealth]] = {
            cls.name: {role: CircuitHealth() for role in cls.path} for cls in policy.classes
        }
        self.classes: dict[str, ClassState] = {}
        self.windows: dict[str, WindowStats] = {}
        self.moves: list[Move] = []
        self.started_at = wall()
        self._started_mono = clock()
        self._frr_map: dict[int, str | None] = {}
        self._last_verify: float | None = None
        self.errors = 0

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        now = self.clock()
        self.adopt(now)
        for probe in self.probes.values():
            probe.start(now)

    def stop(self) -> None:
        for probe in self.probes.values():
            probe.stop()

    def probe_pids(self) -> list[int]:
        return [p.pid for p in self.probes.values() if p.pid is not None]

    # -- FRR -------------------------------------------------------------------------------------

    def _read_frr(self) -> dict[str, frr.Placement] | None:
        try:
            self._frr_map = self.frr.read(self.policy.pbr_map)
        except frr.FrrError as exc:
            self.errors += 1
            log.warning("cannot read pbr-map %s: %s", self.policy.pbr_map, exc)
            return None
        return frr.placements(self.policy, self._frr_map)

    def adopt(self, now: float) -> None:
        """Take each class where FRR has it (a start or restart moves nothing)."""
        found = self._read_frr()
        self._last_verify = now
        for cls in self.policy.classes:
            placement = found.get(cls.name) if found else None
            circuit = placement.circuit if placement else None
            self.classes[cls.name] = ClassState(
                circuit=circuit,
                moved_at=now,
                reason="adopted from FRR at start" if circuit else _unplaced(found is not None),
            )
            if placement is not None and circuit is not None and not placement.consistent:
                log.info("class %s: groups disagree in FRR; rewriting them all for %s (no move)", cls.name, circuit)
                self._apply({cls.name: circuit})

    def _apply(self, wanted: dict[str, str]) -> bool:
        lines: list[str] = []
        try:
            for name, circuit in wanted.items():
                lines += frr.commands(self.policy, self._class(name), circuit, self._frr_map)
            self.frr.configure(lines)
        except frr.FrrError as exc:
            self.errors += 1
            log.warning("FRR refused moving %s: %s", ", ".join(sorted(wanted)), exc)
            return False
        for name, circuit in wanted.items():
            cls = self._class(name)
            nexthops = [self.policy.circuit(r).nexthop for r in frr.order(cls, circuit)]
            for group in cls.groups:
                self._frr_map.update(zip(group, nexthops, strict=True))
        return True

    def verify(self, now: float) -> None:
        """Re-read FRR; put back classes whose order FRR lost (restart, rollback, deploy)."""
        self._last_verify = now
        found = self._read_frr()
        if found is None:
            return
        repair = {}
        for name, state in self.classes.items():
            placement = found.get(name)
            if state.circuit is None:
                if placement is not None and placement.circuit is not None:
                    self.classes[name] = replace(
                        state, circuit=placement.circuit, moved_at=now, reason="adopted from FRR"
                    )
                continue
            if placement is None or placement.circuit != state.circuit or not placement.consistent:
                repair[name] = state.circuit
        if repair:
            log.info("FRR lost the order of %s; putting it back", ", ".join(f"{n} on {c}" for n, c in repair.items()))
            self._apply(repair)

    def _class(self, name: str) -> SteeredClass:
        return next(c for c in self.policy.classes if c.name == name)

    # -- the loop --------------------------------------------------------------------------------

    def tick(self) -> list[Move]:
        """One evaluation: measure, judge, choose, act. Returns the moves made."""
        now = self.clock()
        for probe in self.probes.values():
            probe.poll(now)
        self.windows = {role: probe.window.stats(now) for role, probe in self.probes.items()}
        unplaced = any(s.circuit is None for s in self.classes.values())
        if self._last_verify is None or now - self._last_verify >= (RETRY_S if unplaced else VERIFY_S):
            self.verify(now)
        wanted: dict[str, ClassState] = {}
        for cls in self.policy.classes:
            health = self.health[cls.name]
            for role in cls.path:
                health[role] = advance(health[role], judge(self.windows[role], cls.sla), now, self.timing[role])
            inputs = Inputs(health=health, windows=self.windows, timing=self.timing)
            state = self.classes[cls.name]
            if state.circuit is None:
                continue  # not placed in FRR (not read yet, or not matching the policy): never invent
            wanted[cls.name] = choose(cls, state, inputs, now, self.policy.decision.least_bad)
        moves = {n: s for n, s in wanted.items() if s.circuit != self.classes[n].circuit and s.circuit is not None}
        applied = self._apply({n: s.circuit for n, s in moves.items() if s.circuit}) if moves else True
        made = []
        for name, state in wanted.items():
            if name in moves:
                if not applied:
                    continue
                old = self.classes[name].circuit
                made.append(Move(name, old, state.circuit or "", state.reason))
                log.info("class %s: %s -> %s: %s", name, old, state.circuit, state.reason)
            self.classes[name] = state
        self.moves += made
        return made

    # -- what it exports -------------------------------------------------------------------------

    def _wall(self, mono: float) -> float:
        return self.wall() - (self.clock() - mono)

    def snapshot(self) -> Snapshot:
        circuits = {}
        for role, probe in self.probes.items():
            window = self.windows.get(role)
            measured = window is not None and window.enough
            circuits[role] = CircuitView(
                loss_ratio=window.loss_ratio if window is not None and measured else None,
                latency_s=window.latency_s if window is not None and measured else None,
                jitter_s=window.jitter_s if window is not None and measured else None,
                samples=window.sent if window is not None else 0,
                probes_sent=probe.sent_total,
            )
        classes = {}
        for cls in self.policy.classes:
            state = self.classes.get(cls.name)
            health = self.health[cls.name]
            classes[cls.name] = ClassView(
                circuit=state.circuit if state else None,
                preferred=cls.path[0],
                since=self._wall(state.moved_at) if state else self.started_at,
                reason=state.reason if state else "",
                sla_met={r: h.verdict.met for r, h in health.items() if h.verdict is not None},
                path=list(cls.path),
                health={r: h.state.value for r, h in health.items()},
                least_bad=state.least_bad if state else False,
                transitions=state.transitions if state else 0,
            )
        return Snapshot(
            site=self.policy.site,
            policy_digest=self.policy.digest,
            started_at=self.started_at,
            circuits=circuits,
            classes=classes,
        )


def _unplaced(read: bool) -> str:
    if read:
        return "FRR's pbr-map does not match the policy (its first sequence points at no allowed circuit); not steered"
    return "FRR did not answer yet; not steered"


def unhealthy(agent: Agent) -> dict[str, list[str]]:
    """Per class, the circuits not meeting its SLA (for logs and tests)."""
    return {
        name: [role for role, h in health.items() if h.state in (Health.BREACHED, Health.DEGRADING)]
        for name, health in agent.health.items()
    }

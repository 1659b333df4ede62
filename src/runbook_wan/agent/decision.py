"""Which circuit each class takes: SLA verdicts, health states with hysteresis, the choice (pure).

Nothing here reads a clock or does I/O: windows and ``now`` (monotonic seconds) come in, states
and choices go out, so every rule is unit-tested with hand-made or recorded windows.

**Verdict.** A window meets a class's SLA when its loss, latency and jitter are all at or under
the class's thresholds (``loss > SLA`` breaches; one-way figures, see :mod:`.window`). A window
with too few samples gives no verdict.

**Health of a circuit for a class** (after mwan3's four states, plus ``unknown`` at start):

======================  ==========================================================================
``unknown``             no verdict yet (agent just started)
``ok``                  meets the SLA
``degrading``           a breach is seen but not confirmed; still usable for the class on it
``breached``            the breach is confirmed: it held in every window for ``confirm_s``
                        (``breach_windows`` windows, spaced ``window_s / breach_windows`` apart,
                        and every window between them)
``recovering``          meets the SLA again (for ``clear_s``, likewise from ``clear_windows``), or
                        met it since the agent started; usable only once it has met the SLA for
                        the hold time without a single breaching window
======================  ==========================================================================

**Flap damping.** Every confirmed breach is remembered for ``DAMPING_MEMORY_S``; with *n* of them
the hold is ``hold_s × 2^(n-1)``, at most ``MAX_HOLD_FACTOR × hold_s``. A breach while recovering
is confirmed at once (it is the same trouble coming back).

**Choice**, per class, over its path (allowed circuits, most preferred first):

1. the class stays on its circuit unless that circuit is ``breached``, or a circuit earlier in
   the path is ``ok`` (it served its hold): then it returns there;
2. a class leaving a breached circuit takes the first ``ok`` circuit of its path, else the first
   ``recovering`` one (it meets the SLA, its hold is not served yet);
3. when none meets the SLA it takes the **least bad** by the policy's order (default: criteria
   met, loss, latency, jitter, path order). A circuit beats another on loss, latency or jitter
   only decisively: at most half the other's figure and at least one SLA threshold better;
   otherwise the next key decides. It leaves its current circuit for a less bad one only when the
   other is decisively better and stays so for ``confirm_s``; path order alone never moves it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from runbook_wan.agent.policy import DecisionSettings, Sla, SteeredClass
from runbook_wan.agent.window import WindowStats

#: Confirmed breaches are remembered this long for flap damping.
DAMPING_MEMORY_S = 900.0
#: The hold never grows beyond this factor.
MAX_HOLD_FACTOR = 8
#: Decisive improvement for least-bad: at most this share of the other circuit's figure.
DECISIVE_RATIO = 0.5


class Health(StrEnum):
    UNKNOWN = "unknown"
    OK = "ok"
    DEGRADING = "degrading"
    BREACHED = "breached"
    RECOVERING = "recovering"


@dataclass(frozen=True)
class Verdict:
    met: bool
    #: One phrase per criterion broken, e.g. ``loss 5.0% > 1%``.
    breaches: tuple[str, ...]
    #: One phrase per criterion, broken or not (for reasons).
    figures: tuple[str, ...]
    criteria_met: int


@dataclass(frozen=True)
class Timing:
    """How long evidence must hold, for one circuit (its window) and the policy's settings."""

    confirm_s: float
    clear_s: float
    hold_s: float

    @classmethod
    def of(cls, settings: DecisionSettings, window_s: float) -> Timing:
        confirm = (settings.breach_windows - 1) * window_s / settings.breach_windows
        clear = (settings.clear_windows - 1) * window_s / settings.clear_windows
        return cls(confirm_s=confirm, clear_s=clear, hold_s=settings.hold_s)


def _pct(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def judge(window: WindowStats, sla: Sla) -> Verdict | None:
    """The window against the SLA; None when the window holds too few samples to say."""
    if not window.enough:
        return None
    checks: list[tuple[bool, str]] = [
        (window.loss_ratio <= sla.loss_ratio, f"loss {_pct(window.loss_ratio)} {{}} {sla.loss_pct:g}%"),
    ]
    if window.latency_s is None:
        checks.append((False, f"latency unknown (no reply) {{}} {sla.latency_ms:g} ms"))
    else:
        checks.append(
            (window.latency_s <= sla.latency_s, f"latency {_ms(window.latency_s)} {{}} {sla.latency_ms:g} ms")
        )
    if window.jitter_s is None:
        checks.append((False, f"jitter unknown (no reply) {{}} {sla.jitter_ms:g} ms"))
    else:
        checks.append((window.jitter_s <= sla.jitter_s, f"jitter {_ms(window.jitter_s)} {{}} {sla.jitter_ms:g} ms"))
    figures = tuple(text.format("≤" if ok else ">") for ok, text in checks)
    breaches = tuple(f for (ok, _), f in zip(checks, figures, strict=True) if not ok)
    return Verdict(met=not breaches, breaches=breaches, figures=figures, criteria_met=sum(ok for ok, _ in checks))


@dataclass(frozen=True)
class CircuitHealth:
    """One circuit's health for one class."""

    state: Health = Health.UNKNOWN
    #: When the current state began (monotonic seconds).
    since: float = 0.0
    #: Start of the current streak: breaching windows (degrading) or meeting ones (breached, recovering).
    streak: float | None = None
    #: Where a degrading circuit returns when the breach is not confirmed.
    back_to: Health = Health.OK
    #: Recovering after a confirmed breach (a new breach is confirmed at once), not after a start.
    after_breach: bool = False
    #: Times of confirmed breaches within the damping memory.
    flaps: tuple[float, ...] = ()
    verdict: Verdict | None = None

    def hold(self, timing: Timing, now: float) -> float:
        """The hold this circuit must serve now, with flap damping."""
        recent = sum(1 for t in self.flaps if now - t <= DAMPING_MEMORY_S)
        factor: int = min(2 ** max(recent - 1, 0), MAX_HOLD_FACTOR)
        return timing.hold_s * factor

    def hold_left(self, timing: Timing, now: float) -> float:
        if self.state is not Health.RECOVERING or self.streak is None:
            return 0.0
        return max(0.0, self.hold(timing, now) - (now - self.streak))


def _to(h: CircuitHealth, state: Health, now: float, **changes: object) -> CircuitHealth:
    return replace(h, state=state, since=now if state is not h.state else h.since, **changes)  # type: ignore[arg-type]


def _breached(h: CircuitHealth, now: float, verdict: Verdict) -> CircuitHealth:
    flaps = (*(t for t in h.flaps if now - t <= DAMPING_MEMORY_S), now)
    return _to(h, Health.BREACHED, now, streak=None, flaps=flaps, after_breach=False, verdict=verdict)


def _met(h: CircuitHealth, verdict: Verdict, now: float, timing: Timing) -> CircuitHealth:
    """The window meets the SLA."""
    if h.state is Health.UNKNOWN or (h.state is Health.DEGRADING and h.back_to is Health.RECOVERING):
        return _to(h, Health.RECOVERING, now, streak=now, verdict=verdict)
    if h.state is Health.DEGRADING:
        return _to(h, Health.OK, now, streak=None, verdict=verdict)
    if h.state is Health.OK:
        return replace(h, verdict=verdict)
    streak = h.streak if h.streak is not None else now
    if h.state is Health.BREACHED:
        if now - streak >= timing.clear_s:
            return _to(h, Health.RECOVERING, now, streak=streak, after_breach=True, verdict=verdict)
    elif now - streak >= h.hold(timing, now):  # recovering
        return _to(h, Health.OK, now, streak=None, after_breach=False, verdict=verdict)
    return replace(h, streak=streak, verdict=verdict)


def _breach(h: CircuitHealth, verdict: Verdict, now: float, timing: Timing) -> CircuitHealth:
    """The window breaches the SLA."""
    if h.state is Health.BREACHED:
        return replace(h, streak=None, verdict=verdict)
    if h.state is Health.RECOVERING and h.after_breach:
        return _breached(h, now, verdict)
    if h.state is Health.DEGRADING:
        confirmed = h.streak is not None and now - h.streak >= timing.confirm_s
        return _breached(h, now, verdict) if confirmed else replace(h, verdict=verdict)
    back = Health.OK if h.state is Health.OK else Health.RECOVERING
    h = _to(h, Health.DEGRADING, now, streak=now, back_to=back, verdict=verdict)
    return _breached(h, now, verdict) if timing.confirm_s <= 0 else h


def advance(h: CircuitHealth, verdict: Verdict | None, now: float, timing: Timing) -> CircuitHealth:
    """The health after one more evaluation (``verdict`` None: not enough samples; nothing changes)."""
    if verdict is None:
        return h
    return _met(h, verdict, now, timing) if verdict.met else _breach(h, verdict, now, timing)


# --- least bad -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What least-bad compares, for one circuit; windows without enough samples rank last."""

    criteria_met: int
    loss: float
    latency: float
    jitter: float

    @classmethod
    def of(cls, window: WindowStats | None, verdict: Verdict | None) -> Figures:
        if window is None or verdict is None:
            return cls(-1, 1.0, float("inf"), float("inf"))
        return cls(
            verdict.criteria_met,
            window.loss_ratio,
            window.latency_s if window.latency_s is not None else float("inf"),
            window.jitter_s if window.jitter_s is not None else float("inf"),
        )


def _decisive(a: float, b: float, threshold: float) -> int:
    """-1 when ``a`` is decisively lower than ``b``, 1 for the reverse, 0 when neither is."""
    if a == b:
        return 0
    low, high = (a, b) if a < b else (b, a)
    if high == float("inf") or (low <= high * DECISIVE_RATIO and high - low >= threshold):
        return -1 if a < b else 1
    return 0


def compare(a: Figures, b: Figures, sla: Sla, order: tuple[str, ...]) -> tuple[int, str]:
    """(-1 a better | 1 b better | 0 tie, the deciding key), ignoring path order."""
    for key in order:
        if key == "criteria_met":
            result = (a.criteria_met < b.criteria_met) - (a.criteria_met > b.criteria_met)
        elif key == "loss":
            result = _decisive(a.loss, b.loss, sla.loss_ratio)
        elif key == "latency":
            result = _decisive(a.latency, b.latency, sla.latency_s)
        elif key == "jitter":
            result = _decisive(a.jitter, b.jitter, sla.jitter_s)
        else:
            continue
        if result:
            return result, key
    return 0, ""


def least_bad(path: tuple[str, ...], figures: dict[str, Figures], sla: Sla, order: tuple[str, ...]) -> str:
    """The least bad circuit of ``path``: decisive wins by ``order``, path order breaks ties."""
    best = path[0]
    for role in path[1:]:
        if compare(figures[role], figures[best], sla, order)[0] < 0:
            best = role
    return best


# --- the choice ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassState:
    """Where one class is, and since when (monotonic); ``pending`` is a least-bad switch in waiting."""

    circuit: str | None
    moved_at: float
    reason: str = ""
    least_bad: bool = False
    pending: str | None = None
    pending_since: float | None = None
    transitions: int = 0


@dataclass(frozen=True)
class Inputs:
    """What one class's choice looks at, per circuit of its path."""

    health: dict[str, CircuitHealth]
    windows: dict[str, WindowStats]
    timing: dict[str, Timing]


def _describe(role: str, h: CircuitHealth) -> str:
    if h.verdict is None:
        return f"{role}: no measurement yet"
    if h.verdict.met:
        return f"{role} meets the SLA ({', '.join(h.verdict.figures)})"
    return f"{role} breaches {', '.join(h.verdict.breaches)}"


def _move(state: ClassState, to: str, now: float, reason: str, least: bool = False) -> ClassState:
    if to == state.circuit:
        return replace(state, reason=reason, least_bad=least, pending=None, pending_since=None)
    return ClassState(
        circuit=to,
        moved_at=now,
        reason=reason,
        least_bad=least,
        transitions=state.transitions + (state.circuit is not None),
    )


def _first(path: tuple[str, ...], health: dict[str, CircuitHealth], *states: Health) -> str | None:
    return next((r for r in path if health[r].state in states), None)


def _least_bad_step(
    cls: SteeredClass, state: ClassState, inputs: Inputs, now: float, order: tuple[str, ...]
) -> ClassState:
    figures = {r: Figures.of(inputs.windows.get(r), inputs.health[r].verdict) for r in cls.path}
    best = least_bad(cls.path, figures, cls.sla, order)
    current = state.circuit
    why = "no allowed circuit meets the SLA; "
    if current is None or current not in cls.path:
        return _move(state, best, now, why + f"{best} is the least bad", least=True)
    verdict, key = compare(figures[best], figures[current], cls.sla, order)
    if best == current or verdict >= 0:
        reason = why + f"{current} is the least bad ({_describe(current, inputs.health[current])})"
        return replace(state, reason=reason, least_bad=True, pending=None, pending_since=None)
    confirm = inputs.timing[best].confirm_s
    if state.pending != best or state.pending_since is None:
        return replace(state, least_bad=True, pending=best, pending_since=now)
    if now - state.pending_since < confirm:
        return state
    return _move(state, best, now, why + f"{best} is less bad than {current} by {key}", least=True)


def choose(cls: SteeredClass, state: ClassState, inputs: Inputs, now: float, order: tuple[str, ...]) -> ClassState:
    """The class's next state; ``circuit`` changes only on the rules in this module's docstring."""
    health, path, current = inputs.health, cls.path, state.circuit
    if current is None or current not in path:
        start = _first(path, health, Health.OK, Health.RECOVERING, Health.DEGRADING, Health.UNKNOWN)
        return _move(state, start or path[0], now, "first circuit of the path that is not breached")
    position = path.index(current)
    back = _first(path[:position], health, Health.OK)
    if back is not None:
        return _move(state, back, now, f"{_describe(back, health[back])}; back after its hold")
    if health[current].state is not Health.BREACHED:
        reason = _describe(current, health[current])
        waiting = _first(path[:position], health, Health.RECOVERING)
        if waiting is not None:
            wait = health[waiting].hold_left(inputs.timing[waiting], now)
            reason += f"; {waiting} meets the SLA again, back in {wait:.0f} s unless it breaches"
        elif position > 0:
            reason += f"; {_describe(path[0], health[path[0]])}"
        met = health[current].verdict is not None and health[current].verdict.met  # type: ignore[union-attr]
        least = state.least_bad and not met
        return replace(state, reason=reason, least_bad=least, pending=None, pending_since=None)
    others = tuple(r for r in path if r != current)
    better = _first(others, health, Health.OK) or _first(others, health, Health.RECOVERING)
    if better is not None:
        return _move(state, better, now, f"{_describe(current, health[current])}; {_describe(better, health[better])}")
    return _least_bad_step(cls, state, inputs, now, order)

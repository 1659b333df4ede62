"""The decision rules, on hand-made windows (pure code: no clock, no I/O).

Timing for the default policy: 10 s windows, breach over 2 windows (confirmed after 5 s of
breaching windows), clear over 2 (5 s), hold 60 s (the production default).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from runbook_wan.agent.decision import (
    MAX_HOLD_FACTOR,
    CircuitHealth,
    ClassState,
    Figures,
    Health,
    Inputs,
    Timing,
    advance,
    choose,
    judge,
    least_bad,
)
from runbook_wan.agent.policy import LEAST_BAD_KEYS, DecisionSettings, Sla, SteeredClass
from runbook_wan.agent.window import WindowStats

P, S, T = "primary_dia", "secondary_dia", "tertiary_wireless"
VOICE = SteeredClass("voice", Sla(150, 30, 1.0), (P, S, T), ((45, 50, 55),))
GUEST = SteeredClass("guest", Sla(500, 200, 5.0), (S, P), ((60, 65),))
TIMING = Timing.of(DecisionSettings(), 10.0)


def window(loss: float = 0.0, latency_ms: float = 1.0, jitter_ms: float = 0.2, sent: int = 100) -> WindowStats:
    lost = round(loss * sent)
    return WindowStats(
        sent=sent,
        lost=lost,
        latency_s=latency_ms / 1000 if lost < sent else None,
        jitter_s=jitter_ms / 1000,
        expected=100,
    )


def run(health: CircuitHealth, windows: list[WindowStats], sla: Sla, start: float = 0.0) -> list[CircuitHealth]:
    """One evaluation per second; the health after each."""
    out = []
    for i, w in enumerate(windows):
        health = advance(health, judge(w, sla), start + i, TIMING)
        out.append(health)
    return out


def test_the_default_timing_is_half_a_window_to_confirm_and_the_production_hold() -> None:
    assert Timing(confirm_s=5.0, clear_s=5.0, hold_s=60.0) == TIMING
    assert Timing.of(DecisionSettings(breach_windows=3, clear_windows=1), 30.0) == Timing(20.0, 0.0, 60.0)


def test_a_window_is_judged_against_every_criterion() -> None:
    verdict = judge(window(loss=0.05, latency_ms=160), VOICE.sla)
    assert verdict is not None and not verdict.met
    assert verdict.breaches == ("loss 5.0% > 1%", "latency 160.0 ms > 150 ms")
    assert verdict.criteria_met == 1
    clean = judge(window(), VOICE.sla)
    assert clean is not None and clean.met and clean.figures[0] == "loss 0.0% ≤ 1%"
    assert judge(window(loss=0.01), VOICE.sla).met, "1 % loss is at the SLA, not over it"  # type: ignore[union-attr]
    assert judge(window(sent=40), VOICE.sla) is None, "a window under half full gives no verdict"


def test_a_breach_is_confirmed_after_half_a_window_of_breaching_windows() -> None:
    ok = CircuitHealth(state=Health.OK)
    states = [h.state for h in run(ok, [window(loss=0.05)] * 7, VOICE.sla)]
    assert states == [Health.DEGRADING] * 5 + [Health.BREACHED] * 2


def test_one_clean_window_resets_a_breach_that_is_not_confirmed() -> None:
    ok = CircuitHealth(state=Health.OK)
    seq = [window(loss=0.05)] * 4 + [window()] + [window(loss=0.05)] * 4
    states = [h.state for h in run(ok, seq, VOICE.sla)]
    assert Health.BREACHED not in states
    assert states[4] is Health.OK


def test_a_breached_circuit_serves_the_hold_before_it_is_ok_again() -> None:
    breached = run(CircuitHealth(state=Health.OK), [window(loss=0.05)] * 6, VOICE.sla)[-1]
    assert breached.state is Health.BREACHED
    after = run(breached, [window()] * 70, VOICE.sla, start=6)
    states = [h.state for h in after]
    assert states[:5] == [Health.BREACHED] * 5, "clear: 5 s of clean windows"
    assert states[5] is Health.RECOVERING
    first_ok = states.index(Health.OK)
    assert first_ok == 60, "ok exactly one hold (60 s) after the first clean window"


def test_a_breach_while_recovering_counts_at_once_and_doubles_the_hold() -> None:
    breached = run(CircuitHealth(state=Health.OK), [window(loss=0.05)] * 6, VOICE.sla)[-1]
    recovering = run(breached, [window()] * 10, VOICE.sla, start=6)[-1]
    assert recovering.state is Health.RECOVERING
    again = advance(recovering, judge(window(loss=0.05), VOICE.sla), 16, TIMING)
    assert again.state is Health.BREACHED and len(again.flaps) == 2
    assert again.hold(TIMING, 16) == 120.0


def test_flap_damping_is_capped_and_forgets_old_flaps() -> None:
    h = CircuitHealth(state=Health.BREACHED, flaps=tuple(float(t) for t in range(10)))
    assert h.hold(TIMING, 10) == 60.0 * MAX_HOLD_FACTOR
    assert h.hold(TIMING, 10 + 2000) == 60.0


def test_after_a_start_a_circuit_is_trusted_only_after_the_hold() -> None:
    states = [h.state for h in run(CircuitHealth(), [window()] * 62, VOICE.sla)]
    assert states[0] is Health.RECOVERING
    assert states.index(Health.OK) == 60


def _inputs(health: dict[str, CircuitHealth], windows: dict[str, WindowStats]) -> Inputs:
    return Inputs(health=health, windows=windows, timing={P: TIMING, S: TIMING, T: TIMING})


def _h(state: Health, w: WindowStats, sla: Sla, **kw: object) -> CircuitHealth:
    return replace(CircuitHealth(state=state, verdict=judge(w, sla)), **kw)  # type: ignore[arg-type]


def test_a_class_leaves_a_breached_circuit_for_the_next_that_meets_its_sla() -> None:
    windows = {P: window(loss=0.05), S: window(), T: window(latency_ms=20)}
    health = {
        P: _h(Health.BREACHED, windows[P], VOICE.sla),
        S: _h(Health.OK, windows[S], VOICE.sla),
        T: _h(Health.OK, windows[T], VOICE.sla),
    }
    state = choose(VOICE, ClassState(P, 0.0), _inputs(health, windows), 10.0, LEAST_BAD_KEYS)
    assert state.circuit == S and state.moved_at == 10.0 and state.transitions == 1
    assert state.reason.startswith("primary_dia breaches loss 5.0% > 1%; secondary_dia meets the SLA")


def test_a_class_stays_while_its_circuit_only_degrades() -> None:
    windows = {P: window(loss=0.05), S: window(), T: window()}
    health = {
        P: _h(Health.DEGRADING, windows[P], VOICE.sla),
        S: _h(Health.OK, windows[S], VOICE.sla),
        T: _h(Health.OK, windows[T], VOICE.sla),
    }
    state = choose(VOICE, ClassState(P, 0.0), _inputs(health, windows), 10.0, LEAST_BAD_KEYS)
    assert state.circuit == P and state.transitions == 0


def test_no_return_while_the_preferred_circuit_serves_its_hold() -> None:
    windows = {P: window(), S: window(), T: window()}
    health = {
        P: _h(Health.RECOVERING, windows[P], VOICE.sla, streak=100.0, after_breach=True),
        S: _h(Health.OK, windows[S], VOICE.sla),
        T: _h(Health.OK, windows[T], VOICE.sla),
    }
    state = choose(VOICE, ClassState(S, 50.0, transitions=1), _inputs(health, windows), 130.0, LEAST_BAD_KEYS)
    assert state.circuit == S
    assert "primary_dia meets the SLA again, back in 30 s" in state.reason
    health[P] = _h(Health.OK, windows[P], VOICE.sla)
    back = choose(VOICE, state, _inputs(health, windows), 160.0, LEAST_BAD_KEYS)
    assert back.circuit == P and back.transitions == 2


def test_when_nothing_meets_the_sla_the_class_takes_the_least_bad_by_the_documented_order() -> None:
    windows = {P: window(loss=0.20), S: window(loss=0.08), T: window(loss=0.02, latency_ms=20)}
    health = {r: _h(Health.BREACHED, w, VOICE.sla) for r, w in windows.items()}
    figures = {r: Figures.of(windows[r], health[r].verdict) for r in windows}
    assert least_bad(VOICE.path, figures, VOICE.sla, LEAST_BAD_KEYS) == T
    assert least_bad(GUEST.path, figures, GUEST.sla, LEAST_BAD_KEYS) == S
    # criteria met comes first: a circuit meeting two criteria beats one meeting one, whatever the loss
    windows[S] = window(loss=0.08, latency_ms=1)
    windows[T] = window(loss=0.02, latency_ms=400)
    health = {r: _h(Health.BREACHED, w, VOICE.sla) for r, w in windows.items()}
    figures = {r: Figures.of(windows[r], health[r].verdict) for r in windows}
    assert least_bad(VOICE.path, figures, VOICE.sla, LEAST_BAD_KEYS) == S


def test_least_bad_ignores_noise_and_path_order_alone_never_moves_a_class() -> None:
    windows = {P: window(loss=0.10), S: window(loss=0.08), T: window(loss=0.09)}
    health = {r: _h(Health.BREACHED, w, VOICE.sla) for r, w in windows.items()}
    state = ClassState(T, 0.0, least_bad=True, transitions=1)
    for now in range(10, 40):
        state = choose(VOICE, state, _inputs(health, windows), float(now), LEAST_BAD_KEYS)
    assert state.circuit == T and state.transitions == 1, "8 % vs 9 % vs 10 %: no decisive winner, no move"


def test_a_least_bad_switch_waits_until_the_other_circuit_stays_decisively_better() -> None:
    windows = {P: window(loss=0.20), S: window(loss=0.20), T: window(loss=0.04)}
    health = {r: _h(Health.BREACHED, w, VOICE.sla) for r, w in windows.items()}
    state = ClassState(S, 0.0, least_bad=True)
    seen = []
    for now in range(100, 107):
        state = choose(VOICE, state, _inputs(health, windows), float(now), LEAST_BAD_KEYS)
        seen.append(state.circuit)
    assert seen == [S, S, S, S, S, T, T], "moves after confirm_s (5 s) of T being decisively better"


def test_guardrails_hold_because_the_path_is_all_a_class_may_use() -> None:
    windows = {P: window(loss=0.5), S: window(loss=0.5), T: window()}
    health = {P: _h(Health.BREACHED, windows[P], GUEST.sla), S: _h(Health.BREACHED, windows[S], GUEST.sla)}
    state = ClassState(S, 0.0)
    for now in range(0, 30):
        state = choose(GUEST, state, _inputs(health, windows), float(now), LEAST_BAD_KEYS)
        assert state.circuit in GUEST.path
    assert state.circuit == S and state.least_bad


def test_a_class_adopted_from_frr_is_not_moved_without_evidence() -> None:
    windows = {P: window(), S: window(), T: window()}
    health = {r: CircuitHealth() for r in windows}
    state = ClassState(S, 0.0, reason="adopted from FRR at start")
    for now in range(0, 60):
        health = {r: advance(health[r], judge(windows[r], VOICE.sla), float(now), TIMING) for r in windows}
        state = choose(VOICE, state, _inputs(health, windows), float(now), LEAST_BAD_KEYS)
        assert state.circuit == S, f"moved at {now} s, before the primary served its hold"
    health = {r: advance(health[r], judge(windows[r], VOICE.sla), 60.0, TIMING) for r in windows}
    assert choose(VOICE, state, _inputs(health, windows), 60.0, LEAST_BAD_KEYS).circuit == P


@pytest.mark.parametrize("loss", [0.0, 0.01])
def test_clean_or_at_sla_windows_never_move_a_class(loss: float) -> None:
    windows = {P: window(loss=loss, jitter_ms=10), S: window(), T: window(latency_ms=40, jitter_ms=8)}
    health = {r: CircuitHealth(state=Health.OK) for r in windows}
    state = ClassState(P, 0.0)
    for now in range(0, 300):
        health = {r: advance(health[r], judge(windows[r], VOICE.sla), float(now), TIMING) for r in windows}
        state = choose(VOICE, state, _inputs(health, windows), float(now), LEAST_BAD_KEYS)
    assert state.circuit == P and state.transitions == 0

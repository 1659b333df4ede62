"""SLA steering on real FRR: the edge agent on every site, real impairments, real packets.

One lab of the six small sites boots with their rendered configs and artifacts (``<site>.cfg``,
``<site>.nft`` classifier, ``<site>.agent.json`` policy with the production hold of 60 s), and
nyc-041's DIAs run through the relay so they can be delayed. Every scenario runs on its own
site, all at the same time (a thread each, started by the first test), so the whole module takes
about as long as its longest scenario (no false positives: 5 minutes). Each test then asserts on
its scenario's record: what the agent reported (``/state``, polled twice a second) and, above
all, which circuit the providers saw the class's packets arrive on (``lab path``).

=========  =============================  ===============================================
site       policy (wireless)              scenario
=========  =============================  ===============================================
chi-021    flagship (5G)                  brownout, recovery, DSCP
sea-001    flagship (LTE)                 flapping loss, 10 s on / 10 s off for 2 min
nyc-041    flagship (LTE), DIAs relayed   latency over voice's SLA
atl-061    flagship (LTE)                 every circuit impaired (least bad, guardrails)
mke-022    standard (LTE)                 5 minutes clean: no false positive
dfw-072    standard (5G)                  dead agent, reachability failover, restart
=========  =============================  ===============================================

Bounds: pos and voice move within 15 s of a 5 % brownout, counted from the loss being in place
(the issue's figure); video, whose looser SLA needs one more lost probe, within one confirmation
period more. The brownout here is **even** loss (``lab impair --spread even``: one echo request in
20, evenly spaced), so every window of the agent's probes holds the same losses and the bound
tests the agent, not chance: under random 5 % loss the agent's confirmation takes longer than 15 s
in about 1 run of 18 (simulated; a CI run saw 18.1 s), which is the benchmark's business
(``bench/steering.py`` browns circuits out at random: p90 target 15 s, measured median 7.8 s and
p90 11.6 s, see bench/results/steering.json). Even loss is confirmed in about 6 s (measured 6.2 s
for pos and voice, 8.2 s for video, on an idle machine and with both cores busy): the first echo
lost at once, the second 2 s later, then 5 s of breaching windows. The
every-circuit scenario is even too, so BFD never loses three packets in a row and the packets show
the agent's choice, not reachability failover; the flapping and dead-agent scenarios keep random
loss (their bounds do not hang on its tail). Then a
reachability failover within 30 s (BGP hold 9 s, BFD 1.5 s, generous for a loaded machine); the
production hold of 60 s before a return (from the agent's last breaching window), and the return
within hold + 15 s of the loss ending.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import pytest
from labkit import run_cli
from steerlab import Record, path, sleep_until, wait_for, watching

from runbook_wan.lab.api import Lab
from runbook_wan.lab.builder import free_management_network
from runbook_wan.lab.faults import find_circuit, wait_healthy
from runbook_wan.lab.impair import Spread, impair
from runbook_wan.lab.teardown import down
from runbook_wan.render.pipeline import render_estate
from runbook_wan.render.writer import write_configs
from runbook_wan.results import ExitCode

pytestmark = pytest.mark.lab
PREFIX = "rbtg" + os.environ.get("RUNBOOK_TEST_LAB_TAG", "")
P, S, T = "primary_dia", "secondary_dia", "tertiary_wireless"
HOLD_S = 60.0
STEER_S = 15.0
#: A breach is confirmed when it held this long (window 10 s / breach_windows 2, docs/agent.md).
CONFIRM_S = 5.0
FAILOVER_S = 30.0
QUIET_S = 300.0
#: When every circuit is impaired, each class has taken its least-bad circuit by then (see the scenario).
SETTLE_S = 150.0


@pytest.fixture(scope="module")
def steering_lab(small_intents: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    state = tmp_path_factory.mktemp("state")
    configs = tmp_path_factory.mktemp("configs")
    write_configs(render_estate(small_intents).configs, configs, prune=False)
    assert (configs / "chi-021.agent.json").is_file() and (configs / "chi-021.nft").is_file()
    down(state, PREFIX)
    try:
        code = run_cli(
            state,
            "lab",
            "up",
            "--intents",
            str(small_intents),
            "--configs",
            str(configs),
            "--relay",
            "nyc-041",
            "--prefix",
            PREFIX,
            "--inventory",
            str(tmp_path_factory.mktemp("inventory")),
            "--management-network",
            free_management_network(),
        )
        assert code == ExitCode.OK
        lab = Lab.attach(state)
        _wait_measuring(lab)
        yield lab
    finally:
        down(state, PREFIX)


def _wait_measuring(lab: Lab, timeout: float = 90.0) -> None:
    """Every agent runs its policy, has placed every class and measured every circuit."""
    deadline = time.monotonic() + timeout
    pending = set(lab.sites)
    while pending and time.monotonic() < deadline:
        for site in sorted(pending):
            state = lab.agent_state(site)
            if (
                state is not None
                and all(c.get("loss_ratio") is not None for c in state["circuits"].values())
                and all(c.get("circuit") for c in state["classes"].values())
            ):
                pending.discard(site)
        time.sleep(1)
    assert not pending, f"agents not measuring after {timeout:.0f} s: {sorted(pending)}"


def _impair(lab: Lab, site: str, circuit: str, spread: Spread = "random", **kw: float) -> None:
    node, link = find_circuit(lab.record, site, circuit)
    impair(lab.record, node, link, spread=spread, **kw)


# --- scenarios (each on its own site; they run at the same time) -----------------------------------


def brownout_and_recovery(lab: Lab) -> Record:
    rec = Record("chi-021")
    with watching(lab, rec):
        for cls in ("pos", "voice", "video", "bulk", "guest"):
            path(lab, rec, f"before {cls}", cls)
        path(lab, rec, "before EF from users", "voice", segment="users")
        rec.mark("impaired")
        _impair(lab, "chi-021", P, loss_pct=5, spread="even")
        rec.marks["impaired_wall"] = time.time()  # the loss is in place (the harness' own tc call not counted)
        # video's SLA (2 %) is looser than pos' and voice's (1 %): a window's loss estimate of a 5 % brownout
        # can break it one window later, so its packets are sampled once it moved too (still asserted <= 15 s)
        for cls in ("pos", "voice", "video"):
            wait_for(rec, cls, S, timeout=45, after=rec.marks["impaired"])
        rec.mark("steered")
        for cls in ("pos", "voice", "video", "bulk", "guest"):
            path(lab, rec, f"steered {cls}", cls)
        path(lab, rec, "steered EF from users", "voice", segment="users")
        path(lab, rec, "steered users without DSCP", "voice", segment="users", dscp=0)
        sleep_until(rec, rec.marks["steered"] + 20)  # a brownout that lasts: no second move
        rec.snapshot = lab.agent_state("chi-021") or {}
        for cls in ("pos", "voice", "video"):
            rec.marks[f"since {cls}"] = float(rec.snapshot.get("classes", {}).get(cls, {}).get("since", 0.0))
        restored = rec.mark("restored")
        lab.restore("chi-021", P)
        # The hold counts from the first window that meets the SLA again; the last lost probes of a 5 %
        # brownout can come some seconds before it ends, so the packets are sampled well inside the hold
        sleep_until(rec, restored + HOLD_S - 15)
        path(lab, rec, "during hold voice", "voice")
        # pos and voice each keep their own hold from their own move, which can be a window apart:
        # the packets are sampled once the agent reported both back (the bound is asserted on its record)
        for cls in ("voice", "pos"):
            wait_for(rec, cls, P, timeout=HOLD_S + 30, after=restored)
        rec.mark("returned")
        path(lab, rec, "returned voice", "voice")
        path(lab, rec, "returned pos", "pos")
        path(lab, rec, "returned EF from users", "voice", segment="users")
        time.sleep(2)
    return rec


def flapping(lab: Lab) -> Record:
    rec = Record("sea-001")
    with watching(lab, rec):
        for cycle in range(6):
            _impair(lab, "sea-001", P, loss_pct=5)
            sleep_until(rec, cycle * 20 + 10)
            lab.restore("sea-001", P)
            path(lab, rec, f"cycle {cycle} voice", "voice")
            sleep_until(rec, cycle * 20 + 20)
        rec.mark("flapping over")
        sleep_until(rec, 140)
        path(lab, rec, "after voice", "voice")
    return rec


def latency(lab: Lab) -> Record:
    rec = Record("nyc-041")
    with watching(lab, rec):
        rec.mark("delayed")
        _impair(lab, "nyc-041", P, delay_ms=180)
        wait_for(rec, "voice", S, timeout=60, after=rec.marks["delayed"])
        wait_for(rec, "pos", S, timeout=10, after=rec.marks["delayed"])
        time.sleep(10)  # video (200 ms SLA) must not follow
        for cls in ("voice", "pos", "video", "bulk"):
            path(lab, rec, f"delayed {cls}", cls)
        rec.snapshot = lab.agent_state("nyc-041") or {}
        lab.restore("nyc-041", P)
    return rec


def everything_impaired(lab: Lab) -> Record:
    rec = Record("atl-061")
    with watching(lab, rec):
        rec.mark("impaired")
        # Even loss: random 10 % drops three BFD packets in a row now and then, and CI once sampled bulk's
        # packets on the primary while the secondary's session re-formed (PBR falls through): reachability
        # failover, not the agent. Evenly spread, no circuit ever loses two packets in a row.
        _impair(lab, "atl-061", P, loss_pct=40, spread="even")
        _impair(lab, "atl-061", S, loss_pct=10, spread="even")
        _impair(lab, "atl-061", T, loss_pct=1, spread="even")  # about 2 % with LTE's own (random) loss
        # The first choice can be the secondary: wireless' 30-probe window may hold two lost probes (6.7 %,
        # not decisively below 10 %), or its relayed latency and jitter may break pos' tighter SLA for a
        # while on a loaded machine. The class then moves once wireless is decisively less bad for 5 s:
        # CI saw pos do that 78 s after its first move (at 91 s). Settled is a first move (15 s) and four
        # and a half of wireless' 30 s windows more; then 60 s must bring no move.
        sleep_until(rec, SETTLE_S)
        rec.mark("settled")
        sleep_until(rec, SETTLE_S + 60)
        # Random loss this heavy would drop BFD three in a row now and then (at 10 %, about once in 8
        # minutes), and while BGP re-forms FRR's PBR falls through to the class's next sequence; even loss
        # cannot, and the packets are still sampled only once the circuits the classes should be on are up.
        for circuit in (S, T):
            rec.marks[f"{circuit} up"] = float(wait_healthy(lab.record, "atl-061", circuit, timeout=30))
        for cls in ("pos", "voice", "saas", "bulk", "guest"):
            path(lab, rec, f"impaired {cls}", cls)
        rec.snapshot = lab.agent_state("atl-061") or {}
        rec.mark("undone")
        for circuit in (P, S, T):
            lab.restore("atl-061", circuit)
    return rec


def quiet(lab: Lab) -> Record:
    rec = Record("mke-022")
    with watching(lab, rec):
        sleep_until(rec, QUIET_S)
        rec.mark("quiet over")
        for cls in ("voice", "video", "saas", "bulk", "guest"):
            path(lab, rec, f"after {cls}", cls)
    return rec


def dead_agent(lab: Lab) -> Record:
    rec = Record("dfw-072")
    with watching(lab, rec):
        _impair(lab, "dfw-072", P, loss_pct=5)
        rec.marks["steered"] = wait_for(rec, "voice", S, timeout=45) or -1.0
        rec.marks["killed pid"] = float(lab.kill_agent("dfw-072") or 0)
        rec.marks["pid after kill"] = float(lab.agent_pid("dfw-072") or 0)
        time.sleep(15)
        path(lab, rec, "dead agent voice", "voice")
        rec.mark("secondary cut")
        lab.fail("dfw-072", S, mode="link")
        deadline = time.monotonic() + FAILOVER_S + 15
        while time.monotonic() < deadline:
            if path(lab, rec, "cut voice", "voice").circuit == P:
                rec.mark("failed over")
                break
        lab.restore("dfw-072", S, wait=90)
        path(lab, rec, "secondary back voice", "voice")
        rec.mark("restarted")
        rec.marks["new pid"] = float(lab.start_agent("dfw-072"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            state = lab.agent_state("dfw-072")
            if state is not None and state["classes"]["voice"]["circuit"]:
                break
            time.sleep(0.5)
        time.sleep(20)
        path(lab, rec, "restarted voice", "voice")
        rec.snapshot = lab.agent_state("dfw-072") or {}
        rec.marks["fping processes"] = float(_fpings(lab, "dfw-072"))
        lab.restore("dfw-072", P)
    return rec


def _fpings(lab: Lab, site: str) -> int:
    from runbook_wan.lab.device import netns_pids

    count = 0
    for pid in netns_pids(lab.netns(site)):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "fping":
                count += 1
        except OSError:
            continue
    return count


SCENARIOS: dict[str, Callable[[Lab], Record]] = {
    "brownout": brownout_and_recovery,
    "flapping": flapping,
    "latency": latency,
    "everything": everything_impaired,
    "quiet": quiet,
    "dead_agent": dead_agent,
}


@pytest.fixture(scope="module")
def scenarios(steering_lab: Lab) -> Iterator[dict[str, Future[Record]]]:
    with ThreadPoolExecutor(len(SCENARIOS)) as pool:
        futures = {name: pool.submit(run, steering_lab) for name, run in SCENARIOS.items()}
        yield futures
        for future in futures.values():
            future.exception()  # wait for every scenario before the lab goes down


def _record(scenarios: dict[str, Future[Record]], name: str) -> Record:
    return scenarios[name].result(timeout=QUIET_S + 300)


# --- tests ------------------------------------------------------------------------------------------


def test_a_brownout_moves_pos_and_voice_within_15_s_and_leaves_bulk_and_guest(
    scenarios: dict[str, Future[Record]],
) -> None:
    rec = _record(scenarios, "brownout")
    for cls in ("pos", "voice", "bulk", "guest"):
        assert rec.path(f"before {cls}").circuit == (P if cls in ("pos", "voice") else S)
    for cls in ("pos", "voice", "video"):
        took = rec.marks[f"since {cls}"] - rec.marks["impaired_wall"]
        # The issue bounds pos and voice (1 % loss SLA); video's 2 % needs one more lost probe in its
        # window, so it may be confirmed up to one confirmation period (5 s) later
        bound = STEER_S if cls in ("pos", "voice") else STEER_S + CONFIRM_S
        assert 0 < took <= bound, f"{cls} moved {took:.1f} s after 5 % loss began on the primary"
        assert rec.path(f"steered {cls}").circuit == S, f"{cls}'s packets do not leave by the secondary"
    for cls in ("bulk", "guest"):
        assert rec.path(f"steered {cls}").circuit == S
        assert [c for _, c in rec.circuits(cls)] == [S], f"{cls} moved"
    for cls in ("pos", "voice", "video"):
        changes = [c for t, c in rec.circuits(cls) if t < rec.marks["restored"]]
        assert changes == [P, S], f"{cls}: one transition, got {changes}"
    # Even 5 % loss drops 5 of every 100 echo requests: the highest loss the agent reported while the
    # brownout lasted tells probes pinned to the primary from probes that left by another circuit
    primary = rec.max_loss(P, rec.marks["steered"], rec.marks["restored"])
    assert primary is not None and primary > 0.01, "the primary, no longer used, still carries its own probes (pinned)"


def test_traffic_returns_only_after_the_hold_and_within_hold_plus_15_s(scenarios: dict[str, Future[Record]]) -> None:
    rec = _record(scenarios, "brownout")
    assert rec.path("during hold voice").circuit == S, "voice came back before the hold"
    for cls in ("pos", "voice"):
        back = rec.first_on(cls, P, after=rec.marks["restored"])
        assert back is not None, f"{cls} never came back"
        # No return before the hold, counted from the last window in which the agent saw the primary break
        # the class's SLA: a 5 % brownout's last lost probe can come some seconds before the loss is lifted
        # (CI saw pos back 57.8 s after it), and the agent cannot tell a quiet stretch from the end
        broken = rec.last_broken(cls, P)
        assert broken is not None and broken >= rec.marks["steered"], f"{cls}: no breach seen on the primary"
        assert back - broken >= HOLD_S, f"{cls} returned {back - broken:.1f} s after its last breach on the primary"
        waited = back - rec.marks["restored"]
        assert waited <= HOLD_S + STEER_S, f"{cls} returned {waited:.0f} s after the loss ended"
        assert rec.path(f"returned {cls}").circuit == P
        assert rec.transitions(cls) == 2


def test_ef_marked_packets_from_the_users_segment_are_steered_as_voice(scenarios: dict[str, Future[Record]]) -> None:
    rec = _record(scenarios, "brownout")
    assert rec.path("before EF from users").circuit == P
    assert rec.path("steered EF from users").circuit == S, "EF from users did not follow voice"
    assert rec.path("steered users without DSCP").circuit == P, "unmarked users traffic followed voice"
    assert rec.path("returned EF from users").circuit == P


def test_flapping_loss_moves_each_class_at_most_once_off_and_once_back(scenarios: dict[str, Future[Record]]) -> None:
    rec = _record(scenarios, "flapping")
    for cls in ("pos", "voice", "video"):
        changes = [c for _, c in rec.circuits(cls)]
        assert changes in ([P], [P, S], [P, S, P]), f"{cls} flapped: {changes}"
        assert rec.transitions(cls) <= 2
    seen = [rec.path(f"cycle {n} voice").circuit for n in range(6)] + [rec.path("after voice").circuit]
    flips = sum(1 for a, b in pairwise(seen) if a != b)
    assert flips <= 2, f"voice's packets changed circuit {flips} times: {seen}"


def test_latency_over_voices_sla_moves_voice_and_leaves_the_others(scenarios: dict[str, Future[Record]]) -> None:
    rec = _record(scenarios, "latency")
    assert rec.path("delayed voice").circuit == S
    assert rec.path("delayed pos").circuit == S, "pos (100 ms SLA) stayed on a 180 ms primary"
    assert rec.path("delayed video").circuit == P, "video's 200 ms SLA holds at 180 ms"
    assert rec.path("delayed bulk").circuit == S
    assert [c for _, c in rec.circuits("video")] == [P]
    assert [c for _, c in rec.circuits("bulk")] == [S]
    voice = rec.snapshot["classes"]["voice"]
    assert "latency" in voice["reason"]


def test_with_every_circuit_impaired_each_class_takes_its_least_bad_and_stays(
    scenarios: dict[str, Future[Record]],
) -> None:
    rec = _record(scenarios, "everything")
    assert rec.marks[f"{S} up"] and rec.marks[f"{T} up"], "secondary or wireless BGP/BFD did not come back in 30 s"
    for cls in ("pos", "voice", "saas"):
        assert rec.path(f"impaired {cls}").circuit == T, f"{cls} is not on the least bad circuit (about 2 % loss)"
    for cls in ("bulk", "guest"):
        assert rec.path(f"impaired {cls}").circuit == S, f"{cls} is kept off wireless: secondary (10 %) beats 40 %"
        assert all(c != T for _, c in rec.circuits(cls)), f"{cls} was put on wireless"
    for cls in ("pos", "voice", "video", "saas", "bulk", "guest"):
        changes = [c for _, c in rec.circuits(cls)]
        assert len(changes) == len(set(changes)), f"{cls} went back to a circuit it left: {changes}"
        late = [c for t, c in rec.circuits(cls) if rec.marks["settled"] <= t < rec.marks["undone"]]
        assert late == [], f"{cls} still moving after {SETTLE_S:.0f} s: {rec.circuits(cls)}"
    voice = rec.snapshot["classes"]["voice"]
    assert voice["sla_met"][P] is False and voice["sla_met"][S] is False, voice
    assert voice["circuit"] == T


def test_five_clean_minutes_move_nothing(scenarios: dict[str, Future[Record]]) -> None:
    rec = _record(scenarios, "quiet")
    assert rec.states and rec.states[-1][0] >= QUIET_S - 5
    for cls in ("voice", "video", "saas", "bulk", "guest"):
        assert len(rec.circuits(cls)) == 1, f"{cls} moved on clean links: {rec.circuits(cls)}"
        assert rec.transitions(cls) == 0
    preferred = {"voice": P, "video": P, "saas": S, "bulk": S, "guest": S}
    for cls, circuit in preferred.items():
        assert rec.path(f"after {cls}").circuit == circuit
    circuits = (rec.last_state or {})["circuits"]
    assert all(c["loss_ratio"] is not None and c["samples"] > 0 for c in circuits.values()), "the agent measured"


def test_a_dead_agent_leaves_steering_and_failover_working_and_restarts_without_a_flip(
    scenarios: dict[str, Future[Record]],
) -> None:
    rec = _record(scenarios, "dead_agent")
    assert rec.marks["steered"] > 0, "voice never moved off the browned-out primary"
    assert rec.marks["killed pid"] > 0 and rec.marks["pid after kill"] == 0
    assert rec.path("dead agent voice").circuit == S, "the steering did not hold without the agent"
    assert "failed over" in rec.marks, "cutting the secondary left voice nowhere"
    took = rec.marks["failed over"] - rec.marks["secondary cut"]
    assert took <= FAILOVER_S, f"reachability failover took {took:.0f} s"
    assert rec.path("secondary back voice").circuit == S
    assert rec.marks["new pid"] > 0 and rec.marks["new pid"] != rec.marks["killed pid"]
    voice = rec.snapshot["classes"]["voice"]
    assert voice["circuit"] == S and voice["transitions"] == 0, voice
    assert rec.path("restarted voice").circuit == S
    assert rec.marks["fping processes"] == 3, "the new agent stopped the probes the killed one left"

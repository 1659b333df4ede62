"""The class SLAs measured natively on the router, for platforms that have no edge agent.

* **IOS-XE** (``sla_measurement: ip_sla``): per circuit and per distinct latency SLA of the classes
  that use it, an ``ip sla`` icmp-echo to the circuit's provider edge (adjacent, so the probe leaves
  on that circuit whatever the routing table says; a probe to the provider's tracking address would
  follow the best route, over another circuit when this one's BGP is down), with the class's
  round-trip budget as ``threshold`` and ``timeout``; a ``track ... ip sla ... state`` with ``delay
  down`` (the breach must last the agent's confirmation time) and ``delay up`` (the hold time before
  traffic returns); and a ``track ... list boolean and`` of that and the circuit's reachability
  track (its provider's tracking route), which the class's PBR next hop is conditional on. A class
  therefore leaves a circuit whose round trip exceeds its budget, and comes back after the hold.
  Loss and jitter have no track: IOS-XE has loss and jitter thresholds only in ``ip sla
  reaction-configuration`` (udp-jitter operations, with an IP SLA responder at the far end), and
  track objects do not follow reactions. They are not rendered.
* **EOS** (``sla_measurement: connectivity_monitor``): ``monitor connectivity`` probes each
  circuit's provider tracking address out of that circuit's interface and reports latency, jitter
  and loss (``show monitor connectivity``, streamed to CloudVision). It has no thresholds and no
  track object follows it, so it measures and does not steer.

Object numbers (IOS-XE tracks are 1-1000): the reachability tracks keep their role ids (1-3); for
the *i*-th smallest latency budget (*i* = 1..9) and a circuit of role id *r*, the ``ip sla``
operation is ``10*i + r``, its state track ``100 + 10*i + r``, the combined track ``200 + 10*i + r``.
"""

from __future__ import annotations

import math

from runbook_wan.facts import naming
from runbook_wan.facts.agent import METERED_KINDS
from runbook_wan.facts.models import CircuitFact, SlaFact, SlaHostFact, SlaProbeFact, SteeringFact
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.model.policy import Policy
from runbook_wan.model.region import SteeringSettings
from runbook_wan.results import Diagnostic

#: IOS-XE's ``track ... delay up|down`` range, in seconds.
DELAY_RANGE = (1, 180)
#: At most this many distinct latency budgets per site (object numbers stay within 1-1000).
MAX_BUDGETS = 9
#: IOS-XE ``ip sla`` operations send one echo per ``frequency``, at least every second.
MIN_FREQUENCY_S = 1


def _clamp_delay(seconds: float) -> int:
    low, high = DELAY_RANGE
    return int(min(high, max(low, math.ceil(seconds))))


def _interval_s(circuit: CircuitFact, timing: SteeringSettings) -> int:
    probe = timing.metered_probe if circuit.provider_kind in METERED_KINDS else timing.probe
    return max(MIN_FREQUENCY_S, math.ceil(probe.interval_ms / 1000))


def _budgets(policy: Policy) -> list[int]:
    """Distinct round-trip budgets (ms) of the policy's classes, smallest first."""
    return sorted({2 * app.sla.latency_ms for app in policy.classes.values()})


def sla_facts(
    policy: Policy,
    platform: PlatformSpec,
    circuits: list[CircuitFact],
    steer: SteeringFact | None,
    timing: SteeringSettings,
) -> tuple[SlaFact | None, list[Diagnostic]]:
    measurement = platform.capabilities.sla_measurement
    enforced = list(platform.capabilities.sla_enforced)
    if measurement == "connectivity_monitor":
        return SlaFact(
            measurement=measurement,
            enforced=enforced,
            interval_s=max(1, math.ceil(timing.probe.interval_ms / 1000)),
            hosts=[
                SlaHostFact(
                    name=f"SDWAN-{naming.ROLE_LABEL[c.role]}",
                    circuit=c.role,
                    interface=c.interface,
                    target=c.tracking_address,
                )
                for c in circuits
            ],
        ), []
    if measurement != "ip_sla" or steer is None:
        return None, []
    budgets = _budgets(policy)
    if len(budgets) > MAX_BUDGETS:
        return None, [
            Diagnostic(
                "sla-too-many-budgets",
                f"policy {policy.policy!r} has {len(budgets)} distinct latency SLAs; platform "
                f"{platform.platform!r} tracks at most {MAX_BUDGETS} per site",
                hint="give classes with close latency SLAs the same figure",
            )
        ]
    delay_down = _clamp_delay(timing.breach_windows * timing.probe.window_s)
    delay_up = _clamp_delay(timing.hold_s)
    by_role = {c.role: c for c in circuits}
    probes: dict[tuple[int, str], SlaProbeFact] = {}
    for index, budget in enumerate(budgets, start=1):
        users = [name for name, app in policy.classes.items() if 2 * app.sla.latency_ms == budget]
        for role in sorted({r for name in users for r in policy.classes[name].path_preference}, key=str):
            circuit = by_role.get(str(role))
            if circuit is None:
                continue
            rid = naming.TRACK_IDS[circuit.role]
            operation = 10 * index + rid
            probes[(budget, circuit.role)] = SlaProbeFact(
                operation=operation,
                circuit=circuit.role,
                interface=circuit.interface,
                target=circuit.gateway,
                threshold_ms=budget,
                # One echo per frequency (metered circuits slower), and the frequency must exceed the timeout.
                frequency_s=max(_interval_s(circuit, timing), budget // 1000 + 1),
                state_track=100 + operation,
                delay_down_s=delay_down,
                delay_up_s=delay_up,
                track=200 + operation,
                route_track=rid,
                classes=[n for n in users if role in policy.classes[n].path_preference],
            )
    tracks: dict[int, int] = {}
    for group in steer.groups:
        app = policy.classes.get(group.app_class)
        if app is None:
            continue
        for hop in group.nexthops:
            found = probes.get((2 * app.sla.latency_ms, hop.circuit or ""))
            if found is not None:
                tracks[hop.seq] = found.track
            elif hop.track_id is not None:
                tracks[hop.seq] = hop.track_id
    ordered = sorted(probes.values(), key=lambda p: p.operation)
    return SlaFact(measurement=measurement, enforced=enforced, probes=ordered, tracks_by_seq=tracks), []

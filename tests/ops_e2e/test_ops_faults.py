"""Day-2 faults on the real stack (issue 21, class 9): processes die while incidents are open, and
nothing is lost.

The world of test_ops_e2e.py (one FRR lab, ``monitor up --scrape-interval 1``, the receivers), after
its tests. ``monitor up`` runs the supervisor (``monitor watch``), which starts a killed service again.

While a site is down with its escalation pending and another incident is acknowledged, each of
the notifier, Prometheus, Alertmanager and the probe is killed (SIGKILL) in turn; the notifier in
the middle of its escalation (its calls held at the provider's door, so none reached Twilio).
After the supervisor starts it again the escalation is made, once. The incident store is compared
before and after: every incident is still there with its fields and acknowledgement, every
delivery recorded before is still recorded, and the providers saw exactly the requests the store
records (no page lost, none sent twice). The pane says what was down. (One episode for all four
kills: the lab tests stay within the suite's time budget.)

A full disk under the state folder has its own test (tests/bad_input/day2/test_disk_full_notifier.py).
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from opskit import OpsWorld, settle, wait_for

pytestmark = pytest.mark.lab

DOWN = "chi-021"
TWILIO = "api.twilio.com"
CIRCUITS = ("primary_dia", "secondary_dia", "tertiary_wireless")
#: How far an incident's state may move while processes die (never back).
_ORDER = {"firing": 0, "acknowledged": 1, "resolved": 2}
Snapshot = dict[str, dict[str, Any]]


def snapshot(ops: OpsWorld) -> Snapshot:
    return {i["id"]: i for i in ops.incidents()}


def site_down(ops: OpsWorld, known: set[str]) -> dict[str, Any] | None:
    """The SiteDown incident of chi-021 opened after ``known`` once both SMS were sent, else None."""
    for incident in ops.incidents():
        if incident["id"] in known or incident["site"] != DOWN or incident["alertname"] != "SiteDown":
            continue
        sent = [d for d in incident["deliveries"] if d["kind"] == "firing" and d["status"] == "sent"]
        if len(sent) == 2:
            return incident
    return None


def escalations(incident: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in incident["deliveries"] if d["kind"] == "escalation" and d["status"] == "sent"]


def on_the_wire(ops: OpsWorld, incident_id: str) -> tuple[int, int]:
    """(SMS, calls) the providers received about one incident (the SMS says its id, the call spells it)."""
    spelled = "Incident " + " ".join(incident_id.removeprefix("inc-"))
    sms = calls = 0
    for recorded in ops.proxy.records:
        body = recorded.body.decode(errors="replace")
        if recorded.path.endswith("/Messages.json") and incident_id in body:
            sms += 1
        elif recorded.path.endswith("/Calls.json") and spelled.replace(" ", "+") in body.replace("%20", "+"):
            calls += 1
    return sms, calls


def assert_nothing_lost(before: Snapshot, after: Snapshot) -> None:
    for incident_id, old in before.items():
        new = after.get(incident_id)
        assert new is not None, f"incident {incident_id} lost"
        for key in ("alertname", "site", "started_at", "labels", "acknowledged_by", "acknowledged_at"):
            assert new[key] == old[key] or (key.startswith("acknowledged") and old[key] is None), (incident_id, key)
        assert _ORDER[new["status"]] >= _ORDER[old["status"]], (incident_id, old["status"], new["status"])
        assert new["deliveries"][: len(old["deliveries"])] == old["deliveries"], f"{incident_id}: a delivery lost"


def store_matches_the_wire(ops: OpsWorld, known: set[str]) -> bool:
    """Every page recorded as sent reached the provider once, and the provider saw no page the store lacks
    (incidents opened since ``known``; checked until it holds, as a page in flight is on the wire first)."""
    for incident in (i for i in ops.incidents() if i["id"] not in known):
        sent = [d for d in incident["deliveries"] if d["status"] == "sent"]
        sms = sum(1 for d in sent if d["channel"] == "sms")
        calls = sum(1 for d in sent if d["channel"] == "voice")
        if on_the_wire(ops, incident["id"]) != (sms, calls):
            return False
    return True


def gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def restore(ops: OpsWorld) -> None:
    """The circuits back, and the site's alerts gone from Alertmanager.

    The notifier's incident is not waited for: an Alertmanager killed with SIGKILL forgets that it
    notified a group (its notification log is written on a clean stop), so it never sends that
    group's "resolved"; the notifier's re-sync resolves the incident once Alertmanager has been up
    for --resync-grace (tests/notify/test_engine.py covers the re-sync).
    """
    ops.lab.restore("sea-001", "primary_dia")
    for circuit in CIRCUITS:
        ops.lab.restore(DOWN, circuit)
    wait_for(f"{DOWN} healthy again", lambda: all(ops.lab.circuit_healthy(DOWN, c) for c in CIRCUITS), timeout=120)
    wait_for(
        f"{DOWN}'s SiteDown gone from Alertmanager",
        lambda: (
            not [a for a in ops.alerts() if a["labels"].get("site") == DOWN and a["labels"]["alertname"] == "SiteDown"]
        ),
        timeout=120,
    )


def open_incident_to_acknowledge(ops: OpsWorld) -> str:
    """test_4 leaves its RolloutHalted incident open; run alone, a CircuitDown of sea-001 is made."""
    halted = [i for i in ops.incidents() if i["alertname"] == "RolloutHalted" and i["status"] == "firing"]
    if halted:
        return str(halted[0]["id"])
    ops.lab.fail("sea-001", "primary_dia", mode="blackhole")  # restored with the rest (restore())
    found = wait_for(
        "a CircuitDown incident of sea-001",
        lambda: [i for i in ops.incidents() if i["site"] == "sea-001" and i["status"] == "firing"],
        timeout=90,
    )
    return str(found[0]["id"])


def test_5_each_service_killed_in_turn_the_notifier_mid_escalation_loses_nothing(ops: OpsWorld) -> None:
    known = set(snapshot(ops))
    acked = open_incident_to_acknowledge(ops)
    ack = ops.cli("incidents", "ack", acked, "--by", "carol")
    assert ack.returncode == 0, ack.stderr
    for circuit in CIRCUITS:
        ops.lab.fail(DOWN, circuit, mode="blackhole")
    try:
        incident = wait_for("the SiteDown SMS", lambda: site_down(ops, known), timeout=90)
        assert incident["escalate_at"] and not incident["escalated_at"], "its escalation is pending"
        before = snapshot(ops)

        # The notifier dies in the middle of the escalation: its calls wait at the provider's door
        # (nothing reached Twilio) when it is killed; the supervisor starts it again, and it calls, once.
        # Only Twilio is held: the ProviderOutage ticket (ServiceNow) of chi-021's carrier may be on its way
        # at that moment too, and must not be taken for the call.
        ops.proxy.hold(TWILIO)
        try:
            wait_for("the escalation's calls to be under way", lambda: ops.proxy.held >= 1, timeout=60, interval=0.05)
            notifier = ops.record().services["notifier"]
            os.kill(notifier.pid, signal.SIGKILL)
            wait_for("the notifier to be gone", lambda: gone(notifier.pid), timeout=15)
            claimed = snapshot(ops)[incident["id"]]
            assert claimed["escalated_at"] and not escalations(claimed), "claimed, no call made: mid-escalation"
        finally:
            ops.proxy.release()  # the dead notifier's held connections are closed: nothing goes through
        wait_for("the notifier started again", lambda: ops.record().services["notifier"].pid != notifier.pid)
        wait_for("the escalation after the restart", lambda: len(escalations(snapshot(ops)[incident["id"]])) == 2)

        # Then each of the others, in turn, with the incidents still open.
        for service in ("prometheus", "alertmanager", "probe"):
            ops.kill(service)
        settle(5)  # repeats of the groups after the restarts: nobody may be paged again
        after = snapshot(ops)
        assert_nothing_lost(before, after)
        assert after[acked]["acknowledged_by"] == "carol"
        called = escalations(after[incident["id"]])
        assert sorted(d["recipient"].split(" ")[0] for d in called) == ["alice", "bob"]
        assert on_the_wire(ops, incident["id"]) == (2, 2), "two SMS and two calls reached Twilio: once each"
        wait_for("the store and the providers to agree", lambda: store_matches_the_wire(ops, known), timeout=30)

        view = json.loads(ops.cli("status", "--intents", str(ops.intents), "--format", "json").stdout)
        for service in ("notifier", "prometheus", "alertmanager", "probe"):
            assert any(n.startswith(f"{service} was down from ") for n in view["notices"]), view["notices"]
    finally:
        restore(ops)

"""The notifier end to end without the lab: a real Alertmanager posts to a real notifier process, which
reaches a real SMTP server, a local chat receiver, and the providers through the contract proxy.

Alerts are hand-built and posted to Alertmanager's API as Prometheus would (no Prometheus here).
Alertmanager re-sends every firing group every 2 s (``repeat_interval``), so every test below also
runs against repeated webhooks.
"""

from __future__ import annotations

import json
import time
from typing import Any

from contract_proxy import SERVICENOW_HOST
from notifykit import World, alert, run_cli, wait_for


def incidents(world: World, *extra: str) -> list[dict[str, Any]]:
    done = run_cli([*world.cli_base, "incidents", "list", "--all", "--format", "json", *extra], world.env)
    assert done.returncode == 0, done.stderr
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def of_site(world: World, site: str) -> list[dict[str, Any]]:
    return [i for i in incidents(world) if i["site"] == site]


def repeats(world: World, count: int = 2) -> None:
    """Wait until Alertmanager has delivered ``count`` more webhooks (repeats of firing groups)."""
    start = world.alertmanager.webhooks_sent()
    wait_for(f"{count} more webhooks", lambda: world.alertmanager.webhooks_sent() >= start + count)


def sms_to(world: World, site: str) -> list[str]:
    bodies = []
    for recorded in world.proxy.records:
        form = recorded.form() if recorded.body and b"=" in recorded.body else {}
        text = (form.get("Body") or form.get("text") or [""])[0]
        if recorded.path.endswith(("/Messages.json", "/sms/json")) and f" {site}" in text:
            bodies.append(f"{recorded.host} {form.get('To', form.get('to'))} {text}")
    return bodies


def calls_for(world: World, site: str) -> list[str]:
    found = []
    for recorded in world.proxy.records:
        if recorded.path.endswith("/Calls.json") and site in recorded.body.decode():
            found.append(recorded.form()["To"][0])
        if recorded.path == "/v1/calls" and site in recorded.body.decode():
            found.append(recorded.json()["to"][0]["number"])
    return found


def test_circuit_down_one_incident_chat_and_mail_once_then_resolved_once(world: World) -> None:
    site = "abe-056"
    world.alertmanager.post(alert("CircuitDown", site=site, circuit="primary_dia", provider="fibrelink"))

    wait_for("the chat message", lambda: any(site in t for t in world.chat.texts()))
    wait_for("two e-mails", lambda: len([s for s in world.smtp.subjects() if site in s]) == 2)
    repeats(world)  # Alertmanager repeats the firing group: nobody is told twice

    chats = [t for t in world.chat.texts() if site in t]
    assert len(chats) == 1 and "[FIRING] CircuitDown abe-056 primary_dia (fibrelink)" in chats[0]
    assert "@alice" in chats[0] and "@bob" in chats[0]
    mails = [(to, m) for to, m in world.smtp.messages if site in str(m["Subject"])]
    assert sorted(to[0] for to, _m in mails) == ["alice@example.com", "bob@example.com"]
    [incident] = of_site(world, site)
    assert (incident["alertname"], incident["status"]) == ("CircuitDown", "firing")
    told = {(d["channel"], d["recipient"], d["status"]) for d in incident["deliveries"]}
    assert told == {
        ("chat", "chat (@alice, @bob)", "sent"),
        ("email", "alice (a***@example.com)", "sent"),
        ("email", "bob (b***@example.com)", "sent"),
    }
    assert all(d["message_id"] for d in incident["deliveries"] if d["channel"] == "email")

    world.alertmanager.post(alert("CircuitDown", site=site, circuit="primary_dia", provider="fibrelink", resolved=True))
    wait_for("the resolved chat message", lambda: any("[RESOLVED]" in t and site in t for t in world.chat.texts()))
    wait_for("two resolved e-mails", lambda: len([s for s in world.smtp.subjects() if "[RESOLVED]" in s]) >= 2)
    time.sleep(3)  # a resolved group is flushed once more after group_interval (1 s): nothing new may come
    assert len([t for t in world.chat.texts() if site in t]) == 2
    assert len([s for s in world.smtp.subjects() if site in s]) == 4
    [incident] = of_site(world, site)
    assert incident["status"] == "resolved" and incident["resolved_by"] is None


def ack(world: World, incident_id: str, by: str = "tester") -> None:
    done = run_cli([*world.cli_base, "incidents", "ack", incident_id, "--by", by], world.env)
    assert done.returncode == 0, done.stderr
    assert f"{incident_id} acknowledged by {by}" in done.stdout


def test_inhibited_circuit_alerts_in_a_resolved_list_are_never_announced(world: World) -> None:
    """Alertmanager lists inhibited alerts as resolved although it never sent them (upstream #891/#2754).

    One circuit goes down (announced), then the site: SiteDown pages and inhibits the site's circuit
    alerts, including the two circuits that fail after it. When everything recovers, the circuit
    group's resolved list holds all three circuits; only the announced one is announced resolved.
    """
    site = "abq-015"

    def circuit(role: str, resolved: bool = False) -> dict[str, Any]:
        return alert("CircuitDown", site=site, circuit=role, provider="fibrelink", resolved=resolved)

    world.alertmanager.post(circuit("primary_dia"))
    wait_for("the circuit's chat message", lambda: [t for t in world.chat.texts() if site in t])
    world.alertmanager.post(alert("SiteDown", site=site), circuit("secondary_dia"), circuit("lte"))
    wait_for("the SiteDown SMS to both", lambda: len(sms_to(world, site)) == 2)
    ack(world, next(i["id"] for i in of_site(world, site) if i["alertname"] == "SiteDown"))
    time.sleep(2)  # the inhibited circuits reach Alertmanager's groups (and must page nobody)

    resolved = [circuit(role, resolved=True) for role in ("primary_dia", "secondary_dia", "lte")]
    world.alertmanager.post(alert("SiteDown", site=site, resolved=True), *resolved)
    wait_for("the resolved SMS to both", lambda: len([s for s in sms_to(world, site) if "[RESOLVED]" in s]) == 2)
    wait_for(
        "Alertmanager's resolved list with the two circuits it never sent",
        lambda: (
            "webhook runbook-circuits: 0 firing, 3 resolved -> opened 0, resolved 1, sent 3, failed 0, ignored 2"
            in world.notifier.output()
        ),
    )
    chats = [t for t in world.chat.texts() if site in t]
    assert len(chats) == 2
    assert chats[0].startswith("[FIRING] CircuitDown abq-015 primary_dia")
    assert chats[1].startswith("[RESOLVED] CircuitDown abq-015 primary_dia")
    assert not [t for t in world.chat.texts() + world.smtp.subjects() if "secondary_dia" in t or " lte" in t]
    assert sorted(i["circuit"] or i["alertname"] for i in of_site(world, site)) == ["SiteDown", "primary_dia"]
    assert len(sms_to(world, site)) == 4


def test_twilio_error_fails_over_to_vonage_and_the_incident_records_both_attempts(world: World) -> None:
    site = "alb-050"
    world.responder.fail["api.twilio.com"] = world.responder.twilio_error(503, 20500, "Service Unavailable")
    try:
        world.alertmanager.post(alert("SiteDown", site=site))
        wait_for("two Vonage SMS", lambda: len([s for s in sms_to(world, site) if s.startswith("rest.nexmo.com")]) == 2)
        [incident] = of_site(world, site)
        ack(world, incident["id"])
    finally:
        world.responder.fail.clear()

    twilio_tries = [r for r in world.proxy.to("api.twilio.com") if site in r.body.decode()]
    assert len(twilio_tries) == 2  # one per person, then the failover
    [incident] = of_site(world, site)
    attempts: dict[str, list[tuple[str, str]]] = {}  # per person, in the order they were made
    for d in incident["deliveries"]:
        attempts.setdefault(d["recipient"], []).append((d["channel"], d["status"]))
    assert attempts == {
        "alice (+1415***0123)": [("sms", "failed"), ("sms-backup", "sent")],
        "bob (+1415***0124)": [("sms", "failed"), ("sms-backup", "sent")],
    }
    for delivery in incident["deliveries"]:
        if delivery["status"] == "failed":
            assert "HTTP 503" in delivery["error"] and "code 20500" in delivery["error"]
        else:
            assert delivery["message_id"] and not delivery["error"]


def test_ack_stops_the_voice_escalation_and_an_unacknowledged_page_calls(world: World) -> None:
    quiet, loud = "atl-061", "anc-020"
    world.alertmanager.post(alert("SiteDown", site=quiet), alert("SiteDown", site=loud))
    wait_for("SMS for both sites", lambda: len(sms_to(world, quiet)) == 2 and len(sms_to(world, loud)) == 2)
    [acked] = of_site(world, quiet)
    ack(world, acked["id"])

    wait_for("the voice calls for the unacknowledged site", lambda: len(calls_for(world, loud)) == 2)
    [called] = of_site(world, loud)
    voice = [d for d in called["deliveries"] if d["kind"] == "escalation"]
    assert [(d["channel"], d["status"]) for d in voice] == [("voice", "sent"), ("voice", "sent")]
    assert all(d["message_id"].startswith("CA") for d in voice)
    calls = [r for r in world.proxy.to("api.twilio.com") if r.path.endswith("/Calls.json") and loud in r.body.decode()]
    assert all("Runbook alert, not yet acknowledged. SiteDown at anc-020" in r.form()["Twiml"][0] for r in calls)

    [acked] = of_site(world, quiet)
    assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == "tester"
    assert acked["escalate_at"] is not None and acked["escalated_at"] is None
    time.sleep(2)  # the acknowledged incident's due time has passed as long ago as the loud one's calls
    assert calls_for(world, quiet) == []


def test_restart_mid_incident_pages_nobody_again(world: World) -> None:
    site = "aus-073"
    world.alertmanager.post(alert("SiteDown", site=site))
    wait_for("the SiteDown SMS", lambda: len(sms_to(world, site)) == 2)
    [incident] = of_site(world, site)
    ack(world, incident["id"])

    assert world.notifier.stop() == 0  # SIGTERM: a clean exit
    world.notifier.start()
    repeats(world, 3)  # Alertmanager re-sends the firing group to the new process

    assert len(sms_to(world, site)) == 2
    assert [i["id"] for i in of_site(world, site)] == [incident["id"]]
    assert "open incident(s) still firing" in world.notifier.output().rsplit("notifier on http", 1)[1]


def test_a_provider_outage_opens_one_carrier_ticket(world: World) -> None:
    world.alertmanager.post(alert("ProviderOutage", provider="skycell"))
    wait_for("the ServiceNow incident", lambda: world.proxy.to(SERVICENOW_HOST))
    repeats(world)

    opened = [r for r in world.proxy.to(SERVICENOW_HOST) if r.method == "POST"]
    assert len(opened) == 1 and "skycell" in opened[0].json()["short_description"]
    [incident] = [i for i in incidents(world) if i["provider"] == "skycell"]
    [ticket] = incident["deliveries"]
    assert (ticket["channel"], ticket["status"]) == ("tickets", "sent") and ticket["message_id"].startswith("INC")

    world.alertmanager.post(alert("ProviderOutage", provider="skycell", resolved=True))
    wait_for("the ticket resolved", lambda: [r for r in world.proxy.to(SERVICENOW_HOST) if r.method == "PATCH"])


def test_no_secret_in_any_output_log_or_the_incident_store(world: World) -> None:
    """Runs after the others in this module: everything they caused is searched for every credential."""
    import base64

    used = {r.basic_auth() for r in world.proxy.records}
    assert (world.secrets["twilio/sid"], world.secrets["twilio/token"]) in used  # the secrets were really used
    assert (world.secrets["vonage/key"], world.secrets["vonage/secret"]) in used

    forbidden = {name: value for name, value in world.secrets.items() if name != "vonage/private-key"}
    pem_lines = [line for line in world.secrets["vonage/private-key"].splitlines() if "-----" not in line]
    forbidden |= {f"vonage/private-key line {i}": line for i, line in enumerate(pem_lines)}
    forbidden["chat token"] = world.chat.token
    for user, password in (("twilio/sid", "twilio/token"), ("vonage/key", "vonage/secret")):
        pair = f"{world.secrets[user]}:{world.secrets[password]}"
        forbidden[f"{user} basic"] = base64.b64encode(pair.encode()).decode()

    listing = run_cli([*world.cli_base, "incidents", "list", "--all"], world.env)
    as_json = run_cli([*world.cli_base, "incidents", "--format", "json", "list", "--all"], world.env)
    store = world.notifier.state / "monitor" / "incidents.sqlite"
    texts = {
        "notifier log": world.notifier.output(),
        "incidents list": listing.stdout + listing.stderr,
        "incidents list --format json": as_json.stdout + as_json.stderr,
        "incident store": b"".join(p.read_bytes() for p in store.parent.glob("incidents.sqlite*")).decode("latin-1"),
    }
    assert "SiteDown" in texts["incidents list"] and "sms-backup" in texts["incident store"]
    leaks = [(where, name) for where, text in texts.items() for name, value in forbidden.items() if value in text]
    assert leaks == []

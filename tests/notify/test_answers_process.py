"""Page, and be answered, end to end: a real Alertmanager posts to the real notifier process, which pages
through the providers' SDKs (the contract proxy records the requests) and takes the answers on its
public listener, signed exactly as Twilio, Vonage and Slack sign them.

Alerts are hand-built and posted to Alertmanager as Prometheus would. The SiteDown routes escalate
to a voice call after 15 s (region west) or 3 s (other regions), so every test here is quick. The
tests share one world and run in file order; each uses its own site.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from email.message import EmailMessage

import httpx
from answerkit import ALICE, BOB, TWILIO_NUMBER, Answers, keypress_path, links_in
from notifykit import REPO, alert, run_cli, wait_for

from runbook_wan.ops.incidents import parse_iso


def _sms_body(recorded: object) -> str:
    form = recorded.form()  # type: ignore[attr-defined]
    return str((form.get("Body") or form.get("text"))[0])


def _delivery(incident: dict, channel: str, recipient: str, kind: str = "firing") -> dict:  # type: ignore[type-arg]
    [found] = [
        d
        for d in incident["deliveries"]
        if d["channel"] == channel and d["recipient"].startswith(recipient) and d["kind"] == kind
    ]
    return found  # type: ignore[no-any-return]


def test_site_down_sms_then_a_signed_reply_4_acknowledges_for_alice_and_the_call_never_comes(answers: Answers) -> None:
    site = "ans-001"
    answers.alertmanager.post(alert("SiteDown", site=site, region="west"))
    texts = wait_for("the SiteDown SMS to alice and bob", lambda: len(answers.sms(site)) == 2 and answers.sms(site))
    to = {r.form()["To"][0]: r for r in texts}
    assert set(to) == {ALICE, BOB}
    body = _sms_body(to[ALICE])
    assert body.startswith("[FIRING] SiteDown ans-001") and re.search(r"Reply \d+a ack, \d+c resolve", body)
    assert to[ALICE].form()["StatusCallback"] == [answers.url("/inbound/twilio/status")]

    answer = answers.twilio_sms(ALICE, "4", "SM" + "a1" * 16)
    incident = answers.incident(site)
    assert answer.status_code == 200
    assert f"<Message>Acknowledged: SiteDown {site} ({incident['id']}).</Message>" in answer.text
    assert (incident["status"], incident["acknowledged_by"], incident["acknowledged_via"]) == (
        "acknowledged",
        "alice",
        "sms",
    )

    # Escalation stopped on every channel: the call was due 15 s after the page; wait past it.
    due = parse_iso(incident["escalate_at"])
    wait_for("the escalation time to pass", lambda: datetime.now(UTC).timestamp() > due.timestamp() + 3)
    assert answers.calls(site) == [] and answers.proxy.to("api.nexmo.com") == []
    assert f"incident {incident['id']} acknowledged by alice via sms: escalation stopped" in answers.notifier.output()
    # Twilio retries a webhook it got no answer to: the same message changes nothing and is not answered twice.
    again = answers.twilio_sms(ALICE, "4", "SM" + "a1" * 16)
    assert again.status_code == 200 and "<Message>" not in again.text


def test_an_unsigned_reply_is_403_the_call_comes_and_a_keypress_resolves(answers: Answers) -> None:
    site = "ans-002"
    answers.alertmanager.post(alert("SiteDown", site=site, region="east"))
    wait_for("the SiteDown SMS", lambda: len(answers.sms(site)) == 2)

    unsigned = answers.twilio_sms(ALICE, "4", "SM" + "b2" * 16, signed=False)
    forged = answers.twilio(
        "/inbound/twilio/sms",
        {"MessageSid": "SM" + "b3" * 16, "From": ALICE, "To": TWILIO_NUMBER, "Body": "4"},
        signed=False,
    )
    assert unsigned.status_code == 403 and forged.status_code == 403
    assert answers.incident(site)["status"] == "firing" and answers.incident(site)["acknowledged_by"] is None

    calls = wait_for("the escalation calls", lambda: len(answers.calls(site)) == 2 and answers.calls(site))
    assert answers.incident(site)["status"] == "firing"  # nobody answered: the unsigned reply did nothing
    [to_alice] = [c for c in calls if c.form()["To"] == [ALICE]]
    twiml = to_alice.form()["Twiml"][0]
    assert "Press 4 to acknowledge, 6 to resolve." in twiml
    call_sid = _delivery(answers.incident(site), "voice", "alice", "escalation")["message_id"]

    said = answers.twilio(
        keypress_path(twiml),
        {
            "CallSid": call_sid,
            "AccountSid": answers.secrets["twilio/sid"],
            "Digits": "6",
            "To": ALICE,
            "From": TWILIO_NUMBER,
            "CallStatus": "in-progress",
        },
    )
    assert said.status_code == 200 and "<Say>Resolved: SiteDown ans-002" in said.text and "<Hangup />" in said.text
    incident = answers.incident(site)
    assert (incident["status"], incident["resolved_by"], incident["resolved_via"]) == ("resolved", "alice", "voice")


def test_a_slack_button_acknowledges_as_the_person_who_clicked_and_updates_the_message(answers: Answers) -> None:
    site = "ans-003"
    answers.alertmanager.post(alert("CircuitDown", site=site, circuit="primary_dia", provider="fibrelink"))
    incident_id = wait_for("the incident", lambda: [i["id"] for i in answers.incidents() if i["site"] == site])[0]
    [message] = wait_for("the Slack message with buttons", lambda: answers.slack_posts(incident_id))
    actions = [b for b in message.json()["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == ["runbook_ack", "runbook_resolve"]

    click = {
        "type": "block_actions",
        "user": {"id": "U0BOB", "username": "bob", "name": "bob"},
        "actions": [{"action_id": "runbook_ack", "value": incident_id, "type": "button"}],
        "response_url": "https://hooks.slack.com/actions/T0RUNBOOK/77/abcdef",
    }
    assert (
        answers.slack_click({**click, "user": {"id": "U0ALICE", "username": "alice"}}, tamper=True).status_code == 403
    )
    assert answers.incident(site, "CircuitDown")["status"] == "firing"
    assert answers.slack_click(click).status_code == 200
    incident = answers.incident(site, "CircuitDown")
    assert (incident["acknowledged_by"], incident["acknowledged_via"]) == ("bob", "slack")
    update = wait_for(
        "the message updated",
        lambda: [r for r in answers.proxy.to("hooks.slack.com") if r.path == "/actions/T0RUNBOOK/77/abcdef"],
    )[0].json()
    assert update["replace_original"] is True and "Acknowledged by bob via slack" in str(update["blocks"])


def test_a_delivery_failure_callback_fails_over_to_vonage_at_once(answers: Answers) -> None:
    site = "ans-004"
    answers.alertmanager.post(alert("SiteDown", site=site, region="west"))
    wait_for("the SiteDown SMS", lambda: len(answers.sms(site)) == 2)
    incident = answers.incident(site)
    to_alice = _delivery(incident, "sms", "alice")["message_id"]
    to_bob = _delivery(incident, "sms", "bob")["message_id"]
    status = {"AccountSid": answers.secrets["twilio/sid"], "From": TWILIO_NUMBER, "ApiVersion": "2010-04-01"}

    delivered = answers.twilio(
        "/inbound/twilio/status",
        status | {"MessageSid": to_bob, "To": BOB, "MessageStatus": "delivered", "SmsStatus": "delivered"},
    )
    failed = answers.twilio(
        "/inbound/twilio/status",
        status | {"MessageSid": to_alice, "To": ALICE, "MessageStatus": "undelivered", "ErrorCode": "30003"},
    )
    assert delivered.status_code == 204 and failed.status_code == 204
    [backup] = wait_for("the Vonage SMS to alice", lambda: answers.sms(site, "rest.nexmo.com"))
    assert answers.calls(site) == []  # the failover did not wait for the escalation (15 s)
    assert backup.form()["to"] == [ALICE.lstrip("+")] and backup.form()["callback"] == [
        answers.url("/inbound/vonage/status")
    ]
    assert len(answers.sms(site)) == 2  # bob's SMS arrived: he is not paged again

    done = run_cli(
        ["--state", str(answers.notifier.state), "incidents", "ack", incident["id"], "--by", "bob"], answers.env
    )
    assert done.returncode == 0
    incident = answers.incident(site)
    assert _delivery(incident, "sms", "alice")["receipts"][0]["status"] == "failed"
    assert _delivery(incident, "sms-backup", "alice")["status"] == "sent"
    # The timeline: bob's page sent -> delivered -> acknowledged.
    events = [(e["what"], e["text"]) for e in incident["timeline"]]
    bob_sent = events.index(next(e for e in events if e[0] == "page" and e[1].startswith("firing sms -> bob")))
    bob_delivered = events.index(next(e for e in events if e[0] == "receipt" and to_bob in e[1]))
    acknowledged = events.index(("acknowledged", "by bob via cli"))
    assert bob_sent < bob_delivered < acknowledged
    assert any(e[0] == "receipt" and to_alice in e[1] and "undelivered" in e[1] for e in events)


def test_an_email_link_acknowledges_once_and_the_second_use_is_refused(answers: Answers) -> None:
    site = "ans-005"
    answers.alertmanager.post(alert("CircuitDown", site=site, circuit="lte", provider="skycell"))

    def mails_about() -> list[tuple[list[str], EmailMessage]]:
        return [x for x in answers.smtp.messages if site in str(x[1]["Subject"])]

    mails = wait_for("the two e-mails", lambda: len(mails_about()) == 2 and mails_about())
    [to_alice] = [m for to, m in mails if to == ["alice@example.com"]]
    links = links_in(to_alice.get_content())
    assert set(links) == {"Acknowledge", "Resolve"} and links["Acknowledge"].startswith(answers.url("/inbound/email/"))

    shown = httpx.get(links["Acknowledge"], timeout=30)
    assert shown.status_code == 200 and "Acknowledge as Alice Ops" in shown.text
    assert answers.incident(site, "CircuitDown")["status"] == "firing"  # opening the link does nothing

    first = httpx.post(links["Acknowledge"], timeout=30)
    assert first.status_code == 200 and "Acknowledged" in first.text
    incident = answers.incident(site, "CircuitDown")
    assert (incident["acknowledged_by"], incident["acknowledged_via"]) == ("alice", "email")
    second = httpx.post(links["Acknowledge"], timeout=30)
    assert second.status_code == 410 and "used before" in second.text
    tampered = httpx.post(links["Resolve"][:-4] + "AAAA", timeout=30)
    assert tampered.status_code == 403
    assert answers.incident(site, "CircuitDown")["status"] == "acknowledged"


def test_every_answer_is_in_the_audit_log_with_who_and_the_channel(answers: Answers) -> None:
    done = run_cli(["--state", str(answers.notifier.state), "audit", "--access", "--format", "json"], answers.env)
    assert done.returncode == 0, done.stderr
    records = json.loads(done.stdout)
    answered = {(r["event"], r["user"], r["via"], r["result"], r.get("site", "")) for r in records}
    assert {
        ("incident-ack", "alice", "sms", "ok", "ans-001"),
        ("incident-resolve", "alice", "voice", "ok", "ans-002"),
        ("incident-ack", "bob", "slack", "ok", "ans-003"),
        ("incident-ack", "alice", "email", "ok", "ans-005"),
    } <= answered
    assert ("incident-ack", "bob", "cli", "ok", "") in answered  # incidents ack, by hand
    by_sms = next(r for r in records if r["via"] == "sms")
    assert by_sms["role"] == "contact" and by_sms["from"] == "+1415***0123"
    assert ALICE not in done.stdout and BOB not in done.stdout  # numbers are masked


def test_once_the_pane_has_accounts_an_email_link_acts_only_after_a_login(answers: Answers) -> None:
    """The notifier sees the pane's first account at once (no restart): the link no longer acts by itself."""
    site = "ans-006"
    added = subprocess.run(
        [
            sys.executable,
            str(REPO / "runbook.py"),
            "--state",
            str(answers.notifier.state),
            "users",
            "add",
            "carol",
            "--role",
            "operator",
        ],
        input="carol-oper-pass-0815\n",
        capture_output=True,
        text=True,
        env=answers.env,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    answers.alertmanager.post(alert("CircuitDown", site=site, circuit="lte", provider="skycell"))
    mail = wait_for("the e-mail", lambda: [m for to, m in answers.smtp.messages if site in str(m["Subject"])])[0]
    link = links_in(mail.get_content())["Acknowledge"]
    refused = httpx.post(link, timeout=30)
    assert refused.status_code == 403 and "asks people to log in" in refused.text
    assert answers.incident(site, "CircuitDown")["status"] == "firing"

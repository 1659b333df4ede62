"""Contract tests, inbound: requests signed exactly as Twilio, Vonage and Slack document it (hand-written
signers in ``provider_signing.py``), good and tampered, against the notifier's public app. A request
that fails its check gets 403 and changes nothing; a good one acts for the right person.

The answers the notifier gives (TwiML, NCCO, Slack and Mattermost updates) are checked against the
SDKs' models; the outbound send requests carry their status-callback URLs (checked against the
providers' documents in ``providers/``).
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from contract_proxy import ContractProxy
from inbound_rig import (
    ALICE_PHONE,
    BOB_PHONE,
    LINK_KEY,
    PUBLIC,
    SLACK_SIGNING_SECRET,
    TWILIO_OLD_TOKEN,
    VONAGE_SIGNATURE_SECRET,
    Rig,
    make_rig,
)
from notices import TWILIO_TOKEN, site_down
from provider_signing import slack_headers, twilio_request, twilio_signature, vonage_jwt, vonage_signed

from runbook_wan.notify.inbound.verify import MattermostVerifier, RawRequest, TwilioVerifier, action_token
from runbook_wan.notify.notice import Notice, Reach
from runbook_wan.ops.incidents import IncidentStatus


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return make_rig(tmp_path)


def _twilio_sms(rig: Rig, body: str, sender: str = ALICE_PHONE, sid: str = "SM" + "1" * 32, token: str = TWILIO_TOKEN,
                tamper: str | None = None) -> httpx.Response:  # fmt: skip
    url = rig.url("/inbound/twilio/sms")
    fields = {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender, "To": "+15005550006", "Body": body}
    headers, data = twilio_request(token, url, fields)
    if tamper is not None:
        data = urlencode(fields | {"Body": tamper}).encode()
    answer: httpx.Response = rig.client.post("/ops/inbound/twilio/sms", content=data, headers=headers)
    return answer


def test_twilio_documented_example_verifies() -> None:
    """Twilio's own example (docs "Webhooks security", as GoAlert's signature test): token 12345."""
    fields = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675310"), ("Digits", "1234"),
              ("From", "+14158675310"), ("To", "+18005551212")]  # fmt: skip
    request = RawRequest(
        method="POST",
        public_url="https://mycompany.com/myapp.php",
        query="foo=1&bar=2",
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": "GvWf1cFY/Q7PnoempGyD5oXAezc=",
        },
        body=urlencode(fields).encode(),
    )
    assert TwilioVerifier("twilio", ("12345",)).verify(request) is not None
    assert TwilioVerifier("twilio", ("54321",)).verify(request) is None
    moved = RawRequest(request.method, "https://mycompany.com/other.php", request.query, request.headers, request.body)
    assert TwilioVerifier("twilio", ("12345",)).verify(moved) is None  # the URL is signed too


def test_twilio_reply_tampered_or_unsigned_is_403_and_changes_nothing(rig: Rig) -> None:
    incident = rig.incident()
    rig.inbound.store.code_for(ALICE_PHONE, incident.id, "alice")

    assert _twilio_sms(rig, "6", tamper="4").status_code == 403
    unsigned = rig.client.post("/ops/inbound/twilio/sms", data={"From": ALICE_PHONE, "Body": "4", "MessageSid": "SMx"})
    assert unsigned.status_code == 403
    wrong_token = _twilio_sms(rig, "4", token="not-the-token-not-the-token-0000")
    assert wrong_token.status_code == 403
    current = rig.store.get(incident.id)
    assert current is not None and current.status is IncidentStatus.FIRING and current.acknowledged_by is None


def test_twilio_signed_reply_acknowledges_for_the_sender_and_answers_in_twiml(rig: Rig) -> None:
    first, newest = rig.incident("chi-021"), rig.incident("den-002")
    rig.inbound.store.code_for(ALICE_PHONE, first.id, "alice")
    rig.inbound.store.code_for(ALICE_PHONE, newest.id, "alice")

    answer = _twilio_sms(rig, "4")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/xml")
    message = ET.fromstring(answer.text).find("Message")
    assert message is not None and message.text == f"Acknowledged: SiteDown den-002 ({newest.id})."
    acked = rig.store.get(newest.id)
    assert acked is not None and (acked.status, acked.acknowledged_by, acked.acknowledged_via) == (
        IncidentStatus.ACKNOWLEDGED, "alice", "sms")  # fmt: skip
    assert rig.store.get(first.id).status is IncidentStatus.FIRING  # type: ignore[union-attr]

    resolved = _twilio_sms(rig, "1c", sid="SM" + "2" * 32, token=TWILIO_OLD_TOKEN)  # the second token, rotation
    assert resolved.status_code == 200 and f"Resolved: SiteDown chi-021 ({first.id})." in resolved.text
    assert rig.store.get(first.id).resolved_by == "alice"  # type: ignore[union-attr]


def test_sms_syntax_unknown_numbers_garbage_and_stop(rig: Rig) -> None:
    incident = rig.incident()
    rig.inbound.store.code_for(BOB_PHONE, incident.id, "bob")

    stranger = _twilio_sms(rig, "4", sender="+19995550100", sid="SM" + "3" * 32)
    assert stranger.status_code == 200 and ET.fromstring(stranger.text).find("Message") is None
    answers = [_twilio_sms(rig, "what?", sender=BOB_PHONE, sid=f"SM{n:032d}").text for n in range(7)]
    answered = [a for a in answers if ET.fromstring(a).find("Message") is not None]
    assert len(answered) == 5 and "Unknown reply. Reply 4 or ack" in answered[0]
    silent = _twilio_sms(rig, "7a", sender=BOB_PHONE, sid="SM" + "4" * 32)  # no page 7: one more strike, unanswered
    assert silent.status_code == 200 and ET.fromstring(silent.text).find("Message") is None
    no_page = _twilio_sms(rig, "7a", sender=ALICE_PHONE, sid="SM" + "7" * 32)  # alice has no strikes
    assert "No page 7 for this phone." in no_page.text
    stop = _twilio_sms(rig, "STOP", sender=BOB_PHONE, sid="SM" + "5" * 32)
    assert "no more SMS pages" in stop.text and rig.inbound.store.opted_out(BOB_PHONE)
    start = _twilio_sms(rig, "start", sender=BOB_PHONE, sid="SM" + "6" * 32)
    assert "on again" in start.text and not rig.inbound.store.opted_out(BOB_PHONE)
    assert rig.store.get(incident.id).status is IncidentStatus.FIRING  # type: ignore[union-attr]


def test_vonage_signed_sms_acknowledges_once_and_answers_by_the_sms_api(rig: Rig, wire: ContractProxy) -> None:
    incident = rig.incident()
    rig.inbound.store.code_for(ALICE_PHONE, incident.id, "alice")
    fields = {"msisdn": ALICE_PHONE.lstrip("+"), "to": "15005550007", "messageId": "0A0000000123ABCD1",
              "text": "ack", "type": "text", "keyword": "ACK", "message-timestamp": "2026-11-30 18:03:00"}  # fmt: skip
    signed = vonage_signed(fields, VONAGE_SIGNATURE_SECRET)

    tampered = dict(signed, text="6")
    assert rig.client.post("/ops/inbound/vonage/sms", data=tampered).status_code == 403
    assert rig.client.get("/ops/inbound/vonage/sms", params=fields).status_code == 403  # unsigned
    assert rig.store.get(incident.id).status is IncidentStatus.FIRING  # type: ignore[union-attr]

    assert rig.client.get("/ops/inbound/vonage/sms", params=signed).status_code == 204
    assert rig.client.post("/ops/inbound/vonage/sms", data=signed).status_code == 204  # Vonage resends: idempotent
    assert rig.store.get(incident.id).acknowledged_via == "sms"  # type: ignore[union-attr]
    [answer] = wire.to("rest.nexmo.com")
    form = answer.form()
    assert form["to"] == ["14155550123"] and form["text"] == [f"Acknowledged: SiteDown chi-021 ({incident.id})."]


def test_vonage_voice_keypress_needs_the_jwt_and_the_body_it_signed(rig: Rig) -> None:
    from vonage_voice import Talk

    incident = rig.incident()
    path = "/ops/inbound/vonage/voice?" + urlencode({"i": incident.id, "c": "alice"})
    body = json.dumps({"dtmf": {"digits": "6", "timed_out": False}, "uuid": "aaaaaaaa-bbbb", "to": "14155550123",
                       "from": "15005550008", "timestamp": "2026-11-30T18:05:00.000Z"}).encode()  # fmt: skip

    def post(data: bytes, token: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        answer: httpx.Response = rig.client.post(path, content=data, headers=headers)
        return answer

    good = vonage_jwt(body, VONAGE_SIGNATURE_SECRET)
    assert post(body.replace(b'"6"', b'"4"'), good).status_code == 403  # payload_hash no longer matches
    assert post(body, vonage_jwt(body, "another-secret-another-secret-0123")).status_code == 403
    assert post(body, vonage_jwt(body, VONAGE_SIGNATURE_SECRET, issued=time.time() - 3600)).status_code == 403
    assert rig.store.get(incident.id).status is IncidentStatus.FIRING  # type: ignore[union-attr]

    answer = post(body, good)
    assert answer.status_code == 200
    [talk] = answer.json()
    assert Talk.model_validate(talk).text == f"Resolved: SiteDown chi-021 (incident {incident.id[4:]}. Goodbye."
    resolved = rig.store.get(incident.id)
    assert resolved is not None and (resolved.resolved_by, resolved.resolved_via) == ("alice", "voice")


def test_twilio_keypress_is_credited_to_the_contact_called(rig: Rig) -> None:
    incident = rig.incident()
    query = urlencode({"i": incident.id, "c": "alice"})
    url = rig.url(f"/inbound/twilio/voice?{query}")
    fields = {"CallSid": "CA" + "7" * 32, "Digits": "4", "To": ALICE_PHONE, "From": "+15005550006"}
    headers, data = twilio_request(TWILIO_TOKEN, url, fields)

    wrong = dict(fields, To=BOB_PHONE)  # bob cannot press a key on alice's call
    h2 = {**headers, "X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, url, wrong)}
    refused = rig.client.post(f"/ops/inbound/twilio/voice?{query}", content=urlencode(wrong).encode(), headers=h2)
    assert refused.status_code == 200 and "cannot acknowledge" in refused.text
    answer = rig.client.post(f"/ops/inbound/twilio/voice?{query}", content=data, headers=headers)
    assert answer.status_code == 200
    said = ET.fromstring(answer.text)
    assert [child.tag for child in said] == ["Say", "Hangup"] and said[0].text.startswith("Acknowledged")  # type: ignore[union-attr]
    assert rig.store.get(incident.id).acknowledged_by == "alice"  # type: ignore[union-attr]


def test_slack_button_verified_with_the_signing_secret_and_the_message_updated(rig: Rig, wire: ContractProxy) -> None:
    incident = rig.incident()
    payload = {
        "type": "block_actions",
        "user": {"id": "U0ALICE", "username": "alice", "name": "alice"},
        "actions": [{"action_id": "runbook_ack", "value": incident.id, "type": "button"}],
        "response_url": "https://hooks.slack.com/actions/T0RUNBOOK/1234/abcdef",
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    tampered = body.replace(b"alice", b"bobby")
    assert rig.client.post("/ops/inbound/slack/actions", content=tampered,
                           headers=slack_headers(SLACK_SIGNING_SECRET, body)).status_code == 403  # fmt: skip
    stale = slack_headers(SLACK_SIGNING_SECRET, body, timestamp=time.time() - 360)
    assert rig.client.post("/ops/inbound/slack/actions", content=body, headers=stale).status_code == 403
    assert rig.store.get(incident.id).status is IncidentStatus.FIRING  # type: ignore[union-attr]

    good = rig.client.post(
        "/ops/inbound/slack/actions", content=body, headers=slack_headers(SLACK_SIGNING_SECRET, body)
    )
    assert good.status_code == 200
    acked = rig.store.get(incident.id)
    assert acked is not None and (acked.acknowledged_by, acked.acknowledged_via) == ("alice", "slack")
    [update] = wire.to("hooks.slack.com")
    assert update.path == "/actions/T0RUNBOOK/1234/abcdef"
    sent = update.json()
    assert sent["replace_original"] is True
    text = json.dumps(sent["blocks"])
    assert "Acknowledged by alice via slack" in text and "runbook_ack" not in text and "runbook_resolve" in text


def test_mattermost_action_needs_the_incidents_own_token(rig: Rig) -> None:
    incident, other = rig.incident("chi-021"), rig.incident("den-002")
    click = {"user_id": "u1", "user_name": "bob", "post_id": "p1", "channel_id": "c1",
             "context": {"action": "runbook_resolve", "incident": incident.id,
                         "token": action_token(LINK_KEY.encode(), other.id)}}  # fmt: skip
    assert rig.client.post("/ops/inbound/mattermost/actions", json=click).status_code == 403
    assert (
        MattermostVerifier("mattermost", b"other-key").verify(
            RawRequest("POST", PUBLIC, "", {}, json.dumps(click).encode())
        )
        is None
    )
    click["context"]["token"] = action_token(LINK_KEY.encode(), incident.id)  # type: ignore[index]
    answer = rig.client.post("/ops/inbound/mattermost/actions", json=click)
    assert answer.status_code == 200
    update = answer.json()["update"]
    assert "Resolved by bob via mattermost" in update["props"]["attachments"][0]["text"].replace("\\", "")
    assert "actions" not in update["props"]["attachments"][0]
    assert rig.store.get(incident.id).resolved_by == "bob"  # type: ignore[union-attr]
    assert rig.store.get(other.id).status is IncidentStatus.FIRING  # type: ignore[union-attr]


def test_email_link_shows_then_acts_once(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    incident = rig.incident()
    link = rig.inbound.email_link(incident.id, "ack", "alice")
    path = urlsplit(link).path

    page = rig.client.get(path)
    assert page.status_code == 200 and "<form method='post'>" in page.text and "Acknowledge as Alice Ops" in page.text
    assert "script-src" not in page.headers["content-security-policy"]
    assert rig.store.get(incident.id).status is IncidentStatus.FIRING  # type: ignore[union-attr]  # GET does nothing
    assert rig.client.post(path[:-3] + "xyz").status_code == 403  # forged
    first = rig.client.post(path)
    assert first.status_code == 200 and "Acknowledged" in first.text
    assert rig.store.get(incident.id).acknowledged_via == "email"  # type: ignore[union-attr]
    again = rig.client.post(path)
    assert again.status_code == 410 and "used before" in again.text

    monkeypatch.setattr(time, "time", lambda: 1_000_000.0)  # the link was made long ago
    old = urlsplit(rig.inbound.email_link(incident.id, "resolve", "alice")).path
    monkeypatch.undo()
    expired = rig.client.post(old)
    assert expired.status_code == 403 and "expired" in expired.text


def _reached(provider: str) -> Notice:
    """A firing notice as the engine hands it to a sender when the notifier has a public URL."""
    reach = Reach(
        reply_code=3,
        status_url=f"{PUBLIC}/inbound/{provider}/status",
        keypress_url=f"{PUBLIC}/inbound/{provider}/voice?i=inc-0a1b2c&c=alice",
    )
    return replace(site_down(), reach=reach)


def test_twilio_sends_carry_status_callbacks_and_a_keypress_gather(wire: ContractProxy, twilio_spec: object) -> None:
    from notices import ALICE, TWILIO_SID
    from openapi_core import OpenAPI
    from openapi_core.contrib.requests import RequestsOpenAPIRequest
    from twilio.twiml.voice_response import Gather, VoiceResponse

    from runbook_wan.notify.channels.twilio_senders import TwilioSms, TwilioVoice

    assert isinstance(twilio_spec, OpenAPI)
    notice = _reached("twilio")
    TwilioSms("sms", account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, sender="+15005550006").send(notice, ALICE)
    TwilioVoice("voice", account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, sender="+15005550006").send(notice, ALICE)
    message, call = wire.to("api.twilio.com")
    for recorded in (message, call):
        twilio_spec.validate_request(RequestsOpenAPIRequest(recorded.as_prepared()))
    assert message.form()["StatusCallback"] == [PUBLIC + "/inbound/twilio/status"]
    assert "Reply 3a ack, 3c resolve (4/6: newest)" in message.form()["Body"][0]
    form = call.form()
    assert form["StatusCallback"] == [PUBLIC + "/inbound/twilio/status"]
    assert form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    twiml = ET.fromstring(form["Twiml"][0])
    gather = twiml.find("Gather")
    assert gather is not None and gather.attrib == {
        "action": PUBLIC + "/inbound/twilio/voice?i=inc-0a1b2c&c=alice", "method": "POST", "numDigits": "1",
        "timeout": "10"}  # fmt: skip
    assert "Press 4 to acknowledge, 6 to resolve." in (gather.findtext("Say") or "")
    # The same script built by hand with the SDK's model classes is the same document.
    expected = VoiceResponse()
    model = Gather(
        num_digits=1, action=PUBLIC + "/inbound/twilio/voice?i=inc-0a1b2c&c=alice", method="POST", timeout=10
    )
    model.say(gather.findtext("Say"), loop=2)
    expected.append(model)
    expected.say("No key pressed. Goodbye.")
    assert form["Twiml"][0] == str(expected)


def test_vonage_sends_carry_callbacks_and_a_dtmf_input(wire: ContractProxy) -> None:
    from copy import deepcopy

    from notices import ALICE, VONAGE_KEY, VONAGE_SECRET
    from openapi_core import OpenAPI
    from openapi_core.contrib.requests import RequestsOpenAPIRequest
    from provider_docs import load_yaml_spec
    from test_contract_vonage import _as_documented_sms, _voice_document
    from vonage_voice import Input, Talk

    from runbook_wan.notify.channels.vonage_senders import VonageSms

    notice = _reached("vonage")
    sms = VonageSms("sms-backup", api_key=VONAGE_KEY, api_secret=VONAGE_SECRET, sender="Runbook")
    assert sms.send(notice, ALICE).ok
    from inbound_rig import _private_key, vonage_voice_sender

    assert vonage_voice_sender(_private_key()).send(notice, ALICE).ok
    [text] = wire.to("rest.nexmo.com")
    assert text.form()["callback"] == [PUBLIC + "/inbound/vonage/status"]
    OpenAPI.from_dict(load_yaml_spec("sms.yml")).validate_request(
        RequestsOpenAPIRequest(_as_documented_sms(text).as_prepared())
    )
    [call] = wire.to("api.nexmo.com")
    body = call.json()
    assert body["event_url"] == [PUBLIC + "/inbound/vonage/status"] and body["event_method"] == "POST"
    talk, listen = body["ncco"]
    assert Talk.model_validate(talk).bargeIn is True
    parsed = Input.model_validate(listen)
    assert parsed.type == ["dtmf"] and parsed.dtmf.maxDigits == 1 and parsed.dtmf.timeOut == 10
    assert parsed.eventUrl == [PUBLIC + "/inbound/vonage/voice?i=inc-0a1b2c&c=alice"]
    OpenAPI.from_dict(deepcopy(_voice_document())).validate_request(RequestsOpenAPIRequest(call.as_prepared()))


def test_every_answer_is_in_the_audit_log_with_who_and_the_channel(rig: Rig, tmp_path: Path) -> None:
    from runbook_wan.status import audit

    incident = rig.incident()
    rig.inbound.store.code_for(ALICE_PHONE, incident.id, "alice")
    assert _twilio_sms(rig, "4").status_code == 200
    assert _twilio_sms(rig, "4", sid="SM" + "8" * 32).status_code == 200  # again: already acknowledged
    [first, again] = audit.read(tmp_path, events=["incident-ack"])
    assert (first.user, first.fields["role"], first.fields["via"], first.fields["target"], first.fields["result"]) == (
        "alice", "contact", "sms", incident.id, "ok")  # fmt: skip
    assert first.fields["from"] == "+1415***0123" and ALICE_PHONE not in json.dumps(first.fields)
    assert (again.fields["result"], again.fields["status"]) == ("conflict", "acknowledged")


def test_an_email_link_sends_the_person_to_log_in_once_the_pane_has_accounts(tmp_path: Path) -> None:
    from runbook_wan.status.accounts import AccountStore
    from runbook_wan.status.authz import Role

    with_pane = make_rig(tmp_path / "a", pane_url="https://runbook.example.com/pane")
    without = make_rig(tmp_path / "b")
    for rig in (with_pane, without):
        AccountStore(rig.inbound.state_dir).add("carol", Role.OPERATOR, None, "carol-oper-pass-0815")  # type: ignore[arg-type]
    incident = with_pane.incident()
    link = with_pane.inbound.email_link(incident.id, "ack", "alice")
    path, token = urlsplit(link).path, link.rsplit("/", 1)[1]

    for method in ("GET", "POST"):
        answer = with_pane.client.request(method, path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == (
            f"https://runbook.example.com/pane/incidents/email/{token}")  # fmt: skip
    other = without.incident()
    refused = without.client.post(urlsplit(without.inbound.email_link(other.id, "ack", "alice")).path)
    assert refused.status_code == 403 and "asks people to log in" in refused.text
    for rig, one in ((with_pane, incident), (without, other)):
        current = rig.store.get(one.id)
        assert current is not None and current.status is IncidentStatus.FIRING  # the link did nothing by itself

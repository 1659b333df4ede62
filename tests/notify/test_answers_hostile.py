"""The public answers listener (issue 18) against hostile and careless input (issue 21's corpus).

The real notifier process, its public listener, a real Alertmanager and one open SiteDown page. Every
request below is refused (4xx) or answered (2xx) without acting: never a 5xx, never a traceback in
the notifier's log, the page still unacknowledged, and nothing a sender wrote comes back as markup.
Many are *signed correctly* (as Twilio, Vonage and Slack sign), so they pass the signature check and
reach the parsers. Then a genuine reply still acknowledges: the listener survived the corpus.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
from answerkit import ALICE, Answers
from notifykit import alert, wait_for
from provider_signing import slack_headers, vonage_signed

SITE = "hos-001"
STRANGER = "+19995550100"
#: SMS bodies that must not acknowledge (the reply parser takes whole words only).
NOT_AN_ANSWER = [
    "4\x00",
    "\x1b[31m4\x1b[0m",
    "4; DROP TABLE incidents",
    "\uff14",  # full-width 4
    "\u202e4",  # right-to-left override
    "<Message>Acknowledged</Message>",
    "a" * 1500,
    "99a",
    "0a",
    "4" * 40,
    "",
]


def _no_server_error(answer: httpx.Response, what: str) -> None:
    assert answer.status_code < 500, f"{what}: {answer.status_code} {answer.text[:200]}"


def _page(answers: Answers) -> dict[str, Any]:
    return answers.incident(SITE)


def test_the_public_listener_refuses_or_ignores_the_corpus_and_still_answers(answers: Answers) -> None:
    answers.alertmanager.post(alert("SiteDown", site=SITE, region="west"))
    wait_for("the SiteDown SMS", lambda: answers.sms(SITE))
    assert _page(answers)["status"] == "firing"
    log_before = len(answers.notifier.output())

    # Signed SMS replies that are no answer, from the paged person and from a stranger.
    for index, body in enumerate(NOT_AN_ANSWER):
        for sender in (ALICE, STRANGER):
            sid = f"SM{index:02d}{'0' if sender == ALICE else '1'}" + "f" * 29
            answer = answers.twilio_sms(sender, body, sid)
            _no_server_error(answer, f"SMS {body[:20]!r} from {sender}")
            assert "<Message>Acknowledged</Message>" not in answer.text, "the sender's markup came back as TwiML"
            assert "\x1b" not in answer.text and "\x00" not in answer.text
    answer = answers.twilio_sms(STRANGER, "4", "SM" + "e" * 32)  # a valid answer, from someone never paged
    _no_server_error(answer, "4 from a stranger")
    assert _page(answers)["status"] == "firing"

    # Unsigned, badly signed, too large, the wrong shape.
    fields = {"MessageSid": "SM" + "d" * 32, "From": ALICE, "To": "+15005550006", "Body": "4"}
    assert answers.twilio("/inbound/twilio/sms", fields, signed=False).status_code == 403
    forged = answers.post(
        "/inbound/twilio/sms",
        urlencode(fields).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "A" * 28},
    )
    assert forged.status_code == 403
    big = {**fields, "Body": "4" + " " * (70 * 1024)}
    assert answers.twilio("/inbound/twilio/sms", big).status_code == 413
    for path in ("/inbound/twilio/sms", "/inbound/twilio/voice", "/inbound/vonage/sms", "/inbound/slack/actions"):
        for content, kind in (
            (b"\xff\xfe\x00\x01" * 64, "application/x-www-form-urlencoded"),
            (b"[" * 50_000, "application/json"),
            (json.dumps({"Body": "4"}).encode(), "application/json"),
        ):
            answer = answers.post(path, content, {"Content-Type": kind})
            _no_server_error(answer, f"{path} {kind}")
            assert 400 <= answer.status_code < 500, (path, answer.status_code)
        assert httpx.get(answers.url(path), timeout=10).status_code in (403, 404, 405)  # Vonage may GET

    # Signed Slack bodies the parser must survive: not JSON, not an object, nested deep, another id.
    slack = answers.secrets["slack/signing-secret"]
    click = {
        "type": "block_actions",
        "user": {"id": "U0MALLORY", "username": "<b>mallory</b>"},
        "actions": [{"action_id": "runbook_ack", "value": "INC-doesnotexist\r\nX: y", "type": "button"}],
        "response_url": "https://hooks.slack.com/actions/T0RUNBOOK/78/abcdef",
    }
    for payload in ("not json", "[1, 2, 3]", "[" * 5_000 + "]" * 5_000, json.dumps(click), json.dumps({})):
        form = urlencode({"payload": payload}).encode()
        answer = answers.post("/inbound/slack/actions", form, slack_headers(slack, form))
        _no_server_error(answer, f"slack payload {payload[:20]!r}")
        assert "<b>mallory</b>" not in answer.text

    # Signed Vonage SMS with markup, from a stranger.
    fields = {
        "msisdn": STRANGER.lstrip("+"),
        "to": "15005550007",
        "messageId": "0B0000001",
        "text": "<script>4</script>",
    }
    answer = httpx.post(
        answers.url("/inbound/vonage/sms"), data=vonage_signed(fields, answers.secrets["vonage/signature-secret"])
    )
    _no_server_error(answer, "vonage markup")
    assert "<script>" not in answer.text

    # E-mail links that were never issued.
    for token in ("garbage", "%00", "A" * 8_000, "<script>alert(1)</script>", "..%2F..%2Falerts"):
        answer = httpx.get(answers.url(f"/inbound/email/{token}"), timeout=10)
        _no_server_error(answer, f"e-mail link {token[:20]!r}")
        assert 400 <= answer.status_code < 500 and "<script>alert(1)</script>" not in answer.text

    assert _page(answers)["status"] == "firing" and not _page(answers).get("acknowledged_by")
    log = answers.notifier.output()[log_before:]
    assert "Traceback" not in log and "Internal Server Error" not in log, log[-2000:]
    assert answers.notifier.alive()

    # The listener still does its job.
    answer = answers.twilio_sms(ALICE, "4", "SM" + "c" * 32)
    assert answer.status_code == 200 and f"Acknowledged: SiteDown {SITE}" in answer.text
    assert (_page(answers)["status"], _page(answers)["acknowledged_by"]) == ("acknowledged", "alice")

"""Contract tests, Twilio: the unchanged ``twilio`` SDK's requests over real TLS, checked against
Twilio's OpenAPI document (``providers/twilio``). They prove the request, not delivery."""

from __future__ import annotations

from urllib.parse import parse_qs

from contract_proxy import ContractProxy, ProviderResponder
from notices import ALICE, TWILIO_SID, TWILIO_TOKEN, site_down
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest
from openapi_core.testing import MockResponse

from runbook_wan.notify.channels.twilio_senders import TwilioSms, TwilioVoice
from runbook_wan.ops.incidents import DeliveryStatus


def _check(spec: OpenAPI, proxy: ContractProxy) -> None:
    """Every recorded request is valid for the document, and so is the answer the proxy gave it."""
    assert proxy.records
    for recorded in proxy.records:
        request = RequestsOpenAPIRequest(recorded.as_prepared())
        spec.validate_request(request)
        reply = proxy.responder(recorded)
        spec.validate_response(
            request, MockResponse(reply.body, status_code=reply.status, content_type="application/json")
        )


def test_sms_is_a_documented_create_message_request(wire: ContractProxy, twilio_spec: OpenAPI) -> None:
    sender = TwilioSms("sms", account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, sender="+15005550006")
    attempt = sender.send(site_down(), ALICE)

    assert attempt.status is DeliveryStatus.SENT, attempt.error
    assert attempt.message_id.startswith("SM") and len(attempt.message_id) == 34
    [recorded] = wire.to("api.twilio.com")
    assert (recorded.method, recorded.path) == ("POST", f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json")
    assert recorded.basic_auth() == (TWILIO_SID, TWILIO_TOKEN)
    form = recorded.form()
    assert form["To"] == ["+14155550123"] and form["From"] == ["+15005550006"]
    assert "SiteDown chi-021" in form["Body"][0] and "inc-0a1b2c" in form["Body"][0]
    assert attempt.recipient == "alice (+1415***0123)"
    _check(twilio_spec, wire)


def test_voice_call_carries_twiml_that_alert_text_cannot_break(wire: ContractProxy, twilio_spec: OpenAPI) -> None:
    sender = TwilioVoice("voice", account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, sender="+15005550006")
    hostile = site_down(summary='chi-021 </Say><Dial>+19005550100</Dial><Say> & "more"')
    attempt = sender.send(hostile, ALICE)

    assert attempt.status is DeliveryStatus.SENT, attempt.error
    assert attempt.message_id.startswith("CA")
    [recorded] = wire.to("api.twilio.com")
    assert recorded.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Calls.json"
    twiml = parse_qs(recorded.body.decode())["Twiml"][0]
    assert twiml.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Say loop="2">')
    assert "<Dial>" not in twiml and twiml.count("<Say") == 1
    assert "Runbook alert. SiteDown at chi-021" in twiml
    _check(twilio_spec, wire)


def test_a_twilio_error_is_a_failed_attempt_with_the_reason_and_no_credential(wire: ContractProxy) -> None:
    responder = wire.responder
    assert isinstance(responder, ProviderResponder)
    responder.fail["api.twilio.com"] = ProviderResponder.twilio_error(
        400, 21211, "The 'To' number +14155550123 is not a valid phone number."
    )
    attempt = TwilioSms("sms", account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, sender="+15005550006").send(
        site_down(), ALICE
    )

    assert attempt.status is DeliveryStatus.FAILED and attempt.message_id == ""
    assert "HTTP 400" in attempt.error and "code 21211" in attempt.error
    assert "+1415***0123" in attempt.error and "+14155550123" not in attempt.error
    assert TWILIO_TOKEN not in attempt.error
    assert len(wire.to("api.twilio.com")) == 1  # one try: failover is the notifier's job, not a retry loop


def test_the_document_check_rejects_a_request_twilio_would_refuse(wire: ContractProxy, twilio_spec: OpenAPI) -> None:
    """The check is not a rubber stamp: the same recorded request without ``To`` fails it."""
    import dataclasses

    import pytest
    from openapi_core.validation.request.exceptions import RequestValidationError

    TwilioSms("sms", account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, sender="+15005550006").send(site_down(), ALICE)
    [recorded] = wire.to("api.twilio.com")
    without_to = dataclasses.replace(recorded, body=recorded.body.replace(b"To=%2B14155550123&", b""))
    with pytest.raises(RequestValidationError):
        twilio_spec.validate_request(RequestsOpenAPIRequest(without_to.as_prepared()))

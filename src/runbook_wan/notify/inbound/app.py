"""The public inbound app: every provider's webhook behind one verifying wrapper.

Routes (under the public URL's path): ``/inbound/twilio/{sms,voice,status}``,
``/inbound/vonage/{sms,voice,status}``, ``/inbound/slack/actions``, ``/inbound/mattermost/actions``,
``/inbound/email/<token>``. :func:`verified` reads the raw body, rebuilds the URL the provider
signed (the configured public URL, never the Host header), runs the provider's check and answers
403 (changing nothing) when it fails; only a :class:`~.verify.Verified` request reaches a handler.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from runbook_wan.notify.channels.chat_buttons import ACK, RESOLVE, mattermost_attachment, slack_blocks
from runbook_wan.notify.inbound import receipts
from runbook_wan.notify.inbound.actions import Acted, Result, Verb
from runbook_wan.notify.inbound.desk import Desk, InboundSms
from runbook_wan.notify.inbound.people import Person
from runbook_wan.notify.inbound.reach import PATHS
from runbook_wan.notify.inbound.verify import MAX_BODY, RawRequest, Verified, Verifier
from runbook_wan.ops.incidents import Incident

log = logging.getLogger("runbook.notify.inbound")

Handler = Callable[[Verified], Response]
#: Pages the e-mail links show: no script, no framing, never cached.
_PAGE_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
SLACK_HOOKS = "https://hooks.slack.com/"


def verified(origin: str, verifier: Verifier, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """The one wrapper every inbound route goes through: check first, then handle (in a thread)."""

    async def endpoint(request: Request) -> Response:
        declared = request.headers.get("content-length", "0")
        if declared.isdigit() and int(declared) > MAX_BODY:
            return PlainTextResponse("too large\n", status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("too large\n", status_code=413)
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
        raw = RawRequest(
            method=request.method,
            public_url=origin + raw_path.decode("latin-1"),
            query=request.scope.get("query_string", b"").decode("latin-1"),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        checked = await run_in_threadpool(verifier.verify, raw)
        if checked is None:
            if verifier.provider == "email":
                return _page("Link not valid", "This link is not valid or has expired.", status=403)
            return PlainTextResponse("forbidden: the request's signature does not verify\n", status_code=403)
        try:
            return await run_in_threadpool(handler, checked)
        except Exception:
            log.exception("inbound %s request failed", verifier.provider)
            return PlainTextResponse("the notifier could not handle this request\n", status_code=500)

    return endpoint


def _page(title: str, text: str, form: str = "", status: int = 200) -> HTMLResponse:
    head = f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
    style = "font-family:sans-serif;max-width:40em;margin:2em auto"
    main = f"<body style='{style}'><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{form}</body></html>"
    return HTMLResponse(head + main, status_code=status, headers=_PAGE_HEADERS)


@dataclass
class Handlers:
    desk: Desk
    #: The Vonage SMS senders by their number (answers go out from the number that was written to).
    vonage_numbers: dict[str, Any]

    # --- Twilio ----------------------------------------------------------------------------------
    def twilio_sms(self, v: Verified) -> Response:
        from twilio.twiml.messaging_response import MessagingResponse  # noqa: PLC0415

        p = v.params
        answer = self.desk.sms(InboundSms("twilio", p.get("MessageSid"), p.get("From"), p.get("To"), p.get("Body")))
        response = MessagingResponse()
        if answer:
            response.message(answer)
        return Response(str(response), media_type="application/xml")

    def twilio_voice(self, v: Verified) -> Response:
        from twilio.twiml.voice_response import Gather, VoiceResponse  # noqa: PLC0415

        incident, contact = v.query.get("i"), v.query.get("c")
        said = self.desk.keypress(incident, contact, v.params.get("To"), v.params.get("Digits"), "voice")
        response = VoiceResponse()
        if said.startswith("Press 4"):  # another key: ask once more
            action = self.desk.inbound.url("twilio_voice", i=incident, c=contact)
            gather = Gather(num_digits=1, action=action, method="POST", timeout=10)
            gather.say(said)
            response.append(gather)
        else:
            response.say(said)
            response.hangup()
        return Response(str(response), media_type="application/xml")

    def twilio_status(self, v: Verified) -> Response:
        p = v.params
        error = p.get("ErrorCode") and f"error {p.get('ErrorCode')}"
        if p.get("CallStatus"):
            raw = p.get("CallStatus")
            self.desk.receipt("twilio", p.get("CallSid"), receipts.TWILIO_CALL.get(raw), raw, error)
        else:
            raw = p.get("MessageStatus") or p.get("SmsStatus")
            self.desk.receipt("twilio", p.get("MessageSid"), receipts.TWILIO_MESSAGE.get(raw), raw, error)
        return Response(status_code=204)

    # --- Vonage ----------------------------------------------------------------------------------
    def vonage_sms(self, v: Verified) -> Response:
        p = v.params
        sms = InboundSms("vonage", p.get("messageId"), p.get("msisdn"), p.get("to"), p.get("text"))
        answer = self.desk.sms(sms)
        if not answer:
            return Response(status_code=204)
        sender = self.vonage_numbers.get(sms.to) or next(iter(self.vonage_numbers.values()), None)
        if sender is None:
            return Response(status_code=204)
        # Vonage takes no answer in the response: send it after the 204 (Vonage retries a slow answer).
        return Response(status_code=204, background=BackgroundTask(self._answer, sender, sms.sender, answer))

    @staticmethod
    def _answer(sender: Any, to: str, text: str) -> None:
        try:
            sender.reply(to, text)
        except Exception as exc:  # noqa: BLE001 - an answer that cannot go out is logged, never raised
            log.warning("could not answer an inbound Vonage SMS: %s", type(exc).__name__)

    def vonage_voice(self, v: Verified) -> Response:
        from vonage_voice import Input, Talk  # noqa: PLC0415
        from vonage_voice.models import Dtmf  # noqa: PLC0415

        body: dict[str, Any] = v.json if isinstance(v.json, dict) else {}
        dtmf: dict[str, Any] = body["dtmf"] if isinstance(body.get("dtmf"), dict) else {}
        incident, contact = v.query.get("i"), v.query.get("c")
        said = self.desk.keypress(incident, contact, str(body.get("to", "")), str(dtmf.get("digits") or ""), "voice")
        ncco: list[Any] = [Talk(text=said, bargeIn=said.startswith("Press 4"))]
        if said.startswith("Press 4"):
            url = self.desk.inbound.url("vonage_voice", i=incident, c=contact)
            ncco.append(Input(type=["dtmf"], dtmf=Dtmf(maxDigits=1, timeOut=10), eventUrl=[url], eventMethod="POST"))
        return JSONResponse([action.model_dump(by_alias=True, exclude_none=True, mode="json") for action in ncco])

    def vonage_status(self, v: Verified) -> Response:
        body = v.json if isinstance(v.json, dict) else None
        if body is not None and "uuid" in body and "status" in body and "messageId" not in body:
            raw = str(body["status"])
            error = str(body.get("detail", "") or "")
            self.desk.receipt("vonage", str(body["uuid"]), receipts.VONAGE_CALL.get(raw), raw, error)
        else:
            p = v.params
            raw, code = p.get("status"), p.get("err-code")
            error = f"err-code {code}" if code and code != "0" else ""
            self.desk.receipt("vonage", p.get("messageId"), receipts.VONAGE_SMS.get(raw), raw, error)
        return Response(status_code=204)

    # --- chat --------------------------------------------------------------------------------------
    def _state(self, acted: Acted, person: Person, via: str) -> str:
        incident = acted.incident
        if incident is None:
            return ""
        if incident.status.value == "resolved" and incident.resolved_by:
            return f"Resolved by {incident.resolved_by} via {incident.resolved_via or '-'} at {incident.resolved_at}"
        if incident.acknowledged_by:
            return (
                f"Acknowledged by {incident.acknowledged_by} via {incident.acknowledged_via or '-'} "
                f"at {incident.acknowledged_at}"
            )
        del person, via
        return ""

    @staticmethod
    def _buttons_left(incident: Incident | None) -> tuple[str, ...]:
        if incident is None or incident.status.value == "resolved":
            return ()
        return (RESOLVE,) if incident.status.value == "acknowledged" else (ACK, RESOLVE)

    def slack_actions(self, v: Verified) -> Response:
        payload = v.json if isinstance(v.json, dict) else {}
        user = payload.get("user") or {}
        actions = payload.get("actions") or [{}]
        action, incident_id = str(actions[0].get("action_id", "")), str(actions[0].get("value", ""))
        response_url = str(payload.get("response_url", ""))
        if payload.get("type") != "block_actions" or action not in (ACK, RESOLVE) or not incident_id:
            return Response(status_code=200)
        person = self.desk.people.by_chat(str(user.get("username", "")), str(user.get("id", "")))
        if person is None:
            log.warning("Slack click by %s, who is no contact of notifications.yaml: ignored", user.get("id", "?"))
            message = {"response_type": "ephemeral", "replace_original": False,
                       "text": "You are not a contact in Runbook's notifications.yaml: nothing was done."}  # fmt: skip
            return Response(status_code=200, background=BackgroundTask(_slack_respond, response_url, message))
        verb = Verb.ACK if action == ACK else Verb.RESOLVE
        acted = self.desk.act(incident_id, verb, person, "slack", f"slack user {str(user.get('id', '?'))[:40]}")
        update: dict[str, Any] = {"replace_original": True, "text": acted.sentence()}
        if acted.incident is not None:
            notice = self.desk.notifier.notice_of(acted.incident)
            state = self._state(acted, person, "slack")
            update["blocks"] = slack_blocks(notice, state, self._buttons_left(acted.incident))
        return Response(status_code=200, background=BackgroundTask(_slack_respond, response_url, update))

    def mattermost_actions(self, v: Verified) -> Response:
        body = v.json if isinstance(v.json, dict) else {}
        context = body.get("context") or {}
        action, incident_id = str(context.get("action", "")), v.facts["incident"]
        person = self.desk.people.by_chat(str(body.get("user_name", "")), str(body.get("user_id", "")))
        if person is None or action not in (ACK, RESOLVE):
            return JSONResponse({"ephemeral_text": "You are not a contact in Runbook's notifications.yaml."})
        verb = Verb.ACK if action == ACK else Verb.RESOLVE
        client = f"mattermost user {str(body.get('user_id', '?'))[:40]}"
        acted = self.desk.act(incident_id, verb, person, "mattermost", client)
        answer: dict[str, Any] = {"ephemeral_text": acted.sentence()}
        if acted.incident is not None:
            notice = self.desk.notifier.notice_of(acted.incident)
            token = str(context.get("token", ""))
            attachment = mattermost_attachment(
                notice,
                self.desk.inbound.url("mattermost_actions"),
                token,
                self._state(acted, person, "mattermost"),
                self._buttons_left(acted.incident),
            )
            answer["update"] = {"message": notice.subject(), "props": {"attachments": [attachment]}}
        return JSONResponse(answer)

    # --- e-mail links ----------------------------------------------------------------------------------
    def email(self, v: Verified, method: str) -> Response:
        facts = v.facts
        incident = self.desk.notifier.store.get(facts["incident"])
        person = self.desk.people.get(facts["contact"])
        if incident is None or person is None:
            return _page("Link not valid", "This link names an incident or person Runbook does not know.", status=404)
        what = f"{incident.alertname} {incident.site or incident.provider or incident.region} ({incident.id})"
        verb = "Acknowledge" if facts["action"] == "ack" else "Resolve"
        if self.desk.inbound.pane_has_logins():  # the link acts only for somebody logged in to the pane
            pane = self.desk.inbound.pane_link(facts["token"])
            if pane is not None:
                return RedirectResponse(pane, status_code=303, headers=_PAGE_HEADERS)
            return _page(
                "Log in to the pane",
                f"{what}: {incident.status.value}. Runbook's pane asks people to log in: {verb.lower()} it on the "
                "pane's site page, or with runbook.py incidents.",
                status=403,
            )
        if method == "GET":  # showing the page does nothing: mail scanners open links too
            form = f"<form method='post'><button type='submit'>{verb} as {html.escape(person.display)}</button></form>"
            return _page(f"{verb} {incident.id}?", f"{what}: {incident.status.value}.", form)
        if not self.desk.inbound.store.use_link(facts["nonce"], person.name):
            return _page("Link already used", "Each link works once; this one was used before.", status=410)
        verb_of = Verb.ACK if facts["action"] == "ack" else Verb.RESOLVE
        acted = self.desk.act(incident.id, verb_of, person, "email", f"e-mail link to {person.name}")
        status = 200 if acted.result.changed or acted.result is not Result.UNKNOWN else 404
        return _page(acted.result.value.capitalize(), acted.sentence(), status=status)


def _slack_respond(response_url: str, message: dict[str, Any]) -> None:
    """Update (or answer beside) the clicked message through its response_url, with Slack's own client."""
    if not response_url.startswith(SLACK_HOOKS):
        log.warning("Slack click carried a response_url outside %s: not followed", SLACK_HOOKS)
        return
    from slack_sdk.webhook import WebhookClient  # noqa: PLC0415

    try:
        answer = WebhookClient(response_url, timeout=10).send_dict(message)
    except Exception as exc:  # noqa: BLE001 - the acknowledgement is done; only the message update failed
        log.warning("could not update the Slack message: %s", type(exc).__name__)
        return
    if answer.status_code != 200:
        log.warning("Slack refused the message update: HTTP %d", answer.status_code)


def build_inbound_app(origin: str, prefix: str, handlers: Handlers, verifiers: dict[str, Verifier]) -> Starlette:
    """The public app. ``origin`` (scheme://host[:port]) and ``prefix`` come from the public URL."""

    def route(name: str, handler: Handler, methods: tuple[str, ...] = ("POST",)) -> Route:
        return Route(prefix + PATHS[name], verified(origin, verifiers[name], handler), methods=list(methods))

    h = handlers
    routes = [
        route("twilio_sms", h.twilio_sms),
        route("twilio_voice", h.twilio_voice),
        route("twilio_status", h.twilio_status),
        route("vonage_sms", h.vonage_sms, ("GET", "POST")),
        route("vonage_voice", h.vonage_voice),
        route("vonage_status", h.vonage_status, ("GET", "POST")),
        route("slack_actions", h.slack_actions),
        route("mattermost_actions", h.mattermost_actions),
        Route(
            prefix + PATHS["email"],
            verified(origin, verifiers["email_get"], lambda v: h.email(v, "GET")),
            methods=["GET"],
        ),
        Route(
            prefix + PATHS["email"],
            verified(origin, verifiers["email"], lambda v: h.email(v, "POST")),
            methods=["POST"],
        ),
    ]
    return Starlette(routes=routes)

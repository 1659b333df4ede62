"""Twilio SMS (``Messages.json``) and voice (``Calls.json`` with inline TwiML), through the ``twilio`` SDK."""

from __future__ import annotations

from typing import Any

from twilio.base import values
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.twiml.voice_response import Gather, VoiceResponse
from typing_extensions import override

from runbook_wan.model.notifications import ChannelKind
from runbook_wan.notify.channels.base import DEFAULT_TIMEOUT, Sender
from runbook_wan.notify.notice import Notice, Recipient

#: Call progress Twilio reports to ``status_callback`` (no callback comes for the initial state).
CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]
#: Seconds the call waits for a key after the message (GoAlert and PagerDuty use about 10).
KEYPRESS_TIMEOUT = 10


def _client(account_sid: str, auth_token: str, timeout: float) -> Client:
    return Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))


class _TwilioSender(Sender):
    """A Twilio account (SID and auth token) and the number it sends or calls from."""

    KIND: ChannelKind
    PROVIDER = "twilio"

    def __init__(
        self,
        name: str,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        failover: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        secondary_auth_token: str | None = None,
    ) -> None:
        super().__init__(name, self.KIND, failover)
        self._client = _client(account_sid, auth_token, timeout)
        #: The tokens Twilio's webhooks may be signed with (the second one while the token is rotated).
        self.auth_tokens = tuple(t for t in (auth_token, secondary_auth_token) if t)
        self.number = sender
        self._from = sender


class TwilioSms(_TwilioSender):
    KIND = ChannelKind.SMS

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        callback = notice.reach.status_url or values.unset
        message = self._client.messages.create(
            to=recipient.address, from_=self._from, body=notice.sms(), status_callback=callback
        )
        return str(message.sid or "")


def twiml(notice: Notice) -> str:
    """The call's script: the notice read twice (TwiML built as XML by the SDK, so text cannot inject).

    With a keypress URL the reading is inside a ``<Gather>`` of one digit: 4 acknowledges, 6 resolves.
    """
    response = VoiceResponse()
    if notice.reach.keypress_url:
        gather = Gather(num_digits=1, action=notice.reach.keypress_url, method="POST", timeout=KEYPRESS_TIMEOUT)
        gather.say(notice.speech(), loop=2)
        response.append(gather)
        response.say("No key pressed. Goodbye.")
    else:
        response.say(notice.speech(), loop=2)
    return str(response)


class TwilioVoice(_TwilioSender):
    KIND = ChannelKind.VOICE

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        extra: dict[str, Any] = {}
        if notice.reach.status_url:
            extra = {
                "status_callback": notice.reach.status_url,
                "status_callback_event": CALL_EVENTS,
                "status_callback_method": "POST",
            }
        call = self._client.calls.create(to=recipient.address, from_=self._from, twiml=twiml(notice), **extra)
        return str(call.sid or "")

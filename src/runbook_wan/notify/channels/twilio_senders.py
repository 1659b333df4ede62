"""Twilio SMS (``Messages.json``) and voice (``Calls.json`` with inline TwiML), through the ``twilio`` SDK."""

from __future__ import annotations

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse
from typing_extensions import override

from runbook_wan.model.notifications import ChannelKind
from runbook_wan.notify.channels.base import DEFAULT_TIMEOUT, Sender
from runbook_wan.notify.notice import Notice, Recipient


def _client(account_sid: str, auth_token: str, timeout: float) -> Client:
    return Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))


class _TwilioSender(Sender):
    """A Twilio account (SID and auth token) and the number it sends or calls from."""

    KIND: ChannelKind

    def __init__(
        self,
        name: str,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        failover: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(name, self.KIND, failover)
        self._client = _client(account_sid, auth_token, timeout)
        self._from = sender


class TwilioSms(_TwilioSender):
    KIND = ChannelKind.SMS

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        message = self._client.messages.create(to=recipient.address, from_=self._from, body=notice.sms())
        return str(message.sid or "")


def twiml(notice: Notice) -> str:
    """The call's script: the notice read twice (TwiML built as XML by the SDK, so text cannot inject)."""
    response = VoiceResponse()
    response.say(notice.speech(), loop=2)
    return str(response)


class TwilioVoice(_TwilioSender):
    KIND = ChannelKind.VOICE

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        call = self._client.calls.create(to=recipient.address, from_=self._from, twiml=twiml(notice))
        return str(call.sid or "")

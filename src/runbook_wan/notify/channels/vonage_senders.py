"""Vonage SMS (``rest.nexmo.com/sms/json``, Basic auth) and voice (``api.nexmo.com/v1/calls``, JWT from an
application id and private key), through the ``vonage`` SDK: the failover for Twilio."""

from __future__ import annotations

from typing_extensions import override
from vonage import Auth, HttpClientOptions, Vonage
from vonage_sms import SmsMessage
from vonage_voice import CreateCallRequest, Phone, Talk, ToPhone

from runbook_wan.model.notifications import ChannelKind
from runbook_wan.notify.channels.base import DEFAULT_TIMEOUT, Sender
from runbook_wan.notify.notice import Notice, Recipient


def _options(timeout: float) -> HttpClientOptions:
    # One retry on a dropped connection at most: the notifier has its own failover, and a slow
    # provider must not hold up the page.
    return HttpClientOptions(timeout=max(1, round(timeout)), max_retries=1)


def vonage_number(number: str) -> str:
    """Vonage wants E.164 without the ``+`` (``14155550123``); sender ids stay as written."""
    return number.removeprefix("+")


class VonageSms(Sender):
    def __init__(
        self,
        name: str,
        *,
        api_key: str,
        api_secret: str,
        sender: str,
        failover: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(name, ChannelKind.SMS, failover)
        self._client = Vonage(Auth(api_key=api_key, api_secret=api_secret), _options(timeout))
        self._from = vonage_number(sender)

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        response = self._client.sms.send(
            SmsMessage(to=vonage_number(recipient.address), from_=self._from, text=notice.sms())
        )
        return str(response.messages[0].message_id or "")


class VonageVoice(Sender):
    def __init__(
        self,
        name: str,
        *,
        application_id: str,
        private_key: str,
        sender: str,
        failover: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(name, ChannelKind.VOICE, failover)
        self._client = Vonage(Auth(application_id=application_id, private_key=private_key), _options(timeout))
        self._from = vonage_number(sender)

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        call = self._client.voice.create_call(
            CreateCallRequest(
                to=[ToPhone(number=vonage_number(recipient.address))],
                from_=Phone(number=self._from),
                ncco=[Talk(text=notice.speech(), loop=2)],
            )
        )
        return str(call.uuid or "")

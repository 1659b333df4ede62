"""Vonage SMS (``rest.nexmo.com/sms/json``, Basic auth) and voice (``api.nexmo.com/v1/calls``, JWT from an
application id and private key), through the ``vonage`` SDK: the failover for Twilio.

The SDK's umbrella ``vonage.Vonage`` builds every API client (about 8 MB more memory in a process
that stays up); the notifier builds the two it uses from the same packages, the way the umbrella does.
"""

from __future__ import annotations

from importlib.metadata import version

from typing_extensions import override
from vonage_http_client import Auth, HttpClient, HttpClientOptions
from vonage_sms import Sms, SmsMessage
from vonage_voice import CreateCallRequest, Phone, Talk, ToPhone, Voice

from runbook_wan.model.notifications import ChannelKind
from runbook_wan.notify.channels.base import DEFAULT_TIMEOUT, Sender
from runbook_wan.notify.notice import Notice, Recipient


def _http(auth: Auth, timeout: float) -> HttpClient:
    # One retry on a dropped connection at most: the notifier has its own failover, and a slow
    # provider must not hold up the page.
    options = HttpClientOptions(timeout=max(1, round(timeout)), max_retries=1)
    return HttpClient(auth, options, sdk_version=version("vonage"))


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
        self._sms = Sms(_http(Auth(api_key=api_key, api_secret=api_secret), timeout))
        self._from = vonage_number(sender)

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        response = self._sms.send(SmsMessage(to=vonage_number(recipient.address), from_=self._from, text=notice.sms()))
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
        self._voice = Voice(_http(Auth(application_id=application_id, private_key=private_key), timeout))
        self._from = vonage_number(sender)

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        call = self._voice.create_call(
            CreateCallRequest(
                to=[ToPhone(number=vonage_number(recipient.address))],
                from_=Phone(number=self._from),
                ncco=[Talk(text=notice.speech(), loop=2)],
            )
        )
        return str(call.uuid or "")

"""Vonage SMS (``rest.nexmo.com/sms/json``, Basic auth) and voice (``api.nexmo.com/v1/calls``, JWT from an
application id and private key), through the ``vonage`` SDK: the failover for Twilio.

The SDK's umbrella ``vonage.Vonage`` builds every API client (about 8 MB more memory in a process
that stays up); the notifier builds the two it uses from the same packages, the way the umbrella does.
"""

from __future__ import annotations

from importlib.metadata import version

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typing_extensions import override
from vonage_http_client import Auth, HttpClient, HttpClientOptions
from vonage_sms import Sms, SmsMessage
from vonage_voice import CreateCallRequest, Input, Phone, Talk, ToPhone, Voice
from vonage_voice.models import Dtmf

from runbook_wan.model.notifications import ChannelKind
from runbook_wan.notify.channels.base import DEFAULT_TIMEOUT, Sender, SenderConfigError
from runbook_wan.notify.notice import Notice, Recipient


def _http(auth: Auth, timeout: float) -> HttpClient:
    # One retry on a dropped connection at most: the notifier has its own failover, and a slow
    # provider must not hold up the page.
    options = HttpClientOptions(timeout=max(1, round(timeout)), max_retries=1)
    return HttpClient(auth, options, sdk_version=version("vonage"))


def check_private_key(pem: str) -> None:
    """Refuse, at start, a key Vonage's JWT signer cannot use (the SDK would fail later, or with a
    ``VonageJwtError`` traceback): it must be an unencrypted RSA private key in PEM."""
    try:
        key = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        why = "it is protected by a passphrase" if isinstance(exc, TypeError) else "it is not a PEM private key"
        raise SenderConfigError(
            "private_key",
            f"the Vonage application's private key cannot be used: {why} (value not shown)",
            "set the secret to the private.key file Vonage gave for the application, "
            "with its -----BEGIN PRIVATE KEY----- line and line breaks",
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SenderConfigError(
            "private_key",
            "the Vonage application's private key is not an RSA key (Vonage signs with RS256; value not shown)",
            "use the private.key file Vonage generated for the application",
        )


def vonage_number(number: str) -> str:
    """Vonage wants E.164 without the ``+`` (``14155550123``); sender ids stay as written."""
    return number.removeprefix("+")


#: Seconds the call waits for a key after the message.
KEYPRESS_TIMEOUT = 10


def ncco(notice: Notice) -> list[Talk | Input]:
    """The call's script (NCCO): the notice read twice; with a keypress URL, one DTMF digit after it."""
    actions: list[Talk | Input] = [Talk(text=notice.speech(), loop=2, bargeIn=bool(notice.reach.keypress_url))]
    if notice.reach.keypress_url:
        actions.append(
            Input(
                type=["dtmf"],
                dtmf=Dtmf(maxDigits=1, timeOut=KEYPRESS_TIMEOUT),
                eventUrl=[notice.reach.keypress_url],
                eventMethod="POST",
            )
        )
    return actions


class VonageSms(Sender):
    PROVIDER = "vonage"

    def __init__(
        self,
        name: str,
        *,
        api_key: str,
        api_secret: str,
        sender: str,
        failover: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        signature_secret: str | None = None,
        signature_method: str = "sha256",
    ) -> None:
        super().__init__(name, ChannelKind.SMS, failover)
        self._sms = Sms(_http(Auth(api_key=api_key, api_secret=api_secret), timeout))
        self._from = vonage_number(sender)
        self.number = self._from
        #: Checks Vonage's signed SMS webhooks (inbound messages, delivery receipts); None: refused.
        self.webhook_auth = (
            Auth(api_key=api_key, signature_secret=signature_secret, signature_method=signature_method)
            if signature_secret
            else None
        )

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        callback = {"callback": notice.reach.status_url} if notice.reach.status_url else {}
        message = SmsMessage(to=vonage_number(recipient.address), from_=self._from, text=notice.sms(), **callback)
        response = self._sms.send(message)
        return str(response.messages[0].message_id or "")

    def reply(self, to: str, text: str) -> str:
        """Answer an inbound SMS (Vonage takes no answer in the webhook's response): the message id."""
        response = self._sms.send(SmsMessage(to=vonage_number(to), from_=self._from, text=text))
        return str(response.messages[0].message_id or "")


class VonageVoice(Sender):
    PROVIDER = "vonage"

    def __init__(
        self,
        name: str,
        *,
        application_id: str,
        private_key: str,
        sender: str,
        failover: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        signature_secret: str | None = None,
    ) -> None:
        super().__init__(name, ChannelKind.VOICE, failover)
        check_private_key(private_key)
        self._voice = Voice(_http(Auth(application_id=application_id, private_key=private_key), timeout))
        self._from = vonage_number(sender)
        #: The HS256 key of the JWT on Vonage's voice webhooks; None: refused.
        self.signature_secret = signature_secret

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        events = {"event_url": [notice.reach.status_url], "event_method": "POST"} if notice.reach.status_url else {}
        call = self._voice.create_call(
            CreateCallRequest(
                to=[ToPhone(number=vonage_number(recipient.address))],
                from_=Phone(number=self._from),
                ncco=ncco(notice),
                **events,
            )
        )
        return str(call.uuid or "")

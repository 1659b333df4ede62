"""Every inbound request is checked the way its provider signs it, before anything reads it as an action.

A handler never sees a raw request: it receives a :class:`Verified` (the raw body, the verified
parameters) that only a :class:`Verifier` makes. A request that fails its check gets 403 and
changes nothing (:mod:`.app` puts every route behind :func:`verified`).

* **Twilio**: ``X-Twilio-Signature`` with ``twilio.request_validator.RequestValidator`` over the
  public URL exactly as configured (plus the query string) and the form fields; every auth token of
  the Twilio channels is tried (a second one while a token is rotated).
* **Vonage SMS API** (inbound SMS, delivery receipts): the ``sig`` parameter, through the SDK's
  ``vonage_http_client.Auth.check_signature`` with the account's signature secret and HMAC method.
* **Vonage Voice** (keypresses, call events): ``Authorization: Bearer <JWT>``, HS256 with the
  signature secret (``vonage_jwt.verify_signature``), **and** its ``payload_hash`` claim against
  the SHA-256 of the body, which the SDK does not check; ``iat`` at most 5 minutes off.
* **Slack**: ``slack_sdk.signature.SignatureVerifier`` (HMAC-SHA256 of ``v0:timestamp:body``,
  timestamps more than 5 minutes off refused).
* **Mattermost** signs nothing: each button carries a per-incident secret
  (HMAC-SHA256 of the incident id under the notifier's link key) in its ``context``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl

from runbook_wan import json_input

log = logging.getLogger("runbook.notify.inbound")

#: Seconds a signed timestamp may be off (Slack's own rule; used for Vonage's JWT ``iat`` too).
MAX_SKEW = 300.0
#: Largest body read from a provider (an inbound SMS or a Slack payload is a few kB).
MAX_BODY = 64 * 1024


class Params:
    """Form or query fields in order, with repeated keys (what Twilio's validator reads via ``getlist``)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.pairs = list(pairs)

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name]

    def __iter__(self) -> Any:
        return iter(dict.fromkeys(k for k, _v in self.pairs))

    def get(self, name: str, default: str = "") -> str:
        found = self.getlist(name)
        return found[0] if found else default

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in reversed(self.pairs)}  # first value of each key


@dataclass(frozen=True)
class RawRequest:
    """What arrived, untouched: the public URL it was sent to, headers (lower-case names), body."""

    method: str
    public_url: str
    query: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def form(self) -> Params:
        if self.content_type == "application/x-www-form-urlencoded":
            return Params(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))
        return Params([])

    def query_params(self) -> Params:
        return Params(parse_qsl(self.query, keep_blank_values=True))


@dataclass(frozen=True)
class Verified:
    """A request whose signature held. Only verifiers make these; only these reach handlers."""

    provider: str
    #: Fields the signature covered (form or query), or the JSON body's fields.
    params: Params
    query: Params
    body: bytes
    json: Any = None
    #: What the check established beyond the body (e.g. the Mattermost context it verified).
    facts: dict[str, str] = field(default_factory=dict)


class Verifier(Protocol):
    provider: str

    def verify(self, request: RawRequest) -> Verified | None:
        """The verified request, or None (the reason is logged, never the body)."""


def refuse(provider: str, why: str) -> None:
    log.warning("inbound %s request refused (403): %s", provider, why)


# --- Twilio ----------------------------------------------------------------------------------------


@dataclass
class TwilioVerifier:
    provider: str
    tokens: tuple[str, ...]

    def verify(self, request: RawRequest) -> Verified | None:
        from twilio.request_validator import RequestValidator  # noqa: PLC0415 - the SDK loads when used

        signature = request.headers.get("x-twilio-signature", "")
        if not signature:
            refuse(self.provider, "no X-Twilio-Signature")
            return None
        if not self.tokens:
            refuse(self.provider, "no Twilio channel with an auth token")
            return None
        params = request.form()
        url = request.public_url + (f"?{request.query}" if request.query else "")
        for token in self.tokens:
            if RequestValidator(token).validate(url, params, signature):
                return Verified(self.provider, params, request.query_params(), request.body)
        refuse(self.provider, "X-Twilio-Signature does not match (wrong token, or the public URL differs)")
        return None


# --- Vonage ----------------------------------------------------------------------------------------


class _SignatureAuth(Protocol):
    def check_signature(self, params: dict[str, Any]) -> bool: ...


@dataclass
class VonageSmsVerifier:
    """The SMS API's signed webhooks: ``sig`` over the other parameters (query, form or JSON body)."""

    provider: str
    auths: tuple[_SignatureAuth, ...]

    def fields(self, request: RawRequest) -> tuple[Params, Any]:
        if request.content_type == "application/json":
            try:
                body = json_input.loads(request.body)
            except ValueError:
                return Params([]), None
            if not isinstance(body, dict):
                return Params([]), None
            return Params((str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in body.items()), body
        form = request.form()
        return (form if form.pairs else request.query_params()), None

    def verify(self, request: RawRequest) -> Verified | None:
        params, body = self.fields(request)
        values = params.as_dict()
        if not values.get("sig") or not values.get("timestamp"):
            refuse(self.provider, "not signed (no sig or timestamp parameter)")
            return None
        if not self.auths:
            refuse(self.provider, "no Vonage SMS channel with a signature_secret")
            return None
        for auth in self.auths:
            try:
                if auth.check_signature(dict(values)):
                    return Verified(self.provider, params, request.query_params(), request.body, body)
            except ValueError:
                break
        refuse(self.provider, "sig does not match the signature secret")
        return None


@dataclass
class VonageJwtVerifier:
    """Voice webhooks: a JWT signed with the signature secret, whose ``payload_hash`` is the body's SHA-256."""

    provider: str
    secrets: tuple[str, ...]
    clock: Callable[[], float] = time.time

    def verify(self, request: RawRequest) -> Verified | None:  # noqa: PLR0911 - one refusal per check, in order
        import jwt  # noqa: PLC0415 - PyJWT, as the Vonage SDK uses it
        from vonage_jwt import verify_signature  # noqa: PLC0415
        from vonage_jwt.errors import VonageVerifyJwtError  # noqa: PLC0415

        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            refuse(self.provider, "no Authorization: Bearer JWT")
            return None
        token = header[7:].strip()
        if not self.secrets:
            refuse(self.provider, "no Vonage voice channel with a signature_secret")
            return None
        for secret in self.secrets:
            try:
                good = verify_signature(token, secret)
            except VonageVerifyJwtError as exc:
                refuse(self.provider, f"the JWT does not verify ({str(exc)[:80]})")
                return None
            if good:
                break
        else:
            refuse(self.provider, "the JWT's signature does not match the signature secret")
            return None
        claims = jwt.decode(token, options={"verify_signature": False})
        expected = hashlib.sha256(request.body).hexdigest()
        if not hmac.compare_digest(str(claims.get("payload_hash", "")), expected):
            refuse(self.provider, "payload_hash does not match the body (the body was changed)")
            return None
        issued = claims.get("iat")
        if not isinstance(issued, int | float) or abs(self.clock() - float(issued)) > MAX_SKEW:
            refuse(self.provider, "the JWT is not from the last 5 minutes (iat)")
            return None
        try:
            body = json_input.loads(request.body) if request.body else {}
        except ValueError:
            refuse(self.provider, "the body is not JSON")
            return None
        return Verified(self.provider, Params([]), request.query_params(), request.body, body)


@dataclass
class VonageStatusVerifier:
    """``/inbound/vonage/status`` takes SMS delivery receipts (``sig``) and voice events (JWT)."""

    provider: str
    sms: VonageSmsVerifier
    voice: VonageJwtVerifier

    def verify(self, request: RawRequest) -> Verified | None:
        if request.headers.get("authorization", "").lower().startswith("bearer "):
            return self.voice.verify(request)
        return self.sms.verify(request)


# --- chat --------------------------------------------------------------------------------------------


@dataclass
class SlackVerifier:
    provider: str
    secrets: tuple[str, ...]
    clock: Callable[[], float] = time.time

    def verify(self, request: RawRequest) -> Verified | None:
        from slack_sdk.signature import SignatureVerifier  # noqa: PLC0415 - only notifiers with Slack buttons

        if not self.secrets:
            refuse(self.provider, "no Slack channel with a signing_secret")
            return None
        clock = _slack_clock(self.clock)
        headers = dict(request.headers)
        for secret in self.secrets:
            if SignatureVerifier(secret, clock=clock).is_valid_request(request.body, headers):
                form = request.form()
                try:
                    payload = json_input.loads(form.get("payload"))
                except ValueError:
                    refuse(self.provider, "signed, but no JSON payload")
                    return None
                return Verified(self.provider, form, request.query_params(), request.body, payload)
        refuse(self.provider, "X-Slack-Signature does not match, or the timestamp is more than 5 minutes off")
        return None


def _slack_clock(now: Callable[[], float]) -> Any:
    """slack_sdk's ``Clock`` over our clock (tests move time)."""
    from slack_sdk.signature import Clock  # noqa: PLC0415

    class _Clock(Clock):
        def now(self) -> float:
            return now()

    return _Clock()


def action_token(key: bytes, incident_id: str) -> str:
    """The per-incident secret a Mattermost button carries (HMAC-SHA256 of the incident id)."""
    return hmac.new(key, b"mattermost-action\0" + incident_id.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass
class MattermostVerifier:
    provider: str
    key: bytes

    def verify(self, request: RawRequest) -> Verified | None:
        try:
            body = json_input.loads(request.body)
            context = body["context"]
            incident, token = str(context["incident"]), str(context["token"])
        except (ValueError, KeyError, TypeError):
            refuse(self.provider, "no action context with an incident and its token")
            return None
        if not hmac.compare_digest(token, action_token(self.key, incident)):
            refuse(self.provider, "the action's token is not this incident's")
            return None
        return Verified(self.provider, Params([]), request.query_params(), request.body, body, {"incident": incident})


@dataclass
class EmailLinkVerifier:
    """The link's token (in the path) is the signature: checked, with its expiry, before anything else."""

    provider: str
    read: Callable[[str], Any]

    def verify(self, request: RawRequest) -> Verified | None:
        token = request.public_url.rstrip("/").rsplit("/", 1)[-1]
        try:
            link = self.read(token)
        except ValueError as exc:
            refuse(self.provider, str(exc))
            return None
        facts = {"incident": link.incident_id, "action": link.action, "contact": link.contact, "nonce": link.nonce,
                 "token": token}  # fmt: skip
        return Verified(self.provider, request.form(), request.query_params(), request.body, None, facts)

"""Inbound requests signed the way each provider documents it, written from the providers' docs (not
from the code under test), so a contract test cannot pass by checking a signature against itself.

* Twilio "Webhooks security": base64(HMAC-SHA1(auth token, URL + every POST field name and value,
  sorted by name)) in ``X-Twilio-Signature``.
* Vonage "Signing messages" (SMS API): every parameter but ``sig``, sorted, joined as ``&key=value``
  with ``&`` and ``=`` in values replaced by ``_``, HMAC with the signature secret, hex, in ``sig``.
* Vonage "Signed webhooks" (Voice, Messages): ``Authorization: Bearer`` JWT, HS256 with the signature
  secret; claims ``iat``, ``jti``, ``iss: Vonage``, ``payload_hash`` (SHA-256 of the body, hex).
* Slack "Verifying requests from Slack": ``v0=`` + hex(HMAC-SHA256(signing secret,
  ``v0:<timestamp>:<body>``)) in ``X-Slack-Signature``, the timestamp in ``X-Slack-Request-Timestamp``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from urllib.parse import urlencode

import jwt


def twilio_signature(token: str, url: str, fields: dict[str, str]) -> str:
    text = url + "".join(f"{key}{fields[key]}" for key in sorted(fields))
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


def twilio_request(token: str, url: str, fields: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """Headers and body of a Twilio webhook POST."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(token, url, fields),
        "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
    }
    return headers, urlencode(fields).encode()


def vonage_sig(fields: dict[str, str], secret: str, method: str = "sha256") -> str:
    text = "".join(f"&{key}={str(fields[key]).replace('&', '_').replace('=', '_')}" for key in sorted(fields))
    return hmac.new(secret.encode(), text.encode(), getattr(hashlib, method)).hexdigest()


def vonage_signed(fields: dict[str, str], secret: str, method: str = "sha256") -> dict[str, str]:
    """The fields with ``timestamp`` and ``sig`` added, as Vonage sends a signed SMS webhook."""
    signed = dict(fields)
    signed.setdefault("timestamp", str(int(time.time())))
    signed["sig"] = vonage_sig(signed, secret, method)
    return signed


def vonage_jwt(body: bytes, secret: str, issued: float | None = None) -> str:
    claims = {
        "iat": int(issued if issued is not None else time.time()),
        "jti": str(uuid.uuid4()),
        "iss": "Vonage",
        "payload_hash": hashlib.sha256(body).hexdigest(),
        "api_key": "vk1a2b3c",
        "application_id": "bbbbbbbb-cccc-4ddd-8eee-0123456789ab",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def slack_headers(secret: str, body: bytes, timestamp: float | None = None) -> dict[str, str]:
    ts = str(int(timestamp if timestamp is not None else time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }

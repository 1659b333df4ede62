"""E-mail links: signed, expiring, single-use tokens to acknowledge or resolve one incident.

A token is ``itsdangerous``'s URL-safe, timestamped signature (HMAC-SHA1 over a key derived from
the notifier's link key, secret ``notify-link-key``) of ``{incident, action, contact, nonce}``.
It expires after ``notify.link_expiry_minutes``; its nonce is spent in the store on first use,
so a second use is refused. Opening the link (GET) only shows what it would do: mail scanners
that fetch links act on nothing; the button on that page (POST) acts.

The notifier makes the links and serves them on its public URL; once the pane has logins, the
notifier sends the person on to the pane (``/incidents/email/<token>``), which checks the same
token after they logged in. Both read it here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

#: The secret that signs e-mail links and Mattermost button tokens (env RUNBOOK_SECRET_NOTIFY_LINK_KEY).
LINK_KEY_SECRET = "notify-link-key"
_SALT = "runbook-email-action"


@dataclass(frozen=True)
class Link:
    incident_id: str
    action: str  # ack | resolve
    contact: str
    nonce: str


class LinkError(ValueError):
    """The link is forged, expired or malformed (the message says which, for the person)."""


class LinkSigner:
    def __init__(self, key: str, expiry_seconds: float) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt=_SALT)
        self.expiry_seconds = expiry_seconds

    def token(self, incident_id: str, action: str, contact: str) -> str:
        payload = {"i": incident_id, "a": action, "c": contact, "n": secrets.token_urlsafe(12)}
        return str(self._serializer.dumps(payload))

    def read(self, token: str) -> Link:
        try:
            data = self._serializer.loads(token, max_age=round(self.expiry_seconds))
        except SignatureExpired:
            raise LinkError("this link has expired") from None
        except BadSignature:
            raise LinkError("this link is not valid") from None
        if not isinstance(data, dict) or data.get("a") not in ("ack", "resolve"):
            raise LinkError("this link is not valid")
        return Link(str(data["i"]), str(data["a"]), str(data["c"]), str(data["n"]))

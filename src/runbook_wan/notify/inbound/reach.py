"""The notifier's public address, and how each message it sends can be answered there.

With a public URL (``notify --public-url`` or the intents' ``notify.public_url``), every message
carries its way back: SMS a reply code, calls a keypress URL, e-mail two signed links, chat
buttons, and every SMS and call a status-callback URL for delivery receipts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode, urlsplit

from runbook_wan.model.notifications import ChannelKind
from runbook_wan.notify.channels.base import Sender
from runbook_wan.notify.inbound.verify import action_token
from runbook_wan.notify.notice import Reach, Recipient
from runbook_wan.ops.email_links import LinkSigner
from runbook_wan.ops.inbound import InboundStore
from runbook_wan.ops.incidents import DeliveryKind
from runbook_wan.status.accounts import AccountStore
from runbook_wan.status.email_links import PANE_EMAIL_PATH

#: The inbound paths, under the public URL's own path.
PATHS = {
    "twilio_sms": "/inbound/twilio/sms",
    "twilio_voice": "/inbound/twilio/voice",
    "twilio_status": "/inbound/twilio/status",
    "vonage_sms": "/inbound/vonage/sms",
    "vonage_voice": "/inbound/vonage/voice",
    "vonage_status": "/inbound/vonage/status",
    "slack_actions": "/inbound/slack/actions",
    "mattermost_actions": "/inbound/mattermost/actions",
    "email": "/inbound/email/{token}",
}


@dataclass
class Inbound:
    """The public side of one notifier: its base URL, the link key, the inbound tables."""

    public_url: str
    link_key: str
    store: InboundStore
    links: LinkSigner
    #: The state folder: every answer goes to its audit log; the pane's accounts live there.
    state_dir: Path | None = None
    #: Where e-mail links send people once the pane has logins (``notify.pane_url``).
    pane_url: str | None = None
    #: The pane logs people in with single sign-on (``intents/access.yaml`` has ``oidc``).
    single_sign_on: bool = False

    def pane_has_logins(self) -> bool:
        """Whether the pane asks people to log in (then e-mail links act only for a login)."""
        if self.single_sign_on:
            return True
        return self.state_dir is not None and AccountStore(self.state_dir).any_accounts()

    def pane_link(self, token: str) -> str | None:
        """The pane's page for an e-mail link's token (None: no ``pane_url``)."""
        return f"{self.pane_url}{PANE_EMAIL_PATH}{token}" if self.pane_url else None

    @property
    def prefix(self) -> str:
        """The public URL's path ('' or ``/runbook``): the routes live under it, as the proxy forwards them."""
        return str(PurePosixPath(urlsplit(self.public_url).path or "/")).rstrip("/")

    @property
    def origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    def url(self, name: str, **query: str) -> str:
        return self.public_url + PATHS[name] + (f"?{urlencode(query)}" if query else "")

    def email_link(self, incident_id: str, action: str, contact: str) -> str:
        token = self.links.token(incident_id, action, contact)
        return self.public_url + PATHS["email"].format(token=token)

    def reach(self, sender: Sender, incident_id: str, kind: DeliveryKind, recipient: Recipient) -> Reach:
        """How this message (``sender`` to ``recipient`` about an incident) can be answered."""
        provider = sender.PROVIDER
        answerable = kind is not DeliveryKind.RESOLVED
        if sender.kind is ChannelKind.SMS and provider in ("twilio", "vonage"):
            code = self.store.code_for(recipient.address, incident_id, recipient.contact) if answerable else None
            return Reach(reply_code=code, status_url=self.url(f"{provider}_status"))
        if sender.kind is ChannelKind.VOICE and provider in ("twilio", "vonage"):
            keypress = self.url(f"{provider}_voice", i=incident_id, c=recipient.contact) if answerable else ""
            return Reach(status_url=self.url(f"{provider}_status"), keypress_url=keypress)
        if sender.kind is ChannelKind.EMAIL and answerable and recipient.contact:
            return Reach(
                ack_link=self.email_link(incident_id, "ack", recipient.contact),
                resolve_link=self.email_link(incident_id, "resolve", recipient.contact),
            )
        if provider == "slack" and getattr(sender, "signing_secret", None):
            return Reach(buttons=True)
        if provider == "mattermost":
            return Reach(
                actions_url=self.url("mattermost_actions"),
                action_token=action_token(self.link_key.encode(), incident_id),
            )
        return Reach()

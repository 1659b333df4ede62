"""Chat webhooks (Slack, Mattermost, Microsoft Teams Workflows) through ``apprise``.

The intent names the webhook URL by secret; the value is the URL as the chat service hands it
out (``https://hooks.slack.com/services/...``, ``https://mm.example.com/hooks/<token>``, a Teams
Workflows ``.../workflows/<id>/triggers/manual/paths/invoke?...`` URL) or an apprise URL
(``slack://``, ``mmost://``, ``workflows://``). Apprise formats the message for each service; the
alert's own words are written with :func:`runbook_wan.markup.chat.text` first, so they cannot mention
a room (``@channel``, ``<!channel>``) or carry a link, on any of the services.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import apprise
import httpx
from typing_extensions import override

from runbook_wan.markup.chat import text as chat_text
from runbook_wan.model.notifications import ChannelKind
from runbook_wan.notify.channels.base import DEFAULT_TIMEOUT, Sender, SenderConfigError
from runbook_wan.notify.channels.chat_buttons import mattermost_attachment, slack_blocks
from runbook_wan.notify.notice import Notice, Recipient, clean
from runbook_wan.ops.incidents import DeliveryKind

_APPRISE_SCHEMES = ("slack", "mmost", "mmosts", "workflow", "workflows")
_NOTIFY_TYPE = {
    DeliveryKind.FIRING: apprise.NotifyType.FAILURE,
    DeliveryKind.ESCALATION: apprise.NotifyType.FAILURE,
    DeliveryKind.RESOLVED: apprise.NotifyType.SUCCESS,
}


#: Log levels (names) of apprise's captured entries that say why a message failed.
_PROBLEM_LEVELS = ("WARNING", "ERROR", "CRITICAL")


class ChatError(RuntimeError):
    pass


class ChatUrlError(SenderConfigError):
    def __init__(self, message: str) -> None:
        super().__init__("webhook_url", message, "set the secret to the webhook URL the chat service gave you")


def apprise_url(kind: str, webhook_url: str) -> str:
    """The apprise URL for a chat service's own webhook URL (apprise URLs pass through)."""
    scheme = webhook_url.split(":", 1)[0].lower()
    if scheme in _APPRISE_SCHEMES:
        return webhook_url
    if kind == "mattermost":
        # https://host[:port][/prefix]/hooks/<token> -> mmosts://host[:port][/prefix]/<token>
        parts = urlsplit(webhook_url)
        found = re.fullmatch(r"(?P<prefix>.*)/hooks/(?P<token>[^/]+)/?", parts.path)
        if parts.scheme not in ("http", "https") or not parts.netloc or found is None:
            raise ChatUrlError("a Mattermost webhook URL looks like https://HOST/hooks/TOKEN")
        secure = "mmosts" if parts.scheme == "https" else "mmost"
        return f"{secure}://{parts.netloc}{found.group('prefix')}/{found.group('token')}"
    return webhook_url  # Slack and Teams Workflows: apprise parses their native URLs


SLACK_HOOKS = "https://hooks.slack.com/"


def mattermost_post_url(webhook_url: str) -> str:
    """The https (or http) incoming-webhook URL of a Mattermost channel given either way."""
    scheme, _, rest = webhook_url.partition("://")
    if scheme in ("mmost", "mmosts"):
        host, _, token = rest.rpartition("/")
        return f"{'https' if scheme == 'mmosts' else 'http'}://{host}/hooks/{token}"
    return webhook_url


class ChatWebhook(Sender):
    def __init__(
        self,
        name: str,
        *,
        kind: str,
        webhook_url: str,
        failover: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        interactive: bool = False,
        signing_secret: str | None = None,
    ) -> None:
        super().__init__(name, ChannelKind.CHAT, failover)
        self.chat_kind = kind
        asset = apprise.AppriseAsset(app_id="Runbook", app_desc="Runbook WAN notifier", storage_mode="memory")
        self._apprise = apprise.Apprise(asset=asset)
        if not self._apprise.add(apprise_url(kind, webhook_url)):
            raise ChatUrlError(f"channel {name!r}: the webhook URL is not a {kind} webhook URL")
        if interactive and kind == "slack" and not webhook_url.startswith(SLACK_HOOKS):
            raise ChatUrlError(f"channel {name!r}: buttons need Slack's own webhook URL ({SLACK_HOOKS}services/...)")
        self._webhook_url = webhook_url
        self._timeout = timeout
        #: Slack: the app's signing secret, which checks button clicks (None: no buttons).
        self.signing_secret = signing_secret
        self.PROVIDER = kind if kind in ("slack", "mattermost") else ""

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        mentions = clean(recipient.address, 300) if recipient.address else ""
        if self.chat_kind == "slack" and notice.reach.buttons:
            return self._slack(notice, mentions)
        if self.chat_kind == "mattermost" and notice.reach.actions_url:
            return self._mattermost(notice, mentions)
        body = notice.text(escape=chat_text)
        if recipient.address:  # the contacts' own handles, from the intent: these do mention
            body += "\ncc: " + clean(recipient.address, 300)
        result = self._apprise.notify(
            body=body,
            title=notice.subject(escape=chat_text),
            notify_type=_NOTIFY_TYPE[notice.kind],
            body_format=apprise.NotifyFormat.TEXT,
            timeout=self._timeout,
        )
        if not result:
            problems = [entry.message for entry in result.logs() if entry.level in _PROBLEM_LEVELS]
            raise ChatError(problems[-1] if problems else "the chat service refused the message")
        return ""

    def _slack(self, notice: Notice, mentions: str) -> str:
        """Block Kit with buttons through Slack's own client (``slack_sdk``'s WebhookClient)."""
        from slack_sdk.webhook import WebhookClient  # noqa: PLC0415 - only notifiers with Slack buttons load it

        blocks = slack_blocks(notice)
        if mentions:
            blocks.insert(1, {"type": "context", "elements": [{"type": "mrkdwn", "text": f"cc: {mentions}"}]})
        answer = WebhookClient(self._webhook_url, timeout=round(self._timeout)).send(
            text=notice.subject(escape=chat_text), blocks=blocks
        )
        if answer.status_code != 200:
            raise ChatError(f"HTTP {answer.status_code}: {clean(str(answer.body), 200)}")
        return ""

    def _mattermost(self, notice: Notice, mentions: str) -> str:
        """An incoming-webhook post with a message attachment carrying the actions (Mattermost's documented shape)."""
        attachment = mattermost_attachment(notice, notice.reach.actions_url, notice.reach.action_token)
        payload = {"text": clean(notice.subject(escape=chat_text), 200) + (f" (cc: {mentions})" if mentions else "")}
        payload["attachments"] = [attachment]  # type: ignore[assignment]
        answer = httpx.post(mattermost_post_url(self._webhook_url), json=payload, timeout=self._timeout)
        if answer.status_code >= 300:
            raise ChatError(f"HTTP {answer.status_code}: {clean(answer.text, 200)}")
        return ""

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
from typing_extensions import override

from runbook_wan.markup.chat import text as chat_text
from runbook_wan.model.notifications import ChannelKind
from runbook_wan.notify.channels.base import DEFAULT_TIMEOUT, Sender, SenderConfigError
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
        found = re.match(r"^(?P<prefix>.*)/hooks/(?P<token>[^/]+)/?$", parts.path)
        if parts.scheme not in ("http", "https") or not parts.netloc or found is None:
            raise ChatUrlError("a Mattermost webhook URL looks like https://HOST/hooks/TOKEN")
        secure = "mmosts" if parts.scheme == "https" else "mmost"
        return f"{secure}://{parts.netloc}{found.group('prefix')}/{found.group('token')}"
    return webhook_url  # Slack and Teams Workflows: apprise parses their native URLs


class ChatWebhook(Sender):
    def __init__(
        self, name: str, *, kind: str, webhook_url: str, failover: str | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        super().__init__(name, ChannelKind.CHAT, failover)
        asset = apprise.AppriseAsset(app_id="Runbook", app_desc="Runbook WAN notifier", storage_mode="memory")
        self._apprise = apprise.Apprise(asset=asset)
        if not self._apprise.add(apprise_url(kind, webhook_url)):
            raise ChatUrlError(f"channel {name!r}: the webhook URL is not a {kind} webhook URL")
        self._timeout = timeout

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
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

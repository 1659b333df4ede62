"""Chat messages with Acknowledge and Resolve buttons: Slack Block Kit and Mattermost message actions.

Used when the notifier has a public URL (and, for Slack, the app's signing secret): the sender
posts these instead of apprise's plain text, and the inbound handlers rebuild them to show who
acknowledged. The alert's own words are defanged first (:func:`runbook_wan.markup.chat.text`: no
mention, no link on any service), then escaped for each service (Slack: ``&``, ``<``, ``>``;
Mattermost attachments render Markdown, so its control characters are escaped).
"""

from __future__ import annotations

import re
from typing import Any

from runbook_wan.markup.chat import text as chat_text
from runbook_wan.notify.notice import Notice, clean
from runbook_wan.ops.incidents import DeliveryKind

#: action_id / action id of the buttons; the incident id rides in the button's value (Slack) or context.
ACK, RESOLVE = "runbook_ack", "runbook_resolve"
_LABELS = {ACK: "Acknowledge", RESOLVE: "Resolve"}
_COLOURS = {DeliveryKind.FIRING: "#d0021b", DeliveryKind.ESCALATION: "#d0021b", DeliveryKind.RESOLVED: "#2eb67d"}


def slack_escape(text: str) -> str:
    """Slack's three control characters (its "Escaping text" rules): no mention, no link, no markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>@])")


def markdown_escape(text: str) -> str:
    """Mattermost renders Markdown: every control character escaped, so ``@channel`` cannot notify."""
    return _MARKDOWN.sub(r"\\\1", text)


def slack_blocks(notice: Notice, state: str = "", buttons: tuple[str, ...] = (ACK, RESOLVE)) -> list[dict[str, Any]]:
    """Block Kit: the message, a line saying who acknowledged (``state``), and the buttons still useful."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": slack_escape(f"*{notice.subject(escape=chat_text)}*\n{notice.text(escape=chat_text)}"),
            },
        }
    ]
    if state:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": slack_escape(state)}]})
    if buttons and notice.kind is not DeliveryKind.RESOLVED:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"runbook:{notice.incident_id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": action,
                        "text": {"type": "plain_text", "text": _LABELS[action]},
                        "value": notice.incident_id,
                        **({"style": "primary"} if action == ACK else {}),
                    }
                    for action in buttons
                ],
            }
        )
    return blocks


def mattermost_attachment(
    notice: Notice, actions_url: str, token: str, state: str = "", buttons: tuple[str, ...] = (ACK, RESOLVE)
) -> dict[str, Any]:
    """One message attachment with its actions; each click posts ``context`` (the incident's secret) to the URL."""
    text = markdown_escape(notice.text(escape=chat_text))
    if state:
        text += "\n\n" + markdown_escape(state)
    attachment: dict[str, Any] = {
        "fallback": clean(notice.subject(escape=chat_text), 200),
        "color": _COLOURS[notice.kind],
        "title": markdown_escape(notice.subject(escape=chat_text)),
        "text": text,
    }
    if buttons and notice.kind is not DeliveryKind.RESOLVED:
        attachment["actions"] = [
            {
                "id": action.replace("_", ""),
                "name": _LABELS[action],
                "type": "button",
                "integration": {
                    "url": actions_url,
                    "context": {"action": action, "incident": notice.incident_id, "token": token},
                },
            }
            for action in buttons
        ]
    return attachment

"""Contract tests, chat webhooks through ``apprise`` (unchanged): Slack, Microsoft Teams Workflows and
Mattermost, over real TLS through the recording proxy. None of these publishes an OpenAPI document
for incoming webhooks; each test checks the shape the service's own documentation gives (named
in the test). They prove the request, not delivery."""

from __future__ import annotations

import json

from contract_proxy import MATTERMOST_HOST, TEAMS_HOST, ContractProxy
from notices import site_down

from runbook_wan.notify.channels.chat import ChatWebhook, apprise_url
from runbook_wan.notify.notice import Recipient
from runbook_wan.ops.incidents import DeliveryKind, DeliveryStatus

SLACK_URL = "https://hooks.slack.com/services/T0RUNBOOK/B0NOTIFY1/abcdefABCDEF0123456789xy"
TEAMS_URL = (
    f"https://{TEAMS_HOST}:443/workflows/643e69f83c8944438d68119179a10a64/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=KODuebWbDGYFr0z0eu-6Rj8aUKz7108W3wrNJZxFE5A"
)
MATTERMOST_URL = f"https://{MATTERMOST_HOST}/hooks/yobjmukpaw3r3urc5h6i369yima"
NOC = Recipient.room("chat", ("@alice", "@bob"))
HOSTILE = "chi-021 down <!channel> <https://evil.example|click here> @here"


def test_slack_gets_a_documented_incoming_webhook_post_and_alert_text_stays_text(wire: ContractProxy) -> None:
    # Slack "Sending messages using incoming webhooks": POST JSON to the hook URL; `text`
    # (or `attachments`/`blocks`) carries the message; &, <, > must be escaped as &amp; &lt; &gt;.
    attempt = ChatWebhook("chat", kind="slack", webhook_url=SLACK_URL).send(site_down(summary=HOSTILE), NOC)

    assert attempt.status is DeliveryStatus.SENT, attempt.error
    [recorded] = wire.to("hooks.slack.com")
    assert (recorded.method, recorded.path) == ("POST", "/services/T0RUNBOOK/B0NOTIFY1/abcdefABCDEF0123456789xy")
    assert (recorded.header("Content-Type") or "").startswith("application/json")
    payload = recorded.json()
    text = json.dumps(payload)
    assert "[FIRING] SiteDown chi-021 (critical)" in text and "inc-0a1b2c" in text and "@alice" in text
    assert "<!channel>" not in text and "<https://evil.example" not in text  # no mention, no link markup
    said = payload["attachments"][0]["text"]
    assert "\u2039!channel\u203a" in said and "hxxps[:]//evil[.]example" in said and "\uff20here" in said
    assert "@here" not in said and "@alice" in said  # the alert's words mention nobody; the contact still is


def test_teams_workflows_gets_an_adaptive_card_message(wire: ContractProxy) -> None:
    # Microsoft "Create incoming webhooks with Workflows": POST a message whose attachment is an
    # Adaptive Card (contentType application/vnd.microsoft.card.adaptive); the trigger answers 202.
    attempt = ChatWebhook("teams", kind="teams_workflows", webhook_url=TEAMS_URL).send(site_down(), NOC)

    assert attempt.status is DeliveryStatus.SENT, attempt.error
    [recorded] = wire.to(TEAMS_HOST)
    assert recorded.method == "POST"
    assert recorded.path == "/workflows/643e69f83c8944438d68119179a10a64/triggers/manual/paths/invoke"
    assert recorded.query["sig"] == ["KODuebWbDGYFr0z0eu-6Rj8aUKz7108W3wrNJZxFE5A"]
    payload = recorded.json()
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["type"] == "AdaptiveCard"
    assert "SiteDown chi-021" in json.dumps(attachment["content"])


def test_mattermost_gets_a_documented_incoming_webhook_post(wire: ContractProxy) -> None:
    # Mattermost "Incoming webhooks": POST JSON with `text` to https://HOST/hooks/<key>.
    assert apprise_url("mattermost", MATTERMOST_URL) == f"mmosts://{MATTERMOST_HOST}/yobjmukpaw3r3urc5h6i369yima"
    notice = site_down(kind=DeliveryKind.RESOLVED)
    attempt = ChatWebhook("chat", kind="mattermost", webhook_url=MATTERMOST_URL).send(notice, NOC)

    assert attempt.status is DeliveryStatus.SENT, attempt.error
    [recorded] = wire.to(MATTERMOST_HOST)
    assert (recorded.method, recorded.path) == ("POST", "/hooks/yobjmukpaw3r3urc5h6i369yima")
    assert "[RESOLVED] SiteDown chi-021" in recorded.json()["text"]


def test_a_refused_webhook_is_a_failed_attempt(wire: ContractProxy) -> None:
    from contract_proxy import ProviderResponder, Reply

    responder = wire.responder
    assert isinstance(responder, ProviderResponder)
    responder.fail["hooks.slack.com"] = Reply(404, b"no_service", "text/html")  # Slack: revoked hook
    attempt = ChatWebhook("chat", kind="slack", webhook_url=SLACK_URL).send(site_down(), NOC)

    assert attempt.status is DeliveryStatus.FAILED
    assert "404" in attempt.error

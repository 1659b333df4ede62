"""The notifier's rules in-process, with hand-built webhook payloads (recorded shapes of Alertmanager's
version 4), the real SDKs through the contract proxy, a real SMTP server and a chat receiver.

What the process tests cannot reach quickly: a failed delivery retried by the next webhook, a
manual resolve, re-sync after a restart with Alertmanager up long enough, unrouted alerts, the
HTTP endpoint's refusals, and escalation on an injected clock.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from contract_proxy import ProviderResponder
from enginekit import T0, Rig, am_alert, payload, raw_payload

from runbook_wan.notify.alerts import ApiAlert
from runbook_wan.notify.service import build_app
from runbook_wan.ops.incidents import DeliveryKind, IncidentStatus


def test_a_failed_delivery_is_retried_by_the_next_webhook_and_the_rest_is_not_repeated(rig: Rig) -> None:
    down = am_alert("CircuitDown", site="bos-042", circuit="lte", provider="skycell")
    rig.chat.refuse = True
    first = rig.notifier.handle(payload("runbook-circuits", down))
    rig.chat.refuse = False
    second = rig.notifier.handle(payload("runbook-circuits", down))
    third = rig.notifier.handle(payload("runbook-circuits", down))

    assert (first.sent, first.failed, len(first.opened)) == (2, 1, 1)  # two e-mails; chat refused
    assert (second.sent, second.failed, second.opened) == (1, 0, [])  # only the chat, again
    assert (third.sent, third.failed) == (0, 0)
    assert len(rig.chat.posts) == 1 and len(rig.smtp.messages) == 2
    [incident] = rig.store.incidents()
    chat = [(d.status.value, d.error) for d in rig.store.deliveries(incident.id) if d.channel == "chat"]
    assert [status for status, _error in chat] == ["failed", "sent"]
    assert "error=503" in chat[0][1] and chat[1][1] == ""


def test_a_manual_resolve_ends_that_episode_and_a_new_episode_is_a_new_incident(rig: Rig) -> None:
    down = am_alert("CircuitDown", site="bos-042", circuit="lte")
    rig.notifier.handle(payload("runbook-circuits", down))
    [incident] = rig.store.incidents()
    assert rig.store.resolve(incident.id, by="alice") is not None

    repeat = rig.notifier.handle(payload("runbook-circuits", down))
    assert (repeat.opened, repeat.sent, repeat.ignored) == ([], 0, 1)
    again = rig.notifier.handle(payload("runbook-circuits", am_alert("CircuitDown", starts="2026-11-30T19:00:00Z",
                                                                      site="bos-042", circuit="lte")))  # fmt: skip
    assert len(again.opened) == 1 and again.sent == 3
    assert [i.status for i in rig.store.incidents()] == [IncidentStatus.FIRING, IncidentStatus.RESOLVED]


def test_resync_announces_what_resolved_while_nobody_listened_once_and_pages_nobody(rig: Rig) -> None:
    rig.notifier.handle(payload("runbook-site-down", am_alert("SiteDown", site="bna-068")))
    assert sorted(rig.sms("bna-068")) == ["+14155550123", "+14155550124"]
    still = [ApiAlert.parse({"fingerprint": "fp-SiteDown-bna-068", "labels": {}, "status": {"state": "active"}})]

    assert rig.notifier.resync(still, complete=True).ignored == 1  # still firing: nothing sent
    early = rig.notifier.resync([], complete=False)  # Alertmanager just restarted: absence proves nothing
    assert (early.resolved, early.sent) == ([], 0)
    late = rig.notifier.resync([], complete=True)
    assert len(late.resolved) == 1 and late.sent == 2
    assert rig.notifier.resync([], complete=True).resolved == []
    texts = [r.form()["Body"][0] for r in rig.proxy.to("api.twilio.com")]
    assert sum("[RESOLVED] SiteDown bna-068" in t for t in texts) == 2 and len(texts) == 4


def test_unrouted_alerts_are_recorded_and_sent_nowhere_and_an_unknown_receiver_uses_the_intent(rig: Rig) -> None:
    quiet = rig.notifier.handle(payload("runbook-unrouted", am_alert("ConfigDrift", site="boi-012")))
    assert len(quiet.opened) == 1 and quiet.sent == quiet.failed == 0
    # Someone's own Alertmanager, with its own receiver name: the intent's routes decide.
    theirs = rig.notifier.handle(payload("team-pager", am_alert("CircuitDown", site="boi-012", circuit="lte")))
    assert theirs.sent == 3
    [mail_to_alice] = [m for to, m in rig.smtp.messages if to == ["alice@example.com"]]
    assert mail_to_alice["Subject"] == "[FIRING] CircuitDown boi-012 lte"
    assert "Acknowledge: runbook.py incidents ack inc-" in mail_to_alice.get_content()


def test_a_steering_event_is_recorded_in_the_timeline_and_resolved_but_tells_nobody(rig: Rig) -> None:
    moved = am_alert(
        "ClassOffPreferred",
        site="boi-012",
        region="west",
        severity="info",
        circuit="secondary_dia",
        preferred="primary_dia",
    )
    opened = rig.notifier.handle(payload("runbook-events", moved))
    assert len(opened.opened) == 1 and opened.sent == opened.failed == 0
    [event] = rig.store.incidents()
    assert (event.alertname, event.severity, event.site, event.status) == (
        "ClassOffPreferred",
        "info",
        "boi-012",
        IncidentStatus.FIRING,
    )
    back = rig.notifier.handle(payload("runbook-events", {**moved, "status": "resolved"}))
    assert back.resolved == [event.id] and back.sent == 0
    assert rig.store.deliveries(event.id) == [] and rig.chat.posts == [] and rig.smtp.messages == []
    assert rig.proxy.to("api.twilio.com") == []


def test_escalation_calls_after_the_delay_unless_acknowledged_and_only_once(rig: Rig) -> None:
    rig.notifier.handle(payload("runbook-site-down", am_alert("SiteDown", site="bdl-048")))
    rig.notifier.handle(payload("runbook-site-down", am_alert("SiteDown", site="bhm-076")))
    acked = next(i for i in rig.store.incidents() if i.site == "bhm-076")
    assert rig.store.acknowledge(acked.id, "bob") is not None

    rig.clock.now = T0 + timedelta(minutes=0.2)  # before the 0.25-minute delay
    assert rig.notifier.escalate_due().sent == 0
    rig.clock.now = T0 + timedelta(minutes=0.3)
    assert rig.notifier.escalate_due().sent == 2
    assert rig.notifier.escalate_due().sent == 0
    assert sorted(rig.calls("bdl-048")) == ["+14155550123", "+14155550124"] and rig.calls("bhm-076") == []
    called = next(i for i in rig.store.incidents() if i.site == "bdl-048")
    assert [d.kind for d in rig.store.deliveries(called.id)].count(DeliveryKind.ESCALATION) == 2

    # Resolved: the SMS recipients hear it; nobody is called to be told all is well.
    rig.notifier.handle(payload("runbook-site-down", am_alert("SiteDown", status="resolved", site="bdl-048")))
    assert len(rig.calls("bdl-048")) == 2
    assert sum("[RESOLVED]" in b for b in (r.form()["Body"][0] for r in rig.proxy.to("api.twilio.com")
                                            if r.path.endswith("/Messages.json"))) == 2  # fmt: skip


def test_a_repeat_webhook_while_the_first_is_still_sending_tells_nobody_twice(rig: Rig) -> None:
    """Alertmanager sends groups concurrently and repeats them; sends run outside the decision lock."""
    responder = rig.proxy.responder
    assert isinstance(responder, ProviderResponder)
    responder.delay = 0.5  # Twilio answers slowly
    down = payload("runbook-site-down", am_alert("SiteDown", site="bos-042"))
    with ThreadPoolExecutor(3) as pool:
        outcomes = list(pool.map(rig.notifier.handle, [down, down, down]))
    assert sum(o.sent for o in outcomes) == 2 and sorted(rig.sms("bos-042")) == ["+14155550123", "+14155550124"]
    assert sum(len(o.opened) for o in outcomes) == 1


def test_the_webhook_endpoint_refuses_what_is_not_alertmanager_and_reports_what_it_did(rig: Rig) -> None:
    async def exchange() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=build_app(rig.notifier))
        async with httpx.AsyncClient(transport=transport, base_url="http://notifier.invalid") as client:
            return [
                await client.get("/healthz"),
                await client.post("/alerts", content=b"not json", headers={"Content-Type": "application/json"}),
                await client.post("/alerts", json={"version": "3", "status": "firing", "alerts": []}),
                await client.post(
                    "/alerts", json=raw_payload("runbook-circuits", am_alert("CircuitDown", site="btv-055"))
                ),
            ]

    health, junk, old, done = asyncio.run(exchange())
    assert health.json() == {"status": "ok"}
    assert junk.status_code == 400 and "not an Alertmanager webhook payload" in junk.json()["error"]
    assert old.status_code == 400 and "version '3' is not supported" in old.json()["error"]
    assert done.status_code == 200 and done.json()["sent"] == 3 and len(done.json()["opened"]) == 1


def test_engagement_overdue_escalates_its_incident_at_once_and_metrics_show_who_waits(rig: Rig) -> None:
    rig.notifier.handle(payload("runbook-site-down", am_alert("SiteDown", site="ovd-001")))
    rig.notifier.handle(payload("runbook-site-down", am_alert("SiteDown", site="ovd-002")))
    waiting = {i.site: i for i in rig.store.incidents()}
    assert rig.store.acknowledge(waiting["ovd-002"].id, "bob", via="sms") is not None

    async def scrape() -> str:
        transport = httpx.ASGITransport(app=build_app(rig.notifier))
        async with httpx.AsyncClient(transport=transport, base_url="http://notifier.invalid") as client:
            return (await client.get("/metrics")).text

    rig.clock.now = T0 + timedelta(seconds=12)
    exported = asyncio.run(scrape())
    lines = [line for line in exported.splitlines() if line.startswith("runbook_incident_unacknowledged_seconds{")]
    assert len(lines) == 1 and f'incident="{waiting["ovd-001"].id}"' in lines[0]
    assert 'paged_alertname="SiteDown"' in lines[0] and lines[0].endswith(" 12.0")
    assert "runbook_engagement_incidents 2.0" in exported

    assert rig.notifier.escalate_due().sent == 0  # the route escalates after 15 s
    # Prometheus says the page waited ten minutes: the notifier calls now, not at the route's own delay.
    overdue = am_alert("EngagementOverdue", incident=waiting["ovd-001"].id, site="ovd-001", severity="critical")
    rig.notifier.handle(payload("runbook-default-other", overdue))
    assert rig.notifier.escalate_due().sent == 2
    assert sorted(rig.calls("ovd-001")) == ["+14155550123", "+14155550124"] and rig.calls("ovd-002") == []
    # The EngagementOverdue incident itself is not an incident whose acknowledgement is measured.
    assert "EngagementOverdue" not in asyncio.run(scrape())


def test_a_standby_sla_ticket_never_waits_under_the_ten_minute_promise(rig: Rig) -> None:
    """A standby circuit's SLA breach (severity info) is a low-priority ticket: it is sent, but it is no page,
    so it never shows as waiting for an answer (no EngagementOverdue at ten minutes, which would page the
    NOC for it) and the engagement report does not count it."""
    standby = am_alert(
        "CircuitSLABreach", provider="skycell", region="west", severity="info", impact="standby", sla="loss"
    )
    outcome = rig.notifier.handle(payload("runbook-default-standby-sla", standby))
    assert outcome.sent >= 1 and len(outcome.opened) == 1
    rig.notifier.handle(payload("runbook-site-down", am_alert("SiteDown", site="ovd-003", severity="critical")))

    async def scrape() -> str:
        transport = httpx.ASGITransport(app=build_app(rig.notifier))
        async with httpx.AsyncClient(transport=transport, base_url="http://notifier.invalid") as client:
            return (await client.get("/metrics")).text

    rig.clock.now = T0 + timedelta(minutes=11)
    lines = [line for line in asyncio.run(scrape()).splitlines() if line.startswith("runbook_incident_unacknowledged")]
    assert len(lines) == 1 and 'paged_alertname="SiteDown"' in lines[0], lines
    assert "CircuitSLABreach" not in "\n".join(lines)

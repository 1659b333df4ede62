"""Contract tests, ServiceNow through ``pysnc`` (unchanged): incident (Table API) and Event Management,
over real TLS through the recording proxy. ServiceNow publishes no OpenAPI document for these;
each test checks the shape its REST documentation gives ("Table API" POST/GET/PATCH
``/api/now/table/incident``; "Pushing events to the instance using web service API",
``/api/global/em/jsonv2``). They prove the request, not delivery."""

from __future__ import annotations

import json
import re

from contract_proxy import SERVICENOW_HOST, SERVICENOW_INSTANCE, ContractProxy
from notices import SERVICENOW_PASSWORD, SERVICENOW_USER

from runbook_wan.notify.channels.servicenow import EVENT_PATH, ServiceNowSender
from runbook_wan.notify.notice import Notice, Recipient
from runbook_wan.ops.incidents import DeliveryKind, DeliveryStatus

QUEUE = Recipient.room("tickets")


def _sender(mode: str) -> ServiceNowSender:
    return ServiceNowSender(
        "tickets",
        instance=SERVICENOW_INSTANCE,
        mode="event" if mode == "event" else "incident",
        username=SERVICENOW_USER,
        password=SERVICENOW_PASSWORD,
        assignment_group="Network Operations",
    )


def _outage(kind: DeliveryKind = DeliveryKind.FIRING) -> Notice:
    return Notice(
        kind=kind,
        incident_id="inc-7e57ab",
        alertname="ProviderOutage",
        severity="critical",
        summary="fibrelink: 12 circuits down in 3 regions",
        labels={"alertname": "ProviderOutage", "provider": "fibrelink", "severity": "critical"},
        started_at="2026-11-30T18:00:00Z",
    )


def test_a_provider_outage_opens_one_incident_through_the_table_api(wire: ContractProxy) -> None:
    attempt = _sender("incident").send(_outage(), QUEUE)

    assert attempt.status is DeliveryStatus.SENT, attempt.error
    number, _, sys_id = attempt.message_id.partition(":")
    assert number == "INC0010001" and re.fullmatch(r"[0-9a-f]{32}", sys_id)
    [recorded] = wire.to(SERVICENOW_HOST)
    assert (recorded.method, recorded.path) == ("POST", "/api/now/table/incident")
    assert recorded.basic_auth() == (SERVICENOW_USER, SERVICENOW_PASSWORD)
    assert recorded.header("Accept") == "application/json"
    body = recorded.json()
    assert body["short_description"] == "[FIRING] ProviderOutage provider fibrelink (critical)"
    assert (body["urgency"], body["impact"], body["category"]) == ("1", "1", "network")
    assert body["correlation_id"] == "inc-7e57ab" and body["assignment_group"] == "Network Operations"
    assert "Acknowledge: runbook.py incidents ack inc-7e57ab" in body["description"]
    assert set(body) <= {
        "short_description", "description", "urgency", "impact", "category", "correlation_id",
        "correlation_display", "assignment_group",
    }  # fmt: skip


def test_resolved_writes_a_work_note_and_resolves_that_incident(wire: ContractProxy) -> None:
    sender = _sender("incident")
    opened = sender.send(_outage(), QUEUE)
    wire.clear()
    attempt = sender.send(_outage(DeliveryKind.RESOLVED), QUEUE, reference=opened.message_id)

    assert attempt.status is DeliveryStatus.SENT, attempt.error
    sys_id = opened.message_id.partition(":")[2]
    get, patch = wire.to(SERVICENOW_HOST)
    assert (get.method, get.path) == ("GET", f"/api/now/table/incident/{sys_id}")
    assert (patch.method, patch.path) == ("PATCH", f"/api/now/table/incident/{sys_id}")
    body = patch.json()
    assert body["state"] == "6" and body["close_code"] and body["close_notes"].startswith("Resolved by monitoring")
    assert body["work_notes"].startswith("fibrelink: 12 circuits down in 3 regions")


def test_event_management_gets_documented_event_records(wire: ContractProxy) -> None:
    sender = _sender("event")
    firing = sender.send(_outage(), QUEUE)
    clear = sender.send(_outage(DeliveryKind.RESOLVED), QUEUE)

    assert firing.status is clear.status is DeliveryStatus.SENT
    first, second = wire.to(SERVICENOW_HOST)
    for recorded in (first, second):
        assert (recorded.method, recorded.path) == ("POST", EVENT_PATH)
        assert recorded.basic_auth() == (SERVICENOW_USER, SERVICENOW_PASSWORD)
        assert (recorded.header("Content-Type") or "").startswith("application/json")
    [event] = first.json()["records"]
    [cleared] = second.json()["records"]
    documented = {"source", "event_class", "node", "resource", "metric_name", "type", "message_key", "severity"}
    assert documented | {"description", "additional_info", "time_of_event"} == set(event)
    assert (event["source"], event["node"], event["type"], event["severity"]) == (
        "Runbook", "fibrelink", "ProviderOutage", "1"
    )  # fmt: skip
    assert cleared["severity"] == "0" and cleared["message_key"] == event["message_key"]  # 0 = Clear
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", event["time_of_event"])  # yyyy-MM-dd HH:mm:ss, GMT
    assert json.loads(event["additional_info"])["labels"]["provider"] == "fibrelink"  # stringified JSON


def test_a_notice_that_never_opened_a_ticket_cannot_resolve_one(wire: ContractProxy) -> None:
    attempt = _sender("incident").send(_outage(DeliveryKind.RESOLVED), QUEUE, reference="")
    assert attempt.status is DeliveryStatus.FAILED and "no incident was opened" in attempt.error
    assert wire.to(SERVICENOW_HOST) == []

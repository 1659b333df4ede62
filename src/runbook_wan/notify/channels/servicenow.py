"""ServiceNow through its own client, ``pysnc``: an incident (Table API) or an event (Event Management).

* ``mode: incident``: firing inserts ``incident`` (``POST /api/now/table/incident``); resolved
  writes a work note and resolves it (``PATCH /api/now/table/incident/<sys_id>``). The delivery's
  message id is ``<number>:<sys_id>``.
* ``mode: event``: ``POST /api/global/em/jsonv2`` on pysnc's authenticated session, one record per
  notice; resolved sends severity 0 (Clear) with the same ``message_key``, which closes the alert.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

import requests
from pysnc import ServiceNowClient
from typing_extensions import override

from runbook_wan.model.notifications import ChannelKind
from runbook_wan.notify.channels.base import DEFAULT_TIMEOUT, Sender
from runbook_wan.notify.notice import Notice, Recipient, clean
from runbook_wan.ops.incidents import DeliveryKind

#: Alert severity -> incident urgency and impact (1 high, 2 medium, 3 low).
_URGENCY = {"critical": "1", "warning": "2", "info": "3"}
#: Alert severity -> Event Management severity (1 Critical, 2 Major, 3 Minor, 4 Warning, 5 OK, 0 Clear).
_EVENT_SEVERITY = {"critical": "1", "warning": "4", "info": "5"}
#: incident.state "Resolved".
_RESOLVED_STATE = "6"
EVENT_PATH = "/api/global/em/jsonv2"


class ServiceNowError(RuntimeError):
    pass


class _Session(requests.Session):
    """pysnc accepts a ready session (documented); this one gives every request a timeout."""

    def __init__(self, username: str, password: str, timeout: float) -> None:
        super().__init__()
        self.auth = (username, password)
        self._timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


class ServiceNowSender(Sender):
    def __init__(
        self,
        name: str,
        *,
        instance: str,
        mode: Literal["incident", "event"],
        username: str,
        password: str,
        assignment_group: str | None = None,
        failover: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(name, ChannelKind.TICKET, failover)
        self._client = ServiceNowClient(instance, _Session(username, password, timeout))
        self.mode = mode
        self._assignment_group = assignment_group
        self._timeout = timeout

    @override
    def says_resolved(self) -> bool:
        return True

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        if self.mode == "event":
            return self._event(notice)
        if notice.kind is DeliveryKind.RESOLVED:
            return self._resolve_incident(notice, reference)
        return self._open_incident(notice)

    def _open_incident(self, notice: Notice) -> str:
        record = self._client.GlideRecord("incident")
        record.initialize()
        urgency = _URGENCY.get(notice.severity, "3")
        fields: dict[str, str] = {
            "short_description": clean(notice.subject(), 160),
            "description": notice.text(),
            "urgency": urgency,
            "impact": urgency,
            "category": "network",
            "correlation_id": notice.incident_id,
            "correlation_display": "Runbook",
        }
        if self._assignment_group:
            fields["assignment_group"] = self._assignment_group
        for key, value in fields.items():
            record.set_value(key, value)
        sys_id = record.insert()
        if not sys_id:
            raise ServiceNowError("the instance created no incident")
        return f"{record.get_value('number')}:{sys_id}"

    def _resolve_incident(self, notice: Notice, reference: str) -> str:
        sys_id = reference.rpartition(":")[2]
        if not sys_id:
            raise ServiceNowError("no incident was opened for this alert, so none is resolved")
        record = self._client.GlideRecord("incident")
        if not record.get(sys_id):
            raise ServiceNowError(f"incident {reference} is not on the instance")
        record.set_value("work_notes", notice.text())
        record.set_value("state", _RESOLVED_STATE)
        record.set_value("close_code", "Solution provided")
        record.set_value("close_notes", clean(f"Resolved by monitoring: {notice.summary}", 400))
        record.update()
        return reference

    def event(self, notice: Notice) -> dict[str, Any]:
        labels = notice.labels
        severity = "0" if notice.kind is DeliveryKind.RESOLVED else _EVENT_SEVERITY.get(notice.severity, "4")
        return {
            "source": "Runbook",
            "event_class": "Runbook WAN monitoring",
            "node": labels.get("site") or labels.get("provider") or "runbook",
            "resource": labels.get("circuit", ""),
            "metric_name": notice.alertname,
            "type": notice.alertname,
            "severity": severity,
            "message_key": f"runbook:{notice.incident_id}",
            "description": notice.text(),
            "time_of_event": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "additional_info": json.dumps({"labels": dict(labels), "incident": notice.incident_id}, sort_keys=True),
        }

    def _event(self, notice: Notice) -> str:
        response = self._client.session.post(
            self._client.instance + EVENT_PATH,
            json={"records": [self.event(notice)]},
            headers={"Accept": "application/json", "Content-Type": "application/json"},
            timeout=self._timeout,
        )
        if response.status_code >= 300:
            raise ServiceNowError(f"HTTP {response.status_code} from Event Management: {clean(response.text, 200)}")
        return f"runbook:{notice.incident_id}"

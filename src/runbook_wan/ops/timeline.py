"""An incident's timeline: opened, each page (sent, failed, held back), what the providers reported about
it (delivered, failed), who answered and how, escalated, resolved. Pure: the records in, events out.

``runbook.py incidents --format json`` carries it per incident; the table shows the receipts
under each page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from runbook_wan.ops.inbound import Receipt
from runbook_wan.ops.incidents import Delivery, Incident


@dataclass(frozen=True)
class Event:
    at: str
    #: opened | page | receipt | acknowledged | escalated | resolved
    what: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "what": self.what, "text": self.text}


def _page(delivery: Delivery) -> str:
    text = f"{delivery.kind.value} {delivery.channel} -> {delivery.recipient}: {delivery.status.value}"
    text += f" {delivery.message_id}" if delivery.message_id else ""
    return text + (f" ({delivery.error})" if delivery.error else "")


def _receipt(receipt: Receipt, delivery: Delivery | None) -> str:
    who = f" to {delivery.recipient}" if delivery is not None else ""
    text = f"{receipt.provider} {receipt.message_id}{who}: {receipt.status.value}"
    text += f" ({receipt.raw_status})" if receipt.raw_status != receipt.status.value else ""
    return text + (f", {receipt.error}" if receipt.error else "")


def timeline(incident: Incident, deliveries: Iterable[Delivery], receipts: Iterable[Receipt]) -> list[Event]:
    """Every event of the incident, oldest first (same-second events in the order they happened)."""
    pages = list(deliveries)
    by_message = {d.message_id: d for d in pages if d.message_id}
    events = [Event(incident.started_at, "opened", f"{incident.alertname} firing")]
    events += [Event(d.at, "page", _page(d)) for d in pages]
    events += [Event(r.at, "receipt", _receipt(r, by_message.get(r.message_id))) for r in receipts]
    if incident.acknowledged_at:
        via = f" via {incident.acknowledged_via}" if incident.acknowledged_via else ""
        events.append(Event(incident.acknowledged_at, "acknowledged", f"by {incident.acknowledged_by}{via}"))
    if incident.escalated_at:
        events.append(Event(incident.escalated_at, "escalated", f"along route {incident.escalation_route or '-'}"))
    if incident.resolved_at:
        if incident.resolved_by:
            via = f" via {incident.resolved_via}" if incident.resolved_via else ""
            text = f"by {incident.resolved_by}{via}"
        else:
            text = "the alert cleared"
        events.append(Event(incident.resolved_at, "resolved", text))
    # A stable sort: events of one second keep the order above (opened, pages, receipts, answers).
    return sorted(events, key=lambda e: e.at)

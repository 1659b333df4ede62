"""Providers' delivery statuses, in our words. A status not in these tables is ignored, not guessed.

Sources: Twilio "Message status values" and "Call resource: status values"; Vonage SMS API
"Delivery receipt" (``status``, ``err-code``) and Voice API "Event webhook" (``status``).
"""

from __future__ import annotations

from runbook_wan.ops.inbound import ReceiptStatus as R

TWILIO_MESSAGE: dict[str, R] = {
    "accepted": R.QUEUED, "scheduled": R.QUEUED, "queued": R.QUEUED, "sending": R.SENT, "sent": R.SENT,
    "delivered": R.DELIVERED, "read": R.DELIVERED, "undelivered": R.FAILED, "failed": R.FAILED, "canceled": R.FAILED,
}  # fmt: skip
TWILIO_CALL: dict[str, R] = {
    "queued": R.QUEUED, "initiated": R.QUEUED, "ringing": R.SENT, "in-progress": R.ANSWERED,
    "completed": R.COMPLETED, "busy": R.FAILED, "failed": R.FAILED, "no-answer": R.FAILED, "canceled": R.FAILED,
}  # fmt: skip
VONAGE_SMS: dict[str, R] = {
    "accepted": R.SENT, "buffered": R.SENT, "delivered": R.DELIVERED,
    "expired": R.FAILED, "failed": R.FAILED, "rejected": R.FAILED,
}  # fmt: skip
VONAGE_CALL: dict[str, R] = {
    "started": R.QUEUED, "ringing": R.SENT, "answered": R.ANSWERED, "completed": R.COMPLETED,
    "busy": R.FAILED, "cancelled": R.FAILED, "unanswered": R.FAILED, "rejected": R.FAILED,
    "failed": R.FAILED, "timeout": R.FAILED,
}  # fmt: skip

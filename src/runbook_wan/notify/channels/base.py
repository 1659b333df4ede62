"""What every sender does: send one notice to one recipient and say how it went (an :class:`Attempt`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from runbook_wan.model.notifications import ChannelKind
from runbook_wan.notify.notice import Notice, Recipient, clean, mask_numbers
from runbook_wan.ops.incidents import DeliveryStatus

#: Seconds to wait for a provider before the attempt counts as failed (and the failover is tried).
DEFAULT_TIMEOUT = 10.0


class SenderConfigError(ValueError):
    """A channel's configuration (a resolved secret, such as a webhook URL) cannot work.

    ``field`` names the channel's key in notifications.yaml that holds the culprit (the error is
    reported at that line); the message never quotes a secret's value.
    """

    def __init__(self, field: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.field = field
        self.hint = hint


@dataclass(frozen=True)
class Attempt:
    """One try on one channel: sent with the provider's message id, or failed with why."""

    channel: str
    recipient: str
    status: DeliveryStatus
    message_id: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is DeliveryStatus.SENT


class Sender(ABC):
    """A configured channel. ``send`` never raises: a failure is an :class:`Attempt` that says why."""

    #: Who reports on its messages and takes its answers: ``twilio``, ``vonage``, ``slack``, ``mattermost``,
    #: ``email`` ('' for channels that answer nothing).
    PROVIDER = ""

    def __init__(self, name: str, kind: ChannelKind, failover: str | None = None) -> None:
        self.name = name
        self.kind = kind
        self.failover = failover

    def send(self, notice: Notice, recipient: Recipient, reference: str = "") -> Attempt:
        """Send ``notice``; ``reference`` is the provider id of the firing message (tickets update it)."""
        try:
            message_id = self._send(notice, recipient, reference)
        except Exception as exc:  # noqa: BLE001 - one provider's failure must not stop the others
            return Attempt(self.name, recipient.label, DeliveryStatus.FAILED, error=describe(exc))
        return Attempt(self.name, recipient.label, DeliveryStatus.SENT, message_id=message_id)

    @abstractmethod
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        """Deliver; return the provider's message id ('' if it gives none). Raise on failure."""

    def says_resolved(self) -> bool:
        """Whether a "resolved" goes out on this channel (a phone call to say all is well does not)."""
        return self.kind is not ChannelKind.VOICE


def describe(exc: BaseException) -> str:
    """A one-line reason for the incident record: the provider's status and message, no numbers in clear.

    Secrets are masked later, by the redactor, before anything is written.
    """
    status = getattr(exc, "status", None) or getattr(getattr(exc, "response", None), "status_code", None)
    code = getattr(exc, "code", None)
    message = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
    parts = [type(exc).__name__]
    if isinstance(status, int):
        parts.append(f"HTTP {status}")
    if isinstance(code, int):
        parts.append(f"code {code}")
    return clean(mask_numbers(f"{' '.join(parts)}: {message}"), 300)

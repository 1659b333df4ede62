"""What Alertmanager sends and answers: the webhook payload (version 4) and ``GET /api/v2/alerts``.

Only the fields the notifier uses are typed; unknown fields are ignored (Alertmanager adds some
between releases). Times are normalised to the incident store's ``YYYY-MM-DDTHH:MM:SSZ``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

#: The only payload version Alertmanager has sent since 0.x; another one is refused (HTTP 400).
PAYLOAD_VERSION = "4"


def iso_utc(value: str) -> str:
    """An RFC 3339 time (any precision, any offset) as ``YYYY-MM-DDTHH:MM:SSZ``; '' for none or zero."""
    if not value or value.startswith("0001-01-01"):
        return ""
    text = value.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Go sends nanoseconds; Python parses at most microseconds
        digits = "".join(ch for ch in rest if ch.isdigit())
        offset = rest[len(digits) :]
        text = f"{head}.{digits[:6]}{offset}"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except OverflowError:  # 9999-12-31T23:59-23:59 is past the last representable instant
        raise ValueError(f"{value!r} is out of range") from None


def _encodable(value: str) -> str:
    """Refuse text that cannot be stored or sent: a lone UTF-16 surrogate is no character."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("holds a lone UTF-16 surrogate, which is not text") from None
    return value


#: A label name or value, an annotation: any text Alertmanager can send (it always sends valid UTF-8).
LabelText = Annotated[str, AfterValidator(_encodable)]


class WebhookAlert(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    status: Literal["firing", "resolved"]
    labels: dict[LabelText, LabelText] = Field(default_factory=dict)
    annotations: dict[LabelText, LabelText] = Field(default_factory=dict)
    starts_at: str = Field(default="", alias="startsAt")
    ends_at: str = Field(default="", alias="endsAt")
    generator_url: str = Field(default="", alias="generatorURL")
    fingerprint: LabelText = Field(min_length=1, max_length=256)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return iso_utc(value)

    @property
    def alertname(self) -> str:
        return self.labels.get("alertname", "")

    @property
    def summary(self) -> str:
        return self.annotations.get("summary") or self.annotations.get("description") or self.alertname


class WebhookPayload(BaseModel):
    """Alertmanager's ``webhook_configs`` body."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    version: str
    group_key: str = Field(default="", alias="groupKey")
    truncated_alerts: int = Field(default=0, alias="truncatedAlerts")
    status: Literal["firing", "resolved"]
    receiver: LabelText = ""
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    external_url: str = Field(default="", alias="externalURL")
    alerts: list[WebhookAlert] = Field(default_factory=list)

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: str) -> str:
        if value != PAYLOAD_VERSION:
            raise ValueError(f"webhook payload version {value!r} is not supported (expected {PAYLOAD_VERSION!r})")
        return value


class ApiAlert(BaseModel):
    """One entry of ``GET /api/v2/alerts`` (``gettableAlert``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    fingerprint: str
    labels: dict[str, str] = Field(default_factory=dict)
    starts_at: str = Field(default="", alias="startsAt")
    ends_at: str = Field(default="", alias="endsAt")
    state: str = "active"  # active | suppressed | unprocessed
    receivers: list[str] = Field(default_factory=list)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return iso_utc(value)

    @classmethod
    def parse(cls, item: dict[str, Any]) -> ApiAlert:
        status = item.get("status") or {}
        receivers = [r.get("name", "") for r in item.get("receivers") or [] if isinstance(r, dict)]
        return cls.model_validate(
            {**item, "state": status.get("state", "active"), "receivers": receivers},
        )

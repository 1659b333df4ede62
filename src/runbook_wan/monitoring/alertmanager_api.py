"""The few Alertmanager API v2 calls Runbook makes itself: silences and alerts (``deploy``'s change safety)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

TIMEOUT = 5.0


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def matcher(name: str, value: str, *, regex: bool = False, equal: bool = True) -> dict[str, Any]:
    return {"name": name, "value": value, "isRegex": regex, "isEqual": equal}


class AlertmanagerClient:
    def __init__(self, url: str, timeout: float = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = httpx.request(method, f"{self.url}/api/v2{path}", timeout=self.timeout, **kwargs)
        response.raise_for_status()
        return response

    def create_silence(self, matchers: list[dict[str, Any]], duration: float, created_by: str, comment: str) -> str:
        now = datetime.now(UTC)
        body = {
            "matchers": matchers,
            "startsAt": iso(now),
            "endsAt": iso(now + timedelta(seconds=duration)),
            "createdBy": created_by,
            "comment": comment,
        }
        return str(self._request("POST", "/silences", json=body).json()["silenceID"])

    def expire_silence(self, silence_id: str) -> None:
        self._request("DELETE", f"/silence/{quote(silence_id, safe='')}")

    def silence(self, silence_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self._request("GET", f"/silence/{quote(silence_id, safe='')}").json()
        return found

    def silences(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._request("GET", "/silences").json()
        return found

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        self._request("POST", "/alerts", json=alerts)

    def alerts(self, filters: list[str] | None = None) -> list[dict[str, Any]]:
        params = [("filter", f) for f in filters or []]
        found: list[dict[str, Any]] = self._request("GET", "/alerts", params=params).json()
        return found

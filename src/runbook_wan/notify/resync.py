"""Ask Alertmanager what it holds (``GET /api/v2/alerts``, ``GET /api/v2/status``) and reconcile.

Alertmanager keeps alerts in memory only: right after *it* restarts, it holds nothing until
Prometheus sends the firing alerts again (at most ``resend_delay`` + one evaluation later). So
absence only means "resolved" once Alertmanager has been up for ``grace`` seconds; before that
the re-sync keeps every open incident open (and still pages nobody again).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from runbook_wan.notify.alerts import ApiAlert, iso_utc
from runbook_wan.notify.engine import Notifier, Outcome

log = logging.getLogger("runbook.notify")

#: Seconds Alertmanager must have been up before a missing alert counts as resolved.
DEFAULT_GRACE = 120.0


@dataclass(frozen=True)
class AlertmanagerView:
    alerts: list[ApiAlert]
    #: When Alertmanager started (None if its status did not say).
    started: datetime | None


def fetch(base_url: str, timeout: float = 5.0) -> AlertmanagerView:
    """Every alert Alertmanager holds (active, silenced, inhibited, unprocessed) and its start time."""
    base = base_url.rstrip("/")
    with httpx.Client(timeout=timeout, trust_env=False) as client:
        answer = client.get(
            f"{base}/api/v2/alerts",
            params={"active": "true", "silenced": "true", "inhibited": "true", "unprocessed": "true"},
        )
        answer.raise_for_status()
        alerts = [ApiAlert.parse(item) for item in answer.json()]
        status = client.get(f"{base}/api/v2/status")
        status.raise_for_status()
        uptime = iso_utc(str(status.json().get("uptime", "")))
    started = datetime.strptime(uptime, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if uptime else None
    return AlertmanagerView(alerts, started)


def resync(notifier: Notifier, base_url: str, *, grace: float = DEFAULT_GRACE, warn: bool = True) -> Outcome | None:
    """Reconcile the incident store with Alertmanager; None (and a warning, unless not ``warn``) when
    it cannot be reached."""
    try:
        view = fetch(base_url)
    except (httpx.HTTPError, ValueError) as exc:
        log.log(
            logging.WARNING if warn else logging.DEBUG,
            "re-sync: Alertmanager at %s did not answer (%s); retrying, and webhooks will catch up",
            base_url,
            exc,
        )
        return None
    now = notifier.clock()
    complete = view.started is not None and (now - view.started).total_seconds() >= grace
    outcome = notifier.resync(view.alerts, complete=complete)
    log.info(
        "re-sync with %s: %d alert(s) held, %d open incident(s) still firing, %d resolved meanwhile%s",
        base_url,
        len(view.alerts),
        outcome.ignored,
        len(outcome.resolved),
        "" if complete else f" (Alertmanager up < {grace:g} s: nothing resolved from absence)",
    )
    return outcome

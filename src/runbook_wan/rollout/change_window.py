"""Change safety through Alertmanager: silence each wave's sites for its change window, and raise
RolloutHalted when a rollout halts or rolls a site back.

The Alertmanager is ``$RUNBOOK_ALERTMANAGER_URL`` (a team's own), else the one ``runbook.py
monitor up`` runs under the same ``--state``. Without one, deploy works as before and says so once.
Alertmanager trouble never fails a deploy: it is reported as a warning.

* A wave's silence matches its sites (``site=~"a|b"``) but never RolloutHalted, and expires by
  itself after the longest a wave may take (revert timer + health gate + margin), so a crashed
  deploy cannot silence a site for good. It is expired as soon as the wave's gate is done.
* RolloutHalted is one alert per failed (rolled-back) site, labelled like the probe's alerts
  (``site``, ``region``), so the same routes and notifier handle it. A later rollout that brings
  the site up resolves it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from runbook_wan.monitoring.alertmanager_api import AlertmanagerClient, iso, matcher
from runbook_wan.ops import metrics as m
from runbook_wan.ops.metrics import Alert, Severity
from runbook_wan.ops.stack import StackRecord

ENV_URL = "RUNBOOK_ALERTMANAGER_URL"
#: Extra seconds on a wave's silence beyond revert timer + gate.
MARGIN_S = 300.0
#: A RolloutHalted alert stays active this long unless a later rollout resolves it.
HALTED_FOR = timedelta(hours=24)

Warn = Callable[[str], None]


def discover_url(state_dir: Path, environ: dict[str, str]) -> str | None:
    if environ.get(ENV_URL):
        return environ[ENV_URL]
    record = StackRecord.read(state_dir)
    return record.url("alertmanager") if record is not None else None


@dataclass
class ChangeWindow:
    client: AlertmanagerClient | None
    rollout_id: str
    window_s: float
    warn: Warn
    silences: dict[int, str] = field(default_factory=dict)

    def _call(self, what: str, action: Callable[[AlertmanagerClient], None]) -> None:
        if self.client is None:
            return
        try:
            action(self.client)
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            self.warn(f"alertmanager: could not {what}: {exc}")

    def open(self, wave: int, sites: list[str]) -> None:
        """Silence the wave's sites (everything but RolloutHalted) for the change window."""

        def silence(client: AlertmanagerClient) -> None:
            self.silences[wave] = client.create_silence(
                [
                    matcher(m.SITE, "|".join(sorted(sites)), regex=True),
                    matcher("alertname", Alert.ROLLOUT_HALTED.value, equal=False),
                ],
                self.window_s,
                created_by="runbook deploy",
                comment=f"rollout {self.rollout_id} wave {wave}: change window",
            )

        self._call(f"silence wave {wave}", silence)

    def close(self, wave: int) -> None:
        silence_id = self.silences.pop(wave, None)
        if silence_id is not None:
            self._call(f"lift the silence of wave {wave}", lambda client: client.expire_silence(silence_id))

    def report(self, failed: dict[str, str], succeeded: list[str], regions: dict[str, str], halt_reason: str) -> None:
        """RolloutHalted for every failed site (reason per site); resolve it for sites that are fine now."""
        now = datetime.now(UTC)

        def post(client: AlertmanagerClient) -> None:
            alerts = [
                {
                    "labels": {
                        "alertname": Alert.ROLLOUT_HALTED.value,
                        m.SEVERITY: Severity.CRITICAL.value,
                        m.SITE: site,
                        m.REGION: regions.get(site, ""),
                    },
                    "annotations": {
                        "summary": f"rollout {self.rollout_id} failed at {site}: {reason}",
                        "description": (f"The rollout halted: {halt_reason}. " if halt_reason else "")
                        + f"Expected the change to pass its health gate at {site}, got: {reason}. "
                        "The site was rolled back; `runbook.py deploy --resume` continues after a fix.",
                        "rollout": self.rollout_id,
                    },
                    "startsAt": iso(now),
                    "endsAt": iso(now + HALTED_FOR),
                }
                for site, reason in sorted(failed.items())
            ]
            active = client.alerts([f'alertname="{Alert.ROLLOUT_HALTED.value}"'])
            fine = set(succeeded)
            alerts += [
                {
                    "labels": a["labels"],
                    "annotations": a.get("annotations", {}),
                    "startsAt": a["startsAt"],
                    "endsAt": iso(now),
                }
                for a in active
                if a["labels"].get(m.SITE) in fine
            ]
            if alerts:
                client.post_alerts(alerts)

        self._call("raise RolloutHalted", post)


def change_window(
    state_dir: Path, rollout_id: str, window_s: float, warn: Warn, environ: dict[str, str]
) -> ChangeWindow:
    url = discover_url(state_dir, environ)
    return ChangeWindow(AlertmanagerClient(url) if url else None, rollout_id, window_s + MARGIN_S, warn)

"""Change safety through Alertmanager: silence each site for its change, raise RolloutHalted when a
rollout halts or rolls a site back, and never let monitoring trouble stop a rollout.

The Alertmanager is ``$RUNBOOK_ALERTMANAGER_URL`` (a team's own), else the one ``runbook.py
monitor up`` runs under the same ``--state``. Without one, deploy works as before and says so once.

* **A silence per site, from just before its commit.** It matches the site (``site="a"``) but never
  RolloutHalted, and lasts the change window (revert timer, within which a failed change is rolled
  back or reverts by itself, plus the health gate) plus the longest ``for`` + ``keep_firing_for``
  of the alerts it covers (read from the rules the running Prometheus loaded), plus a margin: an
  alert that a rolled-back change set off ends inside it. Sites that do not change are never
  silenced.
* **Expired early once the site is verified healthy**: its change passed the health gate and was
  confirmed, and neither Alertmanager nor Prometheus holds a measured alert of the site any more
  (CircuitDown, CircuitSLABreach, SiteDown; pending included). Checked when each wave ends and
  when the rollout ends; a site that is not quiet yet keeps its silence until it ends by itself.
* **RolloutHalted** is one alert per failed (rolled-back) site, labelled like the probe's alerts
  (``site``, ``region``), so the same routes and notifier handle it; a later rollout that brings the
  site up resolves it.
* **Alertmanager down**: the rollout goes on (it must not depend on monitoring), with one warning.
  What could not be posted is retried when each wave ends and when the rollout ends; what is still
  not posted then goes to an outbox (``<state>/alertmanager-outbox.json``) that the next deploy,
  ``monitor up`` and the probe post once Alertmanager answers, and the rollout report names it.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

from runbook_wan.monitoring.alertmanager import PROBE_ALERTS
from runbook_wan.monitoring.alertmanager_api import AlertmanagerClient, iso, matcher
from runbook_wan.monitoring.bundle import RULES
from runbook_wan.monitoring.rules import rule_groups
from runbook_wan.monitoring.timing import PRODUCTION
from runbook_wan.ops import metrics as m
from runbook_wan.ops.metrics import Alert, Severity
from runbook_wan.ops.stack import StackRecord, monitor_dir

ENV_URL = "RUNBOOK_ALERTMANAGER_URL"
#: Extra seconds on a site's silence beyond change window + alert hold.
MARGIN_S = 60.0
#: A RolloutHalted alert stays active this long unless a later rollout resolves it.
HALTED_FOR = timedelta(hours=24)
OUTBOX_FILE = "alertmanager-outbox.json"
#: Errors that mean "Alertmanager did not take it" (down, refused, answered an error).
AM_ERRORS = (httpx.HTTPError, KeyError, ValueError, OSError)

Warn = Callable[[str], None]


def discover_url(state_dir: Path, environ: dict[str, str]) -> str | None:
    if environ.get(ENV_URL):
        return environ[ENV_URL]
    record = StackRecord.read(state_dir)
    return record.url("alertmanager") if record is not None else None


def _seconds(text: str) -> float:
    """A Prometheus duration (``90s``, ``5m``, ``1h30m``, ``500ms``) in seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    total, number = 0.0, ""
    index = 0
    while index < len(text):
        char = text[index]
        if char.isdigit() or char == ".":
            number += char
            index += 1
            continue
        unit = "ms" if text.startswith("ms", index) else char
        total += float(number or 0) * units[unit]
        number = ""
        index += len(unit)
    return total


def alert_hold_s(groups: dict[str, Any]) -> float:
    """The longest ``for`` + ``keep_firing_for`` of the alerts a change can set off: those computed from
    the probe's measurements (a commit, a session reset, a rollback disturb circuits, not configs)."""
    measured = {a.value for a in PROBE_ALERTS}
    holds = [
        _seconds(str(rule.get("for", "0s"))) + _seconds(str(rule.get("keep_firing_for", "0s")))
        for group in groups.get("groups", [])
        for rule in group.get("rules", [])
        if rule.get("alert") in measured
    ]
    return max(holds, default=0.0)


def running_hold_s(state_dir: Path) -> float:
    """The hold of the rules the running stack loaded (``monitor up``), else of the committed profile."""
    path = monitor_dir(state_dir) / "config" / RULES
    if path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            loaded = None
        if isinstance(loaded, dict):
            return alert_hold_s(loaded)
    return alert_hold_s(rule_groups(PRODUCTION))


@dataclass
class AlertingReport:
    """What the rollout did through Alertmanager, for the report: names what did not happen."""

    alertmanager: str | None
    silenced: list[str] = field(default_factory=list)
    expired_early: list[str] = field(default_factory=list)
    silences_not_set: list[str] = field(default_factory=list)
    halted_not_posted: list[str] = field(default_factory=list)
    outbox: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "alertmanager": self.alertmanager,
            "silenced": sorted(self.silenced),
            "expired_early": sorted(self.expired_early),
            "silences_not_set": sorted(self.silences_not_set),
            "rollout_halted_not_posted": sorted(self.halted_not_posted),
            "outbox": self.outbox,
            "warnings": self.warnings,
        }


@dataclass
class _Silence:
    site: str
    ends: datetime
    comment: str
    silence_id: str | None = None


class ChangeWindow:
    """Silences and RolloutHalted of one rollout. Thread-safe: sites open their silence from workers."""

    def __init__(
        self,
        client: AlertmanagerClient | None,
        rollout_id: str,
        window_s: float,
        warn: Warn,
        state_dir: Path,
        prometheus: str | None = None,
    ) -> None:
        self.client, self.rollout_id, self.window_s, self.warn = client, rollout_id, window_s, warn
        self.state_dir, self.prometheus = state_dir, prometheus
        self._lock = threading.Lock()
        self._silences: dict[str, _Silence] = {}
        self._healthy: set[str] = set()
        self._expired: set[str] = set()
        #: RolloutHalted alerts not posted yet: (alert, is a resolve of an earlier one).
        self._halted: list[tuple[dict[str, Any], bool]] = []
        self._down_since: datetime | None = None
        self._warned = False

    # --- Alertmanager calls ------------------------------------------------------------------
    def _call(self, what: str, action: Callable[[AlertmanagerClient], Any]) -> bool:
        """Run ``action``; on failure mark Alertmanager down (later calls wait for a retry point)."""
        if self.client is None:
            return False
        try:
            action(self.client)
        except AM_ERRORS as exc:
            with self._lock:
                first = self._down_since is None
                self._down_since = self._down_since or datetime.now(UTC)
            if first:
                self.warn(
                    f"alertmanager at {self.client.url} did not answer ({what}: {exc}); the rollout goes on, "
                    "and what it could not post is retried after each wave"
                )
            return False
        return True

    @property
    def down(self) -> bool:
        return self._down_since is not None

    # --- silences ------------------------------------------------------------------------------
    def open_site(self, site: str) -> None:
        """Silence ``site`` (everything but RolloutHalted) from now until its change window and the
        alerts' hold are over. Called right before the site's commit."""
        ends = datetime.now(UTC) + timedelta(seconds=self.window_s)
        entry = _Silence(site, ends, f"rollout {self.rollout_id}: change window of {site}")
        with self._lock:
            self._silences[site] = entry
            skip = self.client is None or self.down
        if not skip:
            self._post_silence(entry)

    def _post_silence(self, entry: _Silence) -> bool:
        left = (entry.ends - datetime.now(UTC)).total_seconds()
        if left <= 0:
            return False

        def create(client: AlertmanagerClient) -> None:
            entry.silence_id = client.create_silence(
                _matchers(entry.site), left, created_by="runbook deploy", comment=entry.comment
            )

        return self._call(f"silence {entry.site}", create)

    def site_done(self, site: str, healthy: bool) -> None:
        """The site's change is over: ``healthy`` when its gate passed and it was confirmed."""
        if healthy:
            with self._lock:
                self._healthy.add(site)

    def _quiet(self, sites: list[str]) -> set[str]:
        """Sites with no alert left in Alertmanager (any state) nor Prometheus (pending or firing)."""
        assert self.client is not None
        measured = {a.value for a in PROBE_ALERTS}  # what a change disturbs (not drift, not lead time)
        busy: set[str] = set()
        for alert in self.client.alerts():
            labels = alert.get("labels", {})
            if labels.get("alertname") in measured:
                busy.add(str(labels.get(m.SITE, "")))
        if self.prometheus:
            try:
                response = httpx.get(f"{self.prometheus.rstrip('/')}/api/v1/alerts", timeout=self.client.timeout)
                response.raise_for_status()
                for alert in response.json()["data"]["alerts"]:
                    labels = alert.get("labels", {})
                    if labels.get("alertname") in measured:
                        busy.add(str(labels.get(m.SITE, "")))
            except AM_ERRORS:
                return set()  # cannot tell: keep every silence
        return {s for s in sites if s not in busy}

    def sweep(self) -> None:
        """Retry what Alertmanager missed; expire the silences of sites verified healthy and quiet."""
        if self.client is None:
            return
        if self.down:
            if not self._reachable():
                return
            with self._lock:
                self._down_since = None
            self._retry()
        with self._lock:
            candidates = sorted(
                s
                for s in self._healthy
                if s in self._silences and self._silences[s].silence_id and s not in self._expired
            )
        if not candidates:
            return
        try:
            quiet = self._quiet(candidates)
        except AM_ERRORS:
            return
        for site in sorted(quiet):
            silence_id = self._silences[site].silence_id
            assert silence_id is not None
            if self._call(f"lift the silence of {site}", _expire(silence_id)):
                with self._lock:
                    self._expired.add(site)

    def _reachable(self) -> bool:
        assert self.client is not None
        try:
            self.client.silences()
        except AM_ERRORS:
            return False
        return True

    def _retry(self) -> None:
        with self._lock:
            missing = [s for s in self._silences.values() if s.silence_id is None]
        for entry in missing:
            if not self._post_silence(entry):
                break
        self._post_halted()

    # --- RolloutHalted -------------------------------------------------------------------------
    def report(self, failed: dict[str, str], succeeded: list[str], regions: dict[str, str], halt_reason: str) -> None:
        """RolloutHalted for every failed site (reason per site); resolve it for sites that are fine now."""
        now = datetime.now(UTC)
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
        fine = set(succeeded)
        resolves: list[dict[str, Any]] = []

        def resolve(client: AlertmanagerClient) -> None:
            active = client.alerts([f'alertname="{Alert.ROLLOUT_HALTED.value}"'])
            resolves.extend(
                {"labels": a["labels"], "annotations": a.get("annotations", {}), "startsAt": a["startsAt"]}
                for a in active
                if a["labels"].get(m.SITE) in fine
            )

        if self.client is not None and not self.down:
            self._call("read the active RolloutHalted alerts", resolve)
        with self._lock:
            self._halted += [(a, False) for a in alerts] + [(a, True) for a in resolves]
        if not self.down:
            self._post_halted()

    def _post_halted(self) -> None:
        with self._lock:
            pending = list(self._halted)
        if not pending or self.client is None:
            return
        now = iso(datetime.now(UTC))
        body = [{**alert, "endsAt": now} if is_resolve else alert for alert, is_resolve in pending]
        if self._call("raise RolloutHalted", lambda client: client.post_alerts(body)):
            with self._lock:
                self._halted = [item for item in self._halted if item not in pending]

    # --- the end -------------------------------------------------------------------------------
    def finish(self) -> AlertingReport:
        """Last retry and sweep; what is still not posted goes to the outbox, and the report says so."""
        url = self.client.url if self.client is not None else None
        self.sweep()
        with self._lock:
            silences = list(self._silences.values())
            halted = list(self._halted)
            report = AlertingReport(
                url,
                silenced=[s.site for s in silences if s.silence_id],
                expired_early=sorted(self._expired),
            )
        if self.client is None:
            return report
        now = datetime.now(UTC)
        missed = [s for s in silences if s.silence_id is None and s.ends > now]
        report.silences_not_set = sorted(s.site for s in silences if s.silence_id is None)
        report.halted_not_posted = sorted(a["labels"][m.SITE] for a, is_resolve in halted if not is_resolve)
        if missed or halted:
            outbox = Outbox(self.state_dir)
            outbox.add(
                [{"site": s.site, "endsAt": iso(s.ends), "comment": s.comment} for s in missed],
                [{"alert": a, "resolve": is_resolve} for a, is_resolve in halted],
            )
            report.outbox = str(outbox.path)
            what = []
            if report.silences_not_set:
                what.append(f"silences of {', '.join(report.silences_not_set)} were not set")
            if report.halted_not_posted:
                what.append(f"RolloutHalted of {', '.join(report.halted_not_posted)} was not posted")
            report.warnings.append(
                f"alertmanager at {url} did not answer: {'; '.join(what) or 'alerts were not posted'}; "
                f"kept in {outbox.path}, posted when it is back (next deploy, `monitor up` or the probe)"
            )
        return report


def _expire(silence_id: str) -> Callable[[AlertmanagerClient], None]:
    def action(client: AlertmanagerClient) -> None:
        client.expire_silence(silence_id)

    return action


def _matchers(site: str) -> list[dict[str, Any]]:
    return [matcher(m.SITE, site), matcher("alertname", Alert.ROLLOUT_HALTED.value, equal=False)]


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class Outbox:
    """``<state>/alertmanager-outbox.json``: silences and alerts a rollout could not post."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / OUTBOX_FILE
        self._lock = threading.Lock()

    def read(self) -> dict[str, list[dict[str, Any]]]:
        if not self.path.is_file():
            return {"silences": [], "alerts": []}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"silences": [], "alerts": []}
        return {"silences": list(data.get("silences", [])), "alerts": list(data.get("alerts", []))}

    def _write(self, data: dict[str, list[dict[str, Any]]]) -> None:
        if not data["silences"] and not data["alerts"]:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".outbox.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        Path(tmp).replace(self.path)

    def add(self, silences: list[dict[str, Any]], alerts: list[dict[str, Any]]) -> None:
        with self._lock:
            data = self.read()
            data["silences"] += silences
            data["alerts"] += alerts
            self._write(data)

    def flush(self, client: AlertmanagerClient) -> tuple[int, int, int]:
        """Post what is still worth posting: (silences set, alerts posted, dropped as over).

        Raises the client's error when Alertmanager does not answer (the outbox is kept then).
        """
        with self._lock:
            data = self.read()
            if not data["silences"] and not data["alerts"]:
                return 0, 0, 0
            now = datetime.now(UTC)
            set_, dropped = 0, 0
            for silence in data["silences"]:
                left = (_parse(silence["endsAt"]) - now).total_seconds()
                if left <= 0:
                    dropped += 1
                    continue
                client.create_silence(
                    _matchers(silence["site"]), left, created_by="runbook deploy", comment=silence["comment"]
                )
                set_ += 1
            # A resolve is posted as of now; a RolloutHalted whose 24 h are over is not raised any more.
            alive = [
                {**item["alert"], "endsAt": iso(now)} if item.get("resolve") else item["alert"]
                for item in data["alerts"]
                if item.get("resolve") or _parse(item["alert"]["endsAt"]) > now
            ]
            dropped += len(data["alerts"]) - len(alive)
            if alive:
                client.post_alerts(alive)
            self._write({"silences": [], "alerts": []})
            return set_, len(alive), dropped


def flush_outbox(state_dir: Path, environ: dict[str, str]) -> str | None:
    """Post a rollout's leftovers once Alertmanager answers; a line for the log, or None if nothing."""
    outbox = Outbox(state_dir)
    if not outbox.path.is_file():
        return None
    url = discover_url(state_dir, environ)
    if url is None:
        return None
    try:
        set_, posted, dropped = outbox.flush(AlertmanagerClient(url))
    except AM_ERRORS as exc:
        return f"alertmanager at {url} still does not answer ({exc}); {outbox.path} kept"
    if not (set_ or posted or dropped):
        return None
    over = f", {dropped} no longer needed (their time was over)" if dropped else ""
    return f"posted what an earlier rollout could not: {set_} silence(s), {posted} alert(s){over}"


def change_window(
    state_dir: Path, rollout_id: str, change_s: float, warn: Warn, environ: dict[str, str]
) -> ChangeWindow:
    """The change window of a rollout: ``change_s`` (revert timer + gate) plus the alerts' hold."""
    url = discover_url(state_dir, environ)
    record = StackRecord.read(state_dir)
    prometheus = record.url("prometheus") if record is not None and not environ.get(ENV_URL) else None
    window = change_s + running_hold_s(state_dir) + MARGIN_S
    return ChangeWindow(
        AlertmanagerClient(url) if url else None, rollout_id, window, warn, state_dir, prometheus=prometheus
    )

"""What an operator can do from the pane, each checked and audited the same way.

For every action, in this order:

1. **the role** (:func:`.authz.may`): a viewer is refused (403) before any target is looked up,
   so the answer never depends on whether the target exists;
2. **the target and its scope** (:func:`.authz.sees`): unknown, or outside the actor's regions,
   is the same 404;
3. **the action**, through the same code the command line uses (``IncidentStore.acknowledge`` and
   ``resolve`` as ``runbook.py incidents``, by ``carol`` via ``pane`` or ``api``, shown as
   ``carol (pane)``; Alertmanager's API as ``deploy``'s change window, created by ``carol (pane)``;
   ``check_drift`` as ``runbook.py drift``);
4. **the audit record**, whatever the outcome (who, role, via, from where, target, result).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from runbook_wan.credentials.redact import Redactor
from runbook_wan.model.estate import Estate
from runbook_wan.monitoring.alertmanager_api import AlertmanagerClient, matcher
from runbook_wan.ops import metrics
from runbook_wan.ops.incidents import Incident, IncidentStore
from runbook_wan.ops.stack import incidents_path
from runbook_wan.rollout.change_window import discover_url
from runbook_wan.status import audit
from runbook_wan.status.authz import Action, Actor, may, sees

#: Silences from the pane: at least 5 minutes, at most 7 days.
MIN_SILENCE_S, MAX_SILENCE_S = 300, 7 * 86400
MAX_REASON = 500
_DURATION = re.compile(r"(\d+)\s*([mhd])")
_UNIT_S = {"m": 60, "h": 3600, "d": 86400}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Alertmanager's silence ids are UUIDs.
_SILENCE_ID = re.compile(r"[0-9a-fA-F-]{8,64}")


class ActionRefusedError(Exception):
    """The action was not taken: ``status`` is the HTTP answer (403, 404, 409, 400, 502, 503)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Outcome:
    message: str
    data: dict[str, Any]


def parse_duration(text: str) -> int:
    match = _DURATION.fullmatch(text.strip().lower())
    if not match:
        raise ActionRefusedError(400, f"duration {text!r} is not valid: write 30m, 2h or 1d")
    seconds = int(match.group(1)) * _UNIT_S[match.group(2)]
    if not MIN_SILENCE_S <= seconds <= MAX_SILENCE_S:
        raise ActionRefusedError(400, "a silence lasts from 5 minutes to 7 days")
    return seconds


def check_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ActionRefusedError(400, "a silence needs a reason (what is being done, and by whom)")
    if len(text) > MAX_REASON or _CONTROL.search(text):
        raise ActionRefusedError(400, f"the reason must be one line of at most {MAX_REASON} characters")
    return text


class Actions:
    def __init__(
        self,
        state_dir: Path,
        redactor: Redactor,
        estate: Callable[[], Estate],
        *,
        configs_dir: Path | None = None,
        inventory_dir: Path | None = None,
        alertmanager_url: Callable[[], str | None] | None = None,
    ) -> None:
        self.state_dir, self.redactor, self.estate = state_dir, redactor, estate
        self.configs_dir, self.inventory_dir = configs_dir, inventory_dir
        self._alertmanager_url = alertmanager_url or (lambda: discover_url(state_dir, dict(os.environ)))
        self._drift_running: set[str] = set()
        self._drift_lock = threading.Lock()

    # --- the common steps ----------------------------------------------------------------------
    def record(self, event: Action, actor: Actor, client: str, target: str, result: str, **detail: Any) -> None:
        with contextlib.suppress(OSError):  # the page still answers; the server's log says why
            audit.record(
                self.state_dir,
                self.redactor,
                event.value,
                actor=actor,
                client=client,
                target=target,
                result=result,
                **detail,
            )

    def require(self, actor: Actor, action: Action, client: str, target: str) -> None:
        if not may(actor, action):
            self.record(action, actor, client, target, "refused", reason=f"role {actor.role.value}")
            raise ActionRefusedError(403, f"{actor.role.value} may not do this: {action.value} needs a higher role")

    def _not_found(self, action: Action, actor: Actor, client: str, target: str, what: str) -> ActionRefusedError:
        self.record(action, actor, client, target, "not-found")
        return ActionRefusedError(404, f"no {what} {target}")

    def region_of(self, site: str) -> str | None:
        found = self.estate().sites.get(site)
        return found.region if found else None

    # --- incidents -----------------------------------------------------------------------------
    def _incident(self, action: Action, actor: Actor, client: str, incident_id: str) -> IncidentStore:
        self.require(actor, action, client, incident_id)
        path = incidents_path(self.state_dir)
        incident = IncidentStore(path, readonly=True).get(incident_id) if path.is_file() else None
        if incident is None or not sees(actor, incident.region):
            raise self._not_found(action, actor, client, incident_id, "incident")
        return IncidentStore(path)

    def _conflict(
        self, store: IncidentStore, action: Action, actor: Actor, client: str, incident_id: str, verb: str
    ) -> ActionRefusedError:
        current = store.get(incident_id)
        status = current.status.value if current else "gone"
        self.record(action, actor, client, incident_id, "conflict", status=status)
        return ActionRefusedError(409, f"incident {incident_id} is {status}: it cannot be {verb}")

    def acknowledge(self, actor: Actor, incident_id: str, client: str, **detail: str) -> Outcome:
        store = self._incident(Action.ACKNOWLEDGE, actor, client, incident_id)
        incident = store.acknowledge(incident_id, actor.name, via=actor.via)
        if incident is None:
            raise self._conflict(store, Action.ACKNOWLEDGE, actor, client, incident_id, "acknowledged")
        self.record(Action.ACKNOWLEDGE, actor, client, incident_id, "ok", site=incident.site, **detail)
        return Outcome(f"{incident.id} acknowledged by {actor.label()}", _incident_data(incident))

    def resolve(self, actor: Actor, incident_id: str, client: str, **detail: str) -> Outcome:
        store = self._incident(Action.RESOLVE, actor, client, incident_id)
        incident = store.resolve(incident_id, by=actor.name, via=actor.via)
        if incident is None:
            raise self._conflict(store, Action.RESOLVE, actor, client, incident_id, "resolved")
        self.record(Action.RESOLVE, actor, client, incident_id, "ok", site=incident.site, **detail)
        return Outcome(f"{incident.id} resolved by {actor.label()}", _incident_data(incident))

    def act_on_link(
        self, actor: Actor, incident_id: str, action: Action, client: str, spend: Callable[[], bool], sent_to: str
    ) -> Outcome:
        """An e-mail link's action: the role and the scope first, then the link is spent (once), then the action."""
        self._incident(action, actor, client, incident_id)
        if not spend():
            self.record(action, actor, client, incident_id, "refused", reason="e-mail link used before")
            raise ActionRefusedError(410, "Each link works once; this one was used before.")
        if action is Action.ACKNOWLEDGE:
            return self.acknowledge(actor, incident_id, client, link_sent_to=sent_to)
        return self.resolve(actor, incident_id, client, link_sent_to=sent_to)

    # --- silences ------------------------------------------------------------------------------
    def _client(self, action: Action, actor: Actor, client: str, target: str) -> AlertmanagerClient:
        url = self._alertmanager_url()
        if not url:
            self.record(action, actor, client, target, "error", reason="no alertmanager")
            raise ActionRefusedError(503, "no Alertmanager: start the monitoring stack (runbook.py monitor up)")
        return AlertmanagerClient(url)

    def silence(
        self, actor: Actor, client: str, *, site: str = "", region: str = "", duration: str, reason: str
    ) -> Outcome:
        """Silence every alert of a site (or of a region) for a while, with a reason."""
        target = f"site {site}" if site else f"region {region}"
        self.require(actor, Action.SILENCE, client, target)
        if bool(site) == bool(region):
            raise ActionRefusedError(400, "silence a site or a region (one of them)")
        known = self.region_of(site) if site else (region if region in self.estate().regions else None)
        if known is None or not sees(actor, known):
            raise self._not_found(Action.SILENCE, actor, client, target, "site" if site else "region")
        seconds, why = parse_duration(duration), check_reason(reason)
        label, value = (metrics.SITE, site) if site else (metrics.REGION, region)
        am = self._client(Action.SILENCE, actor, client, target)
        try:
            silence_id = am.create_silence([matcher(label, value)], seconds, actor.label(), why)
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            self.record(Action.SILENCE, actor, client, target, "error", reason=str(exc))
            raise ActionRefusedError(502, f"Alertmanager refused the silence: {exc}") from None
        self.record(Action.SILENCE, actor, client, target, "ok", silence=silence_id, duration=duration, reason=why)
        return Outcome(
            f"{target} silenced for {duration} by {actor.label()}",
            {"silence_id": silence_id, label: value, "duration_seconds": seconds, "reason": why},
        )

    def silence_scope(self, silence: dict[str, Any]) -> tuple[str, str]:
        """(region, site) a silence applies to, from its exact ``site``/``region`` matcher ('' when neither)."""
        site = region = ""
        for m in silence.get("matchers", []):
            if m.get("isRegex") or not m.get("isEqual", True):
                continue
            if m.get("name") == metrics.SITE:
                site = str(m.get("value", ""))
            elif m.get("name") == metrics.REGION:
                region = str(m.get("value", ""))
        if site:
            region = self.region_of(site) or ""
        return region, site

    def silences(self, actor: Actor, site: str | None = None) -> list[dict[str, Any]]:
        """Active silences the actor may see (of one site when given); nothing without an Alertmanager."""
        url = self._alertmanager_url()
        if not url:
            return []
        try:
            found = AlertmanagerClient(url).silences()
        except (httpx.HTTPError, ValueError):
            return []
        shown = []
        for s in found:
            if s.get("status", {}).get("state") != "active":
                continue
            region, on_site = self.silence_scope(s)
            if not sees(actor, region) or (site is not None and on_site != site):
                continue
            shown.append(
                {
                    "id": s.get("id", ""),
                    "site": on_site,
                    "region": region,
                    "ends_at": s.get("endsAt", ""),
                    "created_by": s.get("createdBy", ""),
                    "reason": s.get("comment", ""),
                }
            )
        return shown

    def expire_silence(self, actor: Actor, silence_id: str, client: str) -> Outcome:
        self.require(actor, Action.EXPIRE_SILENCE, client, silence_id)
        if not _SILENCE_ID.fullmatch(silence_id):
            raise self._not_found(Action.EXPIRE_SILENCE, actor, client, silence_id[:64], "active silence")
        am = self._client(Action.EXPIRE_SILENCE, actor, client, silence_id)
        try:
            found = am.silence(silence_id)
        except (httpx.HTTPError, ValueError):
            found = None
        region = self.silence_scope(found)[0] if found else ""
        if found is None or found.get("status", {}).get("state") == "expired" or not sees(actor, region):
            raise self._not_found(Action.EXPIRE_SILENCE, actor, client, silence_id, "active silence")
        try:
            am.expire_silence(silence_id)
        except httpx.HTTPError as exc:
            self.record(Action.EXPIRE_SILENCE, actor, client, silence_id, "error", reason=str(exc))
            raise ActionRefusedError(502, f"Alertmanager did not expire the silence: {exc}") from None
        self.record(Action.EXPIRE_SILENCE, actor, client, silence_id, "ok", reason=found.get("comment", ""))
        return Outcome(f"silence {silence_id} expired by {actor.label()}", {"silence_id": silence_id})

    # --- drift ---------------------------------------------------------------------------------
    def drift_check(self, actor: Actor, site: str, client: str) -> Outcome:
        """Start ``runbook.py drift`` for one site in the background; the site page shows the result."""
        self.require(actor, Action.DRIFT_CHECK, client, site)
        region = self.region_of(site)
        if region is None or not sees(actor, region):
            raise self._not_found(Action.DRIFT_CHECK, actor, client, site, "site")
        if self.configs_dir is None or self.inventory_dir is None:
            raise ActionRefusedError(503, "this pane was started without configs/ and inventory/: no drift check")
        with self._drift_lock:
            if site in self._drift_running:
                raise ActionRefusedError(409, f"a drift check of {site} is running")
            self._drift_running.add(site)
        self.record(Action.DRIFT_CHECK, actor, client, site, "started")
        threading.Thread(target=self._run_drift, args=(actor, site, client), daemon=True).start()
        return Outcome(f"drift check of {site} started by {actor.label()}", {"site": site, "state": "started"})

    def _run_drift(self, actor: Actor, site: str, client: str) -> None:
        from runbook_wan.drift.check import check_drift  # noqa: PLC0415 - NAPALM and Nornir: only when asked

        assert self.configs_dir is not None and self.inventory_dir is not None
        try:
            results = check_drift(
                self.estate(),
                [site],
                self.configs_dir,
                self.inventory_dir,
                self.state_dir,
                self.redactor,
                workers=1,
                source=f"pane: {actor.label()}",
            )
            result = results[0].status.value if results else "error"
        except Exception as exc:  # noqa: BLE001 - a background check reports, never crashes the pane
            result = "error"
            self.record(Action.DRIFT_CHECK, actor, client, site, "error", reason=str(exc)[:300])
        else:
            self.record(Action.DRIFT_CHECK, actor, client, site, result)
        finally:
            with self._drift_lock:
                self._drift_running.discard(site)

    def drift_running(self, site: str) -> bool:
        with self._drift_lock:
            return site in self._drift_running


def _incident_data(incident: Incident) -> dict[str, Any]:
    return incident.to_dict()

"""Incidents from Alertmanager's webhooks: who is told what, once, and what happens when nobody answers.

Rules (each one a promise the tests check):

* **One incident per firing episode** of an alert (its fingerprint and ``startsAt``). A webhook that
  repeats a firing alert sends nothing new; a person already told on a route is not told again.
  A delivery that failed on every channel (failover included) is retried by the next webhook.
* **Failover**: when a channel fails for a recipient, its ``failover`` channel is tried for that
  recipient; every attempt is recorded (channel, masked recipient, status, provider id, error).
* **Resolved only for what was announced.** Alertmanager's resolved lists also carry alerts that
  were inhibited and never sent as firing (upstream #891, #2754): with no open incident, or an
  incident nobody was told about, nothing is sent. A voice call is never made to say all is well.
* **Escalation**: a route's ``escalate`` pages again (usually by voice) when the incident is
  still unacknowledged after N minutes. ``runbook.py incidents ack`` (any process) stops it.
* **Answers** (with a public URL, :mod:`.inbound`): each message says how to answer it; a
  provider's receipt that a page failed fails it over to the channel's ``failover`` at once.
* **Limits**: per contact, at most N SMS or calls per window (``notify.rate_limits``); a page over
  the limit is recorded ``limited`` and goes out when the window allows, unless acknowledged first.
  A phone that replied STOP gets no SMS. One page per contact per incident update, whichever routes
  name them.
* **Re-sync** after a restart (:meth:`Notifier.resync`): open incidents whose alert Alertmanager no
  longer holds were resolved meanwhile and are announced resolved once; nothing is paged again.

Secrets never reach the store: provider errors pass through the run's redactor first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from runbook_wan.credentials.redact import Redactor
from runbook_wan.model.notifications import (
    EVENTS_RECEIVER,
    UNROUTED_RECEIVER,
    ChannelKind,
    EffectiveRoute,
    Notifications,
    effective_routes,
    matching_routes,
    route_by_receiver,
)
from runbook_wan.model.notifications import (
    Delivery as RouteDelivery,
)
from runbook_wan.notify import limits
from runbook_wan.notify.alerts import ApiAlert, WebhookAlert, WebhookPayload
from runbook_wan.notify.channels.base import Attempt, Sender
from runbook_wan.notify.notice import Notice, Recipient, clean
from runbook_wan.ops.incidents import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Incident,
    IncidentBatch,
    IncidentStatus,
    IncidentStore,
    iso,
    parse_iso,
)
from runbook_wan.ops.metrics import INCIDENT, Alert

if TYPE_CHECKING:
    from runbook_wan.notify.inbound.reach import Inbound

log = logging.getLogger("runbook.notify")

#: Follow at most this many failover hops (a -> b -> c), whatever the intent says.
MAX_FAILOVER_HOPS = 3
#: Escalation delay when neither the route nor the defaults give one.
DEFAULT_ESCALATE_MINUTES = 5.0

#: At most this many deliveries of one webhook (or escalation tick) are in flight at once.
MAX_PARALLEL_SENDS = 8
#: Incidents opened by one webhook that get a log line each (a group of thousands gets a count).
LOGGED_PER_WEBHOOK = 20

#: (route id, channel kind, recipient label): one person (or room) told on one route.
Target = tuple[str, ChannelKind, str]


@dataclass(frozen=True)
class Send:
    """One planned delivery: a notice to a recipient on a channel (and its failover chain)."""

    incident: Incident
    route_id: str
    channel: str
    kind: ChannelKind
    recipient: Recipient
    notice: Notice
    reference: str = ""

    @property
    def key(self) -> tuple[str, str, str, ChannelKind, str]:
        """What must not be sent twice at the same time (a repeat webhook while the first one sends)."""
        return (self.incident.id, self.notice.kind.value, self.route_id, self.kind, self.recipient.label)


@dataclass
class Outcome:
    """What one webhook (or re-sync) did; the HTTP answer and the log line."""

    opened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    ignored: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "opened": self.opened,
            "resolved": self.resolved,
            "sent": self.sent,
            "failed": self.failed,
            "ignored": self.ignored,
        }


class Notifier:
    """Turns alerts into incidents and deliveries. Thread-safe: one webhook or tick at a time."""

    def __init__(
        self,
        notifications: Notifications,
        senders: dict[str, Sender],
        store: IncidentStore,
        redactor: Redactor,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        inbound: Inbound | None = None,
    ) -> None:
        self.notifications = notifications
        self.senders = senders
        self.store = store
        self.redactor = redactor
        self.clock = clock
        #: The public side (answers, receipts); None: pages are one-way.
        self.inbound = inbound
        #: Pages held back by a rate limit, sent by :meth:`send_deferred` when the window allows.
        self._deferred: dict[tuple[str, str, str, ChannelKind, str], Send] = {}
        #: Pages withheld for good (the phone replied STOP): recorded once.
        self._withheld: set[tuple[str, str, str, ChannelKind, str]] = set()
        #: One send at a time per (kind, person): the rate limit is checked and spent together.
        self._people: dict[tuple[ChannelKind, str], threading.Lock] = {}
        self._people_lock = threading.Lock()
        #: Decisions (which incident, who is told) are made one webhook at a time under this lock;
        #: the sends run outside it, in parallel, with their keys held in ``_inflight``.
        self._lock = threading.Lock()
        self._inflight: set[tuple[str, str, str, ChannelKind, str]] = set()
        self._routes = {route.id: route for route in effective_routes(notifications)}

    # --- webhooks ------------------------------------------------------------------------------
    def handle(self, payload: WebhookPayload) -> Outcome:
        outcome = Outcome()
        plan: list[Send] = []
        with self._lock:
            # One transaction for the whole payload: every alert is recorded, or (on any error) none is
            # and nothing is sent; Alertmanager then retries the whole group.
            with self.store.batch() as tx:
                for alert in payload.alerts:
                    if alert.status == "firing":
                        self._firing(tx, alert, self._routes_for(payload.receiver, alert.labels), outcome, plan)
                    else:
                        self._resolved(tx, alert.fingerprint, alert.ends_at, outcome, plan)
            plan = self._claim(plan)
        self._run(plan, outcome)
        firing = sum(1 for a in payload.alerts if a.status == "firing")
        log.log(
            logging.INFO
            if (outcome.opened or outcome.resolved or outcome.sent or outcome.failed or outcome.ignored)
            else logging.DEBUG,
            "webhook %s: %d firing, %d resolved -> opened %d, resolved %d, sent %d, failed %d, ignored %d",
            payload.receiver or "?",
            firing,
            len(payload.alerts) - firing,
            len(outcome.opened),
            len(outcome.resolved),
            outcome.sent,
            outcome.failed,
            outcome.ignored,
        )
        if payload.truncated_alerts:
            log.warning(
                "Alertmanager left %d alert(s) out of group %s (max_alerts): they are not seen here",
                payload.truncated_alerts,
                payload.group_key,
            )
        return outcome

    def _routes_for(self, receiver: str, labels: dict[str, str]) -> list[EffectiveRoute]:
        """The route Alertmanager chose (its receiver), else the intent's routing for these labels."""
        chosen = route_by_receiver(self.notifications, receiver)
        if chosen is not None:
            return [chosen]
        if receiver in (UNROUTED_RECEIVER, EVENTS_RECEIVER):
            return []  # recorded in the incident timeline, sent to nobody
        return matching_routes(self.notifications, labels, self.clock())

    def _firing(
        self,
        tx: IncidentBatch,
        alert: WebhookAlert,
        routes: list[EffectiveRoute],
        outcome: Outcome,
        plan: list[Send],
    ) -> None:
        if alert.alertname == Alert.ENGAGEMENT_OVERDUE.value and alert.labels.get(INCIDENT):
            overdue = alert.labels[INCIDENT]
            if tx.expedite_escalation(overdue, iso(self.clock())):
                log.warning("incident %s not acknowledged within the promise: escalating now", clean(overdue, 60))
        started = alert.starts_at or iso(self.clock())
        incident = tx.find_episode(alert.fingerprint, started)
        created = incident is None
        if incident is None:
            incident = tx.create(alert.fingerprint, alert.alertname, dict(alert.labels), alert.summary, started)
            outcome.opened.append(incident.id)
            if len(outcome.opened) <= LOGGED_PER_WEBHOOK:
                where = Notice.where_of(alert.labels)
                log.info("incident %s opened: %s %s", incident.id, clean(alert.alertname, 60), where)
        elif incident.status is IncidentStatus.RESOLVED:
            outcome.ignored += 1  # resolved by hand while Alertmanager still repeats the same episode
            return
        # One page per person (and chat room) per kind of channel for this update, whichever routes name them.
        told = set() if created else self._told(tx, incident.id, (DeliveryKind.FIRING,))
        reached = {(kind, label) for _route, kind, label in told}
        notice = self._notice(incident, DeliveryKind.FIRING, description=alert.annotations.get("description", ""))
        if not routes and len(outcome.opened) <= LOGGED_PER_WEBHOOK:
            log.info("incident %s: no route sends %s anywhere", incident.id, clean(alert.alertname, 60))
        scheduled = incident.escalate_at is not None or incident.escalated_at is not None
        for route in routes:
            for spec in route.route.notify:
                kind = self.senders[spec.channel].kind
                for recipient in self._recipients(spec):
                    if (kind, recipient.label) not in reached:
                        reached.add((kind, recipient.label))
                        plan.append(Send(incident, route.id, spec.channel, kind, recipient, notice))
            scheduled = scheduled or self._schedule(tx, incident, route)

    def _schedule(self, tx: IncidentBatch, incident: Incident, route: EffectiveRoute) -> bool:
        """Schedule the route's escalation (the first route with one wins). True if it did."""
        escalate = route.route.escalate
        if escalate is None:
            return False
        minutes = float(escalate.after_minutes or self._default_minutes())
        due = iso(self.clock() + timedelta(minutes=minutes))
        tx.schedule_escalation(incident.id, due, route.id)
        log.info("incident %s escalates to %s at %s unless acknowledged", incident.id, escalate.channel, due)
        return True

    def _default_minutes(self) -> float:
        defaults = self.notifications.defaults
        return float(defaults.escalate_after_minutes) if defaults else DEFAULT_ESCALATE_MINUTES

    def _resolved(self, tx: IncidentBatch, fingerprint: str, ends_at: str, outcome: Outcome, plan: list[Send]) -> None:
        incident = tx.find_open(fingerprint)
        if incident is None:
            # Never announced (inhibited, silenced, unrouted): nothing to do. Resolved already by an
            # earlier webhook: Alertmanager repeats it when that one failed (the notifier died while
            # telling people), so tell whoever was not told yet. Resolved by hand: nobody is told.
            earlier = tx.latest(fingerprint)
            outcome.ignored += 1
            if earlier is None or earlier.status is not IncidentStatus.RESOLVED or earlier.resolved_by is not None:
                return
            resolved = earlier
        else:
            just = tx.resolve(incident.id, at=ends_at or iso(self.clock()))
            if just is None:
                return
            resolved = just
            outcome.resolved.append(resolved.id)
        told = self._sent(tx, resolved.id, (DeliveryKind.FIRING, DeliveryKind.ESCALATION))
        done = self._attempted(tx, resolved.id, DeliveryKind.RESOLVED)
        if incident is not None:
            log.info("incident %s resolved (%d recipient(s) to tell)", resolved.id, len(told))
        if not told:
            return
        notice = self._notice(resolved, DeliveryKind.RESOLVED)
        for route_id, spec, recipient in self._all_targets({t[0] for t in told}):
            sender = self.senders[spec.channel]
            target = (route_id, sender.kind, recipient.label)
            if target in told and target not in done and sender.says_resolved():
                plan.append(Send(resolved, route_id, spec.channel, sender.kind, recipient, notice, told[target]))

    # --- escalation ------------------------------------------------------------------------------
    def escalate_due(self) -> Outcome:
        """Page along the escalation of every incident nobody acknowledged in time (call it every second)."""
        outcome = Outcome()
        plan: list[Send] = []
        with self._lock:
            with self.store.batch() as tx:
                for incident in tx.due_escalations(iso(self.clock())):
                    claimed = tx.claim_escalation(incident.id)
                    if claimed is not None:
                        log.info("incident %s not acknowledged: escalating", incident.id)
                        plan += self._escalation(tx, claimed)
            plan = self._claim(plan)
        self._run(plan, outcome)
        return outcome

    def recover(self) -> Outcome:
        """At start: finish the escalations a stopped notifier claimed but did not send to everyone.

        An escalation is claimed (``escalated_at``) before it is sent, so a notifier killed in
        between would otherwise never make it; each recipient with no escalation attempt on record
        is paged now, and nobody who has one is paged again.
        """
        outcome = Outcome()
        plan: list[Send] = []
        with self._lock:
            with self.store.batch() as tx:
                for incident in tx.claimed_escalations():
                    sends = self._escalation(tx, incident)
                    if sends:
                        log.info("incident %s: finishing its escalation (%d page(s))", incident.id, len(sends))
                    plan += sends
            plan = self._claim(plan)
        self._run(plan, outcome)
        return outcome

    def _escalation(self, tx: IncidentBatch, incident: Incident) -> list[Send]:
        """The escalation's pages to everyone who has no escalation attempt on record for it."""
        route = self._routes.get(incident.escalation_route or "")
        if route is None or route.route.escalate is None:
            log.warning("incident %s: its escalation route is gone from the intent", incident.id)
            return []
        escalate = route.route.escalate
        notice = self._notice(
            incident,
            DeliveryKind.ESCALATION,
            escalated_after_minutes=float(escalate.after_minutes or self._default_minutes()),
        )
        kind = self.senders[escalate.channel].kind
        done = self._attempted(tx, incident.id, DeliveryKind.ESCALATION)
        return [
            Send(incident, route.id, escalate.channel, kind, recipient, notice)
            for recipient in self._recipients(escalate)
            if (route.id, kind, recipient.label) not in done
        ]

    # --- re-sync ---------------------------------------------------------------------------------
    def resync(self, alerts: Iterable[ApiAlert], *, complete: bool) -> Outcome:
        """Reconcile open incidents with the alerts Alertmanager holds now.

        Open incidents whose alert is still there stay as they are (nobody is paged again). When
        ``complete`` (Alertmanager has been up long enough to hold every alert), open incidents
        whose alert is gone resolved while nobody listened: they are announced resolved, once.
        """
        present = {alert.fingerprint for alert in alerts}
        outcome = Outcome()
        plan: list[Send] = []
        with self._lock:
            with self.store.batch() as tx:
                for incident in tx.incidents(open_only=True, limit=10_000):
                    if incident.key in present:
                        outcome.ignored += 1
                    elif complete:
                        self._resolved(tx, incident.key, iso(self.clock()), outcome, plan)
            plan = self._claim(plan)
        self._run(plan, outcome)
        return outcome

    # --- helpers ---------------------------------------------------------------------------------
    def _recipients(self, spec: RouteDelivery) -> list[Recipient]:
        sender = self.senders[spec.channel]
        contacts = [(name, self.notifications.contacts[name]) for name in self.notifications.recipients(spec.to)]
        if sender.kind in (ChannelKind.SMS, ChannelKind.VOICE):
            return [Recipient.phone(name, c.phone) for name, c in contacts if c.phone]
        if sender.kind is ChannelKind.EMAIL:
            return [Recipient.email(name, c.email) for name, c in contacts if c.email]
        mentions = tuple(c.chat for _name, c in contacts if c.chat)
        return [Recipient.room(spec.channel, mentions)]

    def _all_targets(self, route_ids: set[str]) -> list[tuple[str, RouteDelivery, Recipient]]:
        out = []
        for route_id in sorted(route_ids):
            route = self._routes.get(route_id)
            if route is None:
                continue
            specs: list[RouteDelivery] = list(route.route.notify)
            if route.route.escalate is not None:
                specs.append(route.route.escalate)
            seen: set[tuple[ChannelKind, str]] = set()
            for spec in specs:
                for recipient in self._recipients(spec):
                    key = (self.senders[spec.channel].kind, recipient.label)
                    if key not in seen:
                        seen.add(key)
                        out.append((route_id, spec, recipient))
        return out

    def _told(self, tx: IncidentBatch, incident_id: str, kinds: tuple[DeliveryKind, ...]) -> set[Target]:
        return set(self._sent(tx, incident_id, kinds))

    def _attempted(self, tx: IncidentBatch, incident_id: str, kind: DeliveryKind) -> set[Target]:
        """Targets with an attempt of ``kind`` on record, sent or failed (a page held back by a rate limit
        waits in memory only, so after a restart it counts as not attempted)."""
        out: set[Target] = set()
        for delivery in tx.deliveries(incident_id):
            sender = self.senders.get(delivery.channel)
            if delivery.kind is kind and sender is not None and delivery.status is not DeliveryStatus.LIMITED:
                out.add((delivery.route, sender.kind, delivery.recipient))
        return out

    def _sent(self, tx: IncidentBatch, incident_id: str, kinds: tuple[DeliveryKind, ...]) -> dict[Target, str]:
        """Targets reached with a delivery of ``kinds`` -> the provider id of the first one."""
        told: dict[Target, str] = {}
        deliveries = tx.deliveries(incident_id)
        undelivered: set[str] = set()
        if self.inbound is not None:  # a provider said the message never arrived: not told
            undelivered = self.inbound.store.failed_messages([d.message_id for d in deliveries])
        for delivery in deliveries:
            sender = self.senders.get(delivery.channel)
            if delivery.status is not DeliveryStatus.SENT or delivery.message_id in undelivered:
                continue
            if delivery.kind in kinds and sender is not None:
                told.setdefault((delivery.route, sender.kind, delivery.recipient), delivery.message_id)
        return told

    def notice_of(self, incident: Incident) -> Notice:
        """What a message about ``incident`` says now (chat buttons rebuild their message from it)."""
        kind = DeliveryKind.RESOLVED if incident.status is IncidentStatus.RESOLVED else DeliveryKind.FIRING
        return self._notice(incident, kind)

    def _notice(
        self,
        incident: Incident,
        kind: DeliveryKind,
        *,
        description: str = "",
        escalated_after_minutes: float | None = None,
    ) -> Notice:
        return Notice(
            kind=kind,
            incident_id=incident.id,
            alertname=incident.alertname,
            severity=incident.severity,
            summary=incident.summary,
            labels=dict(incident.labels),
            description=description,
            started_at=incident.started_at,
            resolved_at=incident.resolved_at or "",
            escalated_after_minutes=escalated_after_minutes,
        )

    def _claim(self, plan: list[Send]) -> list[Send]:
        """Under the lock: drop sends already in flight (or planned twice) and mark the rest in flight."""
        claimed = []
        for send in plan:
            if send.key not in self._inflight:
                self._inflight.add(send.key)
                claimed.append(send)
        return claimed

    def _run(self, plan: list[Send], outcome: Outcome) -> None:
        """Outside the lock: every send with its failover chain, several at once; then release them."""
        try:
            if len(plan) <= 1:
                results = [self._deliver(send) for send in plan]
            else:
                with ThreadPoolExecutor(min(MAX_PARALLEL_SENDS, len(plan)), thread_name_prefix="send") as pool:
                    results = list(pool.map(self._deliver, plan))
        finally:
            with self._lock:
                self._inflight.difference_update(send.key for send in plan)
        for attempts in results:
            outcome.sent += sum(1 for a in attempts if a.ok)
            outcome.failed += sum(1 for a in attempts if a.status is DeliveryStatus.FAILED)

    def _deliver(self, send: Send) -> list[Attempt]:
        """Send on the channel, then along its failover chain until one succeeds; record every attempt.

        SMS and calls go out one at a time per person: the person's rate limit is checked and spent
        under one lock. A page over the limit is recorded ``limited`` once and deferred.
        """
        with self._person(send.kind, send.recipient.label):
            held = self._held(send)
            if held is not None:
                return [held] if held.status is DeliveryStatus.LIMITED and held.error else []
            attempts: list[Attempt] = []
            name: str | None = send.channel
            while name is not None and name not in [a.channel for a in attempts] and len(attempts) <= MAX_FAILOVER_HOPS:
                sender = self.senders[name]
                notice = send.notice
                if self.inbound is not None:  # how this message can be answered (e-mail: links)
                    notice = replace(
                        notice, reach=self.inbound.reach(sender, send.incident.id, notice.kind, send.recipient)
                    )
                attempt = sender.send(notice, send.recipient, send.reference if name == send.channel else "")
                self._record(send.incident, send.route_id, send.notice.kind, attempt)
                attempts.append(attempt)
                if attempt.ok:
                    break
                name = sender.failover
            with self._people_lock:
                self._deferred.pop(send.key, None)
            return attempts

    def _person(self, kind: ChannelKind, label: str) -> threading.Lock:
        with self._people_lock:
            return self._people.setdefault((kind, label), threading.Lock())

    def _held(self, send: Send) -> Attempt | None:
        """A ``limited`` attempt (recorded) if this page must wait or never go; an empty one if it is already
        waiting; None to send it now."""
        reason = self._limit_reason(send)
        if reason is None:
            return None
        stopped = reason.startswith("the contact replied STOP")
        with self._people_lock:
            known = send.key in (self._withheld if stopped else self._deferred)
            if stopped:
                self._withheld.add(send.key)
            else:
                self._deferred[send.key] = send
        if known:
            return Attempt(send.channel, send.recipient.label, DeliveryStatus.LIMITED)
        attempt = Attempt(send.channel, send.recipient.label, DeliveryStatus.LIMITED, error=reason)
        self._record(send.incident, send.route_id, send.notice.kind, attempt)
        return attempt

    def _limit_reason(self, send: Send) -> str | None:
        if send.kind not in (ChannelKind.SMS, ChannelKind.VOICE):
            return None
        phone = send.recipient.address
        if send.kind is ChannelKind.SMS and self.inbound is not None and self.inbound.store.opted_out(phone):
            return "the contact replied STOP: no SMS until they reply START"
        windows = self.notifications.notify.rate_limits.of(send.kind)
        if not windows:
            return None
        now = self.clock()
        channels = self.notifications.channels_of(send.kind)
        since = iso(now - timedelta(seconds=limits.longest_window(windows)))
        sent = [parse_iso(at) for at in self.store.sent_since(send.recipient.label, channels, since)]
        held = limits.exceeded(windows, sent, now)
        if held is None:
            return None
        return (
            f"rate limit: {held.most} {send.kind.noun} per {held.window} to this contact; "
            f"sent at {iso(held.allowed_at)} unless answered first"
        )

    # --- deferred pages and receipts -------------------------------------------------------------
    def send_deferred(self) -> Outcome:
        """Send the pages a rate limit held back, if their incident is still unacknowledged (every tick)."""
        outcome = Outcome()
        with self._people_lock:
            waiting = list(self._deferred.values())
        plan = []
        for send in waiting:
            current = self.store.get(send.incident.id)
            if current is None or current.status is not IncidentStatus.FIRING:
                with self._people_lock:
                    self._deferred.pop(send.key, None)  # acknowledged or resolved meanwhile: nothing to send
                continue
            if self._limit_reason(send) is None:
                plan.append(send)
        if plan:
            with self._lock:
                plan = self._claim(plan)
            self._run(plan, outcome)
        return outcome

    def fail_over(self, message_id: str, why: str) -> Outcome:
        """A provider reported this page undelivered: try the channel's failover for that person now."""
        outcome = Outcome()
        delivery = self.store.delivery_by_message(message_id)
        if delivery is None or delivery.kind is DeliveryKind.RESOLVED:
            return outcome
        incident = self.store.get(delivery.incident_id)
        sender = self.senders.get(delivery.channel)
        if incident is None or sender is None:
            return outcome
        if incident.status is not IncidentStatus.FIRING:
            log.info("incident %s is %s: no failover for the undelivered page", incident.id, incident.status.value)
            return outcome
        recipient = self._recipient(sender.kind, delivery.recipient)
        if sender.failover is None or recipient is None:
            log.warning(
                "incident %s: %s to %s undelivered (%s) and channel %s has no failover",
                incident.id,
                delivery.kind.value,
                delivery.recipient,
                why,
                delivery.channel,
            )
            return outcome
        log.warning(
            "incident %s: %s to %s via %s undelivered (%s): failing over to %s now",
            incident.id,
            delivery.kind.value,
            delivery.recipient,
            delivery.channel,
            why,
            sender.failover,
        )
        notice = self._notice(incident, delivery.kind)
        send = Send(incident, delivery.route, sender.failover, sender.kind, recipient, notice)
        with self._lock:
            plan = self._claim([send])
        self._run(plan, outcome)
        return outcome

    def _recipient(self, kind: ChannelKind, label: str) -> Recipient | None:
        """The person behind a delivery's masked label (``alice (+1415***0123)``)."""
        name = label.split(" (", 1)[0]
        contact = self.notifications.contacts.get(name)
        if contact is None:
            return None
        if kind in (ChannelKind.SMS, ChannelKind.VOICE) and contact.phone:
            return Recipient.phone(name, contact.phone)
        if kind is ChannelKind.EMAIL and contact.email:
            return Recipient.email(name, contact.email)
        return None

    def _record(self, incident: Incident, route_id: str, kind: DeliveryKind, attempt: Attempt) -> None:
        error = self.redactor.mask(attempt.error)
        self.store.record_delivery(
            Delivery(
                incident_id=incident.id,
                at=iso(self.clock()),
                kind=kind,
                channel=attempt.channel,
                recipient=attempt.recipient,
                status=attempt.status,
                message_id=attempt.message_id,
                error=error,
                route=route_id,
            )
        )
        if attempt.status is DeliveryStatus.LIMITED:
            log.warning("incident %s: %s to %s via %s held back: %s", incident.id, kind.value, attempt.recipient,
                        attempt.channel, error)  # fmt: skip
        elif attempt.ok:
            log.info(
                "incident %s: %s to %s via %s sent (id %s)",
                incident.id,
                kind.value,
                attempt.recipient,
                attempt.channel,
                attempt.message_id or "-",
            )
        else:
            log.warning(
                "incident %s: %s to %s via %s failed: %s",
                incident.id,
                kind.value,
                attempt.recipient,
                attempt.channel,
                error,
            )

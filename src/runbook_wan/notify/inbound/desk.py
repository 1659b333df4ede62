"""The inbound desk: what the verified requests do (SMS replies, keypresses, receipts, chat clicks, links).

Each method takes what a :class:`~.verify.Verified` request carried, already parsed into plain
values by :mod:`.app`, and returns the answer to give. Handling is idempotent: a provider message
handled before (Vonage resends for 24 hours until it gets a 2xx) gets the same answer and does
nothing again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runbook_wan.notify.inbound import replies
from runbook_wan.notify.inbound.actions import Acted, Result, Verb, act
from runbook_wan.notify.inbound.people import Directory, Person, e164
from runbook_wan.notify.inbound.replies import Action
from runbook_wan.notify.notice import mask_phone
from runbook_wan.ops.inbound import Receipt, ReceiptStatus
from runbook_wan.ops.incidents import now_iso
from runbook_wan.status import audit

if TYPE_CHECKING:
    from runbook_wan.notify.engine import Notifier
    from runbook_wan.notify.inbound.reach import Inbound

log = logging.getLogger("runbook.notify.inbound")

#: The role recorded in the audit log for a contact of notifications.yaml who answered a page.
CONTACT_ROLE = "contact"
#: Unrecognised replies in a row that still get an answer; after that, silence until a valid one.
MAX_UNKNOWN_REPLIES = 5

STOP_ANSWER = "You will get no more SMS pages from Runbook (calls and other channels go on). Reply START to resume."
START_ANSWER = "SMS pages from Runbook are on again. " + replies.HELP_TEXT


@dataclass(frozen=True)
class InboundSms:
    provider: str  # twilio | vonage
    message_id: str
    sender: str  # the number it came from, E.164
    to: str  # our number it was sent to
    text: str


class Desk:
    def __init__(self, notifier: Notifier, inbound: Inbound) -> None:
        self.notifier = notifier
        self.inbound = inbound
        self.people = Directory(notifier.notifications)
        #: One inbound message at a time: a provider's resend waits for the first handling to finish.
        self._lock = threading.Lock()

    # --- SMS -------------------------------------------------------------------------------------
    def sms(self, message: InboundSms) -> str | None:
        """The answer to send back (None: no answer, e.g. an unknown number)."""
        with self._lock:
            before = self.inbound.store.seen(message.provider, message.message_id) if message.message_id else None
            if before is not None:  # a provider's resend: already handled and answered
                log.info("inbound %s SMS %s was handled before: nothing done again", message.provider,
                         message.message_id)  # fmt: skip
                return None
            answer = self._sms(message)
            if message.message_id:
                self.inbound.store.mark_seen(message.provider, message.message_id, answer or "")
            return answer

    def _sms(self, message: InboundSms) -> str | None:
        phone = e164(message.sender)
        person = self.people.by_phone(phone)
        if person is None:
            log.warning("inbound %s SMS from unknown number %s: no answer", message.provider, mask_phone(phone))
            return None
        reply = replies.parse(message.text)
        store = self.inbound.store
        if reply.action in (Action.STOP, Action.START, Action.HELP):
            return self._keyword(reply.action, phone, person)
        if reply.action is Action.UNKNOWN:
            return self._unrecognised(phone, person, "Unknown reply.")
        code = store.newest_code(phone) if reply.code is None else store.lookup_code(phone, reply.code)
        if code is None:
            what = "You have no pages to answer." if reply.code is None else f"No page {reply.code} for this phone."
            return self._unrecognised(phone, person, what)
        store.clear_strikes(phone)
        verb = Verb.ACK if reply.action is Action.ACK else Verb.RESOLVE
        return self.act(code.incident_id, verb, person, "sms", mask_phone(phone)).sentence()

    def _keyword(self, action: Action, phone: str, person: Person) -> str:
        if action is Action.STOP:
            self.inbound.store.opt_out(phone)
            log.info("%s replied STOP: no more SMS pages to %s", person.name, mask_phone(phone))
            return STOP_ANSWER
        if action is Action.START:
            self.inbound.store.opt_in(phone)
            log.info("%s replied START: SMS pages to %s again", person.name, mask_phone(phone))
            return START_ANSWER
        return replies.HELP_TEXT

    def _unrecognised(self, phone: str, person: Person, what: str) -> str | None:
        strikes = self.inbound.store.strike(phone)
        if strikes > MAX_UNKNOWN_REPLIES:
            log.info("unrecognised reply %d in a row from %s: not answered", strikes, person.name)
            return None
        return f"{what} {replies.HELP_TEXT}"

    # --- everything that acts ----------------------------------------------------------------------
    def act(self, incident_id: str, verb: Verb, person: Person, via: str, client: str = "") -> Acted:
        """Acknowledge or resolve for ``person`` answering on ``via``; recorded in the audit log either way.

        ``client`` is where the answer came from, masked as the notifier masks it (a phone number, a
        chat user id).
        """
        acted = act(self.notifier.store, incident_id, verb, person.name, via)
        state_dir = self.inbound.state_dir
        if state_dir is not None:
            result = "ok" if acted.result.changed else "not-found" if acted.result is Result.UNKNOWN else "conflict"
            detail: dict[str, Any] = {}
            if acted.incident is not None and not acted.result.changed:
                detail["status"] = acted.incident.status.value
            try:
                audit.record(
                    state_dir,
                    self.notifier.redactor,
                    f"incident-{verb.value}",
                    user=person.name,
                    role=CONTACT_ROLE,
                    via=via,
                    client=client,
                    target=incident_id,
                    result=result,
                    site=acted.incident.site if acted.incident else "",
                    **detail,
                )
            except OSError as exc:  # the answer is done; the log says the record is missing
                log.error("could not write the audit record of %s's answer: %s", person.name, exc)
        return acted

    # --- keypresses --------------------------------------------------------------------------------
    def keypress(self, incident_id: str, contact: str, called: str, digits: str, via: str) -> str:
        """What the call says after a keypress: 4 acknowledges, 6 resolves, anything else is explained."""
        person = self.people.get(contact)
        if person is None or person.contact.phone != e164(called):
            log.warning("keypress for %s on a call to %s that was not theirs: ignored", contact, mask_phone(called))
            return "This call cannot acknowledge. Goodbye."
        if digits not in ("4", "6"):
            return "Press 4 to acknowledge, 6 to resolve." if digits else "No key pressed. Goodbye."
        acted = self.act(incident_id, Verb.ACK if digits == "4" else Verb.RESOLVE, person, via, mask_phone(called))
        return acted.sentence().replace("(inc-", "(incident ").rstrip(").") + ". Goodbye."

    # --- receipts -----------------------------------------------------------------------------------
    def receipt(self, provider: str, message_id: str, status: ReceiptStatus | None, raw: str, error: str) -> None:
        """Record a delivery report; a failure fails the page over to the next channel at once."""
        if not message_id or status is None:
            return  # a status we do not map (e.g. Twilio's 'read' on WhatsApp): nothing to record
        store = self.inbound.store
        first_failure = status.failed and not store.failed_messages([message_id])
        receipt = Receipt(message_id, provider, status, raw, error, now_iso())
        if not store.record_receipt(receipt):
            return
        log.info("receipt %s %s: %s%s", provider, message_id, raw, f" ({error})" if error else "")
        if first_failure:
            self.notifier.fail_over(message_id, f"{provider} reported {raw}" + (f" {error}" if error else ""))

"""Who answered: the contact of ``notifications.yaml`` behind a phone number or a chat handle."""

from __future__ import annotations

from dataclasses import dataclass

from runbook_wan.model.notifications import Contact, Notifications


def e164(number: str) -> str:
    """``14155550123`` (Vonage) or ``+14155550123`` (Twilio) -> ``+14155550123``."""
    digits = number.strip()
    return digits if digits.startswith("+") else "+" + digits


@dataclass(frozen=True)
class Person:
    name: str
    contact: Contact

    @property
    def display(self) -> str:
        return self.contact.name


class Directory:
    """Contacts by phone and by chat handle (``@alice``, ``alice``, a Slack user id)."""

    def __init__(self, notifications: Notifications) -> None:
        self._by_phone: dict[str, Person] = {}
        self._by_handle: dict[str, Person] = {}
        for name, contact in notifications.contacts.items():
            person = Person(name, contact)
            if contact.phone:
                self._by_phone.setdefault(contact.phone, person)
            if contact.chat:
                self._by_handle.setdefault(contact.chat.lower().removeprefix("@"), person)

    def by_phone(self, number: str) -> Person | None:
        return self._by_phone.get(e164(number)) if number else None

    def by_chat(self, *handles: str) -> Person | None:
        """The first handle that names a contact (user name, then user id)."""
        for handle in handles:
            found = self._by_handle.get(handle.lower().removeprefix("@")) if handle else None
            if found is not None:
                return found
        return None

    def get(self, name: str) -> Person | None:
        for person in self._by_phone.values():
            if person.name == name:
                return person
        for person in self._by_handle.values():
            if person.name == name:
                return person
        return None

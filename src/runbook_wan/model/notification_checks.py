"""Cross-references of ``notifications.yaml``: every name it uses must exist, every page must be deliverable.

Runs after the file validated on its own and after the rest of the estate loaded; reports every
problem in one pass, each at the line that uses the name.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from runbook_wan.model.notifications import ChannelKind, Delivery, Notifications
from runbook_wan.model.yaml_source import PathKey
from runbook_wan.results import Diagnostic, SourceLocation

Locate = Callable[[PathKey], SourceLocation]

#: What a contact needs for a channel kind to reach them.
_NEEDS: dict[ChannelKind, tuple[str, str]] = {
    ChannelKind.SMS: ("phone", "an SMS"),
    ChannelKind.VOICE: ("phone", "a voice call"),
    ChannelKind.EMAIL: ("email", "an e-mail"),
}


def _hint(name: str, known: list[str], noun: str) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"known {noun}: " + (", ".join(sorted(known)[:8]) or "none")


def _unknown(kind: str, name: str, where: SourceLocation, known: list[str], noun: str) -> Diagnostic:
    return Diagnostic(f"ref-{kind}", f"unknown {kind} {name!r}", location=where, hint=_hint(name, known, noun))


class _Checker:
    def __init__(
        self,
        notifications: Notifications,
        locate: Locate,
        regions: list[str] | None,
        sites: list[str],
        providers: list[str] | None,
    ) -> None:
        self.n = notifications
        self.locate = locate
        self.regions = regions
        self.sites = sites
        self.providers = providers
        self.out: list[Diagnostic] = []

    def run(self) -> list[Diagnostic]:
        self._groups()
        self._channels()
        self._inbound()
        self._hours()
        if self.n.defaults is not None:
            self._recipients(self.n.defaults.to, ("defaults", "to"))
        for index, route in enumerate(self.n.routes):
            base: PathKey = ("routes", index)
            self._match(route.match.conditions(), base)
            for d_index, delivery in enumerate(route.notify):
                self._delivery(delivery, (*base, "notify", d_index))
            if route.escalate is not None:
                self._delivery(route.escalate, (*base, "escalate"))
            if route.during is not None and not self.n.business_hours:
                self.out.append(
                    Diagnostic(
                        "notifications-no-hours",
                        f"route sends only {route.during.replace('_', ' ')}, but no business hours are defined",
                        location=self.locate((*base, "during")),
                        hint="add `business_hours: {default: {timezone: ..., weekdays: [monday:friday], "
                        "times: ['08:00-18:00']}}`",
                    )
                )
        return self.out

    # --- people --------------------------------------------------------------------------------
    def _groups(self) -> None:
        for gname, group in self.n.groups.items():
            for index, member in enumerate(group.members):
                if member not in self.n.contacts:
                    where = self.locate(("groups", gname, "members", index))
                    self.out.append(_unknown("contact", member, where, list(self.n.contacts), "contacts"))

    def _recipients(self, names: list[str], path: PathKey) -> bool:
        ok = True
        for index, name in enumerate(names):
            if name in self.n.contacts or name in self.n.groups:
                continue
            ok = False
            known = [*self.n.contacts, *self.n.groups]
            where = self.locate(path if len(names) == 1 else (*path, index))  # `to: x` has no [0]
            self.out.append(_unknown("contact", name, where, known, "contacts and groups"))
        return ok

    # --- channels ------------------------------------------------------------------------------
    def _channels(self) -> None:
        for name, channel in self.n.channels.items():
            target = channel.failover
            if target is None:
                continue
            where = self.locate(("channels", name, "failover"))
            other = self.n.channels.get(target)
            if other is None:
                self.out.append(_unknown("channel", target, where, list(self.n.channels), "channels"))
            elif target == name:
                self.out.append(
                    Diagnostic(
                        "notifications-failover-self",
                        f"channel {name!r} fails over to itself",
                        location=where,
                        hint="name another channel of the same kind, e.g. a Vonage channel for a Twilio one",
                    )
                )
            elif other.kind is not channel.kind:
                self.out.append(
                    Diagnostic(
                        "notifications-failover-kind",
                        f"channel {name!r} sends {channel.kind.noun} but its failover {target!r} sends "
                        f"{other.kind.noun}",
                        location=where,
                        hint=f"fail over to another channel that sends {channel.kind.noun}: "
                        + (", ".join(n for n in self.n.channels_of(channel.kind) if n != name) or "define one"),
                    )
                )
            elif self._cycle(name):
                self.out.append(
                    Diagnostic(
                        "notifications-failover-cycle",
                        f"failover of channel {name!r} leads back to it",
                        location=where,
                        hint="end the failover chain at a channel without `failover`",
                    )
                )

    def _inbound(self) -> None:
        """Webhooks that come back (replies, keypresses, clicks, receipts) must be verifiable."""
        for name, channel in self.n.channels.items():
            if getattr(channel, "signing_secret", None) is not None and channel.type != "slack":
                self.out.append(
                    Diagnostic(
                        "notifications-signing-secret",
                        f"channel {name!r} is {channel.type}: only Slack signs button clicks with a signing secret",
                        location=self.locate(("channels", name, "signing_secret")),
                        hint="remove signing_secret (Mattermost buttons carry a per-incident secret of their own)",
                    )
                )
            if (
                self.n.notify.public_url is not None
                and channel.type in ("vonage_sms", "vonage_voice")
                and getattr(channel, "signature_secret", None) is None
            ):
                self.out.append(
                    Diagnostic(
                        "notifications-unsigned-webhooks",
                        f"channel {name!r}: notify.public_url is set, but Vonage's webhooks to it (replies, "
                        "receipts, keypresses) cannot be verified without the account's signature secret",
                        location=self.locate(("channels", name)),
                        hint="add `signature_secret: {secret: vonage/signature-secret}` (Vonage dashboard: "
                        "API settings, signed webhooks)",
                    )
                )

    def _cycle(self, start: str) -> bool:
        seen = {start}
        current = self.n.channels[start].failover
        while current is not None and current in self.n.channels:
            if current in seen:
                return current == start
            seen.add(current)
            current = self.n.channels[current].failover
        return False

    def _delivery(self, delivery: Delivery, path: PathKey) -> None:
        channel = self.n.channels.get(delivery.channel)
        if channel is None:
            where = self.locate((*path, "channel"))
            self.out.append(_unknown("channel", delivery.channel, where, list(self.n.channels), "channels"))
            return
        if not self._recipients(delivery.to, (*path, "to")):
            return
        need = _NEEDS.get(channel.kind)
        if channel.kind in (ChannelKind.SMS, ChannelKind.VOICE, ChannelKind.EMAIL) and not delivery.to:
            self.out.append(
                Diagnostic(
                    "notifications-no-recipient",
                    f"channel {delivery.channel!r} sends {channel.kind.noun} but no one is named in `to`",
                    location=self.locate(path),
                    hint="add `to:` with contact or group names",
                )
            )
            return
        if need is None:
            return
        attribute, what = need
        for person in self.n.recipients(delivery.to):
            contact = self.n.contacts.get(person)  # an unknown group member is reported at the group
            if contact is not None and getattr(contact, attribute) is None:
                self.out.append(
                    Diagnostic(
                        "notifications-unreachable",
                        f"contact {person!r} has no {attribute}, so channel {delivery.channel!r} cannot send "
                        f"them {what}",
                        location=self.locate((*path, "to")),
                        hint=f"add `{attribute}:` to contacts.{person}, or send to someone who has one",
                    )
                )

    # --- regions, sites, providers --------------------------------------------------------------
    def _hours(self) -> None:
        if self.regions is None:  # the regions folder is missing: reported once, at the folder
            return
        for key in self.n.business_hours:
            if key != "default" and key not in self.regions:
                where = self.locate(("business_hours", key))
                self.out.append(
                    Diagnostic(
                        "ref-region",
                        f"unknown region {key!r}",
                        location=where,
                        hint=_hint(key, [*self.regions, "default"], "regions (or 'default')"),
                    )
                )

    def _match(self, conditions: dict[str, list[str]], base: PathKey) -> None:
        known: dict[str, list[str] | None] = {"region": self.regions, "site": self.sites, "provider": self.providers}
        for label, values in conditions.items():
            names = known.get(label)
            if names is None:  # not a checked label, or its folder is missing (reported at the folder)
                continue
            for index, value in enumerate(values):
                if value not in names:
                    # A single value may be written without brackets: point at the key then.
                    path = (*base, "match", label) if len(values) == 1 else (*base, "match", label, index)
                    where = self.locate(path)
                    self.out.append(_unknown(label, value, where, names, f"{label}s"))


def check_notifications(
    notifications: Notifications,
    locate: Locate,
    regions: list[str] | None,
    sites: list[str],
    providers: list[str] | None,
) -> list[Diagnostic]:
    """Every unknown contact, group, channel, region, site or provider, and every page that cannot be delivered."""
    return _Checker(notifications, locate, regions, sites, providers).run()

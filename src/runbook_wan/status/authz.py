"""Who may do what, and see which part of the estate: role x region scope, as pure functions.

* **Roles** (:class:`Role`): ``viewer`` reads; ``operator`` also acknowledges and resolves
  incidents, adds and expires Alertmanager silences, and starts a drift check; ``admin`` also
  manages users and reads the audit log. Each role holds every action of the roles below it.
* **Scope**: all regions (``None``), or a set of region names. Outside its scope an actor sees
  nothing: the pane answers 404 and its counts and tables cover only the scope. Something with
  no region (an incident of a provider, of the probe itself) is seen only with all regions.
* An :class:`Actor` is who is asking and how (``via``: ``pane``, ``api``, ``cli``, ``sms``, ...):
  ``label()`` is what an action records, e.g. ``carol (pane)``.

Everything here is pure (no I/O): the web app, the command line and the notifier ask the same
questions in the same order, the role first (:func:`may`), the target's scope second
(:func:`sees`), so a viewer is refused whatever the target, and an operator learns nothing about
a target outside its regions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from runbook_wan.status.model import EstateView


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class Action(StrEnum):
    READ = "read"
    ACKNOWLEDGE = "incident-ack"
    RESOLVE = "incident-resolve"
    SILENCE = "silence-add"
    EXPIRE_SILENCE = "silence-expire"
    DRIFT_CHECK = "drift-check"
    MANAGE_USERS = "users"
    READ_AUDIT = "audit-read"


#: The least role that may take each action.
MIN_ROLE: dict[Action, Role] = {
    Action.READ: Role.VIEWER,
    Action.ACKNOWLEDGE: Role.OPERATOR,
    Action.RESOLVE: Role.OPERATOR,
    Action.SILENCE: Role.OPERATOR,
    Action.EXPIRE_SILENCE: Role.OPERATOR,
    Action.DRIFT_CHECK: Role.OPERATOR,
    Action.MANAGE_USERS: Role.ADMIN,
    Action.READ_AUDIT: Role.ADMIN,
}

#: Account names: what people type at a login prompt and what the audit log records.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9._@-]{0,63}")


@dataclass(frozen=True)
class Actor:
    name: str
    role: Role
    #: None: every region; otherwise only these.
    regions: frozenset[str] | None
    #: How the actor reached us: ``pane`` (a browser session), ``api`` (a token), ``cli``, ``sms``, ...
    via: str

    def label(self) -> str:
        """What an action records as its author, e.g. ``carol (pane)``."""
        return f"{self.name} ({self.via})"

    def scope_text(self) -> str:
        return "all regions" if self.regions is None else ", ".join(sorted(self.regions)) or "no region"


def scope_of(regions: Iterable[str] | None) -> frozenset[str] | None:
    return None if regions is None else frozenset(regions)


def may(actor: Actor, action: Action) -> bool:
    """Whether the actor's role allows the action (asked before any target is looked up)."""
    return actor.role.rank >= MIN_ROLE[action].rank


def sees(actor: Actor, region: str) -> bool:
    """Whether something in ``region`` is in the actor's scope ('' is no region: all-region actors only)."""
    return actor.regions is None or (bool(region) and region in actor.regions)


def allowed_actions(actor: Actor) -> frozenset[Action]:
    return frozenset(a for a in Action if may(actor, a))


def scope_view(view: EstateView, actor: Actor) -> EstateView:
    """The estate as the actor may see it: its sites and incidents only; counts follow.

    Rollouts in progress are listed for all-region actors only: a rollout spans regions.
    """
    if actor.regions is None:
        return view
    return replace(
        view,
        sites=[s for s in view.sites if sees(actor, s.region)],
        incidents=[i for i in view.incidents if sees(actor, i.region)],
        rollouts=[],
        engagement=view.engagement.within(lambda region: sees(actor, region)) if view.engagement else None,
    )

"""The three circuit roles of every site, and everything that follows from each role.

This table is the one place where the roles are spelled out. The intent schema's per-role
fields (``circuits``, ``routing``, a platform's ``interfaces``), config object names, object
tracking ids and the estate rules on provider kinds and media all derive from it; a test checks
that the models' fields equal it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CircuitRole(StrEnum):
    """A site's circuits, most preferred first by default."""

    PRIMARY_DIA = "primary_dia"
    SECONDARY_DIA = "secondary_dia"
    TERTIARY_WIRELESS = "tertiary_wireless"


@dataclass(frozen=True)
class RoleSpec:
    role: CircuitRole
    #: Upper-case label in config object names (``RM-PRIMARY-IN``).
    label: str
    #: What people call it, in reports and alerts.
    title: str
    #: Object-tracking id of the circuit's provider tracking route (platforms that track objects).
    track_id: int
    #: Provider kinds (``intents/providers/*.yaml`` ``kind``) a circuit of this role may come from.
    provider_kinds: frozenset[str]
    #: Access media a circuit of this role may use.
    media: frozenset[str]


ROLES: dict[CircuitRole, RoleSpec] = {
    spec.role: spec
    for spec in (
        RoleSpec(CircuitRole.PRIMARY_DIA, "PRIMARY", "primary DIA", 1, frozenset({"fiber"}), frozenset({"fiber"})),
        RoleSpec(
            CircuitRole.SECONDARY_DIA,
            "SECONDARY",
            "secondary DIA",
            2,
            frozenset({"broadband"}),
            frozenset({"broadband"}),
        ),
        RoleSpec(
            CircuitRole.TERTIARY_WIRELESS,
            "WIRELESS",
            "tertiary wireless",
            3,
            frozenset({"wireless"}),
            frozenset({"lte", "5g"}),
        ),
    )
}

#: The roles in order, as plain strings (field names of the per-role models).
CIRCUIT_ROLES: tuple[str, ...] = tuple(role.value for role in CircuitRole)
#: Every medium any role may use.
ALL_MEDIA: tuple[str, ...] = ("fiber", "broadband", "lte", "5g")
#: Every provider kind any role may come from.
ALL_PROVIDER_KINDS: tuple[str, ...] = ("fiber", "broadband", "wireless")

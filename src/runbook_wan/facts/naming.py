"""Names of derived config objects, in one place so every platform uses the same ones."""

from __future__ import annotations

from runbook_wan.model.roles import ROLES

#: Upper-case label of each role in object names (from the role table).
ROLE_LABEL: dict[str, str] = {role.value: spec.label for role, spec in ROLES.items()}

PL_DEFAULT = "PL-DEFAULT"
PL_SITE = "PL-SITE-PREFIXES"
STEERING_MAP = "SDWAN"


def pl_tracking(role: str) -> str:
    return f"PL-TRACK-{ROLE_LABEL[role]}"


def rm_in(role: str) -> str:
    return f"RM-{ROLE_LABEL[role]}-IN"


def rm_out(role: str) -> str:
    return f"RM-{ROLE_LABEL[role]}-OUT"


#: Firewall marks of the DSCP classifier: MARK_BASE + the code point (EF = 46 -> 0x12e). Clear of
#: the low marks other software on a router tends to use.
MARK_BASE = 0x100


def dscp_mark(dscp: int) -> int:
    return MARK_BASE + dscp


def steering_acl(seq: int) -> str:
    return f"ACL-SDWAN-{seq}"


def steering_class(seq: int) -> str:
    return f"CM-SDWAN-{seq}"


#: Object-tracking ids of each circuit's provider tracking route (platforms that track objects).
TRACK_IDS: dict[str, int] = {role.value: spec.track_id for role, spec in ROLES.items()}

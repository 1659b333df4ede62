"""Mask secrets in FRR configuration text (``get_config(sanitized=True)``)."""

from __future__ import annotations

import re

MASK = "<removed>"

#: Each pattern captures everything up to the secret in group 1; the secret is the next word.
_SECRET_PATTERNS = tuple(
    re.compile(pattern, re.MULTILINE)
    for pattern in (
        r"^(\s*neighbor \S+ password )\S+",
        r"^(\s*(?:enable )?password (?:\d+ )?)\S+",
        r"^(\s*ip ospf authentication-key )\S+",
        r"^(\s*ip ospf message-digest-key \d+ md5 )\S+",
        r"^(\s*ipv6 ospf6 authentication key-id \d+ hash-algo \S+ key )\S+",
        r"^(\s*(?:isis password|area-password|domain-password) (?:clear|md5) )\S+",
        r"^(\s*key-string )\S+",
        r"^(\s*ip rip authentication string )\S+",
    )
)


def sanitize_config(config: str) -> str:
    """``config`` with every known secret replaced by ``<removed>``."""
    for pattern in _SECRET_PATTERNS:
        config = pattern.sub(lambda m: m.group(1) + MASK, config)
    return config

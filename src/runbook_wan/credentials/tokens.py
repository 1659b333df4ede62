"""The token that stands for a secret in rendered configs, diffs and plans.

Rendered configs carry ``<secret:NAME>`` in place of a secret's value. Only the push path
substitutes the real value (see :mod:`credentials.resolver`); every output masks values back
into tokens (see :mod:`credentials.redact`).
"""

from __future__ import annotations

import re

TOKEN_PATTERN = re.compile(r"<secret:([a-z0-9][a-z0-9._/-]*)>")


def secret_token(name: str) -> str:
    return f"<secret:{name}>"


def token_names(text: str) -> list[str]:
    """Names of all secrets referenced in ``text``, sorted and unique."""
    return sorted(set(TOKEN_PATTERN.findall(text)))

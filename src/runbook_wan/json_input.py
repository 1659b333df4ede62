"""JSON from outside (webhooks, forms): every way it can be unreadable is a ``ValueError``.

``json.loads`` raises ``RecursionError``, not ``ValueError``, for nesting deeper than the interpreter's
recursion limit (``[[[[...``): unhandled, that is a 500 and a traceback for one request of a few kB.
"""

from __future__ import annotations

import json
from typing import Any


def loads(data: str | bytes | bytearray) -> Any:
    """``json.loads``; too deep a nesting raises ``ValueError`` like any other unreadable JSON."""
    try:
        return json.loads(data)
    except RecursionError as exc:
        raise ValueError("JSON nested too deep") from exc

"""Small parsing helpers shared by the getters' parsers."""

from __future__ import annotations

import json
import re
from typing import Any

_DURATION_PARTS = re.compile(r"(\d+)([wdhms])")
_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def json_documents(text: str) -> list[Any]:
    """Every JSON document in ``text``: vtysh prints one per ``-c`` command, back to back."""
    decoder = json.JSONDecoder()
    documents: list[Any] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return documents
        document, position = decoder.raw_decode(text, position)
        documents.append(document)


def duration_seconds(text: str) -> int:
    """FRR uptimes: ``00:01:27``, ``1d02h03m`` or ``01w2d03h`` -> seconds (0 when unknown)."""
    text = text.strip()
    if ":" in text:
        total = 0
        for part in text.split(":"):
            if not part.isdigit():
                return 0
            total = total * 60 + int(part)
        return total
    return sum(int(n) * _SECONDS[unit] for n, unit in _DURATION_PARTS.findall(text))


def as_int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default

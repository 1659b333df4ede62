"""The YAML text of plain data (mappings, lists, words, numbers), written directly: the same text as
:func:`runbook_wan.monitoring.bundle.dump`, about ten times faster, for the one block per site of
``probe-targets.yml`` (a 10,000-site build writes 10,000 of them).

Only what needs no decision of the YAML emitter is written here: keys and string values that are
plain words (no spaces, quotes or YAML indicators, not read back as a number, boolean or null),
ints, floats, booleans, None, and non-empty mappings and lists in block style. Anything else
returns None and the caller uses the YAML library; ``tests/monitoring/test_block_yaml.py`` checks
both give the same text.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

#: A string YAML writes plain, whatever its position: starts with a letter or digit, then word
#: characters and the few punctuation marks that are no indicator inside a plain scalar.
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./+-]*\Z")
_STR = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()
_plain: dict[str, bool] = {}


def _is_plain(text: str) -> bool:
    """A word that reads back as this same string."""
    known = _plain.get(text)
    if known is None:
        resolved = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        known = bool(_WORD.match(text)) and resolved == _STR
        if len(_plain) < 100_000:
            _plain[text] = known
    return known


def _scalar(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        text = repr(value).lower()
        return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text
    return value if isinstance(value, str) and _is_plain(value) else None


def _entry(name: str, value: Any, indent: str, out: list[str]) -> bool:
    """One ``key: value`` of a mapping (False: not writable here)."""
    if isinstance(value, dict | list) and not value:
        return False
    if isinstance(value, dict):
        out.append(f"{indent}{name}:\n")
        return _lines(value, indent + "  ", out)
    if isinstance(value, list):
        out.append(f"{indent}{name}:\n")
        return _items(value, indent, out)
    text = _scalar(value)
    if text is None:
        return False
    out.append(f"{indent}{name}: {text}\n")
    return True


def _lines(data: dict[Any, Any], indent: str, out: list[str]) -> bool:
    """Append the lines of a non-empty mapping at ``indent`` (False: not writable here)."""
    for key, value in data.items():
        name = _scalar(key) if isinstance(key, str) else None
        if name is None or not _entry(name, value, indent, out):
            return False
    return True


def _items(data: list[Any], indent: str, out: list[str]) -> bool:
    """A list under a mapping key: items at the key's own indent (PyYAML's indentless sequences)."""
    for value in data:
        if isinstance(value, dict):
            if not value:
                return False
            first = len(out)
            if not _lines(value, indent + "  ", out):
                return False
            out[first] = f"{indent}- " + out[first][len(indent) + 2 :]
        elif isinstance(value, list):
            return False
        else:
            text = _scalar(value)
            if text is None:
                return False
            out.append(f"{indent}- {text}\n")
    return True


def block_yaml(data: dict[str, Any]) -> str | None:
    """``dump(data)`` for a non-empty mapping of plain data, or None when it needs the YAML library."""
    out: list[str] = []
    if not data or not _lines(data, "", out):
        return None
    return "".join(out)

"""Secret rotations rebuild the sites that name the secret: a local record of keyed fingerprints.

A site's files hold ``<secret:NAME>`` tokens, never values, so what a committed output can depend on
is a secret's *name* (in the cache line) and its declared ``rotation`` (in the intents, so in the
cache line's inputs). The values themselves differ from machine to machine (a laptop, CI, the
deploy host each resolve their own), so their fingerprints are kept out of the committed cache and
recorded here, in the state folder (``<state>/build/secrets.json``): keyed HMACs from
:mod:`runbook_wan.credentials.fingerprints`, never a value. A render that finds a secret's
fingerprint changed since the last render on this machine rebuilds every site that names it.
Without the fingerprint key, nothing is recorded and rotations are not seen here (``deploy``
compares the values itself).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from runbook_wan.atomic_files import write_file

#: Fingerprints of secrets by name (None: the fingerprint key is not available).
Fingerprints = Callable[[Collection[str]], Mapping[str, str]]
RECORD = "build/secrets.json"


def _read(path: Path) -> dict[str, str]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    prints = data.get("fingerprints") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in prints.items()} if isinstance(prints, dict) else {}


class SecretWatch:
    """Which secrets changed value since the last render on this machine."""

    def __init__(self, fingerprints: Fingerprints | None, record: Path | None) -> None:
        self.fingerprints, self.record = fingerprints, record
        self.current: dict[str, str] = {}

    def rotated(self, names: Collection[str]) -> set[str]:
        """Names whose fingerprint differs from the recorded one (a name never recorded has not)."""
        if self.fingerprints is None or self.record is None or not names:
            return set()
        self.current = dict(self.fingerprints(sorted(set(names))))
        before = _read(self.record)
        return {n for n, fp in self.current.items() if n in before and before[n] != fp}

    def remember(self, names: Collection[str]) -> None:
        """Record the fingerprints of ``names`` (the secrets the estate's sites name now)."""
        if self.fingerprints is None or self.record is None:
            return
        missing = sorted(set(names) - set(self.current))
        if missing:
            self.current |= dict(self.fingerprints(missing))
        prints = {n: self.current[n] for n in sorted(set(names))}
        if _read(self.record) != prints:
            text = json.dumps({"fingerprints": prints}, indent=2, sort_keys=True) + "\n"
            with contextlib.suppress(OSError):  # a record not written only means a rotation unseen here
                write_file(self.record, text, mode=0o600)

"""Keyed fingerprints of secret values: tell that a value changed without ever holding it.

A fingerprint is ``hmac-sha256:`` + the first 32 hex digits (128 bits) of
HMAC-SHA256(key, ``name`` NUL ``value``). It is keyed because a plain hash of a short password in
git (or in a state folder, a cache key, a report) can be brute-forced offline; with a key that is
itself a secret (:data:`KEY_SECRET`, resolved like every secret) it cannot. The name is part of the
message, so two secrets that happen to share a value do not show equal fingerprints.

The key has an identifier (:attr:`Fingerprinter.key_id`, an HMAC of a fixed label), so a record
made with another key is recognised as such instead of looking like every secret rotated at once.

Stable API (other parts key caches and locks on it): :data:`KEY_SECRET`, :func:`fingerprint`,
:class:`Fingerprinter` (``from_resolver``, ``key_id``, ``of``, ``resolved``) and
:func:`secret_fingerprints`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field

from runbook_wan.credentials.resolver import SecretResolver
from runbook_wan.results import DiagnosticError

#: The secret holding the fingerprint key (``RUNBOOK_SECRET_RUNBOOK_FINGERPRINT_KEY`` or the secrets file).
KEY_SECRET = "runbook-fingerprint-key"
ALGORITHM = "hmac-sha256"
#: Hex digits kept: 128 bits, ample to tell two values apart, short enough to read in a diff.
DIGITS = 32
_KEY_ID_LABEL = b"runbook-fingerprint-key-id"


def fingerprint(key: bytes, name: str, value: str) -> str:
    """``hmac-sha256:<32 hex>`` of ``value`` under secret ``name``; the value cannot be recovered."""
    message = name.encode("utf-8") + b"\0" + value.encode("utf-8")
    return f"{ALGORITHM}:{hmac.new(key, message, hashlib.sha256).hexdigest()[:DIGITS]}"


@dataclass(frozen=True)
class Fingerprinter:
    """Fingerprints under one key (the key never appears in ``repr`` or output)."""

    key: bytes = field(repr=False)

    @classmethod
    def from_resolver(cls, resolver: SecretResolver) -> Fingerprinter:
        """The key from the secret sources (env, secrets files); a missing key is the usual
        ``secret-missing`` error naming the variable to export."""
        return cls(resolver.resolve(KEY_SECRET).encode("utf-8"))

    @property
    def key_id(self) -> str:
        """Identifies the key (not secret): records made with another key are told apart."""
        return hmac.new(self.key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]

    def of(self, name: str, value: str) -> str:
        return fingerprint(self.key, name, value)

    def resolved(self, resolver: SecretResolver, names: Iterable[str]) -> dict[str, str]:
        """Name -> fingerprint of its resolved value, sorted by name; every missing name is one
        error (``DiagnosticError``), as when a config is pushed."""
        wanted = sorted(set(names))
        missing = [n for n in wanted if resolver.lookup(n) is None]
        if missing:
            raise DiagnosticError([resolver.missing(n) for n in missing])
        return {name: self.of(name, resolver.resolve(name)) for name in wanted}


def secret_fingerprints(resolver: SecretResolver, names: Iterable[str]) -> dict[str, str]:
    """Name -> fingerprint of each secret's resolved value, keyed by :data:`KEY_SECRET` from ``resolver``."""
    return Fingerprinter.from_resolver(resolver).resolved(resolver, names)

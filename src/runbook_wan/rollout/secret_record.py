"""Which secret values each site last ran, as keyed fingerprints: how ``deploy`` sees a rotation.

Configs carry ``<secret:NAME>``, never values, so a value rotated in the secrets source changes what
a device runs without changing any rendered config. ``<state>/deployed/secrets.json`` keeps, per
site, each secret its config uses with the rotation generation the intents gave it and the keyed
fingerprint of the value it was pushed with (:mod:`runbook_wan.credentials.fingerprints`; never
the value). Before a rollout, the values resolved now are fingerprinted and compared:

* same fingerprint: nothing changes on the device (a raised ``rotation`` with the old value is
  reported: the secrets source was not updated);
* another fingerprint and a raised ``rotation``: a reviewed rotation; counted by the gate;
* another fingerprint and the same ``rotation``: a change review never saw. ``deploy`` refuses it
  (exit 7, nothing touched) unless ``--rotate-secret NAME`` or ``--allow-wide-change REASON``
  accepts it, which the audit log records.

A site with no record (a first rollout from this state folder, a new secret reference) has no
baseline: it is onboarding, as for configs. The fingerprint key is the secret
``runbook-fingerprint-key``; where none is set, a key is generated once for the state folder
(``<state>/fingerprint.key``, mode 600) and the run says so.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runbook_wan.credentials.fingerprints import KEY_SECRET, Fingerprinter
from runbook_wan.credentials.resolver import SecretResolver, env_name
from runbook_wan.credentials.tokens import token_names
from runbook_wan.review.secrets import SecretChange, sessions_of

RECORD_FILE = "secrets.json"
STATE_KEY_FILE = "fingerprint.key"
FORMAT = "runbook-deployed-secrets"


@dataclass(frozen=True)
class Deployed:
    """One secret as a site runs it: the intents' rotation generation and the value's fingerprint."""

    rotation: int
    fingerprint: str

    def to_dict(self) -> dict[str, Any]:
        return {"rotation": self.rotation, "fingerprint": self.fingerprint}


SiteSecrets = dict[str, dict[str, Deployed]]


def fingerprinter(resolver: SecretResolver, state_dir: Path, note: Callable[[str], None]) -> Fingerprinter:
    """The key from the secret sources, else one generated for this state folder (said once)."""
    value = resolver.lookup(KEY_SECRET)
    if value is not None:
        return Fingerprinter(value.encode("utf-8"))
    path = state_dir / STATE_KEY_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(32))
        note(
            f"secret fingerprints are keyed with a key generated for this state folder ({path}); set "
            f"{env_name(KEY_SECRET)} (or `{KEY_SECRET}` in the secrets file) to keep the key apart from them"
        )
    return Fingerprinter(path.read_text(encoding="utf-8").strip().encode("utf-8"))


class SecretRecord:
    """``<state>/deployed/secrets.json``."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "deployed" / RECORD_FILE

    def read(self) -> tuple[str | None, SiteSecrets]:
        """(key id, site -> secret -> Deployed); (None, {}) when there is no record."""
        if not self.path.is_file():
            return None, {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            sites = {
                site: {name: Deployed(int(v["rotation"]), str(v["fingerprint"])) for name, v in used.items()}
                for site, used in data["sites"].items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None, {}
        return str(data.get("key_id") or "") or None, sites

    def record(self, key_id: str, landed: SiteSecrets, prune: set[str] | None = None) -> None:
        """Remember what ``landed`` sites now run; ``prune``: the estate's sites (forget the others)."""
        old_key, sites = self.read()
        if old_key != key_id:
            sites = {}  # fingerprints under another key cannot be compared: start afresh
        sites |= landed
        if prune is not None:
            sites = {s: v for s, v in sites.items() if s in prune}
        payload = {
            "format": FORMAT,
            "version": 1,
            "key_id": key_id,
            "sites": {s: {n: d.to_dict() for n, d in sorted(v.items())} for s, v in sorted(sites.items())},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".secrets.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2)
        Path(tmp).replace(self.path)


def current(
    configs: dict[str, str], rotations: dict[str, int], resolver: SecretResolver, keyed: Fingerprinter
) -> SiteSecrets:
    """Site -> each secret its rendered config uses, with the rotation and the fingerprint of the
    value resolved now. A secret set nowhere is left out (pushing it fails later, by name)."""
    values: dict[str, str | None] = {}
    out: SiteSecrets = {}
    for site, text in configs.items():
        used: dict[str, Deployed] = {}
        for name in token_names(text):
            if name not in values:
                values[name] = resolver.lookup(name)
            value = values[name]
            if value is not None:
                used[name] = Deployed(rotations.get(name, 0), keyed.of(name, value))
        out[site] = used
    return out


@dataclass
class SecretComparison:
    changes: list[SecretChange]
    #: Rotations declared in the intents whose value did not change (the source was not updated).
    unchanged_rotations: dict[str, list[str]]
    #: Why no comparison was possible, if it was not ("" when it was).
    note: str = ""
    #: Fingerprints before -> after per secret (for the audit log; keyed, never values).
    fingerprints: dict[str, tuple[list[str], str]] | None = None


def compare(recorded: SiteSecrets, now: SiteSecrets, configs: dict[str, str]) -> SecretComparison:
    """Secret changes since each site's last rollout, grouped per secret and per reviewed-or-not."""
    grouped: dict[tuple[str, bool], SecretChange] = {}
    unchanged: dict[str, list[str]] = {}
    before: dict[str, set[str]] = {}
    after: dict[str, str] = {}
    for site in sorted(now):
        for name, used in sorted(now[site].items()):
            was = recorded.get(site, {}).get(name)
            if was is None:
                continue  # no baseline: onboarding
            if was.fingerprint == used.fingerprint:
                if used.rotation > was.rotation:
                    unchanged.setdefault(name, []).append(site)
                continue
            reviewed = used.rotation > was.rotation
            what = (
                f"rotation {was.rotation or 'none'} → {used.rotation}: the value changed"
                if reviewed
                else f"value changed in the secrets source; rotation still {used.rotation or 'none'} in the intents"
            )
            change = grouped.setdefault(
                (name, reviewed),
                SecretChange(
                    name,
                    what,
                    source="secrets source",
                    reviewed=reviewed,
                    rotation_before=was.rotation or None,
                    rotation_after=used.rotation or None,
                ),
            )
            change.sites.append(site)
            change.sessions[site] = sessions_of(configs.get(site, ""), name)
            before.setdefault(name, set()).add(was.fingerprint)
            after[name] = used.fingerprint
    fingerprints = {name: (sorted(before[name]), after[name]) for name in before}
    changes = sorted(grouped.values(), key=lambda c: (c.name, c.reviewed))
    return SecretComparison(changes, unchanged, fingerprints=fingerprints)

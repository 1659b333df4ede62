"""What a site's outputs are made from, as content digests (the keys of the build cache).

A site's outputs are a function of its *inputs*: its site file, the shared intent files it inherits
from or refers to (defaults, its region, its providers, its policy), its platform file, the
templates it was rendered from, the secrets it names (their values' fingerprints are watched per
machine: :mod:`runbook_wan.build.secrets`), and the code of Runbook that renders it. Files are
named ``ROOT:relative/path`` with ``ROOT`` one of ``intents``, ``platforms``, ``templates``, so a
digest does not depend on where the workspace is.

Only content counts: two folders with the same files give the same digests (Bazel and Nix key
their caches the same way).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import runbook_wan

#: Hex digits kept of each SHA-256: 128 bits, plenty to tell contents apart, short in a diff.
DIGITS = 32

_PACKAGE = Path(runbook_wan.__file__).resolve().parent
#: Package code a site's outputs depend on: the model (validation, defaults), the facts, the rendering,
#: the probe-targets block, and the build itself. Code that shapes only the estate-wide monitoring
#: files is not here: those files are rebuilt on every build. ``tests/build/test_build_code.py`` checks
#: that this covers everything a site's build imports.
RENDER_CODE: tuple[Path, ...] = tuple(
    _PACKAGE / part
    for part in (
        "__init__.py",
        "credentials/tokens.py",
        "model",
        "facts",
        "render",
        "monitoring/targets.py",
        "monitoring/bundle.py",
        "monitoring/block_yaml.py",
        "build",
    )
)

INTENTS, PLATFORMS, TEMPLATES = "intents", "platforms", "templates"

#: A string as ``json.dumps`` writes it (ASCII, escaped).
_json_string: Callable[[str], str] = json.encoder.encode_basestring_ascii


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:DIGITS]


def digest_text(text: str) -> str:
    return digest_bytes(text.encode("utf-8"))


def digest_json(value: object) -> str:
    """Digest of a JSON-able value in its canonical form (sorted keys, no spaces)."""
    return digest_text(json.dumps(value, sort_keys=True, separators=(",", ":")))


@cache
def code_digest() -> str:
    """Runbook's version and a digest of the code that renders (:data:`RENDER_CODE`)."""
    files = sorted(p for root in RENDER_CODE for p in ([root] if root.is_file() else root.rglob("*.py")) if p.is_file())
    hasher = hashlib.sha256(runbook_wan.__version__.encode())
    for path in files:
        hasher.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()[:DIGITS]


class FileDigests:
    """Digests of input files by name (``intents:regions/west.yaml``), each file read once (or not at
    all: ``read``, e.g. :meth:`runbook_wan.build.stat_index.StatIndex.digest`, may know it)."""

    def __init__(
        self, intents: Path, platforms: Path, templates: Path, read: Callable[[Path], str | None] | None = None
    ) -> None:
        self.roots = {INTENTS: intents, PLATFORMS: platforms, TEMPLATES: templates}
        self._known: dict[str, str | None] = {}
        self._pairs: dict[str, str] = {}
        self._prefixes = {root: f"{folder}/" for root, folder in self.roots.items()}
        self._read = read

    def path(self, name: str) -> Path:
        root, _, rel = name.partition(":")
        return self.roots[root] / rel

    def of(self, name: str) -> str | None:
        """The file's digest, or None when it cannot be read (missing: the site must be rebuilt)."""
        if name not in self._known:
            try:
                path = self.path(name)
                self._known[name] = self._read(path) if self._read else digest_bytes(path.read_bytes())
            except (OSError, KeyError):
                self._known[name] = None
        return self._known[name]

    def learn(self, name: str, digest: str | None) -> None:
        """A digest found elsewhere (a worker read the file before building from it); the first kept."""
        self._known.setdefault(name, digest)

    def pair(self, name: str) -> str | None:
        """``[name, digest]`` as JSON text, kept (10,000 sites name the same few shared files); None
        when the file cannot be read."""
        text = self._pairs.get(name)
        if text is None:
            found = self.of(name)
            if found is None:
                return None
            text = self._pairs[name] = f"[{_json_string(name)},{_json_string(found)}]"
        return text

    def name_of(self, root: str, path: Path) -> str:
        """``ROOT:rel`` of a file under one of the roots."""
        text, prefix = str(path), self._prefixes[root]
        if text.startswith(prefix):  # the usual case, without pathlib (10,000 site files)
            return f"{root}:{text[len(prefix) :]}"
        return f"{root}:{path.relative_to(self.roots[root]).as_posix()}"


def inputs_digest(deps: Sequence[str], digests: FileDigests, secrets: Sequence[str]) -> str | None:
    """One digest of everything a site is built from (its input files' contents and the names of the
    secrets its files refer to); None when an input is gone.

    It is ``digest_json({"files": [[name, digest], ...], "secrets": [...]})``, with the JSON written
    here from each file's ``[name, digest]`` text (:meth:`FileDigests.pair`).
    """
    files = []
    for name in sorted(deps):
        pair = digests.pair(name)
        if pair is None:
            return None
        files.append(pair)
    names = ",".join(_json_string(s) for s in sorted(secrets))
    return digest_text(f'{{"files":[{",".join(files)}],"secrets":[{names}]}}')

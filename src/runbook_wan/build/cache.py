"""The build cache: for every site, the digest of its inputs and of each output it produced.

Recorded beside the committed outputs, in ``configs/.render-cache.jsonl``: a header line (format,
Runbook's version, the digest of the rendering code), then one line per site file, sorted, so a
change to one site changes one line and two pull requests that change different sites merge.

A site is *clean* when, now,

* the code digest is the one in the header,
* the digest of its inputs (its site file and every file it was built from, by name, and the
  fingerprints of its secrets; :mod:`runbook_wan.build.inputs`) is the recorded one, and
* every output it produced has the recorded digest on disk (its files in ``configs/``, its block of
  ``monitoring/probe-targets.yml``).

Then rendering it again would give the same bytes: its inputs are the same files, and each line
names everything its site was built from (the build discovers it while rendering: which region,
providers, policy, platform and templates it used, like a compiler's depfile). Every line checks
itself against the files as they are, so a line that came from another branch through a merge is
still only trusted for what it proves. The cache is never an input: deleting it, or any line,
only costs a rebuild; a line that does not parse is a cache miss, never an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import runbook_wan
from runbook_wan.build.inputs import code_digest

FILE_NAME = ".render-cache.jsonl"
FORMAT = "runbook-render-cache"
VERSION = 1


@dataclass(frozen=True)
class SiteEntry:
    """One site file's last build."""

    #: The site file (under ``intents/sites/``) and the site id it defines.
    file: str
    site: str
    #: :func:`runbook_wan.build.inputs.inputs_digest` of ``deps`` and ``secrets`` when it was built.
    inputs: str
    #: Every input file (``intents:regions/west.yaml``, ``templates:frr/bgp.j2``), its own file too.
    deps: tuple[str, ...]
    #: Names of the secrets its outputs refer to.
    secrets: tuple[str, ...]
    #: Its files in ``configs/`` -> digest of their content.
    outputs: dict[str, str]
    #: Digest of its block of ``monitoring/probe-targets.yml``.
    target: str
    #: What ``--limit`` and the review select by, and what the estate-wide checks need.
    region: str
    platform: str
    policy: str
    tags: tuple[str, ...] = ()
    #: Digests of its warnings (``load:...`` or ``facts:...``), so the warning count stays exact.
    warnings: tuple[str, ...] = ()
    #: Its line, when known: the line it was read from (written back as it was: 10,000 unchanged
    #: lines are not re-encoded), or written by the worker process that built the site.
    read_from: str = field(default="", compare=False, repr=False)

    def line(self) -> str:
        if self.read_from:
            return self.read_from
        return self.encode()

    def encode(self) -> str:
        """The entry as one line of JSON (keys sorted, no spaces)."""
        data = {
            "deps": list(self.deps),
            "file": self.file,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "platform": self.platform,
            "policy": self.policy,
            "region": self.region,
            "secrets": list(self.secrets),
            "site": self.site,
            "tags": list(self.tags),
            "target": self.target,
            "warnings": list(self.warnings),
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def parse(cls, line: str) -> SiteEntry | None:
        try:
            data: Any = json.loads(line)
            return cls(
                file=str(data["file"]),
                site=str(data["site"]),
                inputs=str(data["inputs"]),
                deps=tuple(map(str, data["deps"])),
                secrets=tuple(map(str, data["secrets"])),
                outputs={str(k): str(v) for k, v in dict(data["outputs"]).items()},
                target=str(data["target"]),
                region=str(data["region"]),
                platform=str(data["platform"]),
                policy=str(data["policy"]),
                tags=tuple(map(str, data.get("tags", ()))),
                warnings=tuple(map(str, data.get("warnings", ()))),
                read_from=line,
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


@dataclass
class Manifest:
    """The whole cache: who wrote it, and each site file's entry."""

    runbook: str = runbook_wan.__version__
    code: str = field(default_factory=code_digest)
    entries: dict[str, SiteEntry] = field(default_factory=dict)

    @property
    def current(self) -> bool:
        """Written by this version and code of Runbook (else no entry can be trusted)."""
        return self.runbook == runbook_wan.__version__ and self.code == code_digest()

    def text(self) -> str:
        header = {"format": FORMAT, "version": VERSION, "runbook": self.runbook, "code": self.code}
        lines = [json.dumps(header, sort_keys=True, separators=(",", ":"))]
        lines += [self.entries[name].line() for name in sorted(self.entries)]
        return "\n".join(lines) + "\n"


def read_manifest(configs: Path) -> Manifest | None:
    """The cache recorded in ``configs``; None when there is none or it is not ours (a cache miss)."""
    try:
        text = (configs / FILE_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines = text.splitlines()
    try:
        header: Any = json.loads(lines[0]) if lines else None
    except ValueError:
        return None
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("version") != VERSION:
        return None
    manifest = Manifest(runbook=str(header.get("runbook")), code=str(header.get("code")))
    for line in lines[1:]:
        entry = SiteEntry.parse(line)
        if entry is not None:
            manifest.entries[entry.file] = entry
    return manifest


def merged(base: Manifest | None, updates: Iterable[SiteEntry], files: Iterable[str]) -> Manifest:
    """A manifest of this code with ``updates`` over ``base``'s entries, for the site files ``files``."""
    keep = set(files)
    entries: Mapping[str, SiteEntry] = base.entries if base is not None and base.current else {}
    result = Manifest(entries={name: entry for name, entry in entries.items() if name in keep})
    for entry in updates:
        result.entries[entry.file] = entry
    return result

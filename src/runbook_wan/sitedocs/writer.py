"""Write the site documentation into ``docs/sites/`` (committed like ``configs/``; PRs show changes).

Everything is built in memory first; each file is replaced in one rename, and pages of sites that
no longer exist are removed, so the folder always matches the intents.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from runbook_wan.facts.builder import build_estate_facts
from runbook_wan.model.estate import Estate
from runbook_wan.sitedocs.pages import Pages, build_pages


@dataclass(frozen=True)
class DocsSummary:
    written: list[str]
    unchanged: list[str]
    removed: list[str]


def estate_pages(estate: Estate) -> Pages:
    facts, _ = build_estate_facts(estate)
    return build_pages(estate, facts)


def write_pages(pages: Pages, out_dir: Path) -> DocsSummary:
    out_dir.mkdir(parents=True, exist_ok=True)
    written, unchanged = [], []
    for name, body in sorted(pages.files.items()):
        path = out_dir / name
        if path.is_file() and path.read_text(encoding="utf-8") == body:
            unchanged.append(name)
            continue
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(body)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(name)
    removed = []
    for path in sorted(out_dir.glob("*.md")):
        if path.name not in pages.files:
            path.unlink()
            removed.append(path.name)
    return DocsSummary(written, unchanged, removed)

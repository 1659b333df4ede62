"""Write the site documentation into ``docs/sites/`` (committed like ``configs/``; PRs show changes).

Everything is built in memory first, then written all or nothing; pages of sites that no longer
exist are removed, so the folder always matches the intents.
"""

from __future__ import annotations

from pathlib import Path

from runbook_wan.atomic_files import FolderWrite, write_folder
from runbook_wan.facts.builder import build_estate_facts
from runbook_wan.model.estate import Estate
from runbook_wan.sitedocs.pages import Pages, build_pages


def estate_pages(estate: Estate) -> Pages:
    facts, _ = build_estate_facts(estate)
    return build_pages(estate, facts)


def write_pages(pages: Pages, out_dir: Path) -> FolderWrite:
    """All or nothing (:func:`runbook_wan.atomic_files.write_folder`); stale pages of removed sites go."""
    return write_folder(out_dir, pages.files, prune=lambda name: name.endswith(".md"))

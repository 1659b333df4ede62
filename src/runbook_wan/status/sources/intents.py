"""Source: the intents and their facts (sites, circuits, providers, steering per class)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runbook_wan.facts.builder import build_estate_facts
from runbook_wan.facts.models import SiteFacts
from runbook_wan.model.estate import Estate
from runbook_wan.model.loader import load_estate


@dataclass(frozen=True)
class IntentsView:
    estate: Estate
    facts: dict[str, SiteFacts]


def fingerprint(intents: Path) -> tuple[int, float]:
    """Changes when any intent file is added, removed or edited (cheap: a stat per file)."""
    files = [p for p in intents.rglob("*.y*ml") if p.is_file()]
    return len(files), max((p.stat().st_mtime for p in files), default=0.0)


def load(intents: Path, platforms: Path) -> IntentsView:
    estate, _ = load_estate(intents, platforms)
    facts, _ = build_estate_facts(estate, estate.site_ids())
    return IntentsView(estate, facts)

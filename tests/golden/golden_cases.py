"""Golden cases: the configs and facts the pipeline produces for a few sites, kept in git.

Layout (everything is found by globbing; nothing is listed by hand)::

    tests/golden/<case>/case.yaml                     intents: <estate folder, relative to the repo>
    tests/golden/<case>/expected/configs/<site>.cfg   the rendered config
    tests/golden/<case>/expected/configs/<site>.<x>   the platform's artifacts (FRR: .nft, .agent.json)
    tests/golden/<case>/expected/facts/<site>.json    the site's facts, dataclasses.asdict

A case's sites are the stems of its expected files. Add one with
``python tests/golden/regen.py --add <case> <site>``; regenerate all with ``python tests/golden/regen.py``
and review the git diff before committing.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
GOLDEN_DIR = Path(__file__).resolve().parent
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

from runbook_wan.facts.models import SiteFacts  # noqa: E402
from runbook_wan.render.pipeline import render_estate  # noqa: E402


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path
    intents: Path
    about: str

    @property
    def expected(self) -> Path:
        return self.folder / "expected"

    def sites(self) -> list[str]:
        """Sites with an expected config or facts file."""
        found = {p.stem for p in (self.expected / "configs").glob("*.cfg")}
        found |= {p.stem for p in (self.expected / "facts").glob("*.json")}
        return sorted(found)

    def expected_files(self, site: str) -> dict[Path, Path]:
        """Relative name -> path of the expected files of ``site``: config, facts and any artifact."""
        rel = [Path("configs") / f"{site}.cfg", Path("facts") / f"{site}.json"]
        rel += sorted(
            Path("configs") / p.name for p in (self.expected / "configs").glob(f"{site}.*") if p.name != f"{site}.cfg"
        )
        return {r: self.expected / r for r in rel}


def discover() -> list[Case]:
    cases = []
    for spec in sorted(GOLDEN_DIR.glob("*/case.yaml")):
        data = yaml.safe_load(spec.read_text(encoding="utf-8"))
        cases.append(
            Case(
                name=spec.parent.name,
                folder=spec.parent,
                intents=REPO / data["intents"],
                about=str(data.get("about", "")),
            )
        )
    return cases


def facts_json(facts: SiteFacts) -> str:
    return json.dumps(dataclasses.asdict(facts), indent=2, ensure_ascii=False) + "\n"


@functools.cache
def _render(intents: Path, sites: tuple[str, ...]) -> dict[str, dict[Path, str]]:
    result = render_estate(intents, ",".join(sites))
    return {
        sid: {
            **{Path("configs") / f"{sid}{suffix}": text for suffix, text in result.configs[sid].files.items()},
            Path("facts") / f"{sid}.json": facts_json(result.facts[sid]),
        }
        for sid in sites
    }


def actual(case: Case, sites: list[str] | None = None) -> dict[str, dict[Path, str]]:
    """What the pipeline produces now for the case's sites: site -> relative name -> text."""
    return _render(case.intents, tuple(sorted(sites if sites is not None else case.sites())))

"""Per-dialect patterns (``dialects.yaml``): how to find definitions, uses and default-path lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from runbook_wan.validation.builtin.configtext import ConfigLine

DIALECTS_FILE = Path(__file__).with_name("dialects.yaml")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


#: The literal first word a pattern requires (``^\s+neighbor ...`` -> ``neighbor``), for a fast pre-filter.
_KEYWORD = re.compile(r"^\^(?:\\s\+| +)?([A-Za-z][A-Za-z0-9_-]*)(?=[ $]|\\[bs]|$)")


class LinePattern(_Data):
    """A regex over a whole line, optionally only below a parent line matching ``under``."""

    pattern: re.Pattern[str]
    under: re.Pattern[str] | None = None

    @field_validator("pattern", "under", mode="before")
    @classmethod
    def _compile(cls, value: Any) -> Any:
        return re.compile(value) if isinstance(value, str) else value

    @property
    def keyword(self) -> str | None:
        """The first word every matching line starts with, if the pattern fixes one."""
        found = _KEYWORD.match(self.pattern.pattern)
        return found.group(1) if found else None

    def match(self, line: ConfigLine) -> re.Match[str] | None:
        if self.under is not None and not any(self.under.search(p) for p in line.parents):
            return None
        return self.pattern.search(line.text)

    @staticmethod
    def names(found: re.Match[str]) -> list[str]:
        """The name(s) a match captured: group ``name``, or ``names`` (several, space-separated)."""
        groups = found.groupdict()
        if groups.get("names") is not None:
            return groups["names"].split()
        return [groups["name"]]


def _patterns(value: Any) -> Any:
    if isinstance(value, list):
        return [{"pattern": v} if isinstance(v, str) else v for v in value]
    return value


class StructureSpec(_Data):
    report_unused: bool = True
    define: list[LinePattern] = Field(min_length=1)
    use: list[LinePattern] = Field(default_factory=list)

    _norm = field_validator("define", "use", mode="before")(_patterns)

    @field_validator("define", "use")
    @classmethod
    def _named(cls, value: list[LinePattern]) -> list[LinePattern]:
        for item in value:
            if not {"name", "names"} & set(item.pattern.groupindex):
                raise ValueError(f"pattern {item.pattern.pattern!r} has no group `name` or `names`")
        return value


class DefaultPathSpec(_Data):
    neighbor: re.Pattern[str]
    neighbor_shutdown: re.Pattern[str]
    neighbor_route_map_in: re.Pattern[str]
    #: With ``activation_required`` present under ``router bgp``, a neighbor exchanges IPv4 routes
    #: only after a ``neighbor_activate`` line (EOS/IOS ``no bgp default ipv4-unicast``).
    neighbor_activate: re.Pattern[str] | None = None
    activation_required: re.Pattern[str] | None = None
    route_map_entry: re.Pattern[str]
    match_prefix_list: re.Pattern[str]
    unsupported_clause: re.Pattern[str]
    set_local_preference: re.Pattern[str]
    prefix_list_entry: re.Pattern[str]
    interface: re.Pattern[str]
    interface_address: re.Pattern[str]
    default_local_preference: int = 100

    @field_validator("*", mode="before")
    @classmethod
    def _compile(cls, value: Any) -> Any:
        return re.compile(value) if isinstance(value, str) else value


#: (structure kind, True for a definition / False for a use, pattern)
Candidate = tuple[str, bool, LinePattern]


class Dialect(_Data):
    name: str
    structures: dict[str, StructureSpec]
    default_path: DefaultPathSpec

    @cached_property
    def candidates(self) -> tuple[dict[str, list[Candidate]], list[Candidate]]:
        """Patterns by the first word of the lines they can match, plus those that fix no word.

        Within each list, a structure's definitions come before its uses (the scan relies on it).
        """
        ordered: list[Candidate] = [(kind, True, p) for kind, spec in self.structures.items() for p in spec.define]
        ordered += [(kind, False, p) for kind, spec in self.structures.items() for p in spec.use]
        rank = {id(c): i for i, c in enumerate(ordered)}
        unkeyed = [c for c in ordered if c[2].keyword is None]
        keyed: dict[str, list[Candidate]] = {}
        for cand in ordered:
            if cand[2].keyword is not None:
                keyed.setdefault(cand[2].keyword, []).append(cand)
        merged = {word: sorted(items + unkeyed, key=lambda c: rank[id(c)]) for word, items in keyed.items()}
        return merged, unkeyed


@dataclass(frozen=True)
class Dialects:
    """All dialects, by name (a platform's ``templates`` value)."""

    by_name: dict[str, Dialect]

    def get(self, name: str) -> Dialect | None:
        return self.by_name.get(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_name)


def load_dialects(path: Path = DIALECTS_FILE) -> Dialects:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Dialects({name: Dialect.model_validate({"name": name, **spec}) for name, spec in raw.items()})

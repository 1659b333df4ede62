"""Per-dialect patterns (``dialects.yaml``): how to find definitions, uses and default-path lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from validation.builtin.configtext import ConfigLine

DIALECTS_FILE = Path(__file__).with_name("dialects.yaml")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class LinePattern(_Data):
    """A regex over a whole line, optionally only below a parent line matching ``under``."""

    pattern: re.Pattern[str]
    under: re.Pattern[str] | None = None

    @field_validator("pattern", "under", mode="before")
    @classmethod
    def _compile(cls, value: Any) -> Any:
        return re.compile(value) if isinstance(value, str) else value

    def match(self, line: ConfigLine) -> re.Match[str] | None:
        if self.under is not None and not any(self.under.search(p) for p in line.parents):
            return None
        return self.pattern.search(line.text)


def _patterns(value: Any) -> Any:
    if isinstance(value, list):
        return [{"pattern": v} if isinstance(v, str) else v for v in value]
    return value


class StructureSpec(_Data):
    report_unused: bool = True
    define: list[LinePattern] = Field(min_length=1)
    use: list[LinePattern] = Field(default_factory=list)

    _norm = field_validator("define", "use", mode="before")(_patterns)


class DefaultPathSpec(_Data):
    neighbor: re.Pattern[str]
    neighbor_shutdown: re.Pattern[str]
    neighbor_route_map_in: re.Pattern[str]
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


class Dialect(_Data):
    name: str
    structures: dict[str, StructureSpec]
    default_path: DefaultPathSpec


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

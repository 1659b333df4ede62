"""What every check family receives and must provide."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from runbook_wan.render.pipeline import RenderResult
from runbook_wan.render.writer import config_path
from runbook_wan.validation.report import CheckResult

Backend = Literal["builtin", "batfish", "all"]


@dataclass(frozen=True)
class ValidationOptions:
    """Options of one validation run (from the CLI or an embedding caller)."""

    backend: Backend = "builtin"
    #: Batfish service host; None means "not configured" (the Batfish checks then report skipped).
    batfish_host: str | None = None
    batfish_allowlist: Path | None = None
    #: Directory the rendered configs live in (findings in configs point at ``<configs>/<site>.cfg``).
    configs_dir: Path = Path("configs")
    #: Run FRR syntax through vtysh (turned off by the bench to time the rest alone).
    vtysh: bool = True
    #: Parallel vtysh processes; None = one per CPU.
    jobs: int | None = None
    #: Options of later check families (e.g. ``{"twin": True}``), keyed by family.
    extras: Mapping[str, object] = field(default_factory=dict)

    @property
    def builtin(self) -> bool:
        return self.backend in ("builtin", "all")

    @property
    def batfish(self) -> bool:
        return self.backend in ("batfish", "all")


@dataclass(frozen=True)
class ValidationContext:
    """The rendered estate a run validates, plus its options."""

    rendered: RenderResult
    options: ValidationOptions

    @property
    def sites(self) -> list[str]:
        return list(self.rendered.selected)

    def config_file(self, site: str) -> str:
        """Name findings use for a site's rendered config, e.g. ``configs/chi-021.cfg``."""
        return str(config_path(self.options.configs_dir, site))


class CheckFamily(Protocol):
    """One family of checks (estate rules, config checks, twin...)."""

    name: str
    title: str

    def enabled(self, options: ValidationOptions) -> bool: ...

    def run(self, ctx: ValidationContext) -> list[CheckResult]: ...

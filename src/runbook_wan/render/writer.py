"""Write rendered configs to ``configs/<site>.cfg`` (the folder is committed; PRs show diffs).

The folder is written all or nothing (:func:`runbook_wan.atomic_files.write_folder`): a render
that cannot write one config changes none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runbook_wan.atomic_files import write_folder
from runbook_wan.render.renderer import RenderedConfig
from runbook_wan.results import Diagnostic, DiagnosticError, SourceLocation

SUFFIX = ".cfg"


@dataclass(frozen=True)
class WriteSummary:
    written: list[str]
    unchanged: list[str]
    removed: list[str]


def config_path(out_dir: Path, site: str) -> Path:
    return out_dir / f"{site}{SUFFIX}"


def write_configs(configs: dict[str, RenderedConfig], out_dir: Path, prune: bool) -> WriteSummary:
    """Write every config; with ``prune``, delete configs of sites that no longer exist."""
    done = write_folder(
        out_dir,
        {config_path(out_dir, sid).name: cfg.text for sid, cfg in configs.items()},
        prune=(lambda name: name.endswith(SUFFIX)) if prune else None,
    )

    def sites(names: list[str]) -> list[str]:
        return sorted(name.removesuffix(SUFFIX) for name in names)

    return WriteSummary(written=sites(done.written), unchanged=sites(done.unchanged), removed=sites(done.removed))


def read_configs(out_dir: Path) -> dict[str, str]:
    """Committed configs on disk, by site. An entry that cannot be read is an error naming it."""
    if not out_dir.is_dir():
        return {}
    configs: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for path in sorted(out_dir.glob(f"*{SUFFIX}")):
        try:
            configs[path.stem] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = "it is a folder" if path.is_dir() else getattr(exc, "strerror", None) or "not UTF-8 text"
            problems.append(
                Diagnostic(
                    "configs-read",
                    f"cannot read the committed config: {why}",
                    location=SourceLocation(str(path)),
                    hint="configs/ holds one <site>.cfg file per site; move this entry away",
                )
            )
    if problems:
        raise DiagnosticError(problems)
    return configs

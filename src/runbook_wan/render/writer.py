"""Write rendered configs to ``configs/<site>.cfg`` (the folder is committed; PRs show diffs)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from runbook_wan.render.renderer import RenderedConfig

SUFFIX = ".cfg"


@dataclass(frozen=True)
class WriteSummary:
    written: list[str]
    unchanged: list[str]
    removed: list[str]


def config_path(out_dir: Path, site: str) -> Path:
    return out_dir / f"{site}{SUFFIX}"


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_configs(configs: dict[str, RenderedConfig], out_dir: Path, prune: bool) -> WriteSummary:
    """Write every config; with ``prune``, delete configs of sites that no longer exist."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written, unchanged = [], []
    for sid, cfg in sorted(configs.items()):
        path = config_path(out_dir, sid)
        if path.is_file() and path.read_text(encoding="utf-8") == cfg.text:
            unchanged.append(sid)
            continue
        _atomic_write(path, cfg.text)
        written.append(sid)
    removed = []
    if prune:
        for path in sorted(out_dir.glob(f"*{SUFFIX}")):
            if path.stem not in configs:
                path.unlink()
                removed.append(path.stem)
    return WriteSummary(written=written, unchanged=unchanged, removed=removed)


def read_configs(out_dir: Path) -> dict[str, str]:
    """Committed configs on disk, by site."""
    if not out_dir.is_dir():
        return {}
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(out_dir.glob(f"*{SUFFIX}"))}

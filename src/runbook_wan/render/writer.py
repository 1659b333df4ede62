"""Write rendered sites to ``configs/``: ``<site>.cfg`` and the platform's artifacts beside it
(``<site>.nft``, ``<site>.agent.json`` on FRR). The folder is committed; PRs show the diffs.

The folder is written all or nothing (:func:`runbook_wan.atomic_files.write_folder`): a render
that cannot write one file changes none.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from runbook_wan.atomic_files import write_folder
from runbook_wan.render.renderer import CONFIG_SUFFIX, RenderedConfig
from runbook_wan.results import Diagnostic, DiagnosticError, SourceLocation

SUFFIX = CONFIG_SUFFIX

#: A site's files by suffix (``.cfg`` always; artifacts where the platform has them).
SiteFiles = dict[str, str]


@dataclass(frozen=True)
class WriteSummary:
    written: list[str]
    unchanged: list[str]
    removed: list[str]


def config_path(out_dir: Path, site: str) -> Path:
    return out_dir / f"{site}{SUFFIX}"


def artifact_path(out_dir: Path, site: str, suffix: str) -> Path:
    return out_dir / f"{site}{suffix}"


def split_name(name: str, suffixes: Iterable[str]) -> tuple[str, str] | None:
    """``chi-021.agent.json`` -> ``("chi-021", ".agent.json")`` (the longest known suffix), or None."""
    for suffix in sorted({SUFFIX, *suffixes}, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return None


def write_configs(
    configs: dict[str, RenderedConfig], out_dir: Path, prune: bool, suffixes: Collection[str] = ()
) -> WriteSummary:
    """Write every site's files; with ``prune``, delete files of sites (and artifacts) that no longer exist.

    ``suffixes``: every artifact suffix the estate's platforms declare, so a stale artifact is pruned
    too. A site counts as written when any of its files changed, removed when its config was removed.
    """
    known = {SUFFIX, *suffixes, *(s for cfg in configs.values() for s in cfg.sidecars)}
    files = {f"{sid}{suffix}": text for sid, cfg in configs.items() for suffix, text in cfg.files.items()}
    done = write_folder(
        out_dir,
        files,
        prune=(lambda name: split_name(name, known) is not None) if prune else None,
    )

    def site_of(name: str) -> str:
        found = split_name(name, known)
        return found[0] if found else name

    written = {site_of(n) for n in done.written}
    removed = {site_of(n) for n in done.removed if n.endswith(SUFFIX)}
    unchanged = {site_of(n) for n in done.unchanged} - written
    return WriteSummary(written=sorted(written), unchanged=sorted(unchanged), removed=sorted(removed))


def _read(path: Path, problems: list[Diagnostic]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = "it is a folder" if path.is_dir() else getattr(exc, "strerror", None) or "not UTF-8 text"
        problems.append(
            Diagnostic(
                "configs-read",
                f"cannot read the committed config: {why}",
                location=SourceLocation(str(path)),
                hint="configs/ holds one <site>.cfg file per site (and its artifacts); move this entry away",
            )
        )
        return None


def read_configs(out_dir: Path) -> dict[str, str]:
    """Committed configs on disk, by site. An entry that cannot be read is an error naming it."""
    return {site: files[SUFFIX] for site, files in read_site_files(out_dir).items()}


def read_site_files(
    out_dir: Path, suffixes: Collection[str] = (), sites: Collection[str] | None = None
) -> dict[str, SiteFiles]:
    """Committed files on disk by site: ``.cfg`` and the artifacts with ``suffixes`` beside it.

    Only sites with a config are listed; ``sites`` reads only those. An entry that cannot be read is
    an error naming it.
    """
    if not out_dir.is_dir():
        return {}
    problems: list[Diagnostic] = []
    found: dict[str, SiteFiles] = {}
    if sites is None:
        paths = sorted(out_dir.glob(f"*{SUFFIX}"))
    else:
        paths = [p for s in sorted(sites) if (p := config_path(out_dir, s)).exists()]
    for path in paths:
        text = _read(path, problems)
        if text is not None:
            found[path.name[: -len(SUFFIX)]] = {SUFFIX: text}
    for site, files in found.items():
        for suffix in sorted(suffixes):
            path = artifact_path(out_dir, site, suffix)
            if path.exists():
                text = _read(path, problems)
                if text is not None:
                    files[suffix] = text
    if problems:
        raise DiagnosticError(problems)
    return found

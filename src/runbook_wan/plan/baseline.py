"""What the plan compares against: the committed ``configs/`` folder, or the same folder at a git ref."""

from __future__ import annotations

import subprocess
from collections.abc import Collection
from pathlib import Path

from runbook_wan.render.writer import SUFFIX, read_configs
from runbook_wan.results import Diagnostic, DiagnosticError

#: Up to this many sites are named to ``git ls-tree``; more are filtered from the folder's listing.
_FEW = 200


def _git(args: list[str], cwd: Path, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, input=input_text, check=False)


def read_baseline(configs_dir: Path, against: str | None, sites: Collection[str] | None = None) -> dict[str, str]:
    """Configs by site: from disk, or from ``configs_dir`` as committed at git ref ``against``.

    ``sites`` reads only those sites' configs (a plan that re-renders a few sites of many).
    """
    if against is None:
        if sites is not None:
            return {
                s: p.read_text(encoding="utf-8") for s in sorted(sites) if (p := configs_dir / f"{s}{SUFFIX}").is_file()
            }
        return read_configs(configs_dir)
    folder = configs_dir.resolve()
    top = _git(["rev-parse", "--show-toplevel"], cwd=folder.parent if not folder.is_dir() else folder)
    if top.returncode != 0:
        raise DiagnosticError(
            [
                Diagnostic(
                    "plan-git",
                    f"--against {against}: {configs_dir} is not in a git repository",
                    hint="run plan from inside the repository, or drop --against",
                )
            ]
        )
    root = Path(top.stdout.strip())
    rel = folder.relative_to(root).as_posix()
    verify = _git(["rev-parse", "--verify", "--quiet", f"{against}^{{commit}}"], cwd=root)
    if verify.returncode != 0:
        raise DiagnosticError(
            [
                Diagnostic(
                    "plan-git-ref",
                    f"--against: unknown git ref {against!r}",
                    hint="use a branch, tag or commit, e.g. origin/main or HEAD~1",
                )
            ]
        )
    # Blob ids from one ls-tree, then cat-file by id: a ``REF:path`` lookup per file would scan the
    # folder's tree once per file (seconds for 10,000 sites).
    wanted = {f"{rel}/{s}{SUFFIX}" if rel != "." else f"{s}{SUFFIX}" for s in sites} if sites is not None else None
    paths = sorted(wanted) if wanted is not None and len(wanted) <= _FEW else [rel]
    listing = _git(["ls-tree", "-r", against, "--", *paths], cwd=root)
    blobs: list[tuple[str, str]] = []
    for line in listing.stdout.splitlines():
        meta, _, name = line.partition("\t")
        if not name.endswith(SUFFIX) or "/" in name[len(rel) + 1 :] or (wanted is not None and name not in wanted):
            continue
        blobs.append((name, meta.split()[2]))
    if not blobs:
        return {}
    batch = _git(["cat-file", "--batch"], cwd=root, input_text="".join(f"{sha}\n" for _, sha in blobs))
    return _parse_batch(batch.stdout, [name for name, _ in blobs])


def _parse_batch(output: str, names: list[str]) -> dict[str, str]:
    configs: dict[str, str] = {}
    data = output.encode()
    pos = 0
    for name in names:
        header_end = data.index(b"\n", pos)
        header = data[pos:header_end].decode().split()
        size = int(header[2])
        body = data[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
        configs[Path(name).stem] = body.decode()
    return configs

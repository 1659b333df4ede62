"""What the plan compares against: the committed ``configs/`` folder, or the same folder at a git ref.

Each site's files: ``<site>.cfg`` and the artifacts beside it (``suffixes``: ``.nft``, ``.agent.json``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Collection
from pathlib import Path

from runbook_wan.render.writer import SUFFIX, SiteFiles, read_site_files, split_name
from runbook_wan.results import Diagnostic, DiagnosticError

#: Up to this many sites are named to ``git ls-tree``; more are filtered from the folder's listing.
_FEW = 200


def _git(args: list[str], cwd: Path, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, input=input_text, check=False)


def read_baseline(
    configs_dir: Path, against: str | None, sites: Collection[str] | None = None, suffixes: Collection[str] = ()
) -> dict[str, SiteFiles]:
    """Each site's files (suffix -> text): from disk, or from ``configs_dir`` as committed at git ref
    ``against``. Only sites with a config are listed.

    ``sites`` reads only those sites' files (a plan that re-renders a few sites of many).
    """
    if against is None:
        return read_site_files(configs_dir, suffixes, sites)
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
    every = (SUFFIX, *suffixes)
    prefix = f"{rel}/" if rel != "." else ""
    wanted = {f"{prefix}{s}{x}" for s in sites for x in every} if sites is not None else None
    paths = sorted(wanted) if wanted is not None and len(wanted) <= _FEW else [rel]
    listing = _git(["ls-tree", "-r", against, "--", *paths], cwd=root)
    blobs: list[tuple[str, str, str]] = []
    for line in listing.stdout.splitlines():
        meta, _, name = line.partition("\t")
        found = split_name(name[len(prefix) :], suffixes) if name.startswith(prefix) else None
        if found is None or "/" in found[0] or (wanted is not None and name not in wanted):
            continue
        blobs.append((found[0], found[1], meta.split()[2]))
    if not blobs:
        return {}
    batch = _git(["cat-file", "--batch"], cwd=root, input_text="".join(f"{sha}\n" for *_, sha in blobs))
    texts = _parse_batch(batch.stdout, len(blobs))
    files: dict[str, SiteFiles] = {}
    for (site, suffix, _), text in zip(blobs, texts, strict=True):
        files.setdefault(site, {})[suffix] = text
    return {site: found for site, found in files.items() if SUFFIX in found}


def _parse_batch(output: str, count: int) -> list[str]:
    texts: list[str] = []
    data = output.encode()
    pos = 0
    for _ in range(count):
        header_end = data.index(b"\n", pos)
        header = data[pos:header_end].decode().split()
        size = int(header[2])
        body = data[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
        texts.append(body.decode())
    return texts

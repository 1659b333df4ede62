"""The estate build behind ``render`` (and the plan): every site's files and the monitoring files,
from a cache of what changed, on every core, written all or nothing.

1. The shared intents are loaded once. Anything wrong with them (or with the folders) is reported
   by the whole-estate pipeline itself, exactly as before.
2. The cache (:mod:`runbook_wan.build.cache`) proves which site files are unchanged: same inputs,
   same outputs on disk. ``full`` ignores it. Only the other sites are built.
3. The sites to build are built independently (:mod:`runbook_wan.build.site_job`), in worker
   processes when there are many (:mod:`runbook_wan.build.workers`); each stages its files beside
   the committed ones as it goes, so memory holds the sites in flight, not the estate.
4. The findings are put in the whole-estate order (:mod:`runbook_wan.build.findings`). Any error:
   every staged file is removed, nothing changed.
5. The staged files are renamed into place (``configs/`` all or nothing, then ``monitoring/``, its
   targets file spliced from the committed blocks of unchanged sites and the new blocks), stale
   files removed, and the cache rewritten last (a cache older than the outputs only costs a rebuild).

``mode``: ``write`` (render), ``check`` (render --check: compare, write nothing), ``memory`` (the
review: the built sites' files and facts are returned, nothing is written).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import textwrap
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runbook_wan.atomic_files import (
    FolderStage,
    FolderWrite,
    NewFolder,
    remove_leftovers,
    remove_staged_leftovers,
    write_file,
    write_folder,
)
from runbook_wan.build.cache import FILE_NAME, Manifest, SiteEntry, merged, read_manifest
from runbook_wan.build.findings import load_findings, render_findings, warning_count
from runbook_wan.build.inputs import FileDigests, digest_text, inputs_digest
from runbook_wan.build.secrets import Fingerprints, SecretWatch
from runbook_wan.build.site_job import Mode, SiteJob, SiteOutcome, site_entry
from runbook_wan.build.stat_index import StatIndex
from runbook_wan.build.workers import build_sites, processes_for
from runbook_wan.model.loader import SharedIntents, list_site_files, load_shared
from runbook_wan.model.platform import DEFAULT_PLATFORMS_DIR, PlatformSpec, artifact_suffixes
from runbook_wan.monitoring.bundle import TARGETS, estate_files, split_target_blocks, targets_frame, targets_text
from runbook_wan.monitoring.targets import SiteTarget
from runbook_wan.monitoring.timing import PRODUCTION
from runbook_wan.render.environment import DEFAULT_TEMPLATES_DIR
from runbook_wan.render.pipeline import render_estate, templates_missing
from runbook_wan.render.writer import SUFFIX, split_name
from runbook_wan.results import DiagnosticError
from runbook_wan.selection.limit import Selectable, select_ids


@dataclass(frozen=True)
class BuildRequest:
    intents: Path
    configs: Path
    #: Where the monitoring files go (None: not written; they are only written for the whole estate).
    monitoring: Path | None
    templates: Path = DEFAULT_TEMPLATES_DIR
    platforms: Path = DEFAULT_PLATFORMS_DIR
    limit: str | None = None
    #: Ignore the cache: build every site.
    full: bool = False
    mode: Mode = "write"
    #: Worker processes (None: one per core when there are many sites to build).
    jobs: int | None = None
    #: Fingerprints of secret values, and where this machine records them: a secret whose value
    #: changed since the last render rebuilds the sites that name it (:mod:`runbook_wan.build.secrets`).
    fingerprints: Fingerprints | None = None
    secrets_record: Path | None = None
    #: Told the warning count once every site is rendered, before anything is written.
    on_warnings: Callable[[int], None] | None = None
    #: This machine's digests of files it read or wrote (:mod:`runbook_wan.build.stat_index`).
    index: Path | None = None
    #: This machine's compiled templates (:class:`runbook_wan.render.environment.CompiledTemplates`).
    compiled: Path | None = None
    #: The cache as already read from ``configs`` (else it is read here).
    manifest: Manifest | None = field(default=None, compare=False, repr=False)


@dataclass
class BuildResult:
    """What a build did, by site id (``written`` etc.: sites with at least one file so)."""

    selected: list[str] = field(default_factory=list)
    #: Every site of the estate (selected or not) -> its region.
    regions: dict[str, str] = field(default_factory=dict)
    #: Sites built this time; the others were proven unchanged by the cache.
    built: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: Monitoring files changed (None: monitoring not written).
    monitoring: list[str] | None = None
    monitoring_files: int = 0
    #: ``check``: every output that is not what the intents render to (``configs/x.cfg``...).
    stale: list[str] = field(default_factory=list)
    warnings: int = 0
    #: Why the cache was not used for every site ("" when it was).
    cache_note: str = ""
    #: Hidden folders of killed first renders, removed before writing (``.configs.<random>.new``).
    leftovers: list[str] = field(default_factory=list)
    #: Staged files a killed render left in ``configs/``, removed before writing (``.<name>.<random>.tmp``).
    unfinished: list[str] = field(default_factory=list)
    #: ``check``: the recorded cache differs from what this build would record (never a failure).
    cache_stale: bool = False
    processes: int = 1
    seconds: dict[str, float] = field(default_factory=dict)
    #: ``memory``: the built sites' outcomes (files and facts), by site id.
    outcomes: dict[str, SiteOutcome] = field(default_factory=dict)
    shared: SharedIntents | None = None


def _reference(req: BuildRequest) -> None:
    """The whole-estate pipeline says what is wrong with the shared intents (it raises)."""
    render_estate(req.intents, req.limit, req.templates, req.platforms)
    raise AssertionError("the shared intents have an error the whole-estate pipeline does not report")


class _Cache:
    """The recorded cache, checked against the files as they are."""

    def __init__(self, req: BuildRequest, shared: SharedIntents) -> None:
        self.req = req
        self.configs = str(req.configs)
        self.index = StatIndex(req.index)
        self.digests = FileDigests(shared.root, shared.platforms_dir, req.templates, self.index.digest)
        self.secrets = SecretWatch(req.fingerprints, req.secrets_record)
        self.manifest: Manifest | None = None
        self.note = ""
        self.blocks: dict[str, str] | None = None
        if req.full:
            self.note = "--full: every site built"
            return
        manifest = req.manifest or read_manifest(req.configs)
        if manifest is None:
            self.note = f"no build cache in {req.configs}/ yet: every site built"
        elif not manifest.current:
            self.note = "the build cache was written by another version of Runbook: every site built"
        else:
            self.manifest = manifest
        if self.manifest is not None and req.monitoring is not None and req.limit is None:
            try:
                text = (req.monitoring / TARGETS).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
            self.blocks = split_target_blocks(text) or {}

    def remember(self, shared: SharedIntents) -> None:
        """Digest every shared input before the build reads it: a file edited while the build runs is
        recorded with its old digest, so the next build sees the edit. Each site file is digested by
        the process that builds it, just before reading it (:meth:`learn`)."""
        for path in shared.paths.values():
            if path.is_file():
                self.digests.of(self.digests.name_of("intents", path))
        for root, pattern in (("platforms", "*.yaml"), ("templates", "**/*.j2")):
            folder = self.digests.roots[root]
            for path in sorted(folder.glob(pattern)) if folder.is_dir() else []:
                self.digests.of(self.digests.name_of(root, path))

    def learn(self, files: Sequence[Path], outcomes: Sequence[SiteOutcome]) -> None:
        """The site files' digests, as the processes that built them found them (in file order)."""
        for path, outcome in zip(files, outcomes, strict=True):
            found = outcome.source
            if found is not None:
                self.index.adopt(found)
            self.digests.learn(self.digests.name_of("intents", path), found.digest if found is not None else None)

    def entry(self, outcome: SiteOutcome) -> SiteEntry | None:
        """The cache entry of a site just built (None: an input could not be digested); made by
        the process that built it, or here."""
        return outcome.entry if outcome.entry is not None else site_entry(outcome, self.digests)

    def clean(self, files: Sequence[Path]) -> dict[str, SiteEntry]:
        """The site files whose recorded build still holds, by file name."""
        if self.manifest is None:
            return {}
        entries = [self.manifest.entries.get(p.name) for p in files]
        rotated = self.secrets.rotated({s for e in entries if e is not None for s in e.secrets})
        clean: dict[str, SiteEntry] = {}
        for path, entry in zip(files, entries, strict=True):
            if entry is not None and not rotated.intersection(entry.secrets) and self._holds(path, entry):
                clean[path.name] = entry
        return clean

    def _holds(self, path: Path, entry: SiteEntry) -> bool:
        own = self.digests.name_of("intents", path)
        if own not in entry.deps or inputs_digest(entry.deps, self.digests, entry.secrets) != entry.inputs:
            return False
        for name, digest in entry.outputs.items():
            if self.index.digest(os.path.join(self.configs, name)) != digest:  # noqa: PTH118 - 30,000 files
                return False
        if self.blocks is not None:
            block = self.blocks.get(entry.site)
            if block is None or digest_text(block) != entry.target:
                return False
        return True


@dataclass
class _EarlyMonitoring:
    """The monitoring files but the targets, made by the parent while the workers build the sites.

    They depend on the shared intents and on the first site's target block (the rule tests' example
    site). When the estate's first site file is among those built, the workers send its outcome
    first (a chunk of its own), and the parent makes the files from its block while the workers go
    on: 30-50 ms of the parent's serial time at 80 sites, now spent beside the workers. They are
    used only if that site is the first of the finished estate with that same block; else they are
    made again from the finished estate, as before.
    """

    shared: SharedIntents
    sid: str | None = None
    block: str | None = None
    files: dict[str, str] | None = None

    def first_site(self, outcome: SiteOutcome) -> None:
        if outcome.sid is None or outcome.block is None:
            return
        try:
            first = _first_target({outcome.sid: outcome.block})
            self.files = estate_files(self.shared.estate({}, {}), PRODUCTION, None, first)
        except Exception:  # noqa: BLE001 - made again after the build, where any error is reported
            return
        self.sid, self.block = outcome.sid, outcome.block

    def files_for(self, ordered: Mapping[str, str]) -> dict[str, str] | None:
        """The files made early, when ``ordered`` (the estate's blocks by site) starts with that block."""
        first = next(iter(ordered), None)
        if self.files is None or first is None or first != self.sid or ordered[first] != self.block:
            return None
        return dict(self.files)


def _early_monitoring(
    req: BuildRequest, shared: SharedIntents, files: list[Path], todo: list[Path]
) -> _EarlyMonitoring | None:
    """The early monitoring files, when they will be written and the first site file is built."""
    if req.monitoring is None or req.limit is not None or req.mode == "memory":
        return None
    return _EarlyMonitoring(shared) if todo and files and todo[0] == files[0] else None


def build(req: BuildRequest) -> BuildResult:
    """Build the estate as ``req`` says. Raises :class:`DiagnosticError` (nothing written) on any error."""
    started = time.perf_counter()
    result = BuildResult()
    missing = templates_missing(req.templates)
    try:
        shared = load_shared(req.intents, req.platforms)
    except DiagnosticError as exc:
        raise DiagnosticError(missing + exc.diagnostics) from None
    files, listing = list_site_files(shared.root)
    if missing or shared.has_errors or listing or not files:
        _reference(req)
    cache = _Cache(req, shared)
    clean = cache.clean(files)
    todo = [p for p in files if p.name not in clean]
    cache.remember(shared)
    result.seconds["check_s"] = round(time.perf_counter() - started, 3)
    result.cache_note = cache.note
    created = not req.configs.exists()
    # A first render writes a new folder whole under a hidden name, made visible by one rename.
    new_folder = None
    if req.mode == "write":
        result.leftovers = remove_leftovers(req.configs)
        result.unfinished = remove_staged_leftovers(req.configs)
        new_folder = NewFolder.start(req.configs)
    staging = new_folder.staging if new_folder is not None else req.configs
    job = SiteJob(
        shared,
        req.templates,
        staging,
        req.mode,
        req.compiled,
        cache.index,
        new=new_folder is not None,
        digests=cache.digests,
    )
    result.processes = processes_for(len(todo), req.jobs)
    early = _early_monitoring(req, shared, files, todo) if result.processes > 1 else None
    outcomes: list[SiteOutcome] = []
    try:
        outcomes.extend(build_sites(job, todo, result.processes, early.first_site if early is not None else None))
        cache.learn(todo, outcomes)
        result.seconds["build_s"] = round(time.perf_counter() - started - result.seconds["check_s"], 3)
        return _finish(req, result, cache, shared, files, clean, outcomes, new_folder, early)
    except BaseException:
        _discard(outcomes, new_folder)
        if req.mode == "write" and new_folder is None:  # what a stopped worker staged and never told
            remove_staged_leftovers(req.configs)
        if created and req.configs.is_dir() and not any(req.configs.iterdir()):
            req.configs.rmdir()
        raise


def _discard(outcomes: Sequence[SiteOutcome], new_folder: NewFolder | None = None) -> None:
    """Remove what ``outcomes`` staged (and the hidden folder of a new ``configs/``, when given)."""
    if new_folder is not None:
        new_folder.abort()
    for outcome in outcomes:
        for item in outcome.staged.staged:
            Path(item.temp).unlink(missing_ok=True)
        outcome.staged.staged = []


def _finish(
    req: BuildRequest,
    result: BuildResult,
    cache: _Cache,
    shared: SharedIntents,
    files: Sequence[Path],
    clean: dict[str, SiteEntry],
    outcomes: list[SiteOutcome],
    new_folder: NewFolder | None,
    early: _EarlyMonitoring | None = None,
) -> BuildResult:
    entries = list(clean.values())
    loaded = load_findings(shared, outcomes, entries)
    if loaded.needs_full:
        _discard(outcomes, new_folder)
        rebuilt = build(dataclasses.replace(req, full=True))
        rebuilt.leftovers[:0] = result.leftovers  # removed by this first pass: still to be told
        rebuilt.unfinished[:0] = result.unfinished
        return rebuilt
    if loaded.errors:
        raise DiagnosticError(loaded.errors)
    attributes: dict[str, Selectable] = {entry.site: entry for entry in entries}
    attributes.update({sid: o.summary for sid, o in loaded.valid.items() if o.summary is not None})
    result.selected = select_ids(attributes, req.limit)
    result.regions = {sid: site.region for sid, site in sorted(attributes.items())}
    selected = set(result.selected)
    chosen = [loaded.valid[sid] for sid in sorted(loaded.valid) if sid in selected]
    _discard([o for sid, o in loaded.valid.items() if sid not in selected])
    _discard([o for o in outcomes if o.sid not in loaded.valid])
    found = render_findings(shared, chosen, req.templates)
    if found.errors:
        raise DiagnosticError(found.errors)
    result.built = [o.sid for o in chosen if o.sid is not None]
    result.warnings = warning_count(loaded.warnings, found.warnings, entries, selected if req.limit else None)
    if req.on_warnings is not None:
        req.on_warnings(result.warnings)
    fresh = [e for o in chosen if (e := cache.entry(o)) is not None]
    if req.mode == "memory":
        result.outcomes = {o.sid: o for o in chosen if o.sid is not None}
        result.shared = shared
        cache.index.save()
        return result
    _write_configs(req, result, shared.platforms, chosen, entries, fresh, new_folder)
    if req.monitoring is not None and req.limit is None:
        _write_monitoring(req, result, shared, chosen, entries, cache.blocks, early)
    if req.limit is None:
        manifest = merged(None, [*entries, *fresh], [p.name for p in files])
        result.cache_stale = _record(req.configs, manifest, write=req.mode == "write")
        if req.mode == "write":
            cache.secrets.remember({s for entry in manifest.entries.values() for s in entry.secrets})
    if req.mode == "write":
        configs = str(req.configs)
        stats = {name: found for outcome in chosen for name, found in outcome.stats.items()}
        for entry in fresh:
            for name, digest in entry.outputs.items():
                cache.index.wrote(os.path.join(configs, name), digest, stats.get(name))  # noqa: PTH118 - 30,000 files
    cache.index.save()
    return result


def _write_configs(
    req: BuildRequest,
    result: BuildResult,
    platforms: Mapping[str, PlatformSpec],
    chosen: list[SiteOutcome],
    clean: list[SiteEntry],
    fresh: list[SiteEntry],
    new_folder: NewFolder | None,
) -> None:
    expected = {name for entry in (*clean, *fresh) for name in entry.outputs}
    owner = {name: entry.site for entry in (*clean, *fresh) for name in entry.outputs}
    # Files of sites (config and artifacts) that no longer exist: every suffix a platform declares.
    known = {SUFFIX, *artifact_suffixes(platforms)}
    known |= {name[len(entry.site) :] for entry in (*clean, *fresh) for name in entry.outputs}
    stage = (new_folder or FolderStage(req.configs)) if req.mode == "write" else None
    stale: list[str] = []
    if req.limit is None and req.configs.is_dir():
        stale = sorted(
            name
            for name in os.listdir(req.configs)  # noqa: PTH208 - names, not 30,000 paths
            if name not in expected and split_name(name, known) is not None and (req.configs / name).is_file()
        )
    changed: set[str] = set()
    for outcome in chosen:
        if stage is not None:
            stage.adopt(outcome.staged)
        changed |= {owner[name] for name in (*(s.name for s in outcome.staged.staged), *outcome.staged.differs)}
    if stage is None:  # check
        result.stale += [str(req.configs / n) for o in chosen for n in o.staged.differs]
        result.stale += [str(req.configs / n) for n in stale]
        problems = [p for o in chosen for _, p in o.staged.problems]
        if problems:
            raise DiagnosticError(problems)
        done = FolderWrite([], [], stale)
    else:
        done = stage.commit(remove=stale)
    result.written = sorted(changed)
    result.removed = sorted({n.removesuffix(SUFFIX) for n in done.removed if n.endswith(SUFFIX)})
    result.unchanged = sorted(set(result.selected) - changed)


#: libyaml's safe loader when PyYAML has it: PyYAML's pure-Python loader took 18 ms of a fresh
#: one-site render (cProfile) to read back one block Runbook wrote itself.
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _first_target(blocks: Mapping[str, str]) -> SiteTarget | None:
    if not blocks:
        return None
    sid = min(blocks)
    data = yaml.load(textwrap.dedent(blocks[sid]), Loader=_SAFE_LOADER)
    return SiteTarget.model_validate(data[sid])


def _write_monitoring(
    req: BuildRequest,
    result: BuildResult,
    shared: SharedIntents,
    chosen: list[SiteOutcome],
    clean: list[SiteEntry],
    committed: dict[str, str] | None,
    early: _EarlyMonitoring | None = None,
) -> None:
    assert req.monitoring is not None
    blocks = {entry.site: (committed or {})[entry.site] for entry in clean}
    blocks.update({o.sid: o.block for o in chosen if o.sid is not None and o.block is not None})
    ordered = {sid: blocks[sid] for sid in sorted(blocks)}
    estate = shared.estate({}, {})
    files = early.files_for(ordered) if early is not None else None
    if files is None:
        files = estate_files(estate, PRODUCTION, None, _first_target(ordered))
    policies = {entry.policy for entry in clean} | {o.summary.policy for o in chosen if o.summary is not None}
    head, tail = targets_frame(estate, policies)
    files[TARGETS] = targets_text(head, ordered.values(), tail)
    result.monitoring_files = len(files)
    if req.mode == "check":
        for name, text in sorted(files.items()):
            try:
                same = (req.monitoring / name).read_text(encoding="utf-8") == text
            except (OSError, UnicodeDecodeError):
                same = False
            if not same:
                result.stale.append(str(req.monitoring / name))
        return
    result.monitoring = write_folder(req.monitoring, files).written


def _record(configs: Path, manifest: Manifest, write: bool) -> bool:
    """Write the cache when it changed (last: a cache older than the outputs only means a rebuild).
    Returns whether the recorded cache differed."""
    text = manifest.text()
    path = configs / FILE_NAME
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    if write:  # outputs are written; without the cache the next build rebuilds more, nothing else
        with contextlib.suppress(OSError):
            write_file(path, text)
    return True

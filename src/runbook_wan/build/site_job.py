"""Build one site on its own: its file loaded, its references checked, its facts derived, its files
and its monitoring block rendered, and what changed staged beside the committed outputs.

A site's build sees only what it depends on. Facts and templates get an estate holding the site,
its region, its providers, its policy and its platform, nothing else, so a site can never depend
on an input that its cache entry does not name; the names it records are the files of exactly
those objects plus the templates the Jinja environment loaded for it.

:class:`SiteJob` is created once in the parent process and inherited by the worker processes
(fork): everything shared is loaded and compiled once. Each :meth:`SiteJob.run` returns a
:class:`SiteOutcome`, plain data, small: the file contents are staged on disk, not returned
(except in ``memory`` mode, for the review).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from runbook_wan.atomic_files import StageResult, stage_file
from runbook_wan.build.cache import SiteEntry
from runbook_wan.build.inputs import (
    INTENTS,
    PLATFORMS,
    TEMPLATES,
    FileDigests,
    digest_json,
    digest_text,
    inputs_digest,
)
from runbook_wan.build.stat_index import FileDigest, StatIndex, file_stat
from runbook_wan.facts.builder import build_site_facts
from runbook_wan.facts.models import SiteFacts
from runbook_wan.model.estate import Estate
from runbook_wan.model.loader import SharedIntents, load_site_file
from runbook_wan.model.references import site_references
from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.model.site import Site
from runbook_wan.monitoring.bundle import target_block
from runbook_wan.monitoring.targets import SiteTarget, site_target
from runbook_wan.render.agent_policy import policy_adapter
from runbook_wan.render.environment import make_environment
from runbook_wan.render.renderer import RenderedConfig, render_site
from runbook_wan.results import Diagnostic, Severity

Mode = Literal["write", "check", "memory"]


def diagnostic_key(diagnostic: Diagnostic) -> str:
    """A digest of what makes two diagnostics the same finding (code, message, location)."""
    where = diagnostic.location
    place = [where.file, where.line, where.path] if where else [None, None, None]
    return digest_json([diagnostic.code, diagnostic.message, *place])


@dataclass(frozen=True)
class SiteSummary:
    """What the estate-wide steps need of a site: its id and what ``--limit`` selects by."""

    site: str
    region: str
    platform: str
    policy: str
    tags: tuple[str, ...]
    segments: frozenset[str]


@dataclass
class SiteOutcome:
    """Everything one site's build found and produced (picklable, without the file contents)."""

    file: str
    #: The site file's digest, found before the file was read for the build (None: unreadable).
    source: FileDigest | None = None
    #: Diagnostics in the order :func:`runbook_wan.model.loader.load_estate` would report them.
    read: list[Diagnostic] = field(default_factory=list)
    sid: str | None = None
    display: str = ""
    id_line: int | None = None
    load: list[Diagnostic] = field(default_factory=list)
    summary: SiteSummary | None = None
    names: list[Diagnostic] = field(default_factory=list)
    segments: list[tuple[tuple[str, str], Diagnostic]] = field(default_factory=list)
    facts_found: list[Diagnostic] = field(default_factory=list)
    render_found: list[Diagnostic] = field(default_factory=list)
    #: Input files by name (``intents:regions/west.yaml``) and the secrets its files name.
    deps: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    #: Its files (name in ``configs/`` -> digest), and its block of ``probe-targets.yml``.
    outputs: dict[str, str] = field(default_factory=dict)
    block: str | None = None
    staged: StageResult = field(default_factory=StageResult)
    #: ``memory`` mode: the files' text and the facts (the review diffs and groups them).
    texts: dict[str, str] = field(default_factory=dict)
    facts: SiteFacts | None = None
    platform: str = ""
    #: Its files' stats as the worker wrote them into a new ``configs/`` (by name), for the stat
    #: index: the folder is renamed into place whole, which changes no file's stat.
    stats: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: Its build cache entry, line written, made by the process that built it (:func:`site_entry`);
    #: None when that process had no digests, or an input could not be digested.
    entry: SiteEntry | None = None

    @property
    def rendered(self) -> bool:
        return bool(self.outputs)


def warning_keys(outcome: SiteOutcome) -> tuple[str, ...]:
    """Digests of a built site's own warnings, recorded in its cache entry."""
    load = [d for d in (*outcome.read, *outcome.load, *outcome.names) if d.severity is not Severity.ERROR]
    facts = [d for d in outcome.facts_found if d.severity is not Severity.ERROR]
    keys = [f"load:{diagnostic_key(d)}" for d in load] + [f"facts:{diagnostic_key(d)}" for d in facts]
    return tuple(sorted(set(keys)))


def site_entry(outcome: SiteOutcome, digests: FileDigests) -> SiteEntry | None:
    """The cache entry of a site just built, its line already written (None: an input could not
    be digested). ``digests`` must know the site file's digest as the build found it."""
    assert outcome.sid is not None and outcome.summary is not None and outcome.block is not None
    inputs = inputs_digest(outcome.deps, digests, outcome.secrets)
    if inputs is None:
        return None
    entry = SiteEntry(
        file=outcome.file,
        site=outcome.sid,
        inputs=inputs,
        deps=tuple(outcome.deps),
        secrets=tuple(sorted(outcome.secrets)),
        outputs=dict(sorted(outcome.outputs.items())),
        target=digest_text(outcome.block),
        region=outcome.summary.region,
        platform=outcome.summary.platform,
        policy=outcome.summary.policy,
        tags=outcome.summary.tags,
        warnings=warning_keys(outcome),
    )
    return dataclasses.replace(entry, read_from=entry.encode())


def _build_validators() -> None:
    """Build the validators of the models a site's build validates before the workers fork. Models
    build them on first use (``defer_build``), and each forked worker would otherwise build its own."""
    models: list[type[BaseModel]] = [Site, SiteTarget]
    for model in models:
        model.model_rebuild()
    policy_adapter()


def site_outputs(rendered: RenderedConfig) -> dict[str, str]:
    """A rendered site's files in ``configs/`` (its config and its platform's artifacts), by name."""
    return {f"{rendered.site}{suffix}": text for suffix, text in rendered.files.items()}


class SiteJob:
    """Builds sites of one estate (one per :meth:`run`), in this process or in forked workers."""

    def __init__(
        self,
        shared: SharedIntents,
        templates_dir: Path,
        configs_dir: Path,
        mode: Mode,
        compiled: Path | None = None,
        index: StatIndex | None = None,
        new: bool = False,
        digests: FileDigests | None = None,
    ) -> None:
        self.shared = shared
        #: The build cache's digests of the shared inputs (taken before the workers fork): each site's
        #: cache entry is then made by the process that built it, beside the others, not by the parent.
        self.digests = digests
        #: ``configs_dir`` is the hidden folder of a new ``configs/`` (files go in under their names).
        self.new = new
        #: Digests each site file before reading it (on every core, not in the parent), when given.
        self.index = index
        self.templates_dir = templates_dir
        self.configs_dir = configs_dir
        self.mode = mode
        self.env = make_environment(templates_dir, compiled)
        self.names = FileDigests(shared.root, shared.platforms_dir, templates_dir)
        self._precompile()
        _build_validators()

    def _precompile(self) -> None:
        """Compile every section template once, before the workers fork (each would compile its own)."""
        for platform in self.shared.platforms.values():
            names = [f"{platform.templates}/{section}.j2" for section in platform.sections]
            for artifact in platform.artifacts:
                names += [f"{artifact.templates}/{section}.j2" for section in artifact.sections]
            for name in names:
                try:
                    self.env.get_template(name)
                except Exception:  # noqa: BLE001 - a broken template is reported when a site renders it
                    continue

    def run(self, path: Path) -> SiteOutcome:
        shared = self.shared
        source = self.index.find(path) if self.index is not None else None
        loaded = load_site_file(shared, path)
        outcome = SiteOutcome(path.name, source, read=loaded.read, sid=loaded.sid, display=loaded.file)
        outcome.id_line, outcome.load = loaded.id_line, loaded.diagnostics
        if loaded.sid is None or loaded.site is None or loaded.layer is None:
            return outcome
        sid, site = loaded.sid, loaded.site
        outcome.summary = SiteSummary(
            sid,
            site.region,
            site.platform,
            site.policy,
            tuple(site.tags),
            frozenset(seg.name for seg in site.lan_segments),
        )
        everything = shared.estate({sid: site}, {sid: loaded.layer})
        outcome.names, outcome.segments = site_references(everything, sid, site, shared.broken)
        if outcome.names or outcome.segments:
            return outcome
        own = self._own_estate(sid, site, everything)
        facts, outcome.facts_found = build_site_facts(own, sid)
        platform = own.platforms[site.platform]
        self.env.loaded.clear()
        rendered, outcome.render_found = render_site(facts, platform, self.env, self.templates_dir)
        if rendered is None:
            return outcome
        outcome.platform = rendered.platform
        outcome.deps = self._deps(path, site, sorted(self.env.loaded))
        outcome.secrets = list(facts.secrets)
        outcome.block = target_block(site_target(facts, own.policies[site.policy]))
        files = site_outputs(rendered)
        outcome.outputs = {name: digest_text(text) for name, text in files.items()}
        if self.mode == "memory":
            outcome.texts, outcome.facts = files, facts
        else:
            for name, text in files.items():
                stage_file(self.configs_dir, name, text, outcome.staged, self.mode == "check", self.new)
            if self.new and self.index is not None and self.index.path is not None:
                stats = ((item.name, file_stat(item.temp)) for item in outcome.staged.staged)
                outcome.stats = {name: found for name, found in stats if found is not None}
        if self.digests is not None:
            self.digests.learn(self.names.name_of(INTENTS, path), source.digest if source is not None else None)
            outcome.entry = site_entry(outcome, self.digests)
        return outcome

    def _own_estate(self, sid: str, site: Site, everything: Estate) -> Estate:
        """The estate as far as this site may see it: itself and the objects it names."""
        providers = {getattr(site.circuits, role).provider for role in CIRCUIT_ROLES}
        objects = {("defaults", "defaults"), ("site", sid), ("region", site.region), ("policy", site.policy)}
        objects |= {("provider", name) for name in providers}
        return Estate(
            root=everything.root,
            settings=everything.settings,
            sites={sid: site},
            regions={k: v for k, v in everything.regions.items() if k == site.region},
            providers={k: v for k, v in everything.providers.items() if k in providers},
            policies={k: v for k, v in everything.policies.items() if k == site.policy},
            platforms={k: v for k, v in everything.platforms.items() if k == site.platform},
            layers={key: layer for key, layer in everything.layers.items() if key in objects},
        )

    def _deps(self, path: Path, site: Site, templates: list[str]) -> list[str]:
        """Every input file the site's build read, by name."""
        shared, names = self.shared, self.names
        found = [names.name_of(INTENTS, path), f"{PLATFORMS}:{site.platform}.yaml"]
        objects = [("defaults", "defaults"), ("region", site.region), ("policy", site.policy)]
        objects += [("provider", getattr(site.circuits, role).provider) for role in CIRCUIT_ROLES]
        for key in objects:
            if key in shared.paths:
                found.append(names.name_of(INTENTS, shared.paths[key]))
        found += [f"{TEMPLATES}:{name}" for name in templates]
        return sorted(set(found))

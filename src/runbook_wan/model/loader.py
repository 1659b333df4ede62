"""Load an intents directory into an :class:`~model.estate.Estate`, collecting every error.

Layout::

    intents/defaults.yaml          estate settings + site_defaults
    intents/regions/<region>.yaml  region + site_defaults for its sites
    intents/providers/<id>.yaml    circuit providers
    intents/policies/<id>.yaml     SD-WAN policies
    intents/sites/<site>.yaml      one site each; merged over defaults -> region

Order of the pipeline: parse every file (syntax) -> validate each object (schema) -> merge and
validate sites -> check cross-file references. Every stage runs on everything it can, so one
pass reports all problems.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from runbook_wan.model.error_messages import diagnostics_from_validation
from runbook_wan.model.estate import Estate, Kind
from runbook_wan.model.merge import Layer, merge_layers, merge_over
from runbook_wan.model.notification_checks import check_notifications
from runbook_wan.model.notifications import Notifications
from runbook_wan.model.platform import DEFAULT_PLATFORMS_DIR, PlatformSpec, load_platforms
from runbook_wan.model.policy import Policy
from runbook_wan.model.provider import Provider
from runbook_wan.model.references import check_references
from runbook_wan.model.region import Defaults, Region
from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.model.site import Site
from runbook_wan.model.yaml_source import YamlDocument, display_path, load_yaml
from runbook_wan.results import Diagnostic, DiagnosticError, Severity, SourceLocation
from runbook_wan.results.diagnostics import errors_only

_KINDS: dict[str, tuple[str, type[BaseModel]]] = {
    "region": ("regions", Region),
    "provider": ("providers", Provider),
    "policy": ("policies", Policy),
}


@dataclass
class _Collector:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _seen: set[tuple[str, str, SourceLocation | None]] = field(default_factory=set)

    def add(self, items: list[Diagnostic]) -> None:
        for item in items:
            key = (item.code, item.message, item.location)
            if key not in self._seen:
                self._seen.add(key)
                self.diagnostics.append(item)


def _name(path: Path) -> str:
    return path.name


def _yaml_files(folder: Path, out: _Collector | None = None) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` entry of ``folder``, whatever it is: a file that cannot be read (a
    broken link, a link loop, a folder named like a file) must be an error naming it, never a site
    that silently disappears. Hidden entries (editor lock files such as ``.#x.yaml``) are skipped."""
    try:
        entries = list(folder.iterdir())
    except OSError as exc:
        if out is not None and folder.exists():
            out.add(
                [
                    Diagnostic(
                        "folder-read",
                        f"cannot list folder: {exc.strerror or exc}",
                        location=SourceLocation(display_path(folder)),
                        hint="check the folder's permissions",
                    )
                ]
            )
        return []
    # One folder: ordered by name, as by path (without comparing 10,000 paths part by part).
    return sorted((p for p in entries if p.suffix in (".yaml", ".yml") and not p.name.startswith(".")), key=_name)


def _folder_missing(root: Path, folder: str, kind: str, out: _Collector) -> bool:
    """Report a missing (or non-folder) ``root/folder`` once; True when it is missing."""
    path = root / folder
    if path.is_dir():
        return False
    what = "is not a folder" if path.exists() or path.is_symlink() else "not found"
    out.add(
        [
            Diagnostic(
                f"{folder}-missing",
                f"folder {what}: every {kind} a site uses is defined in one file here",
                location=SourceLocation(display_path(path)),
                hint=f"create {folder}/ with one <{kind}>.yaml per {kind}",
            )
        ]
    )
    return True


def _read(path: Path, out: _Collector) -> YamlDocument | None:
    doc, errors = load_yaml(path, display_path(path))
    out.add(errors)
    if doc is None:
        return None
    if doc.data == {} and doc.origins == {(): 1}:
        out.add(
            [
                Diagnostic(
                    "yaml-empty",
                    "the file is empty",
                    location=SourceLocation(doc.file, 1),
                    hint="write its `key: value` lines, or remove the file",
                )
            ]
        )
        return None
    if not isinstance(doc.data, dict):
        found = "a list" if isinstance(doc.data, list) else f"a single value ({type(doc.data).__name__})"
        out.add(
            [
                Diagnostic(
                    "yaml-top",
                    f"the file holds {found}; expected a mapping at the top level",
                    location=SourceLocation(doc.file, doc.line_of(()) or 1),
                    hint="write `key: value` lines starting at the left margin",
                )
            ]
        )
        return None
    return doc


def _with_default_id(doc: YamlDocument, key: str, stem: str) -> None:
    if key not in doc.data:
        doc.data[key] = stem
        doc.origins[(key,)] = 1


def _validate(model: type[BaseModel], layer: Layer, prefix: str, out: _Collector) -> Any:
    try:
        return model.model_validate(layer.data)
    except ValidationError as exc:
        out.add(diagnostics_from_validation(exc, model, layer, prefix))
        return None


def _load_named(
    kind: str,
    root: Path,
    out: _Collector,
    layers: dict[tuple[Kind, str], Layer],
    unreadable: set[tuple[str, str]],
    paths: dict[tuple[Kind, str], Path],
) -> tuple[dict[str, Any], dict[str, YamlDocument]]:
    """Load one folder. Files that do not parse are added to ``unreadable`` as ``(kind, stem)``,
    so references to them are not reported as unknown on top of the syntax error. ``paths``
    receives the file of each object."""
    folder, model = _KINDS[kind]
    objects: dict[str, Any] = {}
    docs: dict[str, YamlDocument] = {}
    for path in _yaml_files(root / folder, out):
        doc = _read(path, out)
        if doc is None:
            unreadable.add((kind, path.stem))
            continue
        _with_default_id(doc, kind, path.stem)
        name = str(doc.data[kind])
        if name != path.stem:
            # Sites refer to it by id: report the mismatch here, once, and neither name as unknown.
            out.add([_id_differs(kind, name, doc, path)])
            unreadable |= {(kind, path.stem), (kind, name)}
            continue
        if name in docs:
            out.add([_duplicate(kind, name, doc, docs[name])])
            continue
        docs[name] = doc
        paths[(kind, name)] = path
        layer = Layer.from_document(doc)
        layers[(kind, name)] = layer
        obj = _validate(model, layer, kind, out)
        if obj is not None:
            objects[name] = obj
    return objects, docs


def _id_differs(kind: str, name: str, doc: YamlDocument, path: Path) -> Diagnostic:
    return Diagnostic(
        f"{kind}-id-mismatch",
        f"{kind} id {name!r} differs from its file name {path.name!r}",
        location=SourceLocation(doc.file, doc.line_of((kind,)), kind),
        hint=f"sites refer to a {kind} by id and Runbook finds it by file name: write `{kind}: {path.stem}` "
        f"(or rename the file to {name}{path.suffix})",
    )


def _duplicate(kind: str, name: str, doc: YamlDocument, first: YamlDocument) -> Diagnostic:
    return Diagnostic(
        f"duplicate-{kind}",
        f"duplicate {kind} {name!r} (also defined in {first.file})",
        location=SourceLocation(doc.file, doc.line_of((kind,)), kind),
        hint=f"each {kind} id must be unique; rename one of them",
    )


@dataclass
class SharedIntents:
    """Everything sites inherit from or refer to, loaded once: estate defaults, regions, providers,
    policies, platforms and the notifications file, with the diagnostics of those files in order.

    :func:`load_estate` is this plus :func:`load_site_file` for each site file plus the checks over
    the whole estate; a build that renders sites in parallel loads this once and each site on its own.
    """

    root: Path
    platforms_dir: Path
    #: Diagnostics of the shared files, in the order a user reads them (before any site's).
    diagnostics: list[Diagnostic]
    layers: dict[tuple[Kind, str], Layer]
    #: The file each object was read from (``("region", "west")`` -> ``intents/regions/west.yaml``).
    paths: dict[tuple[Kind, str], Path]
    defaults: Defaults | None
    defaults_layer: Layer
    regions: dict[str, Region]
    providers: dict[str, Provider]
    policies: dict[str, Policy]
    platforms: dict[str, PlatformSpec]
    #: Parsed files by object name (present even when the object did not validate).
    region_docs: dict[str, YamlDocument]
    provider_docs: dict[str, YamlDocument]
    policy_docs: dict[str, YamlDocument]
    #: Each region's ``site_defaults`` as a layer.
    region_layers: dict[str, Layer]
    #: Objects that exist but did not parse or validate: references to them are not "unknown".
    broken: set[tuple[str, str]]
    #: Kinds whose whole folder is missing.
    missing: set[str]
    #: Sites are merged and validated only when defaults.yaml is usable and regions/ exists.
    validate_sites: bool
    unreadable_regions: set[str]
    notifications: Notifications | None
    #: Diagnostics of notifications.yaml (reported after the sites').
    notification_diagnostics: list[Diagnostic]
    #: :meth:`site_base` by region, once merged.
    _bases: dict[str | None, Layer] = field(default_factory=dict, init=False, repr=False, compare=False)

    def site_base(self, region: str | None) -> Layer:
        """What a site file is merged over: the estate's ``site_defaults`` and its region's (None:
        no region layer), merged once per region. Never changed: :func:`merge_over` copies it."""
        base = self._bases.get(region)
        if base is None:
            layers = [self.defaults_layer, *([self.region_layers[region]] if region is not None else [])]
            base = self._bases[region] = merge_layers(*layers)
        return base

    @property
    def has_errors(self) -> bool:
        return bool(errors_only(self.diagnostics) or errors_only(self.notification_diagnostics))

    def estate(self, sites: dict[str, Site], site_layers: dict[str, Layer]) -> Estate:
        """An estate of these shared objects and the given sites (all, or a few)."""
        assert self.defaults is not None, "no estate without a valid defaults.yaml"
        layers = dict(self.layers)
        layers.update({("site", sid): layer for sid, layer in site_layers.items()})
        return Estate(
            root=self.root,
            settings=self.defaults.estate,
            sites=sites,
            regions=self.regions,
            providers=self.providers,
            policies=self.policies,
            platforms=self.platforms,
            notifications=self.notifications,
            layers=layers,
        )


@dataclass
class SiteLoad:
    """One site file read, merged over its defaults and validated (:func:`load_site_file`)."""

    path: Path
    #: Problems reading the file (syntax, size, an empty file); the file is skipped when ``sid`` is None.
    read: list[Diagnostic] = field(default_factory=list)
    sid: str | None = None
    #: The file as diagnostics show it, and the line of its ``site:`` key (for a duplicate id).
    file: str = ""
    id_line: int | None = None
    #: Problems after reading: the region, merging, validation.
    diagnostics: list[Diagnostic] = field(default_factory=list)
    layer: Layer | None = None
    site: Site | None = None


def load_shared(intents_dir: Path, platforms_dir: Path = DEFAULT_PLATFORMS_DIR) -> SharedIntents:
    """Every intent file but the sites'. Raises :class:`DiagnosticError` when the folder is missing."""
    out = _Collector()
    root = intents_dir
    if not root.is_dir():
        what = "is a file, not a directory" if root.exists() else "not found"
        raise DiagnosticError(
            [
                Diagnostic(
                    "intents-missing",
                    f"intents directory {display_path(root)!r} {what}",
                    hint="pass --intents DIR pointing at a folder with defaults.yaml",
                )
            ]
        )
    layers: dict[tuple[Kind, str], Layer] = {}
    defaults_path = root / "defaults.yaml"
    defaults: Defaults | None = None
    defaults_layer = Layer({}, {})
    if not defaults_path.is_file():
        out.add(
            [
                Diagnostic(
                    "defaults-missing",
                    "file not found (every site inherits estate settings and site_defaults from it)",
                    location=SourceLocation(display_path(defaults_path)),
                    hint="create it with `estate:` (name, management_network, reachability) and `site_defaults:`",
                )
            ]
        )
    else:
        doc = _read(defaults_path, out)
        if doc is not None:
            layers[("defaults", "defaults")] = Layer.from_document(doc)
            defaults = _validate(Defaults, layers[("defaults", "defaults")], "defaults", out)
            defaults_layer = Layer.from_document(doc, ("site_defaults",))

    unreadable: set[tuple[str, str]] = set()
    missing = {kind for kind, (folder, _) in _KINDS.items() if _folder_missing(root, folder, kind, out)}
    paths: dict[tuple[Kind, str], Path] = {("defaults", "defaults"): defaults_path}
    regions, region_docs = _load_named("region", root, out, layers, unreadable, paths)
    providers, provider_docs = _load_named("provider", root, out, layers, unreadable, paths)
    policies, policy_docs = _load_named("policy", root, out, layers, unreadable, paths)
    # Objects that exist but failed to parse or validate: references to them are not "unknown".
    broken = set(unreadable)
    broken |= {("region", n) for n in region_docs if n not in regions}
    broken |= {("provider", n) for n in provider_docs if n not in providers}
    broken |= {("policy", n) for n in policy_docs if n not in policies}
    platforms, platform_errors = load_platforms(platforms_dir)
    out.add(platform_errors)
    if not platforms_dir.is_dir():
        out.add(
            [
                Diagnostic(
                    "platforms-missing",
                    f"platforms directory {display_path(platforms_dir)!r} not found",
                    hint="pass --platforms DIR with one <platform>.yaml per platform, or omit it",
                )
            ]
        )
    broken |= {("platform", p.stem) for p in _yaml_files(platforms_dir) if p.stem not in platforms}
    notes = _Collector()
    notifications = _load_notifications(root, notes, layers)
    return SharedIntents(
        root=root,
        platforms_dir=platforms_dir,
        diagnostics=out.diagnostics,
        layers=layers,
        paths=paths,
        defaults=defaults,
        defaults_layer=defaults_layer,
        regions=regions,
        providers=providers,
        policies=policies,
        platforms=platforms,
        region_docs=region_docs,
        provider_docs=provider_docs,
        policy_docs=policy_docs,
        region_layers={name: Layer.from_document(doc, ("site_defaults",)) for name, doc in region_docs.items()},
        broken=broken,
        missing=missing,
        # Without a valid defaults.yaml every site would lack the keys it inherits: report the cause,
        # not those; without regions/ every site's region is unknown: likewise.
        validate_sites=defaults is not None and "region" not in missing,
        unreadable_regions={name for kind, name in unreadable if kind == "region"},
        notifications=notifications,
        notification_diagnostics=notes.diagnostics,
    )


def load_site_file(shared: SharedIntents, path: Path) -> SiteLoad:
    """Read one site file, merge it over the estate's and its region's ``site_defaults``, validate it."""
    out = _Collector()
    loaded = SiteLoad(path)
    doc = _read(path, out)
    loaded.read = out.diagnostics
    if doc is None:
        return loaded
    _with_default_id(doc, "site", path.stem)
    loaded.sid, loaded.file, loaded.id_line = str(doc.data["site"]), doc.file, doc.line_of(("site",))
    region = doc.data.get("region", shared.defaults_layer.data.get("region"))
    if not shared.validate_sites or (isinstance(region, str) and region in shared.unreadable_regions):
        return loaded
    own = Layer.from_document(doc)
    region_layer = shared.region_layers.get(str(region)) if isinstance(region, str) else None
    if region_layer is None and isinstance(region, str) and region not in shared.region_docs:
        # Reported by check_references when the site validates; without the region's
        # defaults most other keys would be reported missing, so say only this.
        loaded.diagnostics.append(
            Diagnostic(
                "ref-region",
                f"unknown region {region!r}",
                location=own.locate(("region",)) or shared.defaults_layer.locate(("region",)),
                hint=_region_hint(region, shared.region_docs),
            )
        )
        return loaded
    loaded.layer = merge_over(shared.site_base(str(region) if region_layer else None), own)
    found = _Collector()
    loaded.site = _validate(Site, loaded.layer, "site", found)
    loaded.diagnostics += found.diagnostics
    return loaded


def site_files(root: Path, only: Collection[str] | None = None, out: _Collector | None = None) -> list[Path]:
    """The site files of an intents folder (``only``: those file names under ``sites/``, unlisted)."""
    if only is None:
        return _yaml_files(root / "sites", out)
    # name the few files wanted instead of listing (and stat-ing) every site file
    wanted = (root / "sites" / name for name in only)
    return sorted(p for p in wanted if p.suffix in (".yaml", ".yml") and (p.exists() or p.is_symlink()))


def list_site_files(root: Path) -> tuple[list[Path], list[Diagnostic]]:
    """Every site file, and what is wrong with the listing (the folder cannot be read; no site files)."""
    out = _Collector()
    files = _yaml_files(root / "sites", out)
    return files, out.diagnostics


def load_estate(
    intents_dir: Path, platforms_dir: Path = DEFAULT_PLATFORMS_DIR, site_files: Collection[str] | None = None
) -> tuple[Estate, list[Diagnostic]]:
    """Load and validate everything. Raises :class:`DiagnosticError` with *all* errors.

    Returns the estate and any warnings. ``site_files`` (file names under ``sites/``) loads only
    those sites with everything they inherit from: a partial estate, for reviewing a change to a
    few sites of a large estate without reading every site file.
    """
    shared = load_shared(intents_dir, platforms_dir)
    out = _Collector()
    out.add(shared.diagnostics)
    root, broken = shared.root, set(shared.broken)
    sites, site_layers = _load_sites(root, shared, out, only=site_files)
    if not platforms_dir.is_dir():  # every platform is unknown: say so once, above, not per site
        broken |= {("platform", site.platform) for site in sites.values()}
    if "provider" in shared.missing:  # likewise every provider, every policy
        broken |= {("provider", getattr(s.circuits, role).provider) for s in sites.values() for role in CIRCUIT_ROLES}
    if "policy" in shared.missing:
        broken |= {("policy", site.policy) for site in sites.values()}
    out.add(shared.notification_diagnostics)
    if shared.defaults is None:
        raise DiagnosticError(_with_unchecked_sites(errors_only(out.diagnostics) or out.diagnostics, root))
    estate = shared.estate(sites, site_layers)
    out.add(check_references(estate, broken))
    if shared.notifications is not None:
        out.add(estate_notification_references(estate, shared, broken))
    errors = errors_only(out.diagnostics)
    if errors:
        raise DiagnosticError(errors)
    return estate, [d for d in out.diagnostics if d.severity is not Severity.ERROR]


def estate_notification_references(
    estate: Estate, shared: SharedIntents, broken: set[tuple[str, str]], site_ids: Collection[str] | None = None
) -> list[Diagnostic]:
    """Names used in notifications.yaml (regions, sites, providers) that the estate does not have
    (``site_ids``: the estate's sites when ``estate`` holds only some of them).

    None when a key is written twice in the file: that makes the entry ambiguous (YAML keeps the
    last), the duplicate is the one error, and what the names then seem to lack (a contact without
    a phone...) is not reported on top.
    """
    assert shared.notifications is not None
    if any(d.code == "yaml-duplicate-key" for d in shared.notification_diagnostics):
        return []
    return _notification_references(estate, shared.notifications, broken, shared.missing, site_ids)


NOTIFICATIONS_FILES = ("notifications.yaml", "notifications.yml")


def _load_notifications(root: Path, out: _Collector, layers: dict[tuple[Kind, str], Layer]) -> Notifications | None:
    """``notifications.yaml`` when present (it is optional), validated on its own."""
    # exists or is a (broken) link: an unreadable file is an error, never silently no notifications
    path = next(
        (root / name for name in NOTIFICATIONS_FILES if (root / name).exists() or (root / name).is_symlink()), None
    )
    if path is None:
        return None
    doc = _read(path, out)
    if doc is None:
        return None
    layer = Layer.from_document(doc)
    layers[("notifications", "notifications")] = layer
    notifications: Notifications | None = _validate(Notifications, layer, "notifications", out)
    return notifications


def _notification_references(
    estate: Estate,
    notifications: Notifications,
    broken: set[tuple[str, str]],
    missing: set[str],
    site_ids: Collection[str] | None = None,
) -> list[Diagnostic]:
    """Names used in notifications.yaml; regions, sites and providers that failed to load count as known,
    and a kind whose whole folder is missing is not checked (that is reported once, at the folder)."""

    def known(kind: str, names: list[str]) -> list[str] | None:
        return None if kind in missing else names + [name for k, name in broken if k == kind]

    return check_notifications(
        notifications,
        lambda path: estate.locate("notifications", "notifications", path),
        regions=known("region", sorted(estate.regions)),
        sites=sorted(
            {*(estate.sites if site_ids is None else site_ids), *(p.stem for p in _yaml_files(estate.root / "sites"))}
        ),
        providers=known("provider", sorted(estate.providers)),
    )


def _load_sites(
    root: Path, shared: SharedIntents, out: _Collector, *, only: Collection[str] | None = None
) -> tuple[dict[str, Site], dict[str, Layer]]:
    """Parse every site file; merge and validate them when defaults.yaml is usable.

    A site whose region file does not parse is not validated either: without the region's
    site_defaults it would only collect follow-on errors.
    """
    sites: dict[str, Site] = {}
    layers: dict[str, Layer] = {}
    first_file: dict[str, str] = {}
    files = site_files(root, only, out)
    if not files and only is None:
        out.add(
            [
                Diagnostic(
                    "sites-missing",
                    "no site files found",
                    location=SourceLocation(display_path(root / "sites")),
                    hint="add one YAML file per site under sites/",
                )
            ]
        )
    for path in files:
        loaded = load_site_file(shared, path)
        out.add(loaded.read)
        if loaded.sid is None:
            continue
        if loaded.sid in first_file:
            out.add([duplicate_site(loaded, first_file[loaded.sid])])
            continue
        first_file[loaded.sid] = loaded.file
        out.add(loaded.diagnostics)
        if loaded.layer is not None:
            layers[loaded.sid] = loaded.layer
        if loaded.site is not None:
            sites[loaded.sid] = loaded.site
    return dict(sorted(sites.items())), layers


def duplicate_site(loaded: SiteLoad, first_file: str) -> Diagnostic:
    """A second site file with an id another file already has (``first_file``)."""
    name = str(loaded.sid)
    return Diagnostic(
        "duplicate-site",
        f"duplicate site {name!r} (also defined in {first_file})",
        location=SourceLocation(loaded.file, loaded.id_line, "site"),
        hint="each site id must be unique; rename one of them",
    )


def _with_unchecked_sites(diagnostics: list[Diagnostic], root: Path) -> list[Diagnostic]:
    """Say on the defaults.yaml errors that the sites inheriting from it were not checked."""
    count = len(_yaml_files(root / "sites"))
    defaults_file = display_path(root / "defaults.yaml")
    out = []
    for diag in diagnostics:
        here = count and diag.location is not None and diag.location.file == defaults_file
        note = f"; fix this first: the {count} site file(s) inherit from it"
        out.append(replace(diag, hint=diag.hint + note) if here else diag)
    return out


def _region_hint(region: str, region_docs: dict[str, YamlDocument]) -> str:
    close = difflib.get_close_matches(region, list(region_docs), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return "known regions: " + (", ".join(sorted(region_docs)) or "none (add a file under regions/)")

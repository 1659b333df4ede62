"""The Jinja2 environment: strict (undefined is an error), deterministic, no logic helpers."""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections import ChainMap
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache

from runbook_wan.workspace import BUILTIN_TEMPLATES

#: The templates shipped with the package; a workspace's own ``templates/`` takes precedence.
DEFAULT_TEMPLATES_DIR = BUILTIN_TEMPLATES
#: Compiled templates under the state folder (``<state>/build/templates``), when the user has no cache folder.
TEMPLATE_CACHE = "build/templates"


def compiled_templates_dir(state_dir: Path) -> Path:
    """Where Jinja's compiled templates are kept: per user, shared by the user's workspaces (an entry
    is keyed by the template's path and text, so a workspace never uses another's), as Jinja's and
    pip's own caches are: ``$RUNBOOK_CACHE/templates``, else ``$XDG_CACHE_HOME/runbook/templates``
    (``~/.cache/runbook/templates``); without a home folder, the state folder. A new clone then
    does not compile every section again. Losing it only costs a compile."""
    base = os.environ.get("RUNBOOK_CACHE")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME")
        try:
            base = str(Path(xdg) / "runbook") if xdg else str(Path.home() / ".cache" / "runbook")
        except RuntimeError:  # no home folder
            return state_dir / TEMPLATE_CACHE
    return Path(base) / "templates"


#: Line breaks and other control characters (C0, DEL, C1, Unicode line/paragraph separators).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class UnsafeValueError(jinja2.TemplateRuntimeError):
    """A value placed by ``{{ ... }}`` holds a line break or another control character."""

    def __init__(self, value: str, position: int) -> None:
        super().__init__(f"a value holds {value[position]!r} at position {position}: {value[:40]!r}")
        self.value = value
        self.position = position


def single_line(value: Any) -> Any:
    """Jinja ``finalize``: every value a template places must stay on its line.

    The model already refuses such text at its file and line; this is the second wall, so no
    template (or a fact computed from platform data) can emit a line the model did not intend.
    """
    # isprintable() (C) is True for text without controls or line/paragraph separators: the usual case.
    if isinstance(value, str) and not value.isprintable():
        found = _CONTROL.search(value)
        if found is not None:
            raise UnsafeValueError(value, found.start())
    return value


class TrackingEnvironment(jinja2.Environment):
    """A Jinja environment that records the name of every template it loads (rendered, included,
    imported or extended): what a site's config was rendered from, for the build cache."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.loaded: set[str] = set()
        #: Templates by name, once loaded, when they are never reloaded: Jinja's own cache is an LRU
        #: list that moves the name on every lookup, and a site looks up a dozen templates.
        self._templates: dict[str, jinja2.Template] = {}

    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> jinja2.Template:
        self.loaded.add(name)
        kept = not globals and not self.auto_reload
        if kept and (found := self._templates.get(name)) is not None:
            return found
        template = super()._load_template(name, globals)
        if kept:
            self._templates[name] = template
        if isinstance(template.globals, ChainMap):
            # Jinja chains a template's globals over the environment's and copies them into a new
            # context for every render; iterating a ChainMap makes that copy 8 us instead of 2, a
            # site renders a dozen templates, and nothing adds globals once the environment is made.
            template.globals = dict(template.globals)
        return template


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled templates kept between runs (compiling the sections costs a tenth of a second,
    most of a small render). Jinja reuses an entry only for the same template source (its checksum);
    the key also holds what else shapes the compiled code (Jinja's version, the environment's
    options), so a changed option never reuses code compiled for another. A folder that cannot be
    read or written only means compiling again."""

    def __init__(self, folder: Path, salt: str) -> None:
        super().__init__(str(folder), "%s.jinja")
        self.folder = folder
        self.salt = salt
        #: Compiled code is run: a folder another user could write to is never read (compile instead).
        self.trusted = _private(folder)

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha256(f"{self.salt}\0{name}\0{filename or ''}".encode()).hexdigest()[:40]

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if not self.trusted:
            return
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - a damaged entry is a miss: compile again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if not self.trusted:
            return
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            return


def _private(folder: Path) -> bool:
    """The folder is ours and nobody else may write to it (or it does not exist yet: it is created so)."""
    try:
        info = folder.stat()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return info.st_uid == os.geteuid() and not info.st_mode & 0o022


_OPTIONS: dict[str, Any] = {
    "finalize": single_line,
    "undefined": jinja2.StrictUndefined,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": True,
    "autoescape": False,
    "auto_reload": False,
}


def _salt() -> str:
    options = sorted((k, getattr(v, "__qualname__", v)) for k, v in _OPTIONS.items())
    return f"jinja2 {jinja2.__version__}; python {sys.version_info[:3]}; {TrackingEnvironment.__qualname__}; {options}"


def make_environment(templates_dir: Path = DEFAULT_TEMPLATES_DIR, compiled: Path | None = None) -> TrackingEnvironment:
    """The environment of ``templates_dir``; ``compiled``: a folder of compiled templates to reuse."""
    cache = CompiledTemplates(compiled, _salt()) if compiled is not None else None
    return TrackingEnvironment(loader=jinja2.FileSystemLoader(str(templates_dir)), bytecode_cache=cache, **_OPTIONS)

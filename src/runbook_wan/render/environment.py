"""The Jinja2 environment: strict (undefined is an error), deterministic, no logic helpers."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import jinja2

from runbook_wan.workspace import BUILTIN_TEMPLATES

#: The templates shipped with the package; a workspace's own ``templates/`` takes precedence.
DEFAULT_TEMPLATES_DIR = BUILTIN_TEMPLATES


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

    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> jinja2.Template:
        self.loaded.add(name)
        return super()._load_template(name, globals)


def make_environment(templates_dir: Path = DEFAULT_TEMPLATES_DIR) -> TrackingEnvironment:
    return TrackingEnvironment(
        finalize=single_line,
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        auto_reload=False,
    )

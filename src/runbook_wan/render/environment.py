"""The Jinja2 environment: strict (undefined is an error), deterministic, no logic helpers."""

from __future__ import annotations

from pathlib import Path

import jinja2

from runbook_wan.workspace import BUILTIN_TEMPLATES

#: The templates shipped with the package; a workspace's own ``templates/`` takes precedence.
DEFAULT_TEMPLATES_DIR = BUILTIN_TEMPLATES


def make_environment(templates_dir: Path = DEFAULT_TEMPLATES_DIR) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        auto_reload=False,
    )

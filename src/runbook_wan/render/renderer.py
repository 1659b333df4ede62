"""Render one site's config: its platform's sections, in the platform's order.

Template problems (a missing variable under StrictUndefined, a syntax error, a missing section
file) become diagnostics that name the template file and line and the site being rendered.
"""

from __future__ import annotations

import os
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2

from runbook_wan.facts.models import SiteFacts
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.render.environment import UnsafeValueError, single_line
from runbook_wan.results import Diagnostic, SourceLocation


@dataclass(frozen=True)
class RenderedConfig:
    site: str
    platform: str
    text: str


def header(facts: SiteFacts, platform: PlatformSpec) -> str:
    c = platform.comment
    site, name, platform_id, policy = (single_line(v) for v in (facts.site, facts.name, facts.platform, facts.policy))
    return (
        f"{c} runbook: {site} ({name}), platform {platform_id}, policy {policy}\n"
        f"{c} Rendered from intents by `runbook.py render`; edit the intents, not this file.\n"
        f"{c} Secrets appear as <secret:NAME> and are resolved only when the config is pushed.\n"
    )


def _template_line(exc: BaseException, templates_dir: Path) -> tuple[str, int | None]:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.filename or exc.name or "?", exc.lineno
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return frame.filename, frame.lineno
    return str(templates_dir), None


def _short_types(message: str) -> str:
    """Jinja names objects by their full module path; people know them by class name."""
    return re.sub(r"'(?:\w+\.)+(\w+ object)'", r"'\1'", message)


def _relative(path: str) -> str:
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else path


def render_site(
    facts: SiteFacts, platform: PlatformSpec, env: jinja2.Environment, templates_dir: Path
) -> tuple[RenderedConfig | None, list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    try:
        parts = [header(facts, platform)]
    except UnsafeValueError as exc:
        parts = []
        diagnostics.append(
            Diagnostic(
                "template-unsafe-value",
                f"{exc} (rendering the header of site {facts.site}): it would add a line to the config",
                hint="intent text is one line of safe characters",
            )
        )
    context = {"site": facts, "platform": platform}
    for section in platform.sections:
        name = f"{platform.templates}/{section}.j2"
        try:
            parts.append(env.get_template(name).render(context))
        except jinja2.TemplateNotFound:
            diagnostics.append(
                Diagnostic(
                    "template-missing",
                    f"template {name} for section {section!r} not found (rendering site {facts.site})",
                    location=SourceLocation(_relative(str(templates_dir / name))),
                    hint=f"create it, or remove {section!r} from sections in platforms/{platform.platform}.yaml",
                )
            )
        except jinja2.UndefinedError as exc:
            file, line = _template_line(exc, templates_dir)
            diagnostics.append(
                Diagnostic(
                    "template-undefined",
                    f"{_short_types(exc.message or str(exc))} (rendering site {facts.site})",
                    location=SourceLocation(_relative(file), line),
                    hint="templates may only use facts; check the variable name against runbook_wan/facts/models.py",
                )
            )
        except UnsafeValueError as exc:
            file, line = _template_line(exc, templates_dir)
            diagnostics.append(
                Diagnostic(
                    "template-unsafe-value",
                    f"{exc} (rendering site {facts.site}): it would add a line to the config",
                    location=SourceLocation(_relative(file), line),
                    hint="intent text is one line of safe characters; check the facts this template places",
                )
            )
        except jinja2.TemplateError as exc:
            file, line = _template_line(exc, templates_dir)
            diagnostics.append(
                Diagnostic(
                    "template-error",
                    f"{type(exc).__name__}: {exc} (rendering site {facts.site})",
                    location=SourceLocation(_relative(file), line),
                    hint="fix the template syntax",
                )
            )
    if diagnostics:
        return None, diagnostics
    text = "".join(parts)
    if not text.endswith("\n"):
        text += "\n"
    return RenderedConfig(site=facts.site, platform=facts.platform, text=text), []

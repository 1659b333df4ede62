"""Render one site's config: its platform's sections, in the platform's order; then its artifacts.

A platform may declare artifacts beside the config (``platforms/<p>.yaml`` ``artifacts``): files
rendered from their own template folder and sections (FRR's nftables classifier), or built in
Python from the facts (the edge agent's policy, :mod:`runbook_wan.render.agent_policy`).

Template problems (a missing variable under StrictUndefined, a syntax error, a missing section
file) become diagnostics that name the template file and line and the site being rendered.
"""

from __future__ import annotations

import os
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from runbook_wan.facts.models import SiteFacts
from runbook_wan.model.platform import Artifact, PlatformSpec
from runbook_wan.render.agent_policy import agent_policy_text
from runbook_wan.render.environment import UnsafeValueError, single_line
from runbook_wan.results import Diagnostic, SourceLocation

#: The config's own suffix in configs/ (artifacts have theirs in the platform data).
CONFIG_SUFFIX = ".cfg"


@dataclass(frozen=True)
class RenderedConfig:
    site: str
    platform: str
    text: str
    #: The platform's artifacts beside the config: suffix (``.nft``, ``.agent.json``) -> text.
    sidecars: dict[str, str] = field(default_factory=dict)

    @property
    def files(self) -> dict[str, str]:
        """Every file of the site by suffix, the config (``.cfg``) first."""
        return {CONFIG_SUFFIX: self.text, **self.sidecars}


def header(facts: SiteFacts, platform: PlatformSpec, comment: str | None = None) -> str:
    c = comment or platform.comment
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


def _render_sections(
    facts: SiteFacts,
    platform: PlatformSpec,
    env: jinja2.Environment,
    templates_dir: Path,
    folder: str,
    sections: list[str],
    context: dict[str, Any],
    where: str,
) -> tuple[list[str], list[Diagnostic]]:
    """Each section's template rendered; ``where`` says in the hint where the sections are listed."""
    parts: list[str] = []
    diagnostics: list[Diagnostic] = []
    for section in sections:
        name = f"{folder}/{section}.j2"
        try:
            parts.append(env.get_template(name).render(context))
        except jinja2.TemplateNotFound:
            diagnostics.append(
                Diagnostic(
                    "template-missing",
                    f"template {name} for section {section!r} not found (rendering site {facts.site})",
                    location=SourceLocation(_relative(str(templates_dir / name))),
                    hint=f"create it, or remove {section!r} from {where} in platforms/{platform.platform}.yaml",
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
    return parts, diagnostics


def _header_or_diagnostic(facts: SiteFacts, platform: PlatformSpec, comment: str) -> tuple[list[str], list[Diagnostic]]:
    try:
        return [header(facts, platform, comment)], []
    except UnsafeValueError as exc:
        return [], [
            Diagnostic(
                "template-unsafe-value",
                f"{exc} (rendering the header of site {facts.site}): it would add a line to the config",
                hint="intent text is one line of safe characters",
            )
        ]


def _joined(parts: list[str]) -> str:
    text = "".join(parts)
    return text if text.endswith("\n") else text + "\n"


def render_artifact(
    facts: SiteFacts, platform: PlatformSpec, artifact: Artifact, env: jinja2.Environment, templates_dir: Path
) -> tuple[str | None, list[Diagnostic]]:
    """One artifact of a site: its templates' sections under a header, or the agent policy."""
    if artifact.source == "agent_policy":
        if facts.agent is None:
            return None, [
                Diagnostic(
                    "artifact-no-agent-policy",
                    f"platform {platform.platform!r} declares an agent policy, but site {facts.site} has no steering",
                    hint=f"remove the agent_policy artifact from platforms/{platform.platform}.yaml",
                )
            ]
        return agent_policy_text(facts.agent), []
    parts, diagnostics = _header_or_diagnostic(facts, platform, artifact.comment)
    context = {"site": facts, "platform": platform, "artifact": artifact}
    folder = artifact.templates or ""
    where = f"the {artifact.suffix} artifact's sections"
    rendered, found = _render_sections(facts, platform, env, templates_dir, folder, artifact.sections, context, where)
    diagnostics += found
    return (None if diagnostics else _joined(parts + rendered)), diagnostics


def render_site(
    facts: SiteFacts, platform: PlatformSpec, env: jinja2.Environment, templates_dir: Path
) -> tuple[RenderedConfig | None, list[Diagnostic]]:
    parts, diagnostics = _header_or_diagnostic(facts, platform, platform.comment)
    context = {"site": facts, "platform": platform}
    rendered, found = _render_sections(
        facts, platform, env, templates_dir, platform.templates, platform.sections, context, "sections"
    )
    parts += rendered
    diagnostics += found
    sidecars: dict[str, str] = {}
    for artifact in platform.artifacts:
        text, found = render_artifact(facts, platform, artifact, env, templates_dir)
        diagnostics += found
        if text is not None:
            sidecars[artifact.suffix] = text
    if diagnostics:
        # The config and an artifact share the header (and may share a cause): one error per cause.
        unique = {(d.code, d.message, d.location): d for d in diagnostics}
        return None, list(unique.values())
    return RenderedConfig(site=facts.site, platform=facts.platform, text=_joined(parts), sidecars=sidecars), []

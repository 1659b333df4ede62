"""The layer order, enforced: data flows one way through Runbook's packages.

    agent <- results/workspace/atomic_files/markup <- credentials <- context <- ops <- model <- selection <- facts
      <- render <- monitoring <- sitedocs <- build <- plan <- review <- inventory <- lab <- validation <- verify
      <- tasks <- drift <- rollout <- report <- status <- notify <- probe/monitor <- commands/cli

A module may import Runbook modules of its own layer or a lower one, never a higher one (stage
code never imports the command line; ``tasks`` never imports ``rollout``). Every import counts,
including the lazy ones inside functions. A new package must be given its place here.

``agent`` (the SD-WAN edge agent, ``runbook-agent``) runs on routers: it sits below everything
and imports no other Runbook package at all (anyone may import it, e.g. the lab starts it).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "runbook_wan"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("agent",),
    ("results", "workspace", "atomic_files", "markup", "json_input", "__init__"),
    ("credentials",),
    ("context",),
    ("ops",),
    ("model",),
    ("selection",),
    ("facts",),
    ("render",),
    ("monitoring",),
    ("sitedocs",),
    ("build",),
    ("plan",),
    ("review",),
    ("inventory",),
    ("lab",),
    ("validation",),
    ("verify",),
    ("tasks",),
    ("drift",),
    ("rollout",),
    ("report",),
    ("status",),
    ("notify",),
    ("probe", "monitor"),
    ("commands", "cli", "__main__"),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _part(module_path: Path) -> str:
    rel = module_path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imported_parts(source: Path) -> list[tuple[int, str]]:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "runbook_wan" and len(parts) > 1:
                found.append((getattr(node, "lineno", 0), parts[1]))
    return found


def _modules() -> list[Path]:
    # rglob does not follow the symlinked tasks/, validation/ and inventory/; walk them explicitly.
    files: list[Path] = []
    for entry in sorted(PACKAGE.iterdir()):
        if entry.is_dir():
            files += sorted(p for p in entry.glob("**/*.py"))
        elif entry.suffix == ".py":
            files.append(entry)
    return files


def test_every_package_has_a_layer() -> None:
    parts = {_part(p) for p in _modules()}
    assert parts - set(RANK) == set(), "give each new package its place in LAYERS (tests/test_layers.py)"


def test_no_import_goes_against_the_layer_order() -> None:
    violations = []
    for module in _modules():
        own = _part(module)
        for line, target in _imported_parts(module):
            if RANK.get(target, 99) > RANK.get(own, -1):
                violations.append(f"{module.relative_to(PACKAGE)}:{line} ({own}) imports runbook_wan.{target}")
    assert violations == [], "imports against the layer order:\n" + "\n".join(violations)


def test_the_walk_sees_the_linked_stage_packages() -> None:
    parts = {_part(p) for p in _modules()}
    assert {"tasks", "validation", "inventory", "model", "commands"} <= parts


def test_the_edge_agent_imports_no_other_runbook_package() -> None:
    found = [
        f"{module.relative_to(PACKAGE)}:{line} imports runbook_wan.{target}"
        for module in _modules()
        if _part(module) == "agent"
        for line, target in _imported_parts(module)
        if target != "agent"
    ]
    assert found == [], "the agent runs on routers and stands alone:\n" + "\n".join(found)

"""The agent runs on routers: it imports nothing of Runbook's controller, and starts without the
intent model, pydantic, YAML or Jinja2."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

AGENT = Path(__file__).resolve().parents[2] / "src" / "runbook_wan" / "agent"
ALLOWED_THIRD_PARTY = {"prometheus_client"}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_the_agent_imports_only_itself_the_standard_library_and_prometheus_client() -> None:
    bad = []
    for path in sorted(AGENT.glob("*.py")):
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top == "runbook_wan":
                if not module.startswith("runbook_wan.agent"):
                    bad.append(f"{path.name}:{line} imports {module}")
            elif top not in sys.stdlib_module_names and top not in ALLOWED_THIRD_PARTY and top != "__future__":
                bad.append(f"{path.name}:{line} imports {module}")
    assert bad == []


def test_starting_the_agent_loads_no_controller_module() -> None:
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); import runbook_wan.agent.cli; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(AGENT.parents[1])], capture_output=True, text=True, check=True
    ).stdout
    modules = json.loads(out)
    ours = sorted(
        name for name in modules if name.startswith("runbook_wan.") and not name.startswith("runbook_wan.agent")
    )
    assert ours == []
    assert not {"pydantic", "yaml", "jinja2", "rich", "nornir", "napalm"} & set(modules)

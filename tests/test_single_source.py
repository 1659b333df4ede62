"""Each fact is written once: circuit roles, platform facts and exit codes have one source.

The per-role model fields must equal the role table (``model/roles.py``), no package code spells
a role out as a string anywhere else, the lab's platforms come from the platform catalog, and
the exit-code documentation is generated from ``results/exit_codes.py``.
"""

from __future__ import annotations

import ast
import typing
from pathlib import Path

from runbook_wan.model.platform import InterfaceNames, load_platforms
from runbook_wan.model.policy import AppClass
from runbook_wan.model.provider import Provider
from runbook_wan.model.roles import ALL_MEDIA, ALL_PROVIDER_KINDS, CIRCUIT_ROLES, ROLES, CircuitRole
from runbook_wan.model.site import Circuit, Circuits, RoutingPreferences
from runbook_wan.results import exit_codes
from runbook_wan.workspace import BUILTIN_PLATFORMS

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "runbook_wan"


def test_role_table_covers_every_role_once() -> None:
    assert tuple(ROLES) == tuple(CircuitRole)
    assert CIRCUIT_ROLES == ("primary_dia", "secondary_dia", "tertiary_wireless")
    assert len({spec.label for spec in ROLES.values()}) == len(ROLES)
    assert len({spec.track_id for spec in ROLES.values()}) == len(ROLES)


def test_per_role_model_fields_equal_the_role_table() -> None:
    assert tuple(Circuits.model_fields) == CIRCUIT_ROLES
    assert tuple(RoutingPreferences.model_fields) == CIRCUIT_ROLES
    assert tuple(InterfaceNames.model_fields)[: len(CIRCUIT_ROLES)] == CIRCUIT_ROLES


def test_media_and_provider_kinds_equal_the_role_table() -> None:
    media = typing.get_args(Circuit.model_fields["media"].annotation)
    kinds = typing.get_args(Provider.model_fields["kind"].annotation)
    assert set(media) == set(ALL_MEDIA) == set().union(*(s.media for s in ROLES.values()))
    assert set(kinds) == set(ALL_PROVIDER_KINDS) == set().union(*(s.provider_kinds for s in ROLES.values()))
    (item,) = typing.get_args(AppClass.model_fields["path_preference"].annotation)
    assert (typing.get_args(item)[0] if typing.get_origin(item) is typing.Annotated else item) is CircuitRole


def _string_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_no_package_code_spells_out_a_role() -> None:
    found = []
    for entry in sorted(PACKAGE.iterdir()):
        files = sorted(entry.glob("**/*.py")) if entry.is_dir() else [entry]
        for path in files:
            if path.suffix != ".py" or path.name == "roles.py":
                continue
            found += [
                f"{path.relative_to(PACKAGE)}:{line} {value!r}"
                for line, value in _string_constants(path)
                if value in CIRCUIT_ROLES
            ]
    assert found == [], "use runbook_wan.model.roles instead of:\n" + "\n".join(found)


def test_lab_platforms_come_from_the_catalog() -> None:
    platforms, errors = load_platforms(BUILTIN_PLATFORMS)
    assert errors == []
    assert [p for p, spec in platforms.items() if spec.runs_in_lab] == ["frr"]
    topology = (PACKAGE / "lab" / "topology.py").read_text()
    assert '"frr"' not in topology


def test_exit_code_doc_is_generated_from_the_one_table() -> None:
    assert (REPO / "docs" / "exit-codes.md").read_text() == exit_codes.markdown(), (
        "docs/exit-codes.md is stale: run `python3 runbook.py schema`"
    )
    for command, codes in exit_codes.BY_COMMAND.items():
        assert set(codes) <= set(exit_codes.ExitCode), command
        assert exit_codes.epilog(command).startswith("Exit codes: ")

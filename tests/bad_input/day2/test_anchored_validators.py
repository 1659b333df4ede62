"""No validator lets a trailing newline through (issue 21, class 1).

``re.match(r"^...$", value)`` accepts ``value + "\\n"``: Python's ``$`` also matches before a final
line break. That let an e-mail address, a route name or a time range ending in a newline into the
model and on into the generated Alertmanager config. Validators use ``fullmatch`` (or ``\\Z``).

The lint below reads every module of Runbook and the NAPALM driver and fails on a ``$``-ended
pattern used with ``re.match``/``re.search`` or ``.match``/``.search`` of a compiled pattern
(line-by-line patterns with ``re.MULTILINE`` are exempt); the examples show the behaviour.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import ValidationError

from runbook_wan.model.notifications import Notifications
from runbook_wan.notify.inbound.replies import Action, parse
from runbook_wan.status.authz import NAME_PATTERN

REPO = Path(__file__).resolve().parents[3]
ROOTS = [REPO / "src" / "runbook_wan", REPO / "napalm_frr" / "src"]
SEARCHING = {"match", "search"}


def _modules() -> list[Path]:
    return sorted(p for root in ROOTS for p in root.rglob("*.py"))


def _multiline(call: ast.Call) -> bool:
    flags = [ast.unparse(arg) for arg in [*call.args[1:], *(k.value for k in call.keywords)]]
    return any("MULTILINE" in flag or "re.M" in flag for flag in flags)


def _pattern_text(node: ast.AST, strings: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        last = node.values[-1] if node.values else None
        return last.value if isinstance(last, ast.Constant) and isinstance(last.value, str) else None
    if isinstance(node, ast.Name):
        return strings.get(node.id)
    return None


def _compiled(tree: ast.Module, strings: dict[str, str]) -> dict[str, str]:
    """Names bound to ``re.compile(<$-ended pattern>)`` without MULTILINE, anywhere in the module."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            call = node.value
            if ast.unparse(call.func) == "re.compile" and call.args and not _multiline(call):
                text = _pattern_text(call.args[0], strings)
                for target in node.targets:
                    if isinstance(target, ast.Name) and text is not None:
                        out[target.id] = text
    return out


def violations(source: str, name: str, imported: dict[str, str] | None = None) -> list[str]:
    tree = ast.parse(source)
    strings = {
        t.id: n.value.value
        for n in tree.body
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    compiled = (imported or {}) | _compiled(tree, strings)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in SEARCHING:
            continue
        owner = ast.unparse(node.func.value)
        if owner == "re" and node.args and not _multiline(node):
            text = _pattern_text(node.args[0], strings)
        else:
            text = compiled.get(owner)
        if text is not None and text.endswith("$") and not text.endswith("\\$"):
            found.append(f"{name}:{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_no_dollar_anchored_pattern_is_matched_instead_of_fullmatched() -> None:
    every_compiled: dict[str, str] = {}
    sources = {path: path.read_text(encoding="utf-8") for path in _modules()}
    for source in sources.values():
        compiled = _compiled(ast.parse(source), {})
        every_compiled |= {k: v for k, v in compiled.items() if k.isupper() or k.startswith("_")}
    found = [v for path, source in sources.items() for v in violations(source, str(path), every_compiled)]
    assert not found, "use fullmatch (and drop the $), or \\Z:\n" + "\n".join(found)


def test_the_lint_catches_each_form() -> None:
    """It can fail: each way the bug was written is found."""
    assert violations('import re\nre.match(r"^a$", x)', "m")
    assert violations('import re\nP = r"^a$"\nre.match(P, x)', "m")
    assert violations('import re\nP = re.compile(r"^a$")\nP.match(x)', "m")
    assert violations('import re\nP = re.compile(rf"^{p}m$")\nP.search(x)', "m")
    assert not violations('import re\nP = re.compile(r"a")\nP.fullmatch(x)', "m")
    assert not violations('import re\nre.search(r"^a$", x, re.MULTILINE)', "m")


# --- behaviour: a trailing newline (or any control character) is refused ------------------------

BASE = {
    "defaults": {"to": "noc"},
    "contacts": {"alice": {"name": "Alice", "phone": "+14155550123", "email": "alice@example.com"}},
    "groups": {"noc": {"members": ["alice"]}},
    "channels": {"email": {"type": "email", "smarthost": "smtp.example.com:587", "from": "noc@example.com"}},
    "business_hours": {"default": {"timezone": "UTC", "times": ["08:00-18:00"]}},
    "routes": [{"name": "mail", "notify": [{"channel": "email", "to": "alice"}]}],
}


def _with(path: tuple[str | int, ...], value: object) -> dict[str, object]:
    import copy

    data = copy.deepcopy(BASE)
    node: object = data
    for part in path[:-1]:
        node = node[part]  # type: ignore[index]
    node[path[-1]] = value  # type: ignore[index]
    return data


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("contacts", "alice", "email"), "alice@example.com\n"),
        (("contacts", "alice", "phone"), "+14155550123\n"),
        (("routes", 0, "name"), "mail\n"),
        (("business_hours", "default", "times"), ["08:00-18:00\n"]),
        (("channels", "email", "from"), "noc@example.com\n"),
        (("channels", "email", "smarthost"), "smtp.example.com:587\n"),
        (("contacts", "alice", "email"), "ali\x01ce@example.com"),
        (("contacts", "alice", "email"), "alice@exa\u202emple.com"),
        (("contacts", "alice", "name"), "Alice\r"),
        (("groups", "noc", "members"), ["alice\n"]),
    ],
)
def test_notifications_refuse_a_value_with_a_line_break_or_control_character(
    path: tuple[str | int, ...], value: object
) -> None:
    Notifications.model_validate(BASE)  # the base is valid
    with pytest.raises(ValidationError):
        Notifications.model_validate(_with(path, value))


def test_other_validators_refuse_a_trailing_newline() -> None:
    """The pane's user names, and the reply codes of the SMS answers, as two more of the same class."""
    assert NAME_PATTERN.fullmatch("alice") and not NAME_PATTERN.fullmatch("alice\n")
    assert parse("3a").action is Action.ACK

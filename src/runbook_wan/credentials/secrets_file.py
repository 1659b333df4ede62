"""Read a secrets file (YAML ``name: value`` per line) without ever showing a value.

Every reader of a secrets file goes through :func:`read_secrets_file`: the user's file, the lab's
generated one. A YAML syntax error is reported with its line and column only: PyYAML's own message
quotes the offending line, which is a secret's line (it would print the value to stderr and to any
log). A value that is not a single string (a list, a mapping) is named by its key and type, never
shown. Nothing here registers values with a redactor; the resolver does, after checking them.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from runbook_wan.results import Diagnostic, SourceLocation

FORMAT_HINT = "write one `name: value` per line, the value quoted if it holds ':' or '#' (see docs/secrets.md)"


def _problem(code: str, path: Path, message: str, line: int | None = None, hint: str = FORMAT_HINT) -> Diagnostic:
    return Diagnostic(code, message, location=SourceLocation(str(path), line), hint=hint)


def read_secrets_file(path: Path) -> tuple[dict[str, str], list[Diagnostic]]:
    """``name -> value`` from ``path``, or the problems with it (no value appears in them)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        why = f"cannot read the secrets file: {exc.strerror or exc}"
        return {}, [_problem("secrets-file-read", path, why, hint="check its permissions")]
    except UnicodeDecodeError as exc:
        why = f"the secrets file is not UTF-8 (byte {exc.start})"
        return {}, [_problem("secrets-file-format", path, why, hint="save it as UTF-8")]
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # The entry where the broken construct starts (a quote opened, a list begun), else where
        # PyYAML noticed; the words are PyYAML's own ("while scanning a quoted scalar"), no text.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        where = f" at column {mark.column + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or "not valid YAML"
        context = getattr(exc, "context", None)
        reason = f"{reason} ({context})" if context else reason
        why = f"YAML syntax error{where}: {reason}; the line is not shown: it may hold a secret"
        return {}, [_problem("secrets-file-yaml", path, why, line)]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        why = f"the secrets file holds a {type(data).__name__}, not a mapping"
        return {}, [_problem("secrets-file-format", path, why)]
    values: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for key, value in data.items():
        if isinstance(value, dict | list | set) or value is None:
            kind = "nothing" if value is None else f"a {type(value).__name__}"
            why = f"secret {str(key)!r} holds {kind}, not one value (value not shown)"
            problems.append(_problem("secrets-file-format", path, why))
            continue
        values[str(key)] = str(value)
    return values, problems

"""YAML loading that remembers where every value came from.

PyYAML's composer gives nodes with marks; we turn them into plain Python values plus an
``origins`` map from a value's path (tuple of keys/indices) to its 1-based line. Syntax
errors and duplicate keys become :class:`~results.Diagnostic` objects instead of exceptions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runbook_wan.results import Diagnostic, SourceLocation

PathKey = tuple[str | int, ...]

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlDocument:
    """A parsed YAML file: its plain data and the line of every path in it."""

    file: str
    data: Any
    origins: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """Line of ``path`` or of its deepest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.origins.get(path[:end])
            if line is not None:
                return line
        return None


def format_path(path: PathKey) -> str:
    """``("circuits", "primary_dia", "address")`` -> ``circuits.primary_dia.address``; ints as ``[i]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


_CORE = "tag:yaml.org,2002:"
_FATAL = frozenset({"yaml-value", "yaml-merge"})
_CORE_TAGS = frozenset({"!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary"})


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.origins: dict[PathKey, int] = {}
        self.diagnostics: list[Diagnostic] = []
        self._constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: PathKey, line: int) -> Any:
        self.origins[path] = line
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index), item.start_mark.line + 1) for index, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _scalar(self, node: yaml.Node, path: PathKey) -> Any:
        """Construct a scalar; a bad tag or value (``!!int abc``, ``!custom``) becomes a diagnostic."""
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            self._unreadable(node, path, exc)
            return None

    def _unreadable(self, node: yaml.Node, path: PathKey, exc: Exception) -> None:
        # The exception text is not shown: it can quote the value, and the value may be a secret.
        del exc
        tag = "!!" + node.tag.removeprefix(_CORE) if node.tag.startswith(_CORE) else node.tag
        if tag in _CORE_TAGS:
            message, hint = f"the value tagged {tag} is not a valid {tag[2:]}", "fix the value or remove the tag"
        else:
            message, hint = f"unsupported YAML tag {tag}", "remove the tag and write a plain value"
        self.diagnostics.append(
            Diagnostic(
                code="yaml-value",
                message=message,
                hint=hint,
                location=SourceLocation(self.file, node.start_mark.line + 1, format_path(path)),
            )
        )

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        try:
            self._constructor.flatten_mapping(node)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or "invalid merge key"
            self.diagnostics.append(
                Diagnostic(
                    code="yaml-merge",
                    message=f"YAML merge key '<<' cannot be used here: {problem}",
                    location=SourceLocation(self.file, node.start_mark.line + 1, format_path(path)),
                    hint="'<<' takes an alias of a mapping (<<: *name) or a list of them",
                )
            )
            node.value = [(k, v) for k, v in node.value if k.tag != "tag:yaml.org,2002:merge"]
        result: dict[Any, Any] = {}
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self._constructor.construct_object(key_node, deep=True)
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | bool | float) or key is None:
                self.diagnostics.append(
                    Diagnostic(
                        code="yaml-key",
                        message=f"mapping key {key!r} is not a scalar",
                        location=SourceLocation(self.file, key_line, format_path(path)),
                        hint="use plain words as keys",
                    )
                )
                continue
            if key in seen:
                self.diagnostics.append(
                    Diagnostic(
                        code="yaml-duplicate-key",
                        message=f"duplicate key {key!r} (first defined on line {seen[key]})",
                        location=SourceLocation(self.file, key_line, format_path((*path, str(key)))),
                        hint="YAML keeps only the last value; remove or merge one of them",
                    )
                )
            seen[key] = key_line
            result[key] = self.build(value_node, (*path, str(key)), key_line)
        return result


_CLOSERS = {"flow sequence": ("[", "]", "list"), "flow mapping": ("{", "}", "mapping")}


def _syntax_diagnostic(exc: yaml.MarkedYAMLError, text: str, file: str) -> Diagnostic:
    """A YAML syntax error in words a person can act on, at the line where the fix goes."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = exc.problem or "invalid YAML"
    context = exc.context or ""
    opened = exc.context_mark.line + 1 if exc.context_mark is not None else None
    lines = text.splitlines()
    source = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    message, hint = f"YAML syntax error: {problem}", "check indentation and quoting on this line and the one above it"
    if "\t" in source[: len(source) - len(source.lstrip())] or "tab character" in problem:
        message, hint = (
            "YAML syntax error: a tab character is used for indentation",
            "indent with spaces only (YAML does not allow tabs)",
        )
    elif opened is not None and opened != line and context.startswith("while parsing a flow "):
        opener, closer, noun = _CLOSERS.get(context.removeprefix("while parsing a "), ("[", "]", "list"))
        message = f"YAML syntax error: the {noun} opened with {opener!r} on this line is not closed"
        hint, line = f"add the closing {closer!r} (YAML reached line {line} still inside the {noun})", opened
    elif opened is not None and opened != line and "quoted scalar" in context:
        message = "YAML syntax error: the quoted text that starts on this line is not closed"
        hint, line = "add the closing quote", opened
    elif "another document" in problem:
        message = "YAML syntax error: the file holds more than one YAML document"
        hint = "keep one document per file: remove this '---' and what follows, or move it to its own file"
    elif "mapping values are not allowed" in problem:
        hint = "quote a value that contains ': ', or check the indentation of this line"
    elif "expected key" in problem or "expected '-'" in problem:
        hint = "line it up with the keys (or list items) above it, and quote values with special characters"
    return Diagnostic(code="yaml-syntax", message=message, location=SourceLocation(file, line), hint=hint)


def parse_yaml(text: str, file: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Parse one YAML document. Returns ``(None, diagnostics)`` on a syntax error."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_diagnostic(exc, text, file)]
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        return None, [
            Diagnostic(
                code="yaml-syntax",
                message=f"YAML error: {exc}",
                location=SourceLocation(file),
                hint="check the file is valid YAML",
            )
        ]
    if node is None:
        return YamlDocument(file, {}, {(): 1}), []
    builder = _Builder(file)
    data = builder.build(node, (), node.start_mark.line + 1)
    if any(d.code in _FATAL for d in builder.diagnostics):  # values we could not read: like a syntax error
        return None, builder.diagnostics
    return YamlDocument(file, data, builder.origins), builder.diagnostics


def display_path(path: Path) -> str:
    """Path as users typed it: relative to the working directory when below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def load_yaml(path: Path, display_name: str | None = None) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Read and parse ``path``; ``display_name`` is what diagnostics call the file."""
    name = display_name or display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [
            Diagnostic(
                code="file-read",
                message=f"cannot read file: {exc}",
                location=SourceLocation(name),
                hint="check the file exists and is UTF-8",
            )
        ]
    return parse_yaml(text, name)

"""YAML loading that remembers where every value came from.

PyYAML's composer gives nodes with marks; we turn them into plain Python values plus an
``origins`` map from a value's path (tuple of keys/indices) to its 1-based line. Syntax
errors and duplicate keys become :class:`~results.Diagnostic` objects instead of exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from results import Diagnostic, SourceLocation

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
            return [
                self.build(item, (*path, index), item.start_mark.line + 1)
                for index, item in enumerate(node.value)
            ]
        return self._constructor.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        self._constructor.flatten_mapping(node)
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


def parse_yaml(text: str, file: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Parse one YAML document. Returns ``(None, diagnostics)`` on a syntax error."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        return None, [
            Diagnostic(
                code="yaml-syntax",
                message=f"YAML syntax error: {problem}{context}",
                location=SourceLocation(file, line),
                hint="check indentation and quoting on this line and the one above it",
            )
        ]
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        return None, [Diagnostic(code="yaml-syntax", message=f"YAML error: {exc}",
                                 location=SourceLocation(file), hint="check the file is valid YAML")]
    if node is None:
        return YamlDocument(file, {}, {(): 1}), []
    builder = _Builder(file)
    data = builder.build(node, (), node.start_mark.line + 1)
    return YamlDocument(file, data, builder.origins), builder.diagnostics


def load_yaml(path: Path, display_name: str | None = None) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Read and parse ``path``; ``display_name`` is what diagnostics call the file."""
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Diagnostic(code="file-read", message=f"cannot read file: {exc}",
                                 location=SourceLocation(name), hint="check the file exists and is UTF-8")]
    return parse_yaml(text, name)

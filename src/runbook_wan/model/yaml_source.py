"""YAML loading that remembers where every value came from, within fixed bounds.

PyYAML's composer gives nodes with marks; we turn them into plain Python values plus an
``origins`` map from a value's path (tuple of keys/indices) to its 1-based line. Syntax
errors and duplicate keys become :class:`~results.Diagnostic` objects instead of exceptions.

Intents are input from people and pull requests, so loading is bounded (:class:`Limits`): file
size, nesting depth (checked while libyaml's events stream in, before anything deep is built:
libyaml's own composer recurses in C and crashes the interpreter on deep nesting), and the number
of values a file may expand to through aliases and merge keys (an "alias bomb" grows
exponentially). A recursive alias is an error. Every refusal names its file and line.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from runbook_wan.results import Diagnostic, SourceLocation

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Limits:
    """What one intent file may hold. Real intent files are a few KiB, nest 6 deep, hold < 1,000 values."""

    max_bytes: int = 1024 * 1024
    max_depth: int = 32
    max_values: int = 100_000


LIMITS = Limits()


class _LimitError(Exception):
    """A bound of :class:`Limits` was crossed at ``line``."""

    def __init__(self, code: str, message: str, line: int | None, hint: str) -> None:
        super().__init__(message)
        self.code, self.message, self.line, self.hint = code, message, line, hint


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
_FATAL = frozenset({"yaml-value", "yaml-merge", "yaml-recursive", "yaml-key"})
_CORE_TAGS = frozenset({"!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary"})


class _PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's own event parser, for a PyYAML built without libyaml."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


#: libyaml's event parser when PyYAML has it (fast, iterative), else PyYAML's own.
_EventParser: Any = getattr(getattr(yaml, "_yaml", None), "CParser", None) or _PyParser


class _BoundedLoader(yaml.composer.Composer, _EventParser, yaml.resolver.Resolver):  # type: ignore[misc]
    """PyYAML's composer (nodes with marks) over an event parser, refusing deep nesting as it goes.

    libyaml's own composer recurses in C and crashes the interpreter on deep nesting; this one
    stops at ``limits.max_depth`` while the events stream in, before anything deep is built.
    """

    def __init__(self, stream: str, limits: Limits) -> None:
        _EventParser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.limits = limits
        self.depth = 0
        #: (id of a sequence node, item index) -> line of an alias written there (the item's own
        #: marks are those of the anchored value, elsewhere in the file).
        self.alias_lines: dict[tuple[int, int], int] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if parent is not None and isinstance(index, int) and self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            if mark is not None:
                self.alias_lines[(id(parent), index)] = mark.line + 1
        node: yaml.Node | None = super().compose_node(parent, index)
        if node is None:  # the parser always yields a scalar, sequence or mapping here
            raise yaml.composer.ComposerError(None, None, "expected a value", None)
        return node

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            mark = self.peek_event().start_mark
            raise _LimitError(
                "yaml-depth",
                f"values nest more than {self.limits.max_depth} levels deep",
                mark.line + 1 if mark is not None else None,
                "intents nest a few levels; look for a runaway [ or { or indentation",
            )

    def compose_sequence_node(self, anchor: Any) -> yaml.SequenceNode:
        self._enter()
        node: yaml.SequenceNode = super().compose_sequence_node(anchor)
        self.depth -= 1
        return node

    def compose_mapping_node(self, anchor: Any) -> yaml.MappingNode:
        self._enter()
        node: yaml.MappingNode = super().compose_mapping_node(anchor)
        self.depth -= 1
        return node


#: A document with at most this many collection indicators nests at most this deep, which libyaml's
#: composer handles (it recurses in C; thousands of levels would crash it).
_C_COMPOSE_INDICATORS = 1000


def _depth(node: yaml.Node) -> int:
    """How deep collections nest in ``node`` (a scalar: 0)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, yaml.SequenceNode):
            deepest = max(deepest, depth)
            stack += [(item, depth + 1) for item in current.value]
        elif isinstance(current, yaml.MappingNode):
            deepest = max(deepest, depth)
            stack += [(part, depth + 1) for pair in current.value for part in pair]
    return deepest


_CLoaderBase: Any = getattr(yaml, "CSafeLoader", None)

#: A scalar's implicit tag by (text, implicit flags): intents repeat the same keys and words in
#: every file, and PyYAML's resolver, called back by libyaml for each scalar, matches patterns in
#: Python (a quarter of a site file's composing).
_RESOLVED: dict[tuple[str, Any], str] = {}
_RESOLVED_MAX = 100_000


if _CLoaderBase is not None:

    class _CLoader(_CLoaderBase):  # type: ignore[misc]
        """libyaml's safe loader, with scalar tags remembered. The safe resolver has no path
        resolvers, so a scalar's tag is a function of its text and flags alone."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is not yaml.ScalarNode:
                return super().resolve(kind, value, implicit)
            key = (value, implicit)
            tag = _RESOLVED.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_RESOLVED) < _RESOLVED_MAX:
                    _RESOLVED[key] = tag
            return tag


def _compose_in_c(text: str, limits: Limits) -> yaml.Node | None:
    """The node tree, composed by libyaml (twice as fast as PyYAML's composer), when that is safe
    and gives exactly what :class:`_BoundedLoader` gives: no alias (``*``, whose lines the bounded
    loader records), so few collection indicators that the nesting cannot crash libyaml, and
    nesting within ``limits``. None: compose it with the bounded loader (which reports any problem,
    so every error message stays the bounded loader's)."""
    c_loader: Any = _CLoader if _CLoaderBase is not None else None
    if c_loader is None or "*" in text:
        return None
    indicators = sum(text.count(c) for c in "-:?[{")
    if indicators > _C_COMPOSE_INDICATORS:
        return None
    loader = c_loader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
    except Exception:  # noqa: BLE001 - any problem is reported by the bounded loader
        return None
    finally:
        loader.dispose()
    if node is None or _depth(node) > limits.max_depth:
        return None
    return node


def compose(text: str, limits: Limits = LIMITS) -> tuple[yaml.Node | None, dict[tuple[int, int], int]]:
    """The node tree of one YAML document and the lines of aliases in sequences.

    Raises ``yaml.MarkedYAMLError`` (syntax) or ``_LimitError`` (too deep).
    """
    fast = _compose_in_c(text, limits)
    if fast is not None:
        return fast, {}
    loader = _BoundedLoader(text, limits)
    try:
        node: yaml.Node | None = loader.get_single_node()
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose is not None:
            dispose()
    return node, loader.alias_lines


_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_VALUE = "tag:yaml.org,2002:value"


class _Builder:
    def __init__(
        self, file: str, limits: Limits = LIMITS, alias_lines: dict[tuple[int, int], int] | None = None
    ) -> None:
        self.file = file
        self.limits = limits
        self.alias_lines = alias_lines or {}
        self.origins: dict[PathKey, int] = {}
        self.diagnostics: list[Diagnostic] = []
        self._constructor = yaml.constructor.SafeConstructor()
        self._budget = limits.max_values
        self._open: set[int] = set()  # collections being built: meeting one again is a recursive alias
        self._built: set[int] = set()  # collections built once: meeting one again is an alias
        self._aliases: list[int] = []  # lines of the aliases being expanded, outermost first

    def build(self, node: yaml.Node, path: PathKey, line: int) -> Any:
        self._budget -= 1
        if self._budget < 0:
            raise _LimitError(
                "yaml-size",
                f"the values here expand to more than {self.limits.max_values} (aliases or merge keys "
                "repeating each other: an alias bomb?)",
                self._aliases[0] if self._aliases else line,
                "write the values out, or use fewer levels of aliases",
            )
        self.origins[path] = line
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and id(node) in self._built:
            self._aliases.append(line)
            try:
                return self._collection(node, path, line)
            finally:
                self._aliases.pop()
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            self._built.add(id(node))
            return self._collection(node, path, line)
        return self._scalar(node, path)

    def _collection(self, node: yaml.MappingNode | yaml.SequenceNode, path: PathKey, line: int) -> Any:
        if id(node) in self._open:
            self.diagnostics.append(
                Diagnostic(
                    code="yaml-recursive",
                    message="recursive alias: this value contains itself",
                    hint="an alias (*name) may not point at a value that holds it",
                    location=SourceLocation(self.file, line, format_path(path)),
                )
            )
            return None
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [
                self.build(item, (*path, index), self.alias_lines.get((id(node), index), item.start_mark.line + 1))
                for index, item in enumerate(node.value)
            ]
        finally:
            self._open.discard(id(node))

    def _scalar(self, node: yaml.Node, path: PathKey) -> Any:
        """Construct a scalar; a bad tag or value (``!!int abc``, ``!custom``) becomes a diagnostic."""
        if node.tag == _STR and isinstance(node, yaml.ScalarNode):
            return node.value  # what the constructor returns for text, without its bookkeeping
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

    def _merged(self, node: yaml.MappingNode, path: PathKey, chain: frozenset[int]) -> list[tuple[Any, Any]]:
        """The (key node, value node) pairs ``<<`` brings into ``node``, last source losing.

        Like PyYAML's ``flatten_mapping``, but without changing the nodes (an alias is shared), with
        a recursive merge refused and every merged pair counted against the value budget.
        """
        pairs: list[tuple[Any, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE:
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in reversed(sources):
                if not isinstance(source, yaml.MappingNode):
                    self.diagnostics.append(
                        Diagnostic(
                            code="yaml-merge",
                            message="YAML merge key '<<' cannot be used here: it merges something other than a mapping",
                            location=SourceLocation(self.file, source.start_mark.line + 1, format_path(path)),
                            hint="'<<' takes an alias of a mapping (<<: *name) or a list of them",
                        )
                    )
                    continue
                if id(source) in chain:
                    raise _LimitError(
                        "yaml-recursive",
                        "recursive merge: '<<' merges a mapping into itself",
                        source.start_mark.line + 1,
                        "an alias (*name) may not point at a value that holds it",
                    )
                inner = self._merged(source, path, chain | {id(source)})
                own = [(k, v) for k, v in source.value if k.tag != _MERGE]
                self._budget -= len(inner) + len(own)
                if self._budget < 0:
                    raise _LimitError(
                        "yaml-size",
                        f"merge keys here expand to more than {self.limits.max_values} values (an alias bomb?)",
                        key_node.start_mark.line + 1,
                        "write the values out, or use fewer levels of merge keys",
                    )
                pairs += inner + own
        return pairs

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in self._merged(node, path, frozenset({id(node)})):
            if isinstance(key_node, yaml.ScalarNode):
                key = self._constructor.construct_object(key_node, deep=True)
                if isinstance(key, str | int | bool | float):
                    result[key] = self.build(value_node, (*path, str(key)), key_node.start_mark.line + 1)
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                continue
            if key_node.tag == _VALUE:
                key_node.tag = "tag:yaml.org,2002:str"
            key_line = key_node.start_mark.line + 1
            key = (
                (key_node.value if key_node.tag == _STR else self._constructor.construct_object(key_node, deep=True))
                if isinstance(key_node, yaml.ScalarNode)
                else None
            )
            if not isinstance(key, str | int | bool | float):
                self.diagnostics.append(
                    Diagnostic(
                        code="yaml-key",
                        message="a mapping key is not a plain value",
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
    elif "undefined alias" in problem:
        hint = "define the anchor (&name) before the alias (*name) that uses it, in the same file"
    elif "mapping values are not allowed" in problem:
        hint = "quote a value that contains ': ', or check the indentation of this line"
    elif "expected key" in problem or "expected '-'" in problem:
        hint = "line it up with the keys (or list items) above it, and quote values with special characters"
    return Diagnostic(code="yaml-syntax", message=message, location=SourceLocation(file, line), hint=hint)


def parse_yaml(text: str, file: str, limits: Limits = LIMITS) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Parse one YAML document. Returns ``(None, diagnostics)`` on a syntax error or a crossed limit."""
    try:
        node, alias_lines = compose(text, limits)
        if node is None:
            return YamlDocument(file, {}, {(): 1}), []
        builder = _Builder(file, limits, alias_lines)
        data = builder.build(node, (), node.start_mark.line + 1)
    except _LimitError as exc:
        return None, [Diagnostic(exc.code, exc.message, location=SourceLocation(file, exc.line), hint=exc.hint)]
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


#: Characters that have no place in a text file: C0 controls other than tab and line breaks, DEL, C1.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def decode_text(raw: bytes, file: str) -> tuple[str | None, list[Diagnostic]]:
    """``raw`` as UTF-8 text, or a diagnostic at the line and column of the first bad byte."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = raw[exc.start]
        return None, [
            Diagnostic(
                code="file-encoding",
                message=f"byte 0x{byte:02x} at column {column} is not UTF-8"
                + (" (the file looks Latin-1 or Windows-1252)" if byte >= 0xA0 else ""),
                location=SourceLocation(file, line),
                hint="save the file as UTF-8",
            )
        ]
    found = _CONTROL.search(text)
    if found is not None:
        char = found.group()
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        what = "a NUL byte" if char == "\x00" else "a control character"
        return None, [
            Diagnostic(
                code="file-control-character",
                message=f"{what} (U+{ord(char):04X}) at column {column}",
                location=SourceLocation(file, line),
                hint="remove it: intent files are plain text",
            )
        ]
    return text, []


def read_limited(path: Path, file: str, limits: Limits = LIMITS) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of a regular file of at most ``limits.max_bytes``; anything else is a diagnostic."""

    problem = _not_readable(path, limits)
    if problem is None:
        try:
            with path.open("rb") as handle:
                raw = _read_at_most(handle, limits.max_bytes + 1)
        except OSError as exc:
            problem = ("file-read", f"cannot read file: {exc.strerror or exc}", "check the file's permissions")
        else:
            if len(raw) <= limits.max_bytes:
                return raw, []
            problem = ("file-size", f"file holds more than {limits.max_bytes} bytes", "split it")
    code, message, hint = problem
    return None, [Diagnostic(code=code, message=message, location=SourceLocation(file), hint=hint)]


def _read_at_most(handle: BinaryIO, most: int) -> bytes:
    """Up to ``most`` bytes of ``handle``, read in a buffer the file's size: a read of ``most``
    (1 MiB) allocates and frees that much for each few-KiB site file (40 us a file here)."""
    size = os.fstat(handle.fileno()).st_size
    raw = handle.read(min(size + 1, most))
    if len(raw) <= size or len(raw) >= most:
        return raw
    return raw + handle.read(most - len(raw))  # the file grew since fstat: the rest, still bounded


def _not_readable(path: Path, limits: Limits) -> tuple[str, str, str] | None:
    """Why ``path`` is not a regular file we may read (code, message, hint), or None."""
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "file-read", "cannot read file: the symbolic link loops", "point the link at a file, not at itself"
        if path.is_symlink():
            return (
                "file-read",
                f"cannot read file: the symbolic link points at nothing ({path.readlink()})",
                "point the link at an existing file, or remove it",
            )
        return "file-read", f"cannot read file: {exc.strerror or exc}", "check the file exists and is readable"
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        return "file-read", f"cannot read file: it is {kind}", "intents are YAML files; move or rename it"
    if info.st_size > limits.max_bytes:
        return (
            "file-size",
            f"file is {info.st_size} bytes; an intent file may hold at most {limits.max_bytes}",
            "split it, or check it is the file you meant",
        )
    return None


def load_yaml(
    path: Path, display_name: str | None = None, limits: Limits = LIMITS
) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Read and parse ``path``; ``display_name`` is what diagnostics call the file."""
    name = display_name or display_path(path)
    raw, problems = read_limited(path, name, limits)
    if raw is None:
        return None, problems
    text, problems = decode_text(raw, name)
    if text is None:
        return None, problems
    return parse_yaml(text, name, limits)

"""Parent lines of a config line, from indentation (FRR, EOS and IOS all nest by indent)."""

from __future__ import annotations


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _structural(line: str, comment: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(comment) and stripped not in ("exit", "end")


def parent_chains(lines: list[str], comment: str = "!") -> list[tuple[int, ...]]:
    """For each line, the indices of its ancestors (outermost first).

    A line's parent is the closest earlier structural line with less indentation; comments,
    blank lines and block closers (``exit``) have no children.
    """
    chains: list[tuple[int, ...]] = []
    stack: list[int] = []  # indices of open ancestors
    for index, line in enumerate(lines):
        if not _structural(line, comment):
            indent = _indent(line)
            while stack and _indent(lines[stack[-1]]) >= indent and line.strip():
                stack.pop()
            chains.append(tuple(stack))
            continue
        indent = _indent(line)
        while stack and _indent(lines[stack[-1]]) >= indent:
            stack.pop()
        chains.append(tuple(stack))
        stack.append(index)
    return chains


#: Keys that name a JSON object in a list (a class by its name, a circuit by its role).
_NAME_KEYS = ("name", "role", "site")
_OPENERS = ("{", "[")


def json_labels(lines: list[str]) -> list[str]:
    """For each line of indented JSON, what to call it as a parent: a key's name for ``"sla": {``,
    the object's ``name``/``role`` for a bare ``{`` in a list, else ``[n]`` (its place in the list);
    "" for the document's own opening brace.

    Other lines keep their text (they are never parents).
    """
    labels = [line.strip() for line in lines]
    counters: dict[int, int] = {}  # indent of a list's items -> items seen so far
    for index, line in enumerate(lines):
        stripped = line.strip()
        indent = _indent(line)
        if stripped.startswith(('"', "}", "]")) or not stripped:
            for deeper in [i for i in counters if i > indent]:
                del counters[deeper]
        if stripped.startswith('"') and stripped.rstrip(",").endswith(_OPENERS):
            labels[index] = stripped.split('"')[1]
        elif stripped.rstrip(",") in _OPENERS:
            place = counters.get(indent, 0)
            counters[indent] = place + 1
            # the document itself needs no name
            labels[index] = "" if indent == 0 else _object_name(lines, index, indent) or f"[{place}]"
    return labels


def _object_name(lines: list[str], start: int, indent: int) -> str | None:
    """The ``name``-like key of the object opened at ``start`` (its direct members only)."""
    for line in lines[start + 1 :]:
        here = _indent(line)
        if here <= indent:
            return None
        if here == indent + 2:
            stripped = line.strip()
            for key in _NAME_KEYS:
                prefix = f'"{key}": "'
                if stripped.startswith(prefix):
                    return stripped[len(prefix) :].rstrip(",").rstrip('"')
    return None

"""Deep merge of layered intent data (defaults -> region -> site) keeping value origins.

Rules: mappings merge key by key; any other value (scalars, lists) from a later layer
replaces the earlier one wholesale. Each path remembers the file and line its value came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runbook_wan.model.yaml_source import PathKey, YamlDocument, format_path
from runbook_wan.results import SourceLocation


@dataclass
class Layer:
    """Data plus, for each path, the (file, line) it came from."""

    data: dict[str, Any]
    origins: dict[PathKey, tuple[str, int]] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: YamlDocument, subtree: PathKey = ()) -> Layer:
        """Take ``subtree`` of ``doc`` as a layer rooted at ``()``."""
        data: Any = doc.data
        for key in subtree:
            data = data.get(key) if isinstance(data, dict) else None
        if not isinstance(data, dict):
            data = {}
        depth = len(subtree)
        origins = {path[depth:]: (doc.file, line) for path, line in doc.origins.items() if path[:depth] == subtree}
        origins.setdefault((), (doc.file, doc.line_of(subtree) or 1))
        return cls(data, origins)

    def locate(self, path: PathKey) -> SourceLocation | None:
        """Where the value at ``path`` (or its deepest located ancestor) was written."""
        for end in range(len(path), -1, -1):
            origin = self.origins.get(path[:end])
            if origin is not None:
                return SourceLocation(origin[0], origin[1], format_path(path))
        return None


def merge_layers(*layers: Layer) -> Layer:
    """Merge left to right; the last layer wins. The root origin is the last layer's."""
    result = Layer({}, {})
    for layer in layers:
        _merge_layer(result, layer)
    return result


def merge_over(base: Layer, layer: Layer) -> Layer:
    """``merge_layers(*merged, layer)`` where ``base`` is ``merge_layers(*merged)``, which is left
    unchanged: the layers under every site of a region are merged once, not once per site (a copy
    of ``base`` costs a third of merging its layers again)."""
    result = Layer(_copy(base.data), dict(base.origins))
    _merge_layer(result, layer)
    return result


def _merge_layer(result: Layer, layer: Layer) -> None:
    _merge_into(result.data, layer.data, (), result.origins, layer.origins)
    if () in layer.origins:
        result.origins[()] = layer.origins[()]


def _merge_into(
    target: dict[str, Any],
    source: dict[str, Any],
    path: PathKey,
    target_origins: dict[PathKey, tuple[str, int]],
    source_origins: dict[PathKey, tuple[str, int]],
) -> None:
    # Origins name only paths that hold data, so a scalar has one origin (its own path) and only a
    # mapping or a list has origins under it: those are the only ones scanned for.
    depth = len(path) + 1
    for key, value in source.items():
        child = (*path, key)
        existing = target.get(key, _MISSING)
        if isinstance(existing, dict) and isinstance(value, dict):
            _merge_into(existing, value, child, target_origins, source_origins)
            if child in source_origins:  # the most specific layer that writes the mapping
                target_origins[child] = source_origins[child]
            continue
        if isinstance(existing, dict | list):
            for stale in [p for p in target_origins if p[:depth] == child]:
                del target_origins[stale]
        elif existing is not _MISSING:
            target_origins.pop(child, None)
        target[key] = _copy(value)
        if isinstance(value, dict | list):
            for src_path, origin in source_origins.items():
                if src_path[:depth] == child:
                    target_origins[src_path] = origin
        elif child in source_origins:
            target_origins[child] = source_origins[child]


_MISSING = object()


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value

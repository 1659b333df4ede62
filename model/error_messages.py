"""Turn pydantic validation errors into diagnostics with a location and a one-line hint."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from model.merge import Layer
from model.yaml_source import PathKey, format_path
from results import Diagnostic, SourceLocation

_TYPE_WORDS = {
    "int_parsing": "an integer", "int_type": "an integer", "int_from_float": "a whole number",
    "float_parsing": "a number", "float_type": "a number", "bool_parsing": "true or false",
    "bool_type": "true or false", "string_type": "text", "list_type": "a list",
    "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type": "a mapping",
}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names allowed at ``loc`` (for 'did you mean' hints); empty when unknown."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        elif typing.get_origin(current) in (list, dict):
            args = typing.get_args(current)
            current = args[-1] if args else None
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(members[0]) if len(members) == 1 else annotation
    return annotation


def _missing(_err: ErrorDetails, loc: PathKey, _model: type[BaseModel]) -> tuple[str, str]:
    key = loc[-1]
    parent = format_path(loc[:-1]) or "the top level"
    return (f"required key {key!r} is missing",
            f"add `{key}:` under {parent} (in the file, its region's site_defaults or defaults.yaml)")


def _extra(_err: ErrorDetails, loc: PathKey, model: type[BaseModel]) -> tuple[str, str]:
    key = str(loc[-1])
    allowed = _fields_at(model, tuple(loc[:-1]))
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        hint = f"did you mean {close[0]!r}?"
    elif allowed:
        hint = "allowed keys here: " + ", ".join(sorted(allowed))
    else:
        hint = "remove it"
    return f"unknown key {key!r}", hint


def _literal(err: ErrorDetails, _loc: PathKey, _model: type[BaseModel]) -> tuple[str, str]:
    expected = str(err.get("ctx", {}).get("expected", "")).replace("'", "")
    return f"{_short(err['input'])} is not one of: {expected}", "use one of the listed values"


def _bounds(err: ErrorDetails, _loc: PathKey, _model: type[BaseModel]) -> tuple[str, str]:
    msg = err["msg"].replace("Input should be ", "must be ")
    return f"{_short(err['input'])} {msg}", "change the value to fit the allowed range"


def _length(err: ErrorDetails, _loc: PathKey, _model: type[BaseModel]) -> tuple[str, str]:
    ctx = err.get("ctx", {})
    return (f"needs at least {ctx.get('min_length', 1)} item(s)", "add the missing entries")


def _type(err: ErrorDetails, _loc: PathKey, _model: type[BaseModel]) -> tuple[str, str]:
    word = _TYPE_WORDS.get(err["type"], err["type"])
    return f"expected {word}, got {_short(err['input'])}", f"write {word} here"


_HANDLERS: dict[str, Callable[[ErrorDetails, PathKey, type[BaseModel]], tuple[str, str]]] = {
    "missing": _missing,
    "extra_forbidden": _extra,
    "literal_error": _literal,
    "enum": _literal,
    "greater_than": _bounds, "greater_than_equal": _bounds, "less_than": _bounds,
    "less_than_equal": _bounds, "string_too_long": _bounds, "string_pattern_mismatch": _bounds,
    "too_short": _length,
    **{name: _type for name in _TYPE_WORDS},
}


def diagnostics_from_validation(
    exc: ValidationError, model: type[BaseModel], layer: Layer, code_prefix: str = "schema"
) -> list[Diagnostic]:
    """One diagnostic per pydantic error, located through the layer's origins."""
    out: list[Diagnostic] = []
    for err in exc.errors(include_url=False):
        loc: PathKey = tuple(p for p in err["loc"] if not _is_union_tag(p))
        ctx = err.get("ctx") or {}
        handler = _HANDLERS.get(err["type"])
        if "hint" in ctx:
            message, hint = err["msg"], str(ctx["hint"])
        elif handler is not None:
            message, hint = handler(err, loc, model)
        else:
            message = err["msg"].removeprefix("Value error, ")
            hint = "see docs/intents.md for this key"
        where = layer.locate(loc) or SourceLocation("<intents>", None, format_path(loc))
        if err["type"] == "missing":
            parent = layer.locate(loc[:-1])
            if parent is not None:
                where = SourceLocation(parent.file, parent.line, format_path(loc))
        out.append(Diagnostic(code=f"{code_prefix}-{err['type']}", message=message, location=where, hint=hint))
    return out


_UNION_TAGS = frozenset({"SecretRef", "int", "str", "float", "bool", "none"})


def _is_union_tag(part: int | str) -> bool:
    """pydantic puts union members and validator names into ``loc``; they are not YAML keys."""
    return isinstance(part, str) and (part in _UNION_TAGS or "[" in part or part.startswith("function-"))

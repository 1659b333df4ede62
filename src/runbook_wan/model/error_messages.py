"""Turn pydantic validation errors into diagnostics with a location and a one-line hint.

Rules the messages follow (tests/errors holds one golden case per rule):

* **One problem, one line.** Required keys missing under the same mapping are one diagnostic; a
  misspelt required key is reported once, as the unknown key with "did you mean", not also as
  missing.
* **The line of the value at fault.** A check written as a model validator (loopback length,
  gateway on link, BGP timers, duplicate paths) is located at the field it is about, not at the
  mapping that holds it. Validators name that field with ``ctx["field"]`` (a dotted path below the
  model); :data:`_FOCUS` covers the existing ones.
* **Missing keys point at the file being validated** (the site file, not the region that gave
  part of the mapping), because that is where the user most likely forgot them.
* **Secrets are never echoed.** A value under a secret field (a :class:`~model.secret_ref.SecretRef`
  or a key named like a password/token) is described by its type only.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from runbook_wan.credentials.redact import mask_userinfo
from runbook_wan.model.merge import Layer
from runbook_wan.model.secret_ref import SecretRef
from runbook_wan.model.yaml_source import PathKey, format_path
from runbook_wan.results import Diagnostic, SourceLocation

_TYPE_WORDS = {
    "int_parsing": "an integer",
    "int_type": "an integer",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}

_NUMERIC = frozenset(
    {
        "int_parsing",
        "int_type",
        "int_from_float",
        "float_parsing",
        "float_type",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
    }
)

_KIND_WORDS = {
    dict: "a mapping",
    list: "a list",
    str: "text",
    bool: "true/false",
    int: "a number",
    float: "a number",
    type(None): "nothing (null)",
}

#: Keys whose values are secrets even when the schema does not say so.
_SECRET_KEY = re.compile(r"(password|passwd|secret|token|passphrase|private_key|api_key)", re.IGNORECASE)

#: Model-validator error types -> the field (below the validated model) the error is about.
_FOCUS: dict[str, tuple[str, ...]] = {
    "loopback_len": ("loopback",),
    "gateway_off_link": ("gateway",),
    "gateway_is_self": ("gateway",),
    "gateway_not_host": ("gateway",),
    "lan_prefix_len": ("address",),
    "lan_not_private": ("address",),
    "bgp_timers": ("hold",),
    "duplicate_path": ("path_preference",),
}


@dataclass
class _Error:
    """One pydantic error with YAML-key ``loc`` (union tags removed)."""

    loc: PathKey
    details: ErrorDetails

    @property
    def type(self) -> str:
        return self.details["type"]

    @property
    def ctx(self) -> dict[str, Any]:
        return dict(self.details.get("ctx") or {})


# --- schema introspection ---------------------------------------------------------------------


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(members[0]) if len(members) == 1 else annotation
    return annotation


def _field_info(model: type[BaseModel], loc: PathKey) -> tuple[Any, str]:
    """The annotation at ``loc`` and the description of the last field on the way (or '')."""
    current: Any = model
    description = ""
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None, ""
            current, description = field.annotation, field.description or ""
        elif typing.get_origin(current) in (list, dict):
            args = typing.get_args(current)
            current = args[-1] if args else None
        else:
            return None, ""
    return current, description


def _constraints(model: type[BaseModel], loc: PathKey) -> list[Any]:
    """The annotated-types constraints (Ge, Le, ...) of the field at ``loc``."""
    if not loc or isinstance(loc[-1], int):
        return []
    parent = _unwrap(_field_info(model, loc[:-1])[0]) if len(loc) > 1 else model
    if not (isinstance(parent, type) and issubclass(parent, BaseModel)):
        return []
    field = parent.model_fields.get(str(loc[-1]))
    return list(field.metadata) if field is not None else []


def _range_text(model: type[BaseModel], loc: PathKey) -> str:
    """``'from 1 to 4094'`` / ``'above 0 and at most 400000'`` for a bounded number; '' otherwise."""
    low = high = ""
    for item in _constraints(model, loc):
        if getattr(item, "ge", None) is not None:
            low = f"from {item.ge}"
        elif getattr(item, "gt", None) is not None:
            low = f"above {item.gt}"
        if getattr(item, "le", None) is not None:
            high = f"to {item.le}" if low.startswith("from") or not low else f"and at most {item.le}"
        elif getattr(item, "lt", None) is not None:
            high = f"below {item.lt}"
    if low.startswith("above") and high.startswith("to"):
        high = "and at most" + high.removeprefix("to")
    return " ".join(part for part in (low, high) if part)


def _fields_at(model: type[BaseModel], loc: PathKey, data: Any = None) -> list[str]:
    """Field names allowed at ``loc`` (for 'did you mean' hints); empty when unknown.

    For a union of models (a channel of some ``type``), the member whose ``type`` literal is the
    value written in ``data`` at ``loc``."""
    current = _unwrap(_field_info(model, loc)[0]) if loc else model
    if typing.get_origin(current) in (typing.Union, types.UnionType):
        written = _value_at(data, loc)
        tag = written.get("type") if isinstance(written, dict) else None
        for member in typing.get_args(current):
            field = (
                member.model_fields.get("type") if isinstance(member, type) and issubclass(member, BaseModel) else None
            )
            if field is not None and tag in typing.get_args(field.annotation):
                current = member
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _mentions_secret(annotation: Any) -> bool:
    if annotation is SecretRef:
        return True
    return any(_mentions_secret(arg) for arg in typing.get_args(annotation))


def _is_secret(model: type[BaseModel], loc: PathKey) -> bool:
    """True when ``loc`` is at or below a secret field."""
    if any(isinstance(p, str) and _SECRET_KEY.search(p) for p in loc):
        return True
    return any(_mentions_secret(_field_info(model, loc[:end])[0]) for end in range(1, len(loc) + 1))


def _contains_secret_key(value: Any) -> bool:
    if isinstance(value, dict):
        return any((isinstance(k, str) and _SECRET_KEY.search(k)) or _contains_secret_key(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_secret_key(v) for v in value)
    return False


def _value_at(data: Any, loc: PathKey) -> Any:
    for part in loc:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


# --- message text -----------------------------------------------------------------------------


def _kind(value: Any) -> str:
    return _KIND_WORDS.get(type(value), type(value).__name__)


def _show(err: _Error, secret: bool) -> str:
    """The input as the message shows it: repr, shortened; only its kind when it may be secret."""
    value = err.details["input"]
    if secret or _contains_secret_key(value):
        return f"{_kind(value)} (value not shown)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fill_placeholders(message: str, ctx: dict[str, Any]) -> str:
    """Fill ``{name}`` / ``{name!r}`` that pydantic left in a custom message (it ignores ``!r``)."""

    def fill(found: re.Match[str]) -> str:
        name, conversion = found.group(1), found.group(2)
        if name not in ctx:
            return found.group(0)
        return repr(ctx[name]) if conversion else str(ctx[name])

    return re.sub(r"\{(\w+)(!r)?\}", fill, message)


def _literal(err: _Error, secret: bool) -> tuple[str, str]:
    expected = str(err.ctx.get("expected", "")).replace("'", "")
    hint = "use one of the listed values"
    value = err.details["input"]
    if isinstance(value, str) and not secret:
        choices = [c.strip() for c in re.split(r",| or ", expected) if c.strip()]
        close = difflib.get_close_matches(value, choices, n=1)
        if close:
            hint = f"did you mean {close[0]!r}?"
    return f"{_show(err, secret)} is not one of: {expected}", hint


def _bounds(err: _Error, secret: bool) -> tuple[str, str]:
    msg = err.details["msg"].replace("Input should be ", "must be ")
    return f"{_show(err, secret)} {msg}", "change the value to fit the allowed range"


def _pattern(err: _Error, secret: bool) -> tuple[str, str]:
    pattern = err.ctx.get("pattern", "")
    return (
        f"{_show(err, secret)} does not have the required form {pattern}",
        "use only the characters the pattern allows (lowercase letters, digits and the symbols shown)",
    )


def _length(err: _Error, _secret: bool) -> tuple[str, str]:
    return f"needs at least {err.ctx.get('min_length', 1)} item(s)", "add the missing entries"


def _type(err: _Error, secret: bool) -> tuple[str, str]:
    word = _TYPE_WORDS.get(err.type, err.type)
    value = err.details["input"]
    hint = f"write {word} here"
    if err.type == "list_type" and isinstance(value, str) and not secret:
        items = ", ".join(part.strip() for part in value.split(",") if part.strip())
        hint = f"write a list: [{items}]"
    elif err.type == "list_type":
        hint = "write a list: [a, b] or one '- item' per line"
    return f"expected {word}, got {_show(err, secret)}", hint


def _union_tag(err: _Error, _secret: bool) -> tuple[str, str]:
    key = str(err.ctx.get("discriminator", "type")).strip("'")
    expected = str(err.ctx.get("expected_tags", "")).replace("'", "")
    if err.type == "union_tag_not_found":
        return f"required key {key!r} is missing", f"add `{key}:` with one of: {expected}"
    tag = str(err.ctx.get("tag", ""))
    close = difflib.get_close_matches(tag, [t.strip() for t in expected.split(",")], n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"use one of: {expected}"
    return f"unknown {key} {tag!r}", hint


_HANDLERS: dict[str, Callable[[_Error, bool], tuple[str, str]]] = {
    "literal_error": _literal,
    "enum": _literal,
    "greater_than": _bounds,
    "greater_than_equal": _bounds,
    "less_than": _bounds,
    "less_than_equal": _bounds,
    "string_too_long": _bounds,
    "string_too_short": _bounds,
    "string_pattern_mismatch": _pattern,
    "union_tag_invalid": _union_tag,
    "union_tag_not_found": _union_tag,
    "too_short": _length,
    **{name: _type for name in _TYPE_WORDS},
}


# --- locations --------------------------------------------------------------------------------


def _own_file(layer: Layer) -> str | None:
    """The file of the object being validated (the last, most specific layer)."""
    root = layer.origins.get(())
    return root[0] if root is not None else None


def _locate_in_own_file(layer: Layer, path: PathKey) -> SourceLocation | None:
    """``path`` located at its deepest ancestor written in the object's own file."""
    own = _own_file(layer)
    for end in range(len(path), -1, -1):
        origin = layer.origins.get(path[:end])
        if origin is not None and origin[0] == own:
            return SourceLocation(origin[0], origin[1], format_path(path))
    return layer.locate(path)


def _focus(err: _Error, layer: Layer) -> PathKey:
    """Move a model-level error onto the field it is about."""
    named = err.ctx.get("field")
    extra: PathKey = tuple(str(named).split(".")) if named else _FOCUS.get(err.type, ())
    if not extra:
        return err.loc
    loc = (*err.loc, *extra)
    if err.type == "duplicate_path":  # point at the second mention of the circuit
        listed = _value_at(layer.data, loc)
        role = err.ctx.get("role")
        if isinstance(listed, list) and listed.count(role) > 1:
            first = listed.index(role)
            loc = (*loc, listed.index(role, first + 1))
    return loc


def _where(layer: Layer, loc: PathKey) -> SourceLocation:
    return layer.locate(loc) or SourceLocation("<intents>", None, format_path(loc))


# --- assembling diagnostics -------------------------------------------------------------------


def _missing_hint(keys: list[str], parent: PathKey, layer: Layer, code_prefix: str) -> str:
    what = f"`{keys[0]}:`" if len(keys) == 1 else "them"
    where = f"under {format_path(parent)}" if parent else "at the top level"
    hint = f"add {what} {where}"
    if code_prefix == "site":
        hint += " in the site file (or in its region's site_defaults or defaults.yaml to share it)"
    origin = layer.origins.get(parent) if parent else None
    given = _value_at(layer.data, parent)
    if origin is not None and origin[0] != _own_file(layer) and isinstance(given, dict) and given:
        hint += f"; {origin[0]}:{origin[1]} gives it only: {', '.join(map(str, given))}"
    return hint


def _missing_diagnostics(missing: dict[PathKey, list[str]], layer: Layer, code_prefix: str) -> list[Diagnostic]:
    out = []
    for parent, keys in missing.items():
        if len(keys) == 1:
            message = f"required key {keys[0]!r} is missing"
            where = _locate_in_own_file(layer, (*parent, keys[0]))
        else:
            message = f"{len(keys)} required keys are missing: {', '.join(keys)}"
            where = _locate_in_own_file(layer, parent)
        where = where or SourceLocation("<intents>", None, format_path(parent))
        out.append(
            Diagnostic(
                code=f"{code_prefix}-missing",
                message=message,
                location=where,
                hint=_missing_hint(keys, parent, layer, code_prefix),
            )
        )
    return out


def _unknown_key(
    err: _Error, model: type[BaseModel], layer: Layer, code_prefix: str, missing: dict[PathKey, list[str]]
) -> Diagnostic:
    parent, key = err.loc[:-1], str(err.loc[-1])
    allowed = _fields_at(model, parent, layer.data)
    close = difflib.get_close_matches(key, allowed, n=1)
    if close and close[0] in missing.get(parent, []):
        missing[parent].remove(close[0])
        hint = f"did you mean {close[0]!r}? (it is required and not set)"
    elif close:
        hint = f"did you mean {close[0]!r}?"
    elif allowed:
        hint = "allowed keys here: " + ", ".join(sorted(allowed))
    else:
        hint = "remove it"
    return Diagnostic(
        code=f"{code_prefix}-{err.type}", message=f"unknown key {key!r}", location=_where(layer, err.loc), hint=hint
    )


def _strict_hint(err: _Error, secret: bool) -> str:
    """Values are taken as written: say how to write a quoted number or a true/false as a number."""
    value = err.details["input"]
    if err.type in ("int_type", "float_type") and isinstance(value, bool):
        return "write a number here, not true/false"
    if err.type in ("int_type", "float_type", "bool_type") and isinstance(value, str) and not secret:
        text = value.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text) or text in ("true", "false"):
            return f"write it without quotes: {text}"
    return ""


def _one(err: _Error, model: type[BaseModel], layer: Layer, code_prefix: str) -> Diagnostic:
    secret = _is_secret(model, err.loc)
    handler = _HANDLERS.get(err.type)
    if "hint" in err.ctx:
        message, hint = _fill_placeholders(err.details["msg"], err.ctx), str(err.ctx["hint"])
    elif handler is not None:
        message, hint = handler(err, secret)
        allowed = _range_text(model, err.loc) if err.type in _NUMERIC else ""
        if allowed and err.type in _TYPE_WORDS:
            hint = f"write {_TYPE_WORDS[err.type]} {allowed}"
        elif allowed:
            hint = f"use a value {allowed}"
        keys = _fields_at(model, err.loc) if err.type in ("model_type", "dict_type") else []
        if keys and not secret:
            hint = "write a mapping with keys: " + ", ".join(keys)
        hint = _strict_hint(err, secret) or hint
    else:
        message = _fill_placeholders(err.details["msg"].removeprefix("Value error, "), err.ctx)
        hint = _field_info(model, err.loc)[1] or "check this value"
    if secret and isinstance(err.details["input"], str | int | float) and not isinstance(err.details["input"], bool):
        message = message.replace(str(err.details["input"]), "***")
    message, hint = mask_userinfo(message), mask_userinfo(hint)  # smtp://user:password@host quoted back
    if secret and message.startswith("expected a mapping"):
        hint = "reference the secret by name: `{secret: NAME}`"
    return Diagnostic(
        code=f"{code_prefix}-{err.type}", message=message, location=_where(layer, _focus(err, layer)), hint=hint
    )


def _yaml_loc(loc: tuple[int | str, ...], data: Any) -> PathKey:
    """``loc`` without what pydantic adds that is not a YAML key: union member names, and the tag a
    discriminated union chose (the value of the mapping's ``type:``, inserted after the mapping)."""
    out: list[int | str] = []
    for part in loc:
        if _is_union_tag(part):
            continue
        if isinstance(data, dict) and isinstance(part, str) and part not in data and part in data.values():
            continue
        out.append(part)
        data = _value_at(data, (part,))
    return tuple(out)


def diagnostics_from_validation(
    exc: ValidationError, model: type[BaseModel], layer: Layer, code_prefix: str = "schema"
) -> list[Diagnostic]:
    """Diagnostics for every problem pydantic found, located through the layer's origins."""
    errors = [_Error(_yaml_loc(tuple(e["loc"]), layer.data), e) for e in exc.errors(include_url=False)]
    for err in errors:  # an unknown union tag is about the tag's key, not the whole mapping
        if err.type == "union_tag_invalid":
            err.loc = (*err.loc, str(err.ctx.get("discriminator", "type")).strip("'"))
    missing: dict[PathKey, list[str]] = {}
    for err in errors:
        if err.type == "missing":
            missing.setdefault(err.loc[:-1], []).append(str(err.loc[-1]))
    out: list[Diagnostic] = []
    for err in errors:
        if err.type == "extra_forbidden":
            out.append(_unknown_key(err, model, layer, code_prefix, missing))
        elif err.type != "missing":
            out.append(_one(err, model, layer, code_prefix))
    out += _missing_diagnostics({p: k for p, k in missing.items() if k}, layer, code_prefix)
    return out


_UNION_TAGS = frozenset({"SecretRef", "int", "str", "float", "bool", "none"})


def _is_union_tag(part: int | str) -> bool:
    """pydantic puts union members and validator names into ``loc``; they are not YAML keys."""
    return isinstance(part, str) and (part in _UNION_TAGS or "[" in part or part.startswith("function-"))

"""Turn pydantic validation errors into located, readable problems."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from deployer.spec.problems import Problem, quote_key
from deployer.spec.secrets import SECRET_KEY
from deployer.spec.types import PATTERN_HINTS
from deployer.spec.yamlsource import YamlDocument, YamlPath

_MESSAGES = {
    "missing": "required field is missing",
    "dict_type": "expected a mapping (key: value)",
    "list_type": "expected a list",
    "model_type": "expected a mapping (key: value)",
    "model_attributes_type": "expected a mapping (key: value)",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected text",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "finite_number": "expected a finite number",
    "string_pattern_mismatch": "invalid format",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "must be at least {}"),
    "greater_than": ("gt", "must be greater than {}"),
    "less_than_equal": ("le", "must be at most {}"),
    "less_than": ("lt", "must be less than {}"),
    "too_short": ("min_length", "needs at least {} items"),
    "too_long": ("max_length", "takes at most {} items"),
}
#: Known field names are listed when no close match exists and there are at most this many.
_MAX_LISTED_FIELDS = 8


def problems_from(
    error: ValidationError, doc: YamlDocument, model: type[BaseModel]
) -> list[Problem]:
    """One problem per located error; alternatives of a union at one place become one line."""
    merged: dict[tuple[int, int, str], list[str]] = {}
    for detail in error.errors(include_url=False):
        problem = _problem(detail, doc, model)
        messages = merged.setdefault((problem.line, problem.col, problem.field), [])
        if problem.message not in messages:
            messages.append(problem.message)
    return [
        Problem(doc.file, line, col, field, _either(messages))
        for (line, col, field), messages in merged.items()
    ]


def _either(messages: list[str]) -> str:
    """``expected text`` + ``expected a whole number`` -> ``expected text or a whole number``."""
    if len(messages) > 1 and all(m.startswith("expected ") for m in messages):
        return "expected " + " or ".join(m.removeprefix("expected ") for m in messages)
    return "; ".join(messages)


def _problem(detail: ErrorDetails, doc: YamlDocument, model: type[BaseModel]) -> Problem:
    kind = detail["type"]
    path = data_path(doc.data, detail["loc"], missing=kind == "missing")
    if kind == "extra_forbidden":
        return doc.problem(path, _unknown_field(path, model), key=True)
    if kind == "missing" or "[key]" in detail["loc"]:
        return doc.problem(path, _message(detail, doc, path), key=True)
    if kind in {"union_tag_invalid", "union_tag_not_found"}:
        tag = str((detail.get("ctx") or {}).get("discriminator", "")).strip("'")
        path = (*path, tag) if tag and isinstance(doc_value(doc.data, path), dict) else path
    return doc.problem(path, _message(detail, doc, path))


def _unknown_field(path: YamlPath, model: type[BaseModel]) -> str:
    parent, key = path[:-1], str(path[-1]) if path else ""
    known = sorted(field_names(model, parent))
    message = f"unknown field {quote_key(key)}"
    hint = difflib.get_close_matches(key, known, n=1)
    if hint:
        return message + f" (did you mean '{hint[0]}'?)"
    if known and len(known) <= _MAX_LISTED_FIELDS:
        return message + f"; expected one of {', '.join(known)}"
    return message


def _message(detail: ErrorDetails, doc: YamlDocument, path: YamlPath) -> str:
    kind = detail["type"]
    # Values are echoed only where they help and never under a secret-looking key.
    echo = not any(SECRET_KEY.search(str(elem)) for elem in path)
    if kind == "quote":
        return _quote_message(detail.get("input"), doc.plain.get(path) if echo else None)
    if kind in {"literal_error", "union_tag_invalid", "union_tag_not_found"}:
        return _vocabulary_message(detail, echo)
    fixed = _constraint_message(kind, detail.get("ctx") or {})
    if fixed:
        return fixed
    message = detail["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    # pydantic capitalises sentences; ours are clauses after "field:". Keep acronyms (YAML).
    return message if message[1:2].isupper() else message[:1].lower() + message[1:]


def _constraint_message(kind: str, ctx: dict[str, Any]) -> str | None:
    if kind == "string_pattern_mismatch" and str(ctx.get("pattern")) in PATTERN_HINTS:
        return PATTERN_HINTS[str(ctx["pattern"])]
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "string_too_short" or (kind == "too_short" and ctx.get("min_length") == 1):
        return "must not be empty"
    if kind in _BOUNDS:
        name, text = _BOUNDS[kind]
        return text.format(ctx.get(name))
    return None


def _vocabulary_message(detail: ErrorDetails, echo: bool) -> str:
    """A value outside a fixed set (role, engine, auth type...)."""
    kind, ctx = detail["type"], detail.get("ctx") or {}
    if kind == "union_tag_not_found":
        tag = str(ctx.get("discriminator", "")).strip("'")
        return f"'{tag}' is required to tell which kind this is"
    if kind == "union_tag_invalid":
        return "expected one of " + str(ctx.get("expected_tags", "")).replace("'", "")
    expected = str(ctx.get("expected", "")).replace("'", "")
    got = detail.get("input")
    # Fixed vocabularies, not secrets: echoing the input helps.
    if echo and isinstance(got, str | int) and len(str(got)) <= 40:
        return f"expected one of {expected}, got '{got}'"
    return f"expected one of {expected}"


def _quote_message(value: Any, source: str | None) -> str:
    """Say what YAML made of an unquoted value and how to write it instead."""
    if source is None:
        return "expected text; quote the value"
    if isinstance(value, bool):
        read_as = f"as the boolean {str(value).lower()}"
    elif isinstance(value, date):
        read_as = "as a date"
    elif str(value) != source:
        read_as = f"as the number {value}"
    else:
        read_as = "as a number"
    return f"YAML reads unquoted {source} {read_as}; write it in quotes: '{source}'"


def doc_value(data: Any, path: YamlPath) -> Any:
    for elem in path:
        try:
            data = data[elem]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def data_path(data: Any, loc: tuple[int | str, ...], *, missing: bool = False) -> YamlPath:
    """Follow pydantic's location through the data, dropping union tags and validator names.

    A key absent from the data is kept only as the last element of a ``missing`` error
    (the missing field itself); elsewhere it is a union tag such as ``kubernetes``.
    """
    path: list[int | str] = []
    current = data
    for index, elem in enumerate(loc):
        if _has(current, elem):
            current = current[elem]
        elif missing and index == len(loc) - 1 and isinstance(current, dict):
            pass  # the missing field: point at its parent, name it in the path
        else:
            continue
        path.append(elem)
    return tuple(path)


def _has(container: Any, elem: int | str) -> bool:
    if isinstance(container, dict):
        return elem in container
    return isinstance(container, list) and isinstance(elem, int) and 0 <= elem < len(container)


def field_names(model: type[BaseModel], path: YamlPath) -> set[str]:
    """Names the model accepts at ``path`` (union of alternatives), for 'did you mean'."""
    models = [model]
    for elem in path:
        if isinstance(elem, int):
            continue
        nxt: list[type[BaseModel]] = []
        for current in models:
            field = _field(current, str(elem))
            if field is not None:
                nxt.extend(_models_in(field))
        models = nxt or models
    names: set[str] = set()
    for current in models:
        for name, info in current.model_fields.items():
            names.add(info.alias or name)
    return names


def _field(model: type[BaseModel], name: str) -> Any:
    for field_name, info in model.model_fields.items():
        if name in (field_name, info.alias):
            return info.annotation
    return None


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict and args:
        yield from _models_in(args[-1])
    elif origin in (list, typing.Union, types.UnionType, typing.Annotated) or args:
        for arg in args:
            yield from _models_in(arg)

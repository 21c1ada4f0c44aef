"""Turn pydantic validation errors into located, readable problems."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from deployer.spec.problems import Problem
from deployer.spec.yamlsource import YamlDocument, YamlPath

_MESSAGES = {
    "missing": "required field is missing",
    "dict_type": "expected a mapping (key: value)",
    "list_type": "expected a list",
    "model_type": "expected a mapping (key: value)",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected text",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
}


def problems_from(
    error: ValidationError, doc: YamlDocument, model: type[BaseModel]
) -> list[Problem]:
    return [_problem(detail, doc, model) for detail in error.errors(include_url=False)]


def _problem(detail: ErrorDetails, doc: YamlDocument, model: type[BaseModel]) -> Problem:
    path = data_path(doc.data, detail["loc"])
    kind = detail["type"]
    if kind == "extra_forbidden":
        parent, key = path[:-1], path[-1] if path else ""
        message = f"unknown field '{key}'"
        hint = difflib.get_close_matches(str(key), sorted(field_names(model, parent)), n=1)
        if hint:
            message += f" (did you mean '{hint[0]}'?)"
        return doc.problem(path, message, key=True)
    if kind == "missing":
        return doc.problem(path, _MESSAGES[kind], key=True)
    if kind in {"union_tag_invalid", "union_tag_not_found"}:
        tag = str((detail.get("ctx") or {}).get("discriminator", "")).strip("'")
        path = (*path, tag) if tag and isinstance(doc_value(doc.data, path), dict) else path
    return doc.problem(path, _message(detail))


def _message(detail: ErrorDetails) -> str:
    kind = detail["type"]
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    message = detail["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "literal_error":
        # Only fixed vocabularies get here, never secrets: echoing the input helps.
        got = detail.get("input")
        expected = str((detail.get("ctx") or {}).get("expected", "")).replace("'", "")
        message = f"expected one of {expected}"
        if isinstance(got, str | int) and len(str(got)) <= 40:
            message += f", got '{got}'"
    elif kind == "union_tag_invalid":
        expected = str((detail.get("ctx") or {}).get("expected_tags", "")).replace("'", "")
        message = f"expected one of {expected}"
    elif kind == "union_tag_not_found":
        tag = str((detail.get("ctx") or {}).get("discriminator", "")).strip("'")
        message = f"'{tag}' is required to tell which kind this is"
    elif kind == "string_pattern_mismatch":
        message = "invalid format"
    # pydantic capitalises sentences; ours are clauses after "field:". Keep acronyms (YAML).
    return message if message[1:2].isupper() else message[:1].lower() + message[1:]


def doc_value(data: Any, path: YamlPath) -> Any:
    for elem in path:
        try:
            data = data[elem]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def data_path(data: Any, loc: tuple[int | str, ...]) -> YamlPath:
    """Follow pydantic's location through the data, dropping union tags and validator names."""
    path: list[int | str] = []
    current = data
    for elem in loc:
        if _has(current, elem):
            current = current[elem]
        elif isinstance(current, dict) or isinstance(elem, int):
            current = None  # an absent key (missing field): keep it, stop following data
        else:
            continue  # a union tag or validator name: not part of the YAML
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

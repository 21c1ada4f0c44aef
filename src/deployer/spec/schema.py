"""JSON Schema export of the spec kinds, for editor completion and validation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from deployer.spec.dataimport import DataImport
from deployer.spec.environment import Environment
from deployer.spec.matrix import SupportMatrix

_MODELS: dict[str, type[BaseModel]] = {
    "environment": Environment,
    "matrix": SupportMatrix,
    "dataimport": DataImport,
}


def json_schema(kind: str) -> dict[str, Any]:
    model = _MODELS[kind]
    schema: dict[str, Any] = model.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema

"""schema: the JSON Schema editors use accepts the examples and explains every field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from deployer.spec.schema import json_schema

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = {
    "environment": REPO / "examples" / "huadong-production.yml",
    "matrix": REPO / "examples" / "sample-erp-matrix.yml",
}


def validator(kind: str) -> jsonschema.protocols.Validator:
    schema = json_schema(kind)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def properties(schema: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        for name, prop in (schema.get("properties") or {}).items():
            yield f"{where}.{name}", prop
        for key, value in schema.items():
            yield from properties(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for item in schema:
            yield from properties(item, where)


@pytest.mark.parametrize("kind", ["environment", "matrix"])
def test_the_schema_is_draft_2020_12_and_accepts_the_example(kind: str) -> None:
    check = validator(kind)
    assert json_schema(kind)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    data = yaml.safe_load(EXAMPLES[kind].read_text(encoding="utf-8"))
    assert list(check.iter_errors(data)) == []


@pytest.mark.parametrize("kind", ["environment", "matrix"])
def test_every_property_has_a_description(kind: str) -> None:
    missing = [
        where for where, prop in properties(json_schema(kind)) if not prop.get("description")
    ]
    assert missing == []


def test_the_schema_rejects_unknown_keys_and_bad_values() -> None:
    check = validator("environment")
    data = yaml.safe_load(EXAMPLES["environment"].read_text(encoding="utf-8"))
    assert not check.is_valid({**data, "custmer": "x"})
    assert not check.is_valid({key: value for key, value in data.items() if key != "hosts"})
    host = {**data["hosts"][0], "port": 70000}
    assert not check.is_valid({**data, "hosts": [host]})

"""``deployer schema``: JSON Schema that validates the examples."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from deployer.errors import ExitCode

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("argv", "example"),
    [
        (["schema"], "examples/huadong-production.yml"),
        (["schema", "environment"], "examples/huadong-production.yml"),
        (["schema", "matrix"], "examples/sample-erp-matrix.yml"),
    ],
)
def test_schema_output_validates_the_example(cli, argv: list[str], example: str) -> None:
    result = cli(argv)
    assert (result.code, result.err) == (ExitCode.OK, "")
    schema = json.loads(result.out)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    data = yaml.safe_load((REPO / example).read_text(encoding="utf-8"))
    jsonschema.validate(data, schema, cls=cls)


def test_schema_is_printed_even_when_quiet(cli) -> None:
    result = cli(["-q", "schema", "matrix"])
    assert json.loads(result.out)["title"] == "SupportMatrix"

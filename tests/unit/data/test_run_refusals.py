"""What data import refuses before opening anything: a schema the spec's database lacks, or a
database it cannot import into yet."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from deployer.data.run import _refuse_unknown_schema
from deployer.spec.loader import LoadedImport, load_data_import
from deployer.spec.problems import SpecError

MAPPING = """\
apiVersion: deployer/v1
kind: DataImport
schema: erp
table: customers
source: {file: customers.csv, encoding: utf-8}
key: [code]
columns:
  code: {from: code}
"""


def context(engine: str | None, schemas: tuple[str, ...] = ("erp",)) -> Any:
    database = None
    if engine is not None:
        database = SimpleNamespace(
            engine=engine, schemas=[SimpleNamespace(name=n) for n in schemas]
        )
    return SimpleNamespace(
        loaded=SimpleNamespace(env=SimpleNamespace(database=database), path="s.yml")
    )


def loaded(tmp_path: Path) -> LoadedImport:
    path = tmp_path / "import.yml"
    path.write_text(MAPPING, encoding="utf-8")
    return load_data_import(path)


def refusal(tmp_path: Path, engine: str | None, schemas: tuple[str, ...] = ("erp",)) -> str:
    with pytest.raises(SpecError) as raised:
        _refuse_unknown_schema(context(engine, schemas), loaded(tmp_path))
    (problem,) = raised.value.problems
    return f"{problem.line}:{problem.field}: {problem.message}"


def test_an_oracle_database_is_refused_even_when_it_has_the_schema(tmp_path: Path) -> None:
    assert refusal(tmp_path, "oracle") == "3:schema: imports into Oracle are not supported yet"


def test_a_schema_the_spec_lacks_and_a_spec_without_database_are_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path, "mariadb", ("crm",)).endswith("(it has: crm)")
    assert refusal(tmp_path, None) == "3:schema: the spec s.yml has no database"
    _refuse_unknown_schema(context("mariadb"), loaded(tmp_path))

"""The mapping fitted to the file's header and the table, every misfit located in the
mapping; then rows shaped, or refused with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.data.convert import Fault
from deployer.data.shape import fitted
from deployer.data.source import SourceRow
from deployer.data.table import TableColumn, column_from, misfit
from deployer.spec.loader import load_data_import
from deployer.spec.problems import SpecError

MAPPING = """\
apiVersion: deployer/v1
kind: DataImport
schema: erp
table: customers
source: {file: customers.csv, encoding: gb18030}
key: [code]
columns:
  code: {from: 编码, type: integer, required: true}
  name: {from: 名称, trim: true}
  status: {value: active}
"""
TABLE = {
    "code": TableColumn("code", "int", nullable=False),
    "name": TableColumn("name", "varchar", nullable=True, char_length=8),
    "status": TableColumn("status", "varchar", nullable=True, char_length=8),
    "created": TableColumn("created", "datetime", nullable=False, has_default=True),
}


def loaded(tmp_path: Path, text: str = MAPPING):  # type: ignore[no-untyped-def]
    path = tmp_path / "customers.yml"
    path.write_text(text, encoding="utf-8")
    return load_data_import(path)


def problems(tmp_path: Path, table: dict[str, TableColumn], text: str = MAPPING) -> list[str]:
    with pytest.raises(SpecError) as raised:
        fitted(loaded(tmp_path, text), ("编码", "名称"), table)
    return [f"{p.line}:{p.field}: {p.message}" for p in raised.value.problems]


def test_rows_are_shaped_with_constants_and_faults_name_the_column(tmp_path: Path) -> None:
    shape = fitted(loaded(tmp_path), ("编码", "名称"), TABLE)
    assert shape(SourceRow(2, "", ("7", " 甲 "))) == {"code": 7, "name": "甲", "status": "active"}
    with pytest.raises(Fault) as raised:
        shape(SourceRow(3, "", ("x7", "乙")))
    assert (raised.value.column, raised.value.reason) == ("code", "bad_type")
    with pytest.raises(Fault) as short:
        shape(SourceRow(4, "", ("8",)))
    assert short.value.reason == "malformed"


def test_a_column_missing_from_the_table_is_located_in_the_mapping(tmp_path: Path) -> None:
    table = {k: v for k, v in TABLE.items() if k != "status"}
    assert problems(tmp_path, table) == [
        "10:columns.status: the table erp.customers has no column status"
    ]


def test_a_header_without_the_source_column_lists_what_it_has(tmp_path: Path) -> None:
    text = MAPPING.replace("from: 名称", "from: 名字")
    assert problems(tmp_path, TABLE, text) == [
        "9:columns.name.from: no column '名字' in the file's header (it has: 编码, 名称)"
    ]


def test_a_not_null_column_without_default_must_be_mapped(tmp_path: Path) -> None:
    table = {**TABLE, "owner": TableColumn("owner", "varchar", nullable=False, char_length=8)}
    assert problems(tmp_path, table) == [
        "7:columns: the table's column owner is NOT NULL without a default: map it"
    ]


def test_types_that_cannot_go_into_the_column_are_refused() -> None:
    assert misfit("date", TableColumn("d", "int", nullable=True)) is not None
    assert misfit("integer", TableColumn("d", "varchar", nullable=True)) is None
    row = ("code", "INT", "NO", None, 10, 0, "int(10) unsigned", "auto_increment", None)
    column = column_from(row)
    assert column.unsigned and column.auto_increment and column.fills_itself
    assert column.integer_range == (0, 4294967295)

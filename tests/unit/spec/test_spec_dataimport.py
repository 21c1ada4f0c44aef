"""The DataImport kind: sources, constants and the checks that need no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.spec.dataimport import FileSource, QuerySource
from deployer.spec.loader import load_data_import
from deployer.spec.problems import SpecError

HEAD = """\
apiVersion: deployer/v1
kind: DataImport
schema: erp
table: streets
key: [code]
"""
QUERY = """\
source:
  database: {engine: mysql, host: 10.1.2.3, user: ro, password: "${env:LEGACY}", via: db1}
  query: %s
columns:
  code: {from: jdbm, type: integer}
  province: {value: 11}
  active: {value: true}
"""


def load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "import.yml"
    path.write_text(HEAD + text, encoding="utf-8")
    return load_data_import(path)


def messages(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SpecError) as raised:
        load(tmp_path, text)
    return [f"{p.field}: {p.message}" for p in raised.value.problems]


def test_a_query_source_and_constants_typed_as_written(tmp_path: Path) -> None:
    loaded = load(tmp_path, QUERY % "SELECT jdbm FROM t_jd WHERE jdbm > 0")
    source = loaded.mapping.source
    assert isinstance(source, QuerySource) and source.database.port == 3306
    assert loaded.source_path is None
    assert loaded.source_shown == "a query on 10.1.2.3:3306 via db1"
    columns = loaded.mapping.columns
    assert (columns["province"].type, columns["active"].type) == ("integer", "boolean")


@pytest.mark.parametrize(
    "query",
    ["DELETE FROM t_jd", "SELECT 1; DROP TABLE t_jd", "'UPDATE t_jd SET a = 1'"],
)
def test_a_query_source_reads_only(tmp_path: Path, query: str) -> None:
    assert messages(tmp_path, QUERY % query) == [
        "source.query: expected one SELECT (an import only reads the legacy system)"
    ]


def test_a_file_source_is_told_from_a_query_by_its_keys(tmp_path: Path) -> None:
    text = "source: {file: streets.tsv, encoding: gbk}\ncolumns:\n  code: {from: '1'}\n"
    loaded = load(tmp_path, text)
    assert isinstance(loaded.mapping.source, FileSource)
    assert loaded.mapping.source.separator == "\t"
    assert loaded.source_path == tmp_path / "streets.tsv"


def test_an_inline_password_is_refused(tmp_path: Path) -> None:
    found = messages(tmp_path, (QUERY % "SELECT 1").replace('"${env:LEGACY}"', "hunter2"))
    assert len(found) == 1 and found[0].startswith("source.database.password:")
    assert "hunter2" not in found[0]

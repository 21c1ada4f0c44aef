"""The import's core on a real MariaDB server of this machine: areas, then streets saved as
GB18030 with faults, loaded, rejected and counted exactly; reruns with skip and update. The
same import over SSH to a lab host, through the command, is in tests/lab/test_data_import.py."""

from __future__ import annotations

import csv
import secrets
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from deployer.data.legacy import query_rows
from deployer.data.rollback import rollback_import
from deployer.data.run import REJECTS, ImportOutcome, file_rows, import_into
from deployer.data.tally import BUCKETS
from deployer.data.verify import chosen_import, verify_import
from deployer.journal import Journal, Redactor
from deployer.spec.dataimport import QuerySource
from deployer.spec.loader import load_data_import
from deployer.spec.problems import SpecError
from deployer.transport.ssh import SshOptions
from tests.integration.localmariadb import MariaDB, running_mariadb
from tests.support.divisions import (
    STREETS,
    TABLES,
    Faults,
    faulty_streets,
    outside_gbk,
    require_divisions,
    write_mappings,
)
from tests.support.sample_erp import EXAMPLES

EXAMPLE_MAPPING = EXAMPLES / "legacy" / "customers.yml"


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDB]:
    require_divisions()
    with running_mariadb(tmp_path_factory.mktemp("mariadb")) as server:
        server.sql("CREATE DATABASE erp CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        for statement in TABLES:
            server.sql(statement, database="erp")
        yield server


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("import")


@pytest.fixture(scope="module")
def faults(folder: Path) -> Faults:
    return faulty_streets(folder / "streets-gbk.csv")


def imported(server: MariaDB, folder: Path, mapping: Path, dry_run: bool = False) -> ImportOutcome:
    journal = Journal(folder / "runs", Redactor())
    loaded = load_data_import(mapping, str(mapping))
    with server.connect() as connection:
        rows = file_rows(loaded)
        return import_into(connection, journal, mapping, loaded, rows, dry_run=dry_run)


def rejects(outcome: ImportOutcome) -> list[dict[str, str]]:
    with (outcome.run.path / REJECTS).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_areas_then_faulty_streets_load_with_exact_counts(
    mariadb: MariaDB, folder: Path, faults: Faults
) -> None:
    areas, streets = write_mappings(folder, folder / "streets-gbk.csv")
    assert imported(mariadb, folder, areas).report["loaded"] == 2978
    dry = imported(mariadb, folder, streets, dry_run=True).report
    assert dry["loaded"] == STREETS and mariadb.sql("SELECT COUNT(*) FROM erp.streets") == [(0,)]

    outcome = imported(mariadb, folder, streets)
    report = outcome.report
    counts = {k: report[k] for k in ("read", "loaded", "updated", "skipped", "duplicates")}
    assert counts == {
        "read": faults.read,
        "loaded": STREETS,
        "updated": 0,
        "skipped": 0,
        "duplicates": 3,
    }
    assert report["rejected"] == 5 and report["balanced"]
    assert report["reasons"] == {reason: 1 for reason in faults.lines}
    assert report["count"] == {"before": 0, "after": STREETS, "expected": STREETS, "holds": True}
    found = {row["reason"]: int(row["line"]) for row in rejects(outcome)}
    assert {r: found[r] for r in faults.lines} == faults.lines
    repeated = [int(r["line"]) for r in rejects(outcome) if r["reason"] == "duplicate_in_file"]
    assert repeated == faults.repeats
    undecodable = [r for r in rejects(outcome) if r["reason"] == "undecodable"]
    assert undecodable[0]["raw"].startswith("fffe8080")
    # The characters GBK lacks came through GB18030 intact.
    names = outside_gbk()
    assert len(names) == 8
    stored: list[Any] = mariadb.sql(
        "SELECT code, name FROM erp.streets WHERE code IN %s", (list(names),)
    )
    assert dict(stored) == names


def test_a_wrong_encoding_rejects_lines_undecodable_and_suggests_the_right_one(
    mariadb: MariaDB, folder: Path
) -> None:
    _, streets = write_mappings(folder, folder / "streets-gbk.csv")
    wrong = folder / "streets-declared-utf8.yml"
    text = streets.read_text(encoding="utf-8").replace("encoding: gbk", "encoding: utf-8")
    wrong.write_text(text, "utf-8")
    report = imported(mariadb, folder, wrong, dry_run=True).report
    assert report["reasons"]["undecodable"] > STREETS - 100
    assert report["undecodable_look_like"] == "gb18030"


def test_verify_holds_until_a_loaded_value_changes(mariadb: MariaDB, folder: Path) -> None:
    journal = Journal(folder / "runs", Redactor())
    _, streets = write_mappings(folder, folder / "streets-gbk.csv")
    imported = chosen_import(journal, load_data_import(streets).mapping, None)
    with mariadb.connect() as connection:
        verified = verify_import(connection, journal, folder, imported)
        assert verified.holds and verified.report["rows"] == {"loaded": STREETS, "found": STREETS}
        mariadb.sql("UPDATE erp.streets SET name = '改过' WHERE code = 110101001")
        changed = verify_import(connection, journal, folder, imported).report
        assert not changed["holds"] and changed["columns_differing"] == ["name"]
        mariadb.sql("UPDATE erp.streets SET name = '东华门街道' WHERE code = 110101001")
        assert verify_import(connection, journal, folder, imported).holds


def test_a_second_run_skips_every_row_and_update_changes_only_the_edited(
    mariadb: MariaDB, folder: Path
) -> None:
    _, skipping = write_mappings(folder, folder / "streets-gbk.csv", on_conflict="skip")
    report = imported(mariadb, folder, skipping).report
    assert (report["loaded"], report["skipped"], report["updated"]) == (0, STREETS, 0)

    edited = folder / "streets-edited.csv"
    faulty_streets(edited, renamed={110101001: "东华门街道办", 110101002: "景山街道办"})
    _, updating = write_mappings(folder, edited, on_conflict="update")
    report = imported(mariadb, folder, updating).report
    assert (report["loaded"], report["updated"], report["skipped"]) == (0, 2, STREETS - 2)
    assert report["balanced"] and report["count"]["holds"]
    assert mariadb.sql("SELECT name FROM erp.streets WHERE code = 110101001") == [("东华门街道办",)]


def test_rollback_of_an_update_then_of_the_first_import_restores_the_table(
    mariadb: MariaDB, folder: Path
) -> None:
    journal = Journal(folder / "runs", Redactor())
    imports = [r for r in journal.runs() if r.meta()["kind"] == "import"]
    first = next(
        r for r in imports if r.meta()["table"] == "erp.streets" and not r.meta()["dry_run"]
    )
    update = imports[-1]
    assert update.meta()["mapping"].endswith("streets-update.yml")
    edited = mariadb.sql("CHECKSUM TABLE erp.streets")
    with mariadb.connect() as connection:
        undone = rollback_import(connection, journal, folder, update).report
        assert (undone["deleted"], undone["restored"]) == (0, 2)
        names = mariadb.sql("SELECT name FROM erp.streets WHERE code = 110101001")
        assert names == [("东华门街道",)] and mariadb.sql("CHECKSUM TABLE erp.streets") != edited
        again = rollback_import(connection, journal, folder, update).report
        assert again["count"]["after"] == STREETS
        undone = rollback_import(connection, journal, folder, first).report
    assert (undone["deleted"], undone["restored"]) == (STREETS, 0)
    assert mariadb.sql("SELECT COUNT(*) FROM erp.streets") == [(0,)]


def test_a_column_the_table_lacks_is_refused_before_any_run(mariadb: MariaDB, folder: Path) -> None:
    areas, _ = write_mappings(folder, folder / "streets-gbk.csv")
    text = areas.read_text(encoding="utf-8").replace("  city_code:", "  city_kode:")
    broken = folder / "areas-broken.yml"
    broken.write_text(text, encoding="utf-8")
    runs = len(Journal(folder / "runs").runs())
    with pytest.raises(SpecError) as raised:
        imported(mariadb, folder, broken)
    (problem,) = raised.value.problems
    assert problem.field == "columns.city_kode" and "has no column city_kode" in problem.message
    assert problem.line > 1
    assert len(Journal(folder / "runs").runs()) == runs


def test_an_xlsx_source_loads_with_its_typed_cells(mariadb: MariaDB, folder: Path) -> None:
    mariadb.sql(
        "CREATE TABLE customers (code INT NOT NULL PRIMARY KEY, name VARCHAR(32) NOT NULL, "
        "opened DATE, credit DECIMAL(10,2), active TINYINT(1) NOT NULL DEFAULT 1)",
        database="erp",
    )
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "客户"
    sheet.append(["编码", "名称", "建档日期", "信用额度", "状态"])
    sheet.append([1, "华东精密", datetime(2019, 3, 7), 1500.5, "是"])
    sheet.append([2, "苏州机床", "2020年1月2日", "20000", "否"])
    sheet.append(["三", "错误编码", None, None, "是"])
    sheet.append([1, "重复编码", None, None, "否"])
    book.save(folder / "customers.xlsx")
    mapping = folder / "customers.yml"
    mapping.write_text(
        CUSTOMERS.format(duplicates="last", source="customers.xlsx, sheet: 客户"), encoding="utf-8"
    )
    # Batches of two: the repeat of code 1 replaces a row an earlier batch wrote.
    dry = imported(mariadb, folder, mapping, dry_run=True).report
    outcome = imported(mariadb, folder, mapping)
    report = outcome.report
    assert {k: dry[k] for k in BUCKETS} == {k: report[k] for k in BUCKETS}
    assert {k: report[k] for k in ("read", "loaded", "duplicates", "rejected")} == {
        "read": 4,
        "loaded": 2,
        "duplicates": 1,
        "rejected": 1,
    }
    assert [(r["line"], r["reason"]) for r in rejects(outcome)] == [
        ("4", "bad_type"),
        ("2", "duplicate_in_file"),
    ]
    assert mariadb.sql("SELECT code, name, opened, credit, active FROM erp.customers") == [
        (1, "重复编码", None, None, 0),
        (2, "苏州机床", date(2020, 1, 2), Decimal("20000.00"), 0),
    ]


def test_rows_the_server_refuses_are_rejected_one_by_one_and_the_rest_load(
    mariadb: MariaDB, folder: Path
) -> None:
    mariadb.sql("DELETE FROM customers", database="erp")
    mariadb.sql(
        "ALTER TABLE customers ADD CONSTRAINT credit_positive CHECK (credit >= 0)", database="erp"
    )
    (folder / "customers.csv").write_text(
        "编码,名称,建档日期,信用额度,状态\n1,甲,,-5,是\n2,乙,,10,是\n", encoding="utf-8"
    )
    mapping = folder / "customers-csv.yml"
    mapping.write_text(
        CUSTOMERS.format(duplicates="reject", source="customers.csv, encoding: utf-8"),
        encoding="utf-8",
    )
    outcome = imported(mariadb, folder, mapping)
    assert (outcome.report["loaded"], outcome.report["reasons"]) == (1, {"database_error": 1})
    (refused,) = rejects(outcome)
    assert refused["line"] == "2" and "credit_positive" in refused["message"]
    assert mariadb.sql("SELECT code FROM erp.customers") == [(2,)]


def test_a_query_on_the_legacy_server_streams_its_rows_in(
    mariadb: MariaDB, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mariadb.sql("CREATE DATABASE legacy CHARACTER SET utf8mb4")
    mariadb.sql(
        "CREATE TABLE t_kh (khbm VARCHAR(10), khmc VARCHAR(40), jdrq DATE, xyed DECIMAL(12,3))",
        database="legacy",
    )
    rows = [
        ("101", "华东精密", date(2019, 3, 7), Decimal("1500.500")),
        ("10x", "坏编码", None, None),
    ]
    with mariadb.connect("legacy") as connection, connection.cursor() as cursor:
        cursor.executemany("INSERT INTO t_kh VALUES (%s, %s, %s, %s)", rows)
    password = "Lg-" + secrets.token_hex(8)
    mariadb.sql(f"CREATE USER legacy_ro@'127.0.0.1' IDENTIFIED BY '{password}'")
    mariadb.sql("GRANT SELECT ON legacy.* TO legacy_ro@'127.0.0.1'")
    monkeypatch.setenv("LEGACY_PASSWORD", password)
    mariadb.sql("DELETE FROM customers", database="erp")
    mapping = folder / "legacy.yml"
    mapping.write_text(LEGACY.format(port=mariadb.port), encoding="utf-8")
    loaded = load_data_import(mapping, str(mapping))
    journal = Journal(folder / "runs", Redactor())
    source = loaded.mapping.source
    assert isinstance(source, QuerySource)
    with (
        query_rows(source, folder, None, SshOptions(), journal.redact.add) as rows,
        mariadb.connect() as connection,
    ):
        outcome = import_into(connection, journal, mapping, loaded, rows, dry_run=False)
    assert (outcome.report["read"], outcome.report["loaded"]) == (2, 1)
    assert [(r["line"], r["reason"]) for r in rejects(outcome)] == [("2", "bad_type")]
    assert mariadb.sql("SELECT code, name, opened, credit FROM erp.customers") == [
        (101, "华东精密", date(2019, 3, 7), Decimal("1500.50"))
    ]
    assert "a query on 127.0.0.1" in outcome.report["source"]
    for record in outcome.run.path.iterdir():
        assert password not in record.read_text(encoding="utf-8", errors="replace")


def test_the_example_mapping_loads_into_the_products_own_customers_table(
    mariadb: MariaDB, folder: Path
) -> None:
    mariadb.sql("CREATE DATABASE erp_example CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    mariadb.migrate("erp_example", upto=1)
    text = EXAMPLE_MAPPING.read_text(encoding="utf-8")
    text = text.replace("schema: erp", "schema: erp_example")
    mapping = folder / "example-customers.yml"
    source = EXAMPLE_MAPPING.parent / "customers-gbk.csv"
    mapping.write_text(text.replace("file: customers-gbk.csv", f"file: {source}"), "utf-8")
    outcome = imported(mariadb, folder, mapping)
    counts = {k: outcome.report[k] for k in ("read", "loaded", "duplicates", "rejected")}
    assert counts == {"read": 6, "loaded": 3, "duplicates": 1, "rejected": 2}
    assert outcome.report["reasons"] == {"missing_required": 1, "bad_type": 1}
    stored = mariadb.sql(
        "SELECT code, name, contact_name, created_at FROM erp_example.customers "
        "WHERE code LIKE 'K%' ORDER BY code"
    )
    assert [row[0] for row in stored] == ["K1001", "K1002", "K1003"]
    assert stored[2] == ("K1003", "常州㮾梨五金商行", None, datetime(2018, 11, 3))


LEGACY = """\
apiVersion: deployer/v1
kind: DataImport
schema: erp
table: customers
source:
  database:
    engine: mariadb
    host: 127.0.0.1
    port: {port}
    user: legacy_ro
    password: ${{env:LEGACY_PASSWORD}}
    database: legacy
  query: SELECT khbm, khmc, jdrq, xyed FROM t_kh ORDER BY khbm
key: [code]
columns:
  code: {{from: khbm, type: integer, required: true}}
  name: {{from: khmc}}
  opened: {{from: jdrq, type: date}}
  credit: {{from: xyed, type: decimal, scale: 2}}
"""


CUSTOMERS = """\
apiVersion: deployer/v1
kind: DataImport
schema: erp
table: customers
source: {{file: {source}}}
key: [code]
duplicates: {duplicates}
batch_size: 2
columns:
  code: {{from: 编码, type: integer, required: true}}
  name: {{from: 名称, trim: true}}
  opened: {{from: 建档日期, type: date, formats: ["%Y-%m-%d", "%Y年%m月%d日"]}}
  credit: {{from: 信用额度, type: decimal}}
  active: {{from: 状态, type: boolean}}
"""

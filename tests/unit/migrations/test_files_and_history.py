from pathlib import Path

import pytest

from deployer.migrations import AppliedMigration, MigrationError, discover, pending
from deployer.migrations.dialects import MYSQL, ORACLE
from deployer.migrations.files import checksum


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    _write(tmp_path, "V1__create_core.sql", "CREATE TABLE a (x INT);\n")
    _write(tmp_path, "V2__add_status.sql", "ALTER TABLE a ADD s INT;\nCREATE INDEX i ON a (s);\n")
    _write(tmp_path, "U2__add_status.sql", "DROP INDEX i ON a;\nALTER TABLE a DROP s;\n")
    return tmp_path


def _applied(folder: Path, *versions: int) -> list[AppliedMigration]:
    found = {m.version: m for m in discover(folder)}
    return [AppliedMigration(v, found[v].description, found[v].checksum, True) for v in versions]


def test_discover_orders_versions_and_attaches_undo(folder: Path) -> None:
    migrations = discover(folder)
    assert [m.version for m in migrations] == [1, 2]
    assert migrations[0].undo is None
    assert migrations[1].undo is not None and migrations[1].undo.name == "U2__add_status.sql"
    assert migrations[1].statements == ("ALTER TABLE a ADD s INT", "CREATE INDEX i ON a (s)")
    assert migrations[1].description == "add status"


def test_checksum_ignores_line_endings_only() -> None:
    assert checksum("a;\nb;\n") == checksum("a;\r\nb;\r\n")
    assert checksum("a;\n") != checksum("a ;\n")


def test_pending_after_partial_history(folder: Path) -> None:
    assert [m.version for m in pending(_applied(folder, 1), discover(folder))] == [2]
    assert pending(_applied(folder, 1, 2), discover(folder)) == []


def test_an_edited_applied_migration_is_refused(folder: Path) -> None:
    history = _applied(folder, 1)
    _write(folder, "V1__create_core.sql", "CREATE TABLE a (x BIGINT);\n")
    with pytest.raises(MigrationError, match="edited after it was applied"):
        pending(history, discover(folder))


def test_a_failed_attempt_blocks_until_rolled_back(folder: Path) -> None:
    history = [*_applied(folder, 1), AppliedMigration(2, "add status", "x", False, run_id="r1")]
    with pytest.raises(MigrationError, match="failed in run r1"):
        pending(history, discover(folder))


def test_an_out_of_order_migration_is_refused(folder: Path) -> None:
    history = _applied(folder, 2)
    with pytest.raises(MigrationError, match="older than V2"):
        pending(history, discover(folder))


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("V1_bad.sql", "SELECT 1;", "not a migration name"),
        ("V1__empty.sql", "-- nothing\n", "no SQL statement"),
        ("U3__orphan.sql", "SELECT 1;", "undo script without V3"),
    ],
)
def test_bad_folders_are_refused(tmp_path: Path, name: str, text: str, message: str) -> None:
    _write(tmp_path, name, text)
    with pytest.raises(MigrationError, match=message):
        discover(tmp_path)


def test_identifiers_are_quoted_per_dialect() -> None:
    assert MYSQL.quote_ident("we`ird") == "`we``ird`"
    assert ORACLE.quote_ident('erp"x') == '"ERP""X"'
    assert "%(version)s" in MYSQL.insert_history()
    assert ":version" in ORACLE.insert_history()
    assert "GET_LOCK(%(name)s, %(timeout)s)" in MYSQL.lock()
    assert "DBMS_LOCK.REQUEST" in ORACLE.lock()

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from deployer.errors import ExitCode
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


def test_a_bom_is_neither_sql_nor_part_of_the_checksum(tmp_path: Path) -> None:
    plain = _write(tmp_path, "V1__plain.sql", "CREATE TABLE a (x INT);\n")
    (tmp_path / "V2__bom.sql").write_bytes(b"\xef\xbb\xbfCREATE TABLE b (x INT);\r\n")
    first, second = discover(tmp_path)
    assert second.statements == ("CREATE TABLE b (x INT)",)
    assert second.checksum == checksum("CREATE TABLE b (x INT);\n")
    # A file without a BOM keeps the checksum histories already hold.
    assert first.checksum == checksum(plain.read_text(encoding="utf-8"))
    assert first.former_checksum is None


def test_a_history_written_with_the_bom_in_the_checksum_stays_valid(tmp_path: Path) -> None:
    (tmp_path / "V1__bom.sql").write_bytes(b"\xef\xbb\xbfCREATE TABLE b (x INT);\n")
    recorded = checksum("\ufeffCREATE TABLE b (x INT);\n")
    history = [AppliedMigration(1, "bom", recorded, True)]
    assert pending(history, discover(tmp_path)) == []


def test_an_unterminated_comment_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "V1__open.sql", "CREATE TABLE a (x INT);\n\n/* never closed;\nDROP x;")
    with pytest.raises(MigrationError) as caught:
        discover(tmp_path)
    assert str(caught.value) == f"{path}:3: comment /* is never closed with */"
    assert caught.value.exit_code == ExitCode.INVALID_SPEC


def _folder(path: Path) -> None:
    path.mkdir()


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dangling(path: Path) -> None:
    path.symlink_to(path.with_name("gone.sql"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_folder, "is a directory, not a migration script"),
        (_fifo, "is a FIFO (named pipe), not a migration script"),
        (_dangling, "a link to a missing file"),
    ],
)
def test_an_entry_that_is_not_a_regular_file_is_a_spec_error(
    tmp_path: Path, make: Callable[[Path], None], message: str
) -> None:
    _write(tmp_path, "V1__create_core.sql", "CREATE TABLE a (x INT);\n")
    path = tmp_path / "V2__odd.sql"
    make(path)
    with pytest.raises(MigrationError) as caught:
        discover(tmp_path)  # a FIFO would block here if it were opened
    assert str(caught.value) == f"{path}: {message}"
    assert caught.value.exit_code == ExitCode.INVALID_SPEC


def test_a_link_to_a_migration_is_read(tmp_path: Path) -> None:
    source = _write(tmp_path, "source.txt", "CREATE TABLE a (x INT);\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "V1__linked.sql").symlink_to(source)
    [migration] = discover(tmp_path / "migrations")
    assert migration.statements == ("CREATE TABLE a (x INT)",)


def test_statements_keep_their_lines_and_oracle_reads_sqlplus(tmp_path: Path) -> None:
    _write(
        tmp_path, "V1__proc.sql", "-- header\nCREATE TABLE a (x INT);\n\nBEGIN\n NULL;\nEND;\n/\n"
    )
    [migration] = discover(tmp_path, ORACLE)
    assert migration.statements == ("CREATE TABLE a (x INT)", "BEGIN\n NULL;\nEND;")
    assert migration.lines == (2, 4)
    assert migration.line_of(2) == 4 and migration.line_of(3) is None

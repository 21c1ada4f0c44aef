"""Which migration statements throw data away (no undo script can bring the rows back)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.migrations import destructive_statements, discover
from deployer.migrations.destructive import destructive_reason


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("DROP TABLE legacy_orders", "drops a table"),
        ("drop table if exists `t`", "drops a table"),
        ("DROP DATABASE erp", "drops a database"),
        ("DROP USER erp CASCADE", "drops a user (on Oracle, its schema)"),
        ("TRUNCATE TABLE audit_log", "empties a table"),
        ("DELETE FROM orders WHERE created < '2020-01-01'", "deletes rows"),
        ("ALTER TABLE orders DROP COLUMN legacy_code", "drops a column"),
        ("ALTER TABLE orders DROP legacy_code", "drops a column"),
        ("ALTER TABLE orders ADD COLUMN x INT, DROP `y`", "drops a column"),
        ("ALTER TABLE sales DROP PARTITION p2019", "drops a partition's rows"),
        ("ALTER TABLE sales TRUNCATE PARTITION p2019", "drops a partition's rows"),
        ("UPDATE orders SET status = 'open' WHERE status IS NULL", "overwrites values"),
    ],
)
def test_statements_that_destroy_data(statement: str, reason: str) -> None:
    assert destructive_reason(statement) == reason


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE t (id INT PRIMARY KEY)",
        "ALTER TABLE orders ADD COLUMN note VARCHAR(200)",
        "ALTER TABLE orders DROP INDEX idx_note",
        "ALTER TABLE orders DROP KEY idx_note",
        "ALTER TABLE orders DROP FOREIGN KEY fk_customer",
        "ALTER TABLE orders DROP PRIMARY KEY",
        "ALTER TABLE orders DROP CONSTRAINT chk_amount",
        "ALTER TABLE orders ALTER COLUMN status DROP DEFAULT",
        "DROP INDEX idx_note ON orders",
        "DROP VIEW v_orders",
        "DROP PROCEDURE p",
        "INSERT INTO t VALUES ('DROP TABLE x')",
        "",
    ],
)
def test_statements_that_keep_data(statement: str) -> None:
    assert destructive_reason(statement) is None


def test_lines_name_the_statement_and_shorten_it() -> None:
    statements = [
        "CREATE TABLE t (id INT)",
        "DELETE FROM   orders\n  WHERE id IN (" + ", ".join(str(n) for n in range(40)) + ")",
    ]
    [line] = destructive_statements(statements)
    assert line.startswith("statement 2 deletes rows: DELETE FROM orders WHERE id IN (0, 1")
    assert line.endswith("...")


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("CREATE OR REPLACE TABLE orders (id INT)", "replaces a table (its rows are lost)"),
        ("create or replace table t as select 1", "replaces a table (its rows are lost)"),
        ("ALTER ONLINE TABLE orders DROP legacy_code", "drops a column"),
        ("ALTER IGNORE TABLE orders DROP COLUMN legacy_code", "drops a column"),
        ("ALTER TABLE orders DROP COLUMN IF EXISTS legacy_code", "drops a column"),
        (
            "WITH old AS (SELECT id FROM orders) "
            "DELETE FROM orders WHERE id IN (SELECT id FROM old)",
            "deletes rows",
        ),
        (
            "WITH RECURSIVE c (n) AS (SELECT 1 UNION SELECT n + 1 FROM c WHERE n < 5) "
            "UPDATE t SET a = 0 WHERE id IN (SELECT n FROM c)",
            "overwrites values",
        ),
        (
            "REPLACE INTO settings VALUES ('mode', 'x')",
            "replaces rows (deletes those with the same key)",
        ),
        (
            "REPLACE LOW_PRIORITY INTO settings SET k = 'mode'",
            "replaces rows (deletes those with the same key)",
        ),
        ("UPDATE LOW_PRIORITY IGNORE orders SET status = 0", "overwrites values"),
        ("DELETE LOW_PRIORITY QUICK IGNORE FROM orders", "deletes rows"),
        ("DELETE o FROM orders o JOIN customers c ON o.c = c.id", "deletes rows"),
        (
            "MERGE INTO t USING s ON (t.id = s.id) WHEN MATCHED THEN UPDATE SET t.a = s.a",
            "merges rows (overwrites or deletes)",
        ),
        (
            "INSERT INTO t (k, v) VALUES (1, 2) ON DUPLICATE KEY UPDATE v = 2",
            "overwrites values (ON DUPLICATE KEY UPDATE)",
        ),
        ("LOAD DATA INFILE '/tmp/x' REPLACE INTO TABLE t", "replaces rows (LOAD ... REPLACE)"),
        # Comments in front, and version comments the server runs, are read through.
        ("/* cleanup */ -- really\n DELETE FROM orders", "deletes rows"),
        ("/*!40000 TRUNCATE TABLE audit */", "empties a table"),
        ("/*!50001 DROP TABLE*/ legacy", "drops a table"),
        (
            "CALL purge_old_orders()",
            "calls a routine, whose effect cannot be read from the migration",
        ),
        (
            "BEGIN\n  DELETE FROM orders;\n  COMMIT;\nEND;",
            "runs a block that may destroy data (DELETE)",
        ),
        ("BEGIN NOT ATOMIC DROP TABLE t; END", "runs a block that may destroy data (DROP TABLE)"),
    ],
)
def test_forms_the_first_two_words_did_not_catch(statement: str, reason: str) -> None:
    assert destructive_reason(statement) == reason


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        # MySQL and MariaDB take TABLES for TABLE.
        ("DROP TABLES orders, customers", "drops a table"),
        ("drop tables if exists orders", "drops a table"),
        ("BEGIN NOT ATOMIC DROP TABLES t; END", "runs a block that may destroy data (DROP TABLE)"),
        # Oracle's column lists, and columns marked unused (their values are gone for good).
        ("ALTER TABLE orders DROP (legacy_code)", "drops a column"),
        ("ALTER TABLE orders DROP (a, b) CASCADE CONSTRAINTS", "drops a column"),
        ('ALTER TABLE "ORDERS" DROP ("LEGACY_CODE")', "drops a column"),
        ("ALTER TABLE orders SET UNUSED (legacy_code)", "drops a column"),
        ("ALTER TABLE orders SET UNUSED COLUMN legacy_code", "drops a column"),
        # An event runs its statement on its own schedule, possibly at once.
        (
            "CREATE EVENT purge ON SCHEDULE AT CURRENT_TIMESTAMP DO DELETE FROM orders",
            "schedules an event that deletes rows",
        ),
        (
            "CREATE DEFINER=`root`@`%` EVENT IF NOT EXISTS e ON SCHEDULE EVERY 1 DAY "
            "DO TRUNCATE audit",
            "schedules an event that empties a table",
        ),
        # Wrappers that run the statement they hold: MariaDB's SET STATEMENT ... FOR and
        # ANALYZE, MySQL's EXPLAIN ANALYZE.
        ("SET STATEMENT max_statement_time=60 FOR DELETE FROM orders", "deletes rows"),
        ("ANALYZE FORMAT=JSON UPDATE orders SET a = 1", "overwrites values"),
        ("EXPLAIN ANALYZE DELETE FROM orders WHERE id < 10", "deletes rows"),
        ("ALTER TABLE orders DISCARD TABLESPACE", "discards a table's data file"),
    ],
)
def test_synonyms_and_oracle_forms_are_destructive_too(statement: str, reason: str) -> None:
    assert destructive_reason(statement) == reason


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TEMPORARY TABLE scratch",
        "CREATE OR REPLACE VIEW v AS SELECT 1",
        "CREATE TRIGGER t AFTER DELETE ON a FOR EACH ROW BEGIN DELETE FROM b; END",
        "WITH x AS (SELECT 1 AS DELETE_ME) SELECT * FROM x",
        "SELECT 'UPDATE t SET a = 1'",
        "INSERT IGNORE INTO t VALUES (1)",
        "BEGIN",
        "BEGIN\n  NULL;\nEND;",
        "ALTER ONLINE TABLE t ADD INDEX i (a)",
        "ALTER TABLE t DROP CHECK c, DROP PRIMARY KEY",
        "/* DELETE FROM t */ SELECT 1",
        "RENAME TABLE a TO b",
        "ALTER TABLE t DROP INDEX i, DROP CONSTRAINT c",
        "ANALYZE TABLE orders",
        "EXPLAIN DELETE FROM orders",
        "SET STATEMENT max_statement_time=60 FOR SELECT 1",
        "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO INSERT INTO log VALUES (NOW())",
    ],
)
def test_forms_that_keep_data(statement: str) -> None:
    assert destructive_reason(statement) is None


SAKILA = Path(__file__).resolve().parents[4] / "shared" / "testdata" / "sakila"


@pytest.mark.skipif(not SAKILA.is_dir(), reason=f"the shared test data is absent ({SAKILA})")
def test_sakila_destroys_nothing() -> None:
    # Triggers and routines define DELETE and UPDATE for later; loading them loses nothing.
    for migration in discover(SAKILA):
        assert destructive_statements(migration.statements) == []

"""Which migration statements throw data away (no undo script can bring the rows back)."""

from __future__ import annotations

import pytest

from deployer.migrations import destructive_statements
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
        "UPDATE orders SET status = 'open' WHERE status IS NULL",
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

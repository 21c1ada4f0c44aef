"""The migration runner and its history table, over a fake cursor: undo goes newest first down
to a version, a migration that fails half-way is recorded as failed (success = 0) and blocks
further migrations until it is rolled back and forgotten, and a busy lock runs nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from deployer.migrations import Migration, MigrationError, discover
from deployer.migrations.dialects import MYSQL, ORACLE
from deployer.migrations.runner import MigrationFailed, MigrationLocked, Runner
from tests.support.fakes import FakeCursor

HISTORY = r"SELECT version, description"
LOCK = r"GET_LOCK"

SCRIPTS = {
    "V1__orders.sql": "CREATE TABLE orders (id INT);\n",
    "V2__status.sql": "ALTER TABLE orders ADD COLUMN status INT;\n",
    "U2__status.sql": "ALTER TABLE orders DROP COLUMN status;\n",
    "V3__notes.sql": "ALTER TABLE orders ADD COLUMN notes TEXT;\nUPDATE orders SET notes = '';\n",
    "U3__notes.sql": "ALTER TABLE orders DROP COLUMN notes;\n",
}


@dataclass
class Cursor(FakeCursor):
    """A FakeCursor that also keeps each statement's parameters."""

    params: list[tuple[str, Any]] = field(default_factory=list)

    def execute(self, query: str, args: Any = None, /) -> int:
        self.params.append((query, args))
        return super().execute(query, args)

    def inserted(self) -> list[dict[str, Any]]:
        return [args for query, args in self.params if query.startswith("INSERT INTO `deployer")]

    def deleted(self) -> list[int]:
        return [args["version"] for query, args in self.params if query.startswith("DELETE")]


def migrations(tmp_path: Path) -> list[Migration]:
    for name, text in SCRIPTS.items():
        (tmp_path / name).write_text(text)
    return discover(tmp_path)


def rows(available: list[Migration], applied: dict[int, bool]) -> list[tuple[Any, ...]]:
    by_version = {m.version: m for m in available}
    return [
        (v, by_version[v].description, by_version[v].checksum, int(ok), "t", "", "run0")
        for v, ok in applied.items()
    ]


def cursor(*rules: tuple[str, Any], lock: int = 1) -> Cursor:
    return Cursor([*rules, (LOCK, [(lock,)]), (r"RELEASE_LOCK", [(1,)])], [])


def runner(on: Cursor) -> Runner:
    return Runner(on, MYSQL, "erp", "run1", "tester@host")


def test_undo_runs_the_undo_scripts_newest_first_down_to_the_version(tmp_path: Path) -> None:
    available = migrations(tmp_path)
    on = cursor((HISTORY, rows(available, {1: True, 2: True, 3: True})))
    undone = runner(on).undo(available, down_to=1)
    assert [(o.version, o.name, o.direction) for o in undone] == [
        (3, "U3__notes.sql", "down"),
        (2, "U2__status.sql", "down"),
    ]
    sent = on.log
    assert sent.index("ALTER TABLE orders DROP COLUMN notes") < sent.index(
        "ALTER TABLE orders DROP COLUMN status"
    )
    assert on.deleted() == [3, 2]
    assert not any("orders (id INT)" in s for s in sent)  # V1 stays
    assert sent[-1].startswith("SELECT RELEASE_LOCK")


def test_undo_refuses_a_migration_without_an_undo_script(tmp_path: Path) -> None:
    available = migrations(tmp_path)
    on = cursor((HISTORY, rows(available, {1: True, 2: True})))
    with pytest.raises(MigrationError, match=r"^V1 has no undo script; restore the dump$"):
        runner(on).undo(available, down_to=0)
    # V2 was undone before V1 was reached; the lock is released after the refusal.
    assert on.deleted() == [2]
    assert on.log[-1].startswith("SELECT RELEASE_LOCK")


def test_a_migration_failing_half_way_is_recorded_failed_and_blocks_the_next_run(
    tmp_path: Path,
) -> None:
    available = migrations(tmp_path)
    refusal = RuntimeError(1054, "Unknown column 'notes'")
    on = cursor(("UPDATE orders", refusal), (HISTORY, rows(available, {1: True, 2: True})))
    with pytest.raises(MigrationFailed) as caught:
        runner(on).migrate(available)
    assert (caught.value.migration.name, caught.value.statement) == ("V3__notes.sql", 2)
    assert "ALTER TABLE orders ADD COLUMN notes TEXT" in on.log  # committed before the failure
    (recorded,) = on.inserted()
    assert (recorded["version"], recorded["success"], recorded["run_id"]) == (3, 0, "run1")

    # The next run finds V3 failed in the history: it migrates nothing.
    after = cursor((HISTORY, rows(available, {1: True, 2: True, 3: False})))
    with pytest.raises(MigrationError, match=r"V3 \(notes\) failed in run run0; roll that run"):
        runner(after).migrate(available)
    assert not any("orders" in statement for statement in after.log)


def test_forget_failed_drops_only_the_failed_attempts(tmp_path: Path) -> None:
    available = migrations(tmp_path)
    on = cursor((HISTORY, rows(available, {1: True, 2: True, 3: False})))
    assert runner(on).forget_failed() == [3]
    assert on.deleted() == [3]


def test_a_busy_lock_runs_nothing(tmp_path: Path) -> None:
    available = migrations(tmp_path)
    on = cursor(lock=0)
    with pytest.raises(MigrationLocked, match=r"lock deployer\.migrate\.erp busy for 10 s"):
        runner(on).migrate(available)
    with pytest.raises(MigrationLocked):
        runner(on).undo(available, down_to=0)
    assert not any("orders" in statement for statement in on.log)
    assert on.inserted() == [] and on.deleted() == []


def test_a_fresh_schema_gets_every_migration_in_order_each_recorded(tmp_path: Path) -> None:
    available = migrations(tmp_path)
    on = cursor()
    applied = runner(on).migrate(available)
    assert [(o.version, o.direction) for o in applied] == [(1, "up"), (2, "up"), (3, "up")]
    assert [(r["version"], r["success"]) for r in on.inserted()] == [(1, 1), (2, 1), (3, 1)]
    assert on.deleted() == [1, 2, 3]  # a row of an earlier failed attempt is replaced


class OracleCursor(Cursor):
    """Oracle answers DBMS_LOCK through an out bind; the history table may exist already."""

    granted: int = 0

    def var(self, kind: type) -> Any:
        granted = self.granted

        class Out:
            def getvalue(self) -> int:
                return granted

        return Out()


def test_oracle_history_that_exists_already_and_its_lock(tmp_path: Path) -> None:
    available = migrations(tmp_path)
    exists = Exception("ORA-00955: name is already used by an existing object")
    on = OracleCursor([(r"CREATE TABLE", exists)], [])
    assert Runner(on, ORACLE, "ERP", "run1", "t").history() == []
    # A lock Oracle refuses (status 1) is busy, as on MySQL.
    on.granted = 1
    with pytest.raises(MigrationLocked):
        Runner(on, ORACLE, "ERP", "run1", "t").migrate(available)
    other = OracleCursor([(r"CREATE TABLE", Exception("ORA-01031: insufficient privileges"))], [])
    with pytest.raises(Exception, match="ORA-01031"):
        Runner(other, ORACLE, "ERP", "run1", "t").history()

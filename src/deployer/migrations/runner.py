"""Apply and undo migrations over a DB-API connection, recording each in the history table.

MySQL and MariaDB commit DDL implicitly, so a migration that fails half-way leaves its first
statements applied: the failure is recorded (success = 0) and further migrations are refused
until the run is rolled back; the rollback restores from undo scripts or the pre-run dump.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from deployer.errors import DeployerError, ExitCode
from deployer.migrations.dialects import Dialect
from deployer.migrations.files import Migration, MigrationError
from deployer.migrations.history import AppliedMigration, pending
from deployer.transport.mysql import driver_message

log = logging.getLogger(__name__)


class Cursor(Protocol):
    def execute(self, query: str, args: Any = ..., /) -> Any: ...
    def fetchall(self) -> Sequence[Sequence[Any]]: ...
    def fetchone(self) -> Sequence[Any] | None: ...


class MigrationFailed(DeployerError):
    exit_code = ExitCode.APPLY_FAILED

    def __init__(self, migration: Migration, statement: int, error: str) -> None:
        total = len(migration.statements)
        line = migration.line_of(statement)
        where = migration.name if line is None else f"{migration.name}:{line}"
        super().__init__(f"{where}: statement {statement} of {total} failed: {error}")
        self.migration = migration
        self.statement = statement


class MigrationLocked(DeployerError):
    exit_code = ExitCode.LOCKED


@dataclass(frozen=True)
class MigrationOutcome:
    version: int
    name: str
    direction: str  # "up" or "down"
    milliseconds: int


class Runner:
    """Migrations of one schema, through one open connection (autocommit on)."""

    def __init__(
        self, cursor: Cursor, dialect: Dialect, schema: str, run_id: str, installed_by: str
    ) -> None:
        self.cursor = cursor
        self.dialect = dialect
        self.lock_name = f"deployer.migrate.{schema}"[:64]
        self.run_id = run_id
        self.installed_by = installed_by

    def history(self) -> list[AppliedMigration]:
        self._ensure_history()
        self.cursor.execute(self.dialect.select_history())
        return [
            AppliedMigration(
                int(r[0]), str(r[1]), str(r[2]), bool(r[3]), str(r[4]), str(r[5]), str(r[6])
            )
            for r in self.cursor.fetchall()
        ]

    def pending(self, available: Sequence[Migration]) -> list[Migration]:
        return pending(self.history(), available)

    def migrate(
        self, available: Sequence[Migration], lock_timeout: int = 10
    ) -> list[MigrationOutcome]:
        with self._locked(lock_timeout):
            return [self._apply(m) for m in self.pending(available)]

    def undo(
        self, available: Sequence[Migration], down_to: int, lock_timeout: int = 10
    ) -> list[MigrationOutcome]:
        """Undo applied migrations newer than ``down_to``, newest first, with their U scripts."""
        with self._locked(lock_timeout):
            by_version = {m.version: m for m in available}
            done = []
            for row in reversed(self.history()):
                if row.version <= down_to:
                    break
                migration = by_version.get(row.version)
                if migration is None or migration.undo is None:
                    raise MigrationError(f"V{row.version} has no undo script; restore the dump")
                done.append(self._revert(migration))
            return done

    def _apply(self, migration: Migration) -> MigrationOutcome:
        started = time.monotonic()
        try:
            self._run_script(migration)
        except MigrationFailed:
            try:
                self._reset(failed=True)
                self._record(migration, success=False, started=started)
            except Exception as exc:  # the connection may be what failed: report the script
                log.warning("could not record the failure of %s: %s", migration.name, exc)
            raise
        self._record(migration, success=True, started=started)
        log.info("applied %s", migration.name)
        return MigrationOutcome(migration.version, migration.name, "up", _ms(started))

    def _revert(self, migration: Migration) -> MigrationOutcome:
        assert migration.undo is not None
        started = time.monotonic()
        self._run_script(migration.undo)
        self.cursor.execute(self.dialect.delete_history(), {"version": migration.version})
        log.info("undid %s with %s", migration.name, migration.undo.name)
        return MigrationOutcome(migration.version, migration.undo.name, "down", _ms(started))

    def _run_script(self, script: Migration) -> None:
        """Each statement as it is (no parameters: a literal % is data, not a placeholder),
        then the session put back in autocommit, whatever the script left it in."""
        for number, statement in enumerate(script.statements, start=1):
            try:
                self.cursor.execute(statement)
            except Exception as exc:
                raise MigrationFailed(script, number, driver_message(exc)) from exc
        self._reset(failed=False)

    def _reset(self, failed: bool) -> None:
        for statement in self.dialect.session_reset(failed):
            self.cursor.execute(statement)

    def forget_failed(self) -> list[int]:
        """Drop history rows of failed attempts (after their effects were restored)."""
        failed = [row.version for row in self.history() if not row.success]
        for version in failed:
            self.cursor.execute(self.dialect.delete_history(), {"version": version})
        return failed

    def _record(self, migration: Migration, success: bool, started: float) -> None:
        self.cursor.execute(self.dialect.delete_history(), {"version": migration.version})
        self.cursor.execute(
            self.dialect.insert_history(),
            {
                "version": migration.version,
                "description": migration.description,
                "checksum": migration.checksum,
                "success": int(success),
                "installed_by": self.installed_by,
                "run_id": self.run_id,
                "execution_ms": _ms(started),
            },
        )

    def _ensure_history(self) -> None:
        if self.dialect.name == "oracle":
            try:
                self.cursor.execute(self.dialect.history_ddl())
            except Exception as exc:
                if "ORA-00955" not in str(exc):
                    raise
        else:
            self.cursor.execute(self.dialect.history_ddl())

    @contextmanager
    def _locked(self, timeout: int) -> Iterator[None]:
        if not self._lock_call(self.dialect.lock(), {"timeout": timeout}):
            raise MigrationLocked(
                f"another run is migrating (lock {self.lock_name} busy for {timeout} s)"
            )
        try:
            yield
        except BaseException:
            # The server drops the lock with the session; a release failing on the connection
            # that just failed must not hide which file and statement that was.
            try:
                self._lock_call(self.dialect.unlock(), {})
            except Exception as exc:
                log.debug("releasing %s after a failure failed too: %s", self.lock_name, exc)
            raise
        self._lock_call(self.dialect.unlock(), {})

    def _lock_call(self, sql: str, params: dict[str, Any]) -> bool:
        """MySQL answers GET_LOCK with a row (1 = held); Oracle's DBMS_LOCK with an out bind (0)."""
        params = {"name": self.lock_name, **params}
        if self.dialect.name == "oracle":
            status = self.cursor.var(int)  # type: ignore[attr-defined]
            self.cursor.execute(sql, {**params, "status": status})
            return bool(status.getvalue() == 0)
        self.cursor.execute(sql, params)
        row = self.cursor.fetchone()
        return bool(row and row[0] == 1)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)

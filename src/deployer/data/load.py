"""Rows into the table, a batch per transaction.

For each batch: references are looked up, the keys already in the table read, each row
inserted, updated, skipped or rejected as the mapping says, then the batch is written in one
transaction (rolled back instead of committed under --dry-run). When the server refuses the
batch, it is written again row by row, each behind a savepoint, so that only the rows the
server refuses are rejected (``database_error``) and the others still load.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from deployer.data import sql
from deployer.data.convert import Value, canonical
from deployer.data.shape import Row
from deployer.data.tally import ColumnSums, Rejects, Tally
from deployer.data.undo import UndoLog
from deployer.spec.dataimport import DataImport
from deployer.transport.mysql import connection_errors, driver_message

log = logging.getLogger(__name__)


@dataclass
class Pending:
    line: int
    text: str
    key: tuple[Value, ...]
    row: Row
    ours: bool = False  # replaces a row this import inserted (duplicates: last)


@dataclass
class Batch:
    inserts: list[Pending] = field(default_factory=list)
    updates: list[tuple[Pending, dict[str, Any]]] = field(default_factory=list)


def digest(key: Sequence[Value]) -> bytes:
    text = "\x1f".join(canonical(v) for v in key)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class TableLoader:
    """Feeds shaped rows into one table; ``tally``, ``sums`` and the rejects say what happened."""

    def __init__(
        self,
        connection: Any,
        mapping: DataImport,
        rejects: Rejects,
        undo: UndoLog,
        *,
        dry_run: bool,
    ) -> None:
        self.connection = connection
        self.mapping = mapping
        self.rejects = rejects
        self.undo = undo
        self.dry_run = dry_run
        self.target = sql.table_name(mapping.schema_, mapping.table)
        self.columns = list(mapping.columns)
        self.tally = Tally()
        self.sums = ColumnSums()
        self.seen: dict[bytes, int] = {}  # key -> the line it was first seen on
        self.ours: set[bytes] = set()  # keys this import inserted (kept for duplicates: last)
        self.pending: dict[bytes, Pending] = {}

    # Lines that never became rows.
    def reject(self, line: int, column: str, reason: str, message: str, raw: str) -> None:
        self.tally.rejected += 1
        self.tally.reasons[reason] += 1
        self.rejects.add(line, column, reason, message, raw)

    def feed(self, line: int, text: str, row: Row) -> None:
        key = tuple(row[name] for name in self.mapping.key)
        found = digest(key)
        first = self.seen.get(found)
        if first is None:
            self.seen[found] = line
            self.pending[found] = Pending(line, text, key, row)
        elif not self._repeat(found, first, Pending(line, text, key, row)):
            return
        if len(self.pending) >= self.mapping.batch_size:
            self.flush()

    def _repeat(self, found: bytes, first: int, repeat: Pending) -> bool:
        """A key seen before in the file; whether ``repeat`` goes on to the table."""
        shown = "/".join(canonical(v) for v in repeat.key)
        keyed = ",".join(self.mapping.key)
        policy = self.mapping.duplicates
        if policy == "reject":
            message = f"key {shown} repeats line {first}; repeats are rejected"
            self.reject(repeat.line, keyed, "duplicate_in_file", message, repeat.text)
            return False
        if policy == "first":
            self.tally.duplicates += 1
            message = f"key {shown} repeats line {first}; the first is kept"
            self.rejects.add(repeat.line, keyed, "duplicate_in_file", message, repeat.text)
            return False
        earlier = self.pending.get(found)
        if earlier is not None:  # not written yet: the later line takes its place
            self.tally.duplicates += 1
            message = f"key {shown} is repeated on line {repeat.line}; the last is kept"
            self.rejects.add(earlier.line, keyed, "duplicate_in_file", message, earlier.text)
        else:
            repeat.ours = found in self.ours
            if repeat.ours:  # written by an earlier batch: its line is no longer what loaded
                message = f"key {shown} is repeated on line {repeat.line}; the last is kept"
                self.rejects.add(first, keyed, "duplicate_in_file", message, "")
        self.seen[found] = repeat.line
        self.pending[found] = repeat
        return True

    def flush(self) -> None:
        rows = self._referenced(list(self.pending.values()))
        self.pending = {}
        if not rows:
            return
        batch = self._classified(rows, self._existing(rows))
        self._write(batch)

    def _referenced(self, rows: list[Pending]) -> list[Pending]:
        """The rows whose references are all found; the others rejected."""
        for column, (table, wanted) in self.mapping.references.items():
            values = list(
                {
                    canonical(p.row[column]): p.row[column]
                    for p in rows
                    if p.row[column] is not None
                }.values()
            )
            present: set[str] = set()
            if values:
                with self.connection.cursor() as cursor:
                    target = sql.table_name(self.mapping.schema_, table)
                    cursor.execute(sql.select_present(target, wanted, len(values)), values)
                    present = {canonical(found) for (found,) in cursor.fetchall()}
            kept = []
            for pending in rows:
                value = pending.row[column]
                if value is None or canonical(value) in present:
                    kept.append(pending)
                    continue
                message = f"{canonical(value)} is not in {table}.{wanted}"
                self.reject(pending.line, column, "bad_reference", message, pending.text)
            rows = kept
        return rows

    def _existing(self, rows: list[Pending]) -> dict[tuple[str, ...], dict[str, Any]]:
        """The table's rows with the batch's keys, by canonical key."""
        keys = [v for p in rows for v in p.key]
        with self.connection.cursor() as cursor:
            cursor.execute(
                sql.select_rows(self.target, self.columns, self.mapping.key, len(rows)), keys
            )
            found = [dict(zip(self.columns, values, strict=True)) for values in cursor.fetchall()]
        return {tuple(canonical(row[k]) for k in self.mapping.key): row for row in found}

    def _classified(
        self, rows: list[Pending], existing: dict[tuple[str, ...], dict[str, Any]]
    ) -> Batch:
        batch = Batch()
        keyed = ",".join(self.mapping.key)
        for pending in rows:
            before = existing.get(tuple(canonical(v) for v in pending.key))
            if before is None:
                batch.inserts.append(pending)
            elif pending.ours:
                batch.updates.append((pending, before))
            elif self.mapping.on_conflict == "reject":
                message = "key already in the table (on_conflict: reject)"
                self.reject(pending.line, keyed, "conflict", message, pending.text)
            elif self.mapping.on_conflict == "skip" or _same(before, pending.row):
                self.tally.skipped += 1
            else:
                batch.updates.append((pending, before))
        return batch

    def _write(self, batch: Batch) -> None:
        try:
            self._transaction(batch, one_by_one=False)
        except connection_errors(ValueError) as exc:
            log.debug("batch refused (%s); writing its rows one by one", driver_message(exc))
            self.connection.rollback()
            self._transaction(batch, one_by_one=True)

    def _transaction(self, batch: Batch, *, one_by_one: bool) -> None:
        self.connection.begin()
        with self.connection.cursor() as cursor:
            replaced = [p for p, _ in batch.updates if p.ours]
            if replaced:  # rows this import wrote earlier: their values leave the sums
                self.sums.add(self.columns, self._checksums(cursor, replaced), sign=-1)
            written = self._statements(cursor, batch, one_by_one)
            self._count(cursor, written)
        if self.mapping.duplicates == "last":  # only a later repeat asks whose row it is
            self.ours.update(digest(p.key) for p in written.inserts)
        if self.dry_run:
            self.connection.rollback()
            return
        self.undo.append(
            [p.key for p in written.inserts if not p.ours],
            [(p.key, before) for p, before in written.updates if not p.ours],
        )
        self.connection.commit()

    def _statements(self, cursor: Any, batch: Batch, one_by_one: bool) -> Batch:
        insert = sql.insert(self.target, self.columns)
        others = [c for c in self.columns if c not in self.mapping.key]
        update = sql.update(self.target, others, self.mapping.key)
        if not one_by_one:
            if batch.inserts:
                cursor.executemany(insert, [list(p.row.values()) for p in batch.inserts])
            if batch.updates and others:
                cursor.executemany(update, [_assigned(p, others) for p, _ in batch.updates])
            return batch
        written = Batch()
        for pending in batch.inserts:
            if self._guarded(cursor, insert, list(pending.row.values()), pending):
                written.inserts.append(pending)
        for pending, before in batch.updates:
            if not others or self._guarded(cursor, update, _assigned(pending, others), pending):
                written.updates.append((pending, before))
        return written

    def _guarded(self, cursor: Any, statement: str, values: list[Any], pending: Pending) -> bool:
        cursor.execute("SAVEPOINT deployer_row")
        try:
            cursor.execute(statement, values)
        except connection_errors(ValueError) as exc:
            cursor.execute("ROLLBACK TO SAVEPOINT deployer_row")
            self.reject(pending.line, "", "database_error", driver_message(exc), pending.text)
            return False
        return True

    def _count(self, cursor: Any, written: Batch) -> None:
        """Buckets and checksums of what the batch wrote, as the table holds it. A row that
        replaces one this import wrote (an update, or under --dry-run an insert again, the
        earlier batch having been rolled back) counts the earlier line as a repeat."""
        for pending in written.inserts:
            if pending.ours:
                self.tally.duplicates += 1
            else:
                self.tally.loaded += 1
        for pending, _ in written.updates:
            if pending.ours:
                self.tally.duplicates += 1  # the earlier line's row, now replaced
            else:
                self.tally.updated += 1
        rows = [*written.inserts, *(p for p, _ in written.updates)]
        if rows:
            self.sums.add(self.columns, self._checksums(cursor, rows))

    def _checksums(self, cursor: Any, rows: Sequence[Pending]) -> Sequence[Any]:
        statement = sql.checksums(self.target, self.columns, self.mapping.key, len(rows))
        cursor.execute(statement, [value for pending in rows for value in pending.key])
        return cursor.fetchone()  # type: ignore[no-any-return]


def _assigned(pending: Pending, others: list[str]) -> list[Any]:
    return [pending.row[c] for c in others] + list(pending.key)


def _same(before: dict[str, Any], row: Row) -> bool:
    return all(equal(before[name], value) for name, value in row.items())


def equal(stored: object, loaded: object) -> bool:
    """Whether the table's value is the one a row would load: 5 is 5.00 in a decimal column,
    True is 1 in a tinyint one, and a date is midnight in a datetime one."""
    if stored == loaded:
        return True
    if (
        isinstance(stored, datetime)
        and isinstance(loaded, date)
        and not isinstance(loaded, datetime)
    ):
        return stored == datetime.combine(loaded, time())
    return canonical(stored) == canonical(loaded)

"""Undoing an import: the rows it inserted deleted, the rows it updated given their
before-images back, newest first, from the import run's own records (its mapping as it was
then, and its undo log). A rollback of its own in the journal; running it twice is safe: a
deleted key is not there to delete again, and a before-image written twice is the same row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deployer.data import sql
from deployer.data.run import in_chunks, recorded_mapping
from deployer.data.table import row_count
from deployer.data.undo import UNDO, UndoLog
from deployer.journal import Journal, Run
from deployer.run.lifecycle import run_lifecycle
from deployer.spec.dataimport import DataImport

REPORT = "import-rollback.json"


@dataclass(frozen=True)
class ImportUndone:
    run: Run
    report: dict[str, Any]


def rollback_import(connection: Any, journal: Journal, spec: Path, undone: Run) -> ImportUndone:
    """Undo the import run ``undone`` over ``connection``, as a rollback run of ``journal``."""
    mapping = recorded_mapping(undone)
    run = journal.start("rollback", spec, undoes=undone.id, table=mapping.qualified_table)
    with run_lifecycle(run, journal.redact):
        target = sql.table_name(mapping.schema_, mapping.table)
        before = row_count(connection, target)
        deleted, restored = 0, 0
        # Newest first: a key updated twice gets its oldest image last.
        for chunk in in_chunks(UndoLog(undone.path / UNDO).newest_first()):
            counts = _undo_chunk(connection, mapping, target, chunk)
            deleted, restored = deleted + counts[0], restored + counts[1]
        report = {
            "table": mapping.qualified_table,
            "undoes": undone.id,
            "dry_run": bool(undone.meta().get("dry_run")),
            "deleted": deleted,
            "restored": restored,
            "count": {"before": before, "after": row_count(connection, target)},
        }
        run.record(REPORT, report)
    return ImportUndone(run, report)


def _undo_chunk(
    connection: Any, mapping: DataImport, target: str, chunk: list[dict[str, Any]]
) -> tuple[int, int]:
    """One transaction: the chunk's updates put back (in its order), its inserts deleted."""
    others = [c for c in mapping.columns if c not in mapping.key]
    inserted = [entry["inserted"] for entry in chunk if "inserted" in entry]
    updated = [entry for entry in chunk if "updated" in entry]
    deleted = 0
    put_back = sql.update(target, others, mapping.key)
    connection.begin()
    try:
        with connection.cursor() as cursor:
            # A table of key columns only has nothing to put back.
            put_back_rows = [
                [*(entry["before"][c] for c in others), *entry["updated"]] for entry in updated
            ]
            if others and put_back_rows:
                cursor.executemany(put_back, put_back_rows)
            if inserted:
                keys = [value for key in inserted for value in key]
                deleted = cursor.execute(sql.delete(target, mapping.key, len(inserted)), keys)
    except BaseException:
        connection.rollback()
        raise
    connection.commit()
    return int(deleted or 0), len(updated)

"""Undoing an import: the rows it inserted deleted, the rows it updated given their
before-images back, newest first, from the import run's own records (its mapping as it was
then, and its undo log). A rollback of its own in the journal; running it twice is safe: a
deleted key is not there to delete again, and a before-image written twice is the same row."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from deployer.data import sql
from deployer.data.run import MAPPING
from deployer.data.table import row_count
from deployer.data.undo import UNDO, UndoLog
from deployer.journal import Journal, Run
from deployer.run.lifecycle import run_lifecycle
from deployer.spec.dataimport import DataImport
from deployer.spec.loader import load_data_import

REPORT = "import-rollback.json"
CHUNK = 1000


@dataclass(frozen=True)
class ImportUndone:
    run: Run
    report: dict[str, Any]


def rollback_import(connection: Any, journal: Journal, spec: Any, undone: Run) -> ImportUndone:
    """Undo the import run ``undone`` over ``connection``, as a rollback run of ``journal``."""
    mapping = load_data_import(undone.path / MAPPING).mapping
    run = journal.start("rollback", spec, undoes=undone.id, table=_shown(mapping))
    with run_lifecycle(run, journal.redact):
        target = sql.table_name(mapping.schema_, mapping.table)
        before = row_count(connection, target)
        deleted, restored = 0, 0
        for chunk in _chunks(UndoLog(undone.path / UNDO).newest_first()):
            counts = _undo_chunk(connection, mapping, target, chunk)
            deleted, restored = deleted + counts[0], restored + counts[1]
        report = {
            "table": _shown(mapping),
            "undoes": undone.id,
            "dry_run": bool(undone.meta().get("dry_run")),
            "deleted": deleted,
            "restored": restored,
            "count": {"before": before, "after": row_count(connection, target)},
        }
        run.record(REPORT, report)
    return ImportUndone(run, report)


def _chunks(entries: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """The log newest first, in chunks: a key updated twice gets its oldest image last."""
    while chunk := list(itertools.islice(entries, CHUNK)):
        yield chunk


def _undo_chunk(
    connection: Any, mapping: DataImport, target: str, chunk: list[dict[str, Any]]
) -> tuple[int, int]:
    """One transaction: the chunk's updates put back (in its order), its inserts deleted."""
    others = [c for c in mapping.columns if c not in mapping.key]
    inserted = [entry["inserted"] for entry in chunk if "inserted" in entry]
    updated = [entry for entry in chunk if "updated" in entry]
    deleted = 0
    connection.begin()
    try:
        with connection.cursor() as cursor:
            for entry in updated:
                before = entry["before"]
                values = [before[c] for c in others] + list(entry["updated"])
                if others:
                    cursor.execute(sql.update(target, others, mapping.key), values)
            if inserted:
                keys = [value for key in inserted for value in key]
                deleted = cursor.execute(sql.delete(target, mapping.key, len(inserted)), keys)
    except BaseException:
        connection.rollback()
        raise
    connection.commit()
    return int(deleted or 0), len(updated)


def _shown(mapping: DataImport) -> str:
    return f"{mapping.schema_}.{mapping.table}"

"""``data verify``: does the table still hold what an import loaded?

The import kept, per column, a checksum over the rows it wrote as the table held them right
after each batch, and the key of each row in its undo log. Verify reads those rows again and
takes the same checksums: a row deleted, a value changed or truncated since shows as a column
whose checksum differs (or fewer rows). Read-only; recorded as a run of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deployer.data import sql
from deployer.data.load import digest
from deployer.data.run import REPORT, in_chunks, recorded_mapping
from deployer.data.tally import ColumnSums
from deployer.data.undo import UNDO, UndoLog
from deployer.errors import DeployerError, ExitCode
from deployer.journal import Journal, Run, RunStatus
from deployer.journal.runs import read_json
from deployer.run.lifecycle import run_lifecycle
from deployer.spec.dataimport import DataImport

VERIFIED = "verify.json"


class NothingToVerify(DeployerError):
    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Verified:
    run: Run
    report: dict[str, Any]

    @property
    def holds(self) -> bool:
        return bool(self.report["holds"])


def imports_of(journal: Journal, mapping: DataImport) -> list[Run]:
    """The committed imports into the mapping's table that no rollback undid, oldest first."""
    metas = [(run, run.meta()) for run in journal.runs()]  # each meta.json read once
    successful = [
        (run, meta) for run, meta in metas if meta.get("status") == RunStatus.SUCCESSFUL.value
    ]
    undone = {meta.get("undoes") for _, meta in successful if meta.get("kind") == "rollback"}
    return [
        run
        for run, meta in successful
        if meta.get("kind") == "import"
        and meta.get("table") == mapping.qualified_table
        and not meta.get("dry_run")
        and run.id not in undone
    ]


def chosen_import(journal: Journal, mapping: DataImport, run_id: str | None) -> Run:
    candidates = imports_of(journal, mapping)
    if run_id is not None:
        found = [r for r in candidates if r.id == run_id]
        if not found:
            raise NothingToVerify(f"run {run_id} is no committed import into {mapping.table}")
        return found[0]
    if not candidates:
        raise NothingToVerify(
            f"no committed import into {mapping.qualified_table} in {journal.root}"
        )
    return candidates[-1]


def verify_import(connection: Any, journal: Journal, spec: Path, imported: Run) -> Verified:
    loaded = read_json(imported.path / REPORT)
    mapping = recorded_mapping(imported)
    columns = list(loaded["checksums"]["columns"])
    run = journal.start("verify", spec, verifies=imported.id, table=mapping.qualified_table)
    with run_lifecycle(run, journal.redact):
        sums = ColumnSums()
        target = sql.table_name(mapping.schema_, mapping.table)
        for chunk in in_chunks(_loaded_keys(imported)):
            with connection.cursor() as cursor:
                statement = sql.checksums(target, columns, mapping.key, len(chunk))
                cursor.execute(statement, [value for k in chunk for value in k])
                sums.add(columns, cursor.fetchone())
        expected, found = loaded["checksums"], sums.as_json()
        differs = sorted(c for c in columns if expected["columns"][c] != found["columns"].get(c))
        report = {
            "verifies": imported.id,
            "table": mapping.qualified_table,
            "rows": {"loaded": expected["rows"], "found": found["rows"]},
            "columns_differing": differs,
            "holds": not differs and expected["rows"] == found["rows"],
        }
        run.record(VERIFIED, report)
    return Verified(run, report)


def _loaded_keys(imported: Run) -> Iterator[list[Any]]:
    """Each key the import wrote, once."""
    seen: set[bytes] = set()
    for entry in UndoLog(imported.path / UNDO).entries():
        key: list[Any] = entry["inserted"] if "inserted" in entry else entry["updated"]
        found = digest(key)
        if found not in seen:
            seen.add(found)
            yield key

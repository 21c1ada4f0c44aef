"""``data verify``: does the table still hold what an import loaded?

The import kept, per column, a checksum over the rows it wrote as the table held them right
after each batch, and the key of each row in its undo log. Verify reads those rows again and
takes the same checksums: a row deleted, a value changed or truncated since shows as a column
whose checksum differs (or fewer rows). Read-only; recorded as a run of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deployer.data import sql
from deployer.data.load import digest
from deployer.data.run import MAPPING, REPORT
from deployer.data.tally import ColumnSums
from deployer.data.undo import UNDO, UndoLog
from deployer.errors import DeployerError, ExitCode
from deployer.journal import Journal, Run, RunStatus
from deployer.journal.runs import read_json
from deployer.run.lifecycle import run_lifecycle
from deployer.spec.dataimport import DataImport
from deployer.spec.loader import load_data_import

VERIFIED = "verify.json"
CHUNK = 1000


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
    table = f"{mapping.schema_}.{mapping.table}"
    runs = journal.runs()
    undone = {
        r.meta().get("undoes")
        for r in runs
        if r.meta().get("kind") == "rollback" and r.meta().get("status") == "successful"
    }
    return [
        r
        for r in runs
        if r.meta().get("kind") == "import"
        and r.meta().get("table") == table
        and r.meta().get("status") == RunStatus.SUCCESSFUL.value
        and not r.meta().get("dry_run")
        and r.id not in undone
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
            f"no committed import into {mapping.schema_}.{mapping.table} in {journal.root}"
        )
    return candidates[-1]


def verify_import(connection: Any, journal: Journal, spec: Path, imported: Run) -> Verified:
    loaded = read_json(imported.path / REPORT)
    mapping_table = str(imported.meta().get("table"))
    schema, table = mapping_table.split(".", 1)
    columns = list(loaded["checksums"]["columns"])
    run = journal.start("verify", spec, verifies=imported.id, table=mapping_table)
    with run_lifecycle(run, journal.redact):
        key = _key_columns(imported)
        sums = ColumnSums()
        target = sql.table_name(schema, table)
        for chunk in _chunks(_loaded_keys(imported)):
            with connection.cursor() as cursor:
                statement = sql.checksums(target, columns, key, len(chunk))
                cursor.execute(statement, [value for k in chunk for value in k])
                sums.add(columns, cursor.fetchone())
        expected, found = loaded["checksums"], sums.as_json()
        differs = sorted(c for c in columns if expected["columns"][c] != found["columns"].get(c))
        report = {
            "verifies": imported.id,
            "table": mapping_table,
            "rows": {"loaded": expected["rows"], "found": found["rows"]},
            "columns_differing": differs,
            "holds": not differs and expected["rows"] == found["rows"],
        }
        run.record(VERIFIED, report)
    return Verified(run, report)


def _key_columns(imported: Run) -> list[str]:
    return list(load_data_import(imported.path / MAPPING).mapping.key)


def _loaded_keys(imported: Run) -> Iterator[list[Any]]:
    """Each key the import wrote, once."""
    seen: set[bytes] = set()
    for entry in UndoLog(imported.path / UNDO).entries():
        key: list[Any] = entry["inserted"] if "inserted" in entry else entry["updated"]
        found = digest(key)
        if found not in seen:
            seen.add(found)
            yield key


def _chunks(keys: Iterator[list[Any]]) -> Iterator[list[list[Any]]]:
    while chunk := list(itertools.islice(keys, CHUNK)):
        yield chunk

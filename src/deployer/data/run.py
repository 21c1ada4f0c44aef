"""``data import`` as a run: the mapping checked against the spec, the source's header and the
table before anything is recorded or written (a misfit is exit 3 and touches nothing), then
the source streamed into the table in the journal, with its rejects, undo log and balance."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deployer.data import sql
from deployer.data.convert import Fault
from deployer.data.load import TableLoader
from deployer.data.shape import Shaper, fitted
from deployer.data.source import SourceRow, SourceUnreadable, source_rows
from deployer.data.table import TableColumn, read_table
from deployer.data.tally import Rejects
from deployer.data.undo import UNDO, UndoLog
from deployer.journal import Journal, Run
from deployer.run.context import RunContext
from deployer.run.lifecycle import run_lifecycle
from deployer.spec.loader import LoadedImport
from deployer.spec.problems import SpecError

REJECTS = "rejects.csv"
REPORT = "import.json"
MAPPING = "mapping.yml"


@dataclass(frozen=True)
class ImportOutcome:
    run: Run
    report: dict[str, Any]


def run_import(context: RunContext, loaded: LoadedImport, *, dry_run: bool) -> ImportOutcome:
    """Import ``loaded``'s source into its table in the spec's database; the mapping's
    problems raise SpecError before the run starts."""
    _refuse_unknown_schema(context, loaded)
    with context.database.session() as connection:
        return import_into(
            connection, context.journal, context.loaded.path, loaded, dry_run=dry_run
        )


def import_into(
    connection: Any, journal: Journal, spec: Path, loaded: LoadedImport, *, dry_run: bool
) -> ImportOutcome:
    """The import over ``connection``, as a run of ``journal`` once the source's header, the
    table and the references fit the mapping."""
    rows = _opened(loaded)
    header = next(rows, None) if loaded.mapping.source.header else None
    if loaded.mapping.source.header and (header is None or header.cells is None):
        raise _source_problem(loaded, "has no readable header line")
    table = _table(connection, loaded)
    shaper = fitted(loaded, header.cells if header is not None else None, table)
    _refuse_missing_references(connection, loaded)
    run = journal.start(
        "import",
        spec,
        mapping=str(loaded.path),
        table=f"{loaded.mapping.schema_}.{loaded.mapping.table}",
        dry_run=dry_run,
    )
    with run_lifecycle(run, journal.redact):
        run.record(MAPPING, loaded.path.read_text(encoding="utf-8"))
        report = _load(connection, loaded, shaper, rows, run, dry_run=dry_run)
        run.record(REPORT, report)
    return ImportOutcome(run, report)


def _load(
    connection: Any,
    loaded: LoadedImport,
    shaper: Shaper,
    rows: Iterator[SourceRow],
    run: Run,
    *,
    dry_run: bool,
) -> dict[str, Any]:
    target = sql.table_name(loaded.mapping.schema_, loaded.mapping.table)
    before = _count(connection, target)
    rejects = Rejects(run.path / REJECTS, run.redact)
    try:
        loader = TableLoader(
            connection, loaded.mapping, rejects, UndoLog(run.path / UNDO), dry_run=dry_run
        )
        for row in rows:
            loader.tally.read += 1
            _one(loader, shaper, row)
        loader.flush()
    finally:
        rejects.close()
    after = _count(connection, target)
    tally = loader.tally
    expected = before + (0 if dry_run else tally.loaded)
    return {
        "table": f"{loaded.mapping.schema_}.{loaded.mapping.table}",
        "source": str(loaded.source_path),
        "dry_run": dry_run,
        **tally.as_json(),
        "balanced": tally.balanced,
        "count": {
            "before": before,
            "after": after,
            "expected": expected,
            "holds": after == expected,
        },
        "checksums": loader.sums.as_json(),
    }


def _one(loader: TableLoader, shaper: Shaper, row: SourceRow) -> None:
    if row.cells is None:
        message = "the line does not decode as the declared encoding"
        loader.reject(row.line, "", "undecodable", message, row.raw.hex())
        return
    if not row.cells and row.raw:
        loader.reject(row.line, "", "malformed", row.raw.decode(), row.text)
        return
    try:
        shaped = shaper(row)
    except Fault as fault:
        loader.reject(row.line, fault.column, fault.reason, fault.message, row.text)
        return
    loader.feed(row.line, row.text, shaped)


def _count(connection: Any, target: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql.count_rows(target))
        (count,) = cursor.fetchone()
    return int(count)


def _opened(loaded: LoadedImport) -> Iterator[SourceRow]:
    """The source's rows, its first row already read (a file that cannot be opened is the
    mapping's problem, before anything starts)."""
    if not loaded.source_path.is_file():
        raise _source_problem(loaded, f"no such file: {loaded.source_path}")
    rows = source_rows(loaded.source_path, loaded.mapping.source)
    try:
        first = next(rows, None)
    except SourceUnreadable as exc:
        raise _source_problem(loaded, str(exc)) from None
    return rows if first is None else itertools.chain([first], rows)


def _source_problem(loaded: LoadedImport, message: str) -> SpecError:
    return SpecError(
        [loaded.doc.problem(("source", "file"), f"{loaded.mapping.source.file}: {message}")]
    )


def _refuse_unknown_schema(context: RunContext, loaded: LoadedImport) -> None:
    database = context.loaded.env.database
    names = [schema.name for schema in database.schemas] if database is not None else []
    if loaded.mapping.schema_ in names:
        return
    if database is None:
        message = f"the spec {context.loaded.path} has no database"
    else:
        message = (
            f"'{loaded.mapping.schema_}' is not a schema of the spec (it has: {', '.join(names)})"
        )
    if database is not None and database.engine == "oracle":
        message = "imports into Oracle are not supported yet"
    raise SpecError([loaded.doc.problem(("schema",), message)])


def _table(connection: Any, loaded: LoadedImport) -> dict[str, TableColumn]:
    mapping = loaded.mapping
    with connection.cursor() as cursor:
        table = read_table(cursor, mapping.schema_, mapping.table)
    if not table:
        message = (
            f"no table {mapping.table} in schema {mapping.schema_}; the product's migrations "
            "create it (deployer apply)"
        )
        raise SpecError([loaded.doc.problem(("table",), message)])
    return table


def _refuse_missing_references(connection: Any, loaded: LoadedImport) -> None:
    problems = []
    for column, (table, wanted) in loaded.mapping.references.items():
        with connection.cursor() as cursor:
            columns = read_table(cursor, loaded.mapping.schema_, table)
        if wanted.lower() not in columns:
            where = f"{loaded.mapping.schema_}.{table}"
            message = f"{where} has no column {wanted}" if columns else f"no table {where}"
            problems.append(loaded.doc.problem(("columns", column, "references"), message))
    if problems:
        raise SpecError(problems)

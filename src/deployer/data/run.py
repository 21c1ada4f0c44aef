"""``data import`` as a run: the mapping checked against the spec, the source's header and the
table before anything is recorded or written (a misfit is exit 3 and touches nothing), then
the source streamed into the table in the journal, with its rejects, undo log and balance."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from deployer.data import sql
from deployer.data.convert import Fault
from deployer.data.legacy import QueryRefused, query_rows
from deployer.data.load import TableLoader
from deployer.data.shape import Shaper, fitted
from deployer.data.source import SourceRow, SourceUnreadable, guessed_encoding, source_rows
from deployer.data.table import TableColumn, read_table, row_count
from deployer.data.tally import Rejects, Tally
from deployer.data.undo import UNDO, UndoLog
from deployer.journal import Journal, Run, records
from deployer.run.context import RunContext
from deployer.run.lifecycle import run_lifecycle
from deployer.spec.dataimport import DataImport, FileSource, QuerySource
from deployer.spec.loader import LoadedImport, load_data_import
from deployer.spec.problems import SpecError
from deployer.transport.hosts import SshHosts
from deployer.transport.ssh import SshTarget

Item = TypeVar("Item")
#: Told how far an import has come, every PROGRESS_EVERY lines read.
Progress = Callable[[Tally], None]
PROGRESS_EVERY = 10_000
#: Bytes of undecodable lines given to the encoding guess.
SAMPLE_BYTES = 64 * 1024
REJECTS = "rejects.csv"
REPORT = records.IMPORT_REPORT
MAPPING = "mapping.yml"
#: Keys per statement when an import's rows are looked up again (verify, rollback).
CHUNK = 1000


@dataclass(frozen=True)
class ImportOutcome:
    run: Run
    report: dict[str, Any]


def run_import(
    context: RunContext, loaded: LoadedImport, *, dry_run: bool, progress: Progress | None = None
) -> ImportOutcome:
    """Import ``loaded``'s source into its table in the spec's database; the mapping's
    problems raise SpecError before the run starts."""
    _refuse_unknown_schema(context, loaded)
    with opened_source(context, loaded) as rows, context.database.session() as connection:
        spec = context.loaded.path
        return import_into(
            connection, context.journal, spec, loaded, rows, dry_run=dry_run, progress=progress
        )


@contextmanager
def opened_source(context: RunContext, loaded: LoadedImport) -> Iterator[Iterator[SourceRow]]:
    """The source's rows, its header first when it has one: a file, or a legacy query."""
    source = loaded.mapping.source
    if isinstance(source, FileSource):
        yield file_rows(loaded)
        return
    via = _via(context, loaded, source)
    assert isinstance(context.hosts, SshHosts)
    keep = context.journal.redact.add
    base = loaded.path.parent
    try:
        with query_rows(source, base, via, context.hosts.options, keep) as rows:
            yield rows
    except QueryRefused as exc:
        raise SpecError([loaded.doc.problem(("source", "query"), f"refused: {exc}")]) from None


def _via(context: RunContext, loaded: LoadedImport, source: QuerySource) -> SshTarget | None:
    name = source.database.via
    if name is None:
        return None
    target = {t.name: t for t in context.targets}.get(name)
    if target is None:
        names = ", ".join(t.name for t in context.targets)
        message = f"'{name}' is not a host of the spec (it has: {names})"
        raise SpecError([loaded.doc.problem(("source", "database", "via"), message)])
    return target


def import_into(
    connection: Any,
    journal: Journal,
    spec: Path,
    loaded: LoadedImport,
    rows: Iterator[SourceRow],
    *,
    dry_run: bool,
    progress: Progress | None = None,
) -> ImportOutcome:
    """The import of ``rows`` over ``connection``, as a run of ``journal`` once the source's
    header, the table and the references fit the mapping."""
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
        table=loaded.mapping.qualified_table,
        dry_run=dry_run,
    )
    with run_lifecycle(run, journal.redact):
        run.record(MAPPING, loaded.path.read_text(encoding="utf-8"))
        report = _load(connection, loaded, shaper, rows, run, dry_run=dry_run, progress=progress)
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
    progress: Progress | None,
) -> dict[str, Any]:
    target = sql.table_name(loaded.mapping.schema_, loaded.mapping.table)
    before = row_count(connection, target)
    rejects = Rejects(run.path / REJECTS, run.redact)
    try:
        loader = TableLoader(
            connection, loaded.mapping, rejects, UndoLog(run.path / UNDO), dry_run=dry_run
        )
        undecoded = bytearray()
        for row in rows:
            loader.tally.read += 1
            if row.cells is None and len(undecoded) < SAMPLE_BYTES:
                undecoded += row.raw + b"\n"
            _one(loader, shaper, row)
            if progress is not None and loader.tally.read % PROGRESS_EVERY == 0:
                progress(loader.tally)
        loader.flush()
    finally:
        rejects.close()
    after = row_count(connection, target)
    tally = loader.tally
    expected = before + (0 if dry_run else tally.loaded)
    return {
        "table": loaded.mapping.qualified_table,
        "source": loaded.source_shown,
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
        "undecodable_look_like": guessed_encoding(bytes(undecoded)) if undecoded else None,
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


def recorded_mapping(imported: Run) -> DataImport:
    """The mapping an import ran with, as its run recorded it (the file may have changed)."""
    return load_data_import(imported.path / MAPPING).mapping


def in_chunks(items: Iterator[Item]) -> Iterator[list[Item]]:
    """``items`` in lists of at most CHUNK, read as they are needed."""
    while chunk := list(itertools.islice(items, CHUNK)):
        yield chunk


def file_rows(loaded: LoadedImport) -> Iterator[SourceRow]:
    """The file's rows, its first row already read (a file that cannot be opened is the
    mapping's problem, before anything starts)."""
    path, source = loaded.source_path, loaded.mapping.source
    assert path is not None and isinstance(source, FileSource)
    if not path.is_file():
        raise _source_problem(loaded, f"no such file: {path}")
    rows = source_rows(path, source)
    try:
        first = next(rows, None)
    except SourceUnreadable as exc:
        raise _source_problem(loaded, str(exc)) from None
    return rows if first is None else itertools.chain([first], rows)


def _source_problem(loaded: LoadedImport, message: str) -> SpecError:
    source = loaded.mapping.source
    if isinstance(source, FileSource):
        return SpecError([loaded.doc.problem(("source", "file"), f"{source.file}: {message}")])
    return SpecError([loaded.doc.problem(("source", "query"), message)])


def _refuse_unknown_schema(context: RunContext, loaded: LoadedImport) -> None:
    database = context.loaded.env.database
    names = [schema.name for schema in database.schemas] if database is not None else []
    if database is None:
        message = f"the spec {context.loaded.path} has no database"
    elif database.engine == "oracle":  # whatever the schema: no Oracle session exists yet
        message = "imports into Oracle are not supported yet"
    elif loaded.mapping.schema_ in names:
        return
    else:
        message = (
            f"'{loaded.mapping.schema_}' is not a schema of the spec (it has: {', '.join(names)})"
        )
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

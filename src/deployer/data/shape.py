"""From a source row to the table's row: the mapping fitted to the file's header and the
table's columns once, before the first row (a misfit is the mapping's problem, located in it,
exit 3), then applied row by row. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from deployer.data.convert import Converter, Fault, Value
from deployer.data.source import Cell, SourceRow
from deployer.data.table import TableColumn, misfit
from deployer.spec.dataimport import constant
from deployer.spec.loader import LoadedImport
from deployer.spec.problems import Problem, SpecError

Row = dict[str, Value]


@dataclass(frozen=True)
class Shaper:
    """Each column's converter and where its cell is (None: a constant)."""

    converters: tuple[Converter, ...]
    positions: tuple[int | None, ...]
    constants: tuple[str | None, ...]
    width: int  # cells a row has when it is whole

    def __call__(self, row: SourceRow) -> Row:
        cells = row.cells or ()
        if any(p is not None and p >= len(cells) for p in self.positions):
            raise Fault("", "malformed", f"{len(cells)} fields, {self.width} expected")
        shaped: Row = {}
        for convert, position, fixed in zip(
            self.converters, self.positions, self.constants, strict=True
        ):
            cell: Cell = fixed if position is None else cells[position]
            shaped[convert.name] = convert(cell)
        return shaped


def fitted(
    loaded: LoadedImport, header: tuple[Cell, ...] | None, table: dict[str, TableColumn]
) -> Shaper:
    """The mapping fitted to ``header`` (None: the file has none, ``from`` are numbers) and to
    the table's columns; every misfit at once, located in the mapping file."""
    mapping, doc = loaded.mapping, loaded.doc
    problems: list[Problem] = []
    names = [("" if h is None else str(h).strip()) for h in header] if header is not None else None
    converters, positions, constants = [], [], []
    for name, column in mapping.columns.items():
        found = table.get(name.lower())
        if found is None:
            message = f"the table {mapping.qualified_table} has no column {name}"
            problems.append(doc.problem(("columns", name), message, key=True))
            continue
        why = misfit(column.type, found)
        if why is not None:
            problems.append(doc.problem(("columns", name, "type"), why))
        position = None
        if column.from_ is not None:
            position = _position(column.from_, names)
            if position is None:
                problems.append(
                    doc.problem(("columns", name, "from"), _not_found(column.from_, names))
                )
        converters.append(Converter(name, column, found, frozenset(mapping.source.null_values)))
        positions.append(position)
        constants.append(constant(column.value))
    if not any(name.lower() not in table for name in mapping.columns):
        # A misspelt column also leaves the right one unmapped: one complaint, not two.
        problems += _unfilled(loaded, table)
    if problems:
        raise SpecError(problems)
    width = len(names) if names is not None else 1 + max((p or 0) for p in positions)
    return Shaper(tuple(converters), tuple(positions), tuple(constants), width)


def _position(wanted: str, names: list[str] | None) -> int | None:
    if names is None:
        return int(wanted) - 1 if wanted.isdigit() and int(wanted) > 0 else None
    return names.index(wanted) if wanted in names else None


def _not_found(wanted: str, names: list[str] | None) -> str:
    if names is None:
        return f"'{wanted}': the file has no header (header: false), so give a column number from 1"
    listed = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"no column '{wanted}' in the file's header (it has: {listed})"


def _unfilled(loaded: LoadedImport, table: dict[str, TableColumn]) -> list[Problem]:
    """Columns the table needs a value for that the mapping does not give."""
    mapped = {name.lower() for name in loaded.mapping.columns}
    missing = [
        c.name for c in table.values() if c.name.lower() not in mapped and not c.fills_itself
    ]
    if not missing:
        return []
    message = f"the table's column {', '.join(missing)} is NOT NULL without a default: map it"
    return [loaded.doc.problem(("columns",), message, key=True)]

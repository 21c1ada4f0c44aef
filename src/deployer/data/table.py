"""The target table as the database has it: its columns' real types, read once per import,
and how a mapping must fit them. Pure but for ``read_table``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deployer.data.sql import count_rows

#: Integer column types and their signed ranges (unsigned: 0 .. 2 * high + 1).
INTEGER_RANGES = {
    "tinyint": 127,
    "smallint": 32767,
    "mediumint": 8388607,
    "int": 2147483647,
    "integer": 2147483647,
    "bigint": 9223372036854775807,
}
DECIMAL_TYPES = ("decimal", "numeric")
FLOAT_TYPES = ("float", "double", "real")
TEXT_TYPES = ("char", "varchar", "tinytext", "text", "mediumtext", "longtext")
DATE_TYPES = ("date",)
DATETIME_TYPES = ("datetime", "timestamp")

#: Which mapping types may go into which column types.
_FITS = {
    "integer": (*INTEGER_RANGES, *DECIMAL_TYPES, *FLOAT_TYPES, *TEXT_TYPES, "bit"),
    "decimal": (*DECIMAL_TYPES, *FLOAT_TYPES, *TEXT_TYPES),
    "boolean": (*INTEGER_RANGES, "bit", *TEXT_TYPES),
    "date": (*DATE_TYPES, *DATETIME_TYPES, *TEXT_TYPES),
    "datetime": (*DATETIME_TYPES, *TEXT_TYPES),
    "string": (*TEXT_TYPES, "enum", "set", "json"),
}


@dataclass(frozen=True)
class TableColumn:
    """One column as information_schema describes it."""

    name: str
    data_type: str
    nullable: bool
    char_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    unsigned: bool = False
    auto_increment: bool = False
    has_default: bool = False

    @property
    def integer_range(self) -> tuple[int, int] | None:
        high = INTEGER_RANGES.get(self.data_type)
        if high is None:
            return None
        return (0, 2 * high + 1) if self.unsigned else (-high - 1, high)

    @property
    def fills_itself(self) -> bool:
        """A column an INSERT may leave out."""
        return self.nullable or self.auto_increment or self.has_default


COLUMNS_QUERY = (
    "SELECT column_name, data_type, is_nullable, character_maximum_length, numeric_precision, "
    "numeric_scale, column_type, extra, column_default FROM information_schema.columns "
    "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position"
)


def read_table(cursor: Any, schema: str, table: str) -> dict[str, TableColumn]:
    """The table's columns by name; empty when there is no such table."""
    cursor.execute(COLUMNS_QUERY, (schema, table))
    return {str(row[0]).lower(): column_from(row) for row in cursor.fetchall()}


def row_count(connection: Any, target: str) -> int:
    """``COUNT(*)`` of ``target`` (a quoted table name)."""
    with connection.cursor() as cursor:
        cursor.execute(count_rows(target))
        (count,) = cursor.fetchone()
    return int(count)


def column_from(row: tuple[Any, ...]) -> TableColumn:
    name, data_type, nullable, length, precision, scale, column_type, extra, default = row
    return TableColumn(
        name=str(name),
        data_type=str(data_type).lower(),
        nullable=str(nullable).upper() == "YES",
        char_length=int(length) if length is not None else None,
        precision=int(precision) if precision is not None else None,
        scale=int(scale) if scale is not None else None,
        unsigned="unsigned" in str(column_type).lower(),
        auto_increment="auto_increment" in str(extra).lower(),
        # MariaDB shows "NULL" as the default of a nullable column without one.
        has_default=default is not None and str(default).upper() != "NULL",
    )


def misfit(mapping_type: str, column: TableColumn) -> str | None:
    """Why a value of ``mapping_type`` cannot go into ``column``, or None when it can."""
    if mapping_type == "enum":
        return None  # enum maps to whatever values it names
    if column.data_type in _FITS.get(mapping_type, ()):
        return None
    return f"type {mapping_type} does not fit the table's column {column.name} ({column.data_type})"

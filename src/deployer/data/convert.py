"""One cell to one database value, as the mapping and the table's real column say; a value
that does not fit is a ``Fault`` with a reason code, never a silent change. Pure."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from deployer.data.source import Cell
from deployer.data.table import TableColumn
from deployer.spec.dataimport import ColumnMapping

Value = str | int | Decimal | date | datetime | bool | None

DATE_FORMATS = ("%Y-%m-%d",)
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")


class Fault(Exception):
    """Why one row cannot load: the column, a reason code and a message for people."""

    def __init__(self, column: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Converter:
    """Turns one source cell into the value of ``name`` in the table."""

    name: str
    mapping: ColumnMapping
    column: TableColumn
    nulls: frozenset[str]

    @property
    def required(self) -> bool:
        return self.mapping.required or not self.column.nullable

    def __call__(self, cell: Cell) -> Value:
        if isinstance(cell, str):
            if self.mapping.trim:
                cell = cell.strip()
            if cell in self.nulls:
                cell = None
        if cell is None:
            if self.required:
                why = "required" if self.mapping.required else "NOT NULL in the table"
                raise Fault(self.name, "missing_required", f"no value, and {self.name} is {why}")
            return None
        return _BY_TYPE[self.mapping.type](self, cell)

    def fault(self, reason: str, message: str) -> Fault:
        return Fault(self.name, reason, message)


def _text(convert: Converter, cell: Cell) -> Value:
    text = _as_text(cell)
    limits = [n for n in (convert.mapping.max_length, convert.column.char_length) if n]
    if limits and len(text) > min(limits):
        raise convert.fault("too_long", f"{len(text)} characters, at most {min(limits)} fit")
    return text


def _integer(convert: Converter, cell: Cell) -> Value:
    if isinstance(cell, bool | date | time):
        raise convert.fault("bad_type", f"{_as_text(cell)!r} is not a whole number")
    if isinstance(cell, float) and cell.is_integer():
        number = int(cell)
    elif isinstance(cell, int):
        number = cell
    elif isinstance(cell, Decimal) and cell.is_finite() and cell == cell.to_integral_value():
        number = int(cell)
    elif isinstance(cell, str) and _INTEGER.match(cell.strip()):
        number = int(cell.strip())
    else:
        raise convert.fault("bad_type", f"{_as_text(cell)!r} is not a whole number")
    bounds = convert.column.integer_range
    if bounds is not None and not bounds[0] <= number <= bounds[1]:
        raise convert.fault("bad_type", f"{number} is outside {convert.column.data_type}'s range")
    return number


def _decimal(convert: Converter, cell: Cell) -> Value:
    try:
        number = Decimal(_as_text(cell).strip().replace(",", ""))
    except InvalidOperation:
        number = Decimal("NaN")
    if isinstance(cell, bool) or not number.is_finite():
        raise convert.fault("bad_type", f"{_as_text(cell)!r} is not a number")
    scale = convert.mapping.scale if convert.mapping.scale is not None else convert.column.scale
    precision = convert.mapping.precision or convert.column.precision
    if scale is not None:
        try:
            rounded = number.quantize(Decimal(1).scaleb(-scale))
        except InvalidOperation:
            rounded = Decimal("NaN")
        if rounded != number:
            raise convert.fault("bad_type", f"{number} has more than {scale} decimals")
        number = rounded
    if precision is not None and len(number.as_tuple().digits) > precision:
        raise convert.fault("bad_type", f"{number} has more than {precision} digits")
    return number


def _date(convert: Converter, cell: Cell) -> Value:
    if isinstance(cell, datetime):
        if cell.time() != time():
            raise convert.fault("bad_type", f"{cell} has a time of day; a date was expected")
        return cell.date()
    if isinstance(cell, date):
        return cell
    return _parsed(convert, _as_text(cell), convert.mapping.formats or DATE_FORMATS).date()


def _datetime(convert: Converter, cell: Cell) -> Value:
    if isinstance(cell, datetime):
        return cell
    if isinstance(cell, date):
        return datetime.combine(cell, time())
    return _parsed(convert, _as_text(cell), convert.mapping.formats or DATETIME_FORMATS)


def _parsed(convert: Converter, text: str, formats: list[str] | tuple[str, ...]) -> datetime:
    text = text.strip()
    for pattern in formats:
        try:
            return _reader(pattern)(text)
        except ValueError:
            continue
    raise convert.fault("bad_type", f"{text!r} matches none of the formats {', '.join(formats)}")


#: The directives a format may use to be read by a regular expression instead of strptime
#: (ten times faster, and formats are mostly these); any other is left to strptime.
_FIELDS = {"Y": r"(?P<Y>\d{4})", "m": r"(?P<m>\d{1,2})", "d": r"(?P<d>\d{1,2})"}
_FIELDS |= {"H": r"(?P<H>\d{1,2})", "M": r"(?P<M>\d{1,2})", "S": r"(?P<S>\d{1,2})"}


@functools.lru_cache(maxsize=64)
def _reader(pattern: str) -> Callable[[str], datetime]:
    """What reads ``pattern``: a regular expression when it uses only %Y %m %d %H %M %S and
    plain text (each directive at most once), else strptime. Both refuse the same texts:
    out-of-range fields raise ValueError from datetime itself."""
    parts = re.split(r"(%.)", pattern)
    directives = [p[1] for p in parts if p.startswith("%")]
    if any(d not in _FIELDS for d in directives) or len(set(directives)) != len(directives):
        return lambda text: datetime.strptime(text, pattern)
    expression = re.compile(
        "".join(_FIELDS[p[1]] if p.startswith("%") else re.escape(p) for p in parts) + r"\Z"
    )

    def read(text: str) -> datetime:
        found = expression.match(text)
        if found is None:
            raise ValueError(f"{text!r} does not match {pattern!r}")
        fields = {k: int(v) for k, v in found.groupdict().items()}
        return datetime(
            fields.get("Y", 1900),
            fields.get("m", 1),
            fields.get("d", 1),
            fields.get("H", 0),
            fields.get("M", 0),
            fields.get("S", 0),
        )

    return read


def _boolean(convert: Converter, cell: Cell) -> Value:
    if isinstance(cell, bool):
        return cell
    text = _as_text(cell).strip()
    if text in convert.mapping.truths:
        return True
    if text in convert.mapping.falsehoods:
        return False
    raise convert.fault("bad_type", f"{text!r} is neither yes ({convert.mapping.truths[0]}) nor no")


def _enum(convert: Converter, cell: Cell) -> Value:
    values = convert.mapping.values or {}
    text = _as_text(cell).strip()
    if text not in values:
        shown = ", ".join(list(values)[:8])
        raise convert.fault("bad_type", f"{text!r} is not one of the mapped values ({shown})")
    stored = values[text]
    return str(stored) if isinstance(stored, float) else stored


def _as_text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    return "" if cell is None else str(cell)


_BY_TYPE = {
    "string": _text,
    "integer": _integer,
    "decimal": _decimal,
    "date": _date,
    "datetime": _datetime,
    "boolean": _boolean,
    "enum": _enum,
}


def canonical(value: object) -> str:
    """The text a checksum takes of a value, the same whether the value was loaded or read
    back from the table (booleans are stored as 0/1, decimals at the column's scale)."""
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return str(value)

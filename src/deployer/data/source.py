"""Reading a legacy export as a stream of rows, each with the line it came from.

Text files are decoded strictly, line by line, with the declared encoding: a line that does
not decode is set aside whole (its bytes kept, shown in hex) and the lines around it still load.
GBK and GB2312 are read as GB18030, their superset, which decodes every GBK byte the same way
and also the characters GBK lacks. Memory stays flat whatever the file's size.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO

from deployer.spec.dataimport import FileSource

#: What a cell holds: text from a text file, or a typed value from a workbook.
Cell = str | int | float | Decimal | bool | date | datetime | time | None

_TYPED = (str, int, float, Decimal, bool, date, datetime, time)

#: A record may span lines (a quoted field with line breaks); one spanning more is taken for
#: a quote never closed.
MAX_RECORD_LINES = 20

#: Declared encodings read as a superset that decodes the same bytes the same way.
SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "ascii": "utf-8"}


@dataclass(frozen=True)
class SourceRow:
    """One record of the source: its first line's number, its text as read, and its cells (None
    when the line could not be decoded: ``raw`` then holds its bytes)."""

    line: int
    text: str
    cells: tuple[Cell, ...] | None
    raw: bytes = b""


class SourceUnreadable(Exception):
    """The source as a whole cannot be read (missing, not a workbook, bad header)."""


def reading_encoding(declared: str) -> str:
    """The codec a declared encoding is read with (its superset where one exists)."""
    name = codecs.lookup(declared).name
    return SUPERSETS.get(name, name)


class _DecodedLines:
    """The file's lines, decoded one by one; lines that do not decode are kept aside with their
    numbers for the reader to report, and skipped from the text the CSV parser sees."""

    def __init__(self, handle: IO[bytes], encoding: str) -> None:
        self.handle = handle
        self.encoding = encoding
        self.number = 0
        self.undecodable: list[tuple[int, bytes]] = []
        self.consumed: list[tuple[int, str]] = []
        self.again: list[tuple[int, str]] = []  # lines to read again, the next one last

    def __iter__(self) -> Iterator[str]:
        return self

    def read_again(self, lines: list[tuple[int, str]]) -> None:
        self.again.extend(reversed(lines))

    def __next__(self) -> str:
        if self.again:
            self.consumed.append(self.again.pop())
            return self.consumed[-1][1]
        while True:
            raw = self.handle.readline()
            if not raw:
                raise StopIteration
            self.number += 1
            if self.number == 1 and raw.startswith(codecs.BOM_UTF8) and self.encoding == "utf-8":
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                text = raw.decode(self.encoding)
            except UnicodeDecodeError:
                self.undecodable.append((self.number, raw))
                continue
            self.consumed.append((self.number, text))
            return text


def text_rows(path: Path, source: FileSource) -> Iterator[SourceRow]:
    """The records of a CSV/TSV file (the header too, when it has one, as line 1's row)."""
    assert source.encoding is not None  # the model requires it for text files
    encoding = reading_encoding(source.encoding)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SourceUnreadable(f"cannot be read: {exc.strerror or exc}") from None
    with handle:
        lines = _DecodedLines(handle, encoding)
        reader = _reader(lines, source)
        while True:
            lines.consumed.clear()
            try:
                cells = next(reader)
                if len(lines.consumed) > MAX_RECORD_LINES:
                    raise csv.Error(f"a quoted field runs over more than {MAX_RECORD_LINES} lines")
            except StopIteration:
                break
            except csv.Error as exc:
                # Bad quoting (a quote never closed, text after a closing one) costs its first
                # line: the lines read with it are read again as records of their own.
                yield from _undecodable(lines)
                yield _broken_row(lines, str(exc))
                lines.read_again(lines.consumed[1:])
                reader = _reader(lines, source)
                continue
            yield from _undecodable(lines)
            if not cells and not lines.consumed[-1][1].strip():
                continue  # a blank line is no record
            first = lines.consumed[0][0]
            text = "".join(t for _, t in lines.consumed).rstrip("\r\n")
            yield SourceRow(first, text, tuple(cells))
        yield from _undecodable(lines)


def _reader(lines: _DecodedLines, source: FileSource) -> Iterator[list[str]]:
    # strict: a quote out of place is an error, not text silently merged into a field.
    return csv.reader(lines, delimiter=source.separator, quotechar=source.quote, strict=True)


def _undecodable(lines: _DecodedLines) -> Iterator[SourceRow]:
    for number, raw in lines.undecodable:
        yield SourceRow(number, "", None, raw.rstrip(b"\r\n"))
    lines.undecodable.clear()


def _broken_row(lines: _DecodedLines, reason: str) -> SourceRow:
    """The first line of a record that did not parse, with the parser's reason."""
    first, text = lines.consumed[0] if lines.consumed else (lines.number, "")
    return SourceRow(first, text.rstrip("\r\n"), (), reason.encode())


def sheet_rows(path: Path, source: FileSource) -> Iterator[SourceRow]:
    """The rows of a workbook's sheet, read in openpyxl's streaming mode; cells keep their
    types (numbers, dates), and the line is the sheet's row number."""
    import openpyxl  # noqa: PLC0415 - only imports of workbooks pay for it
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SourceUnreadable(f"is not a readable xlsx workbook ({exc})") from None
    try:
        if source.sheet is not None and source.sheet not in book.sheetnames:
            found = ", ".join(book.sheetnames)
            raise SourceUnreadable(f"has no sheet '{source.sheet}' (found: {found})")
        sheet = book[source.sheet] if source.sheet is not None else book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
            cells = tuple(_trailing_empty_dropped(values))
            if not cells:
                continue
            text = "\t".join("" if c is None else str(c) for c in cells)
            yield SourceRow(number, text, cells)
    finally:
        book.close()


def _trailing_empty_dropped(values: tuple[object, ...]) -> list[Cell]:
    cells: list[Cell] = [v if v is None or isinstance(v, _TYPED) else str(v) for v in values]
    while cells and (cells[-1] is None or cells[-1] == ""):
        cells.pop()
    return cells


def guessed_encoding(sample: bytes) -> str | None:
    """What the lines that did not decode look like (charset-normalizer's best guess), to
    suggest to the engineer; never used to read them."""
    from charset_normalizer import from_bytes  # noqa: PLC0415 - only on undecodable lines

    best = from_bytes(sample).best()
    return None if best is None else str(best.encoding)


def source_rows(path: Path, source: FileSource) -> Iterator[SourceRow]:
    return text_rows(path, source) if source.is_text else sheet_rows(path, source)

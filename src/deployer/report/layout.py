"""A check table laid out for the terminal's width, in terminal cells (CJK counts two).

rich's Table gives every cell its own column, so a long remediation is squeezed into a
narrow one and cut mid-word. Here a row holds status, check, observed and required, and the
remediation goes under the row, wrapped as a whole across the width. Where even those four
columns cannot fit without cutting a word (80 columns and a long path), the row becomes a
short block: status and check, then each value on its own labelled line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from deployer.report.wrap import widest_word, wrap

GAP = 2  # blanks between columns


@dataclass(frozen=True)
class Row:
    status: str
    style: str
    check: str
    observed: str
    required: str
    remediation: str


@dataclass(frozen=True)
class Paragraph:
    """Text wrapped at blanks and between CJK characters, whatever the console's soft_wrap."""

    text: str
    style: str = ""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in wrap(self.text, options.max_width):
            yield Text(line, style=self.style)


@dataclass(frozen=True)
class HostTable:
    title: str
    labels: tuple[str, str, str, str]  # status, check, observed, required
    details: tuple[str, str, str]  # "observed: ", "required: ", "remediation: "
    rows: tuple[Row, ...]
    caption: str

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        yield Paragraph(self.title, style="bold")
        columns = self._columns(width)
        if columns is None:
            for row in self.rows:
                yield from self._block(row, width)
        else:
            yield _line([(label, "bold") for label in self.labels], columns)
            yield Text("─" * min(width, sum(columns) + GAP * 3), style="dim")
            for row in self.rows:
                yield from self._table_row(row, columns, width)
        if self.caption:
            yield Paragraph(self.caption, style="dim")
        yield Text("")

    def _columns(self, width: int) -> list[int] | None:
        """Widths of the four columns, or None where they cannot fit without cutting a word."""
        status = _widest([self.labels[0], *(row.status for row in self.rows)])
        check = _widest([self.labels[1], *(row.check for row in self.rows)])
        observed = [self.labels[2], *(row.observed for row in self.rows)]
        required = [self.labels[3], *(row.required for row in self.rows)]
        room = width - status - check - GAP * 3
        narrowest = [max(widest_word(cell) for cell in cells) for cells in (observed, required)]
        natural = [_widest(observed), _widest(required)]
        if sum(narrowest) > room:
            return None
        if sum(natural) <= room:
            return [status, check, *natural]
        # Each column keeps its widest word; the room left is shared as each would use it.
        spare = room - sum(narrowest)
        wants = [n - m for n, m in zip(natural, narrowest, strict=True)]
        first = narrowest[0] + spare * wants[0] // sum(wants)
        return [status, check, first, room - first]

    def _table_row(self, row: Row, columns: list[int], width: int) -> Iterator[Text]:
        cells = [(row.status, row.style), (row.check, ""), (row.observed, ""), (row.required, "")]
        yield from _lines(cells, columns)
        if row.remediation:
            indent = columns[0] + GAP
            yield from _labelled(self.details[2], row.remediation, indent, width)

    def _block(self, row: Row, width: int) -> Iterator[Text]:
        status = _widest([other.status for other in self.rows])
        head = [(row.status, row.style), (row.check, "")]
        yield from _lines(head, [status, width - status - GAP])
        indent = status + GAP
        label_width = _widest(list(self.details))
        values = (row.observed, row.required, row.remediation)
        for label, value in zip(self.details, values, strict=True):
            if value:
                yield from _labelled(label, value, indent, width, label_width)


def _widest(cells: Sequence[str]) -> int:
    return max((cell_len(line) for cell in cells for line in cell.split("\n")), default=0)


def _labelled(
    label: str, value: str, indent: int, width: int, label_width: int = 0
) -> Iterator[Text]:
    """``label value`` starting at ``indent``, the value's next lines aligned under its first."""
    label_width = max(label_width, cell_len(label))
    room = max(width - indent - label_width, 1)
    for number, line in enumerate(wrap(value, room)):
        head = label if number == 0 else ""
        text = Text(" " * indent)
        text.append(head, style="dim")
        text.append(" " * (label_width - cell_len(head)))
        text.append(line)
        yield text


def _lines(cells: list[tuple[str, str]], columns: list[int]) -> Iterator[Text]:
    wrapped = [wrap(value, width) for (value, _), width in zip(cells, columns, strict=True)]
    for number in range(max(len(lines) for lines in wrapped)):
        parts = [
            (lines[number] if number < len(lines) else "", style)
            for lines, (_, style) in zip(wrapped, cells, strict=True)
        ]
        yield _line(parts, columns)


def _line(parts: list[tuple[str, str]], columns: list[int]) -> Text:
    text = Text()
    for index, ((value, style), width) in enumerate(zip(parts, columns, strict=True)):
        if index:
            text.append(" " * GAP)
        text.append(value, style=style)
        text.append(" " * (width - cell_len(value)))
    text.rstrip()
    return text

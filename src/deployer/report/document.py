"""A hand-over document as plain data: titled sections of paragraphs, lists, commands and
tables. The documents are written once in this shape and rendered as Word, PDF or HTML, so
the three always say the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from deployer.report.i18n import Lang


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: Literal["paragraph"] = "paragraph"


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    kind: Literal["bullets"] = "bullets"


@dataclass(frozen=True)
class Commands:
    """Lines to type at a shell prompt, shown in a fixed-width font."""

    lines: tuple[str, ...]
    kind: Literal["commands"] = "commands"


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    kind: Literal["table"] = "table"


Block = Paragraph | Bullets | Commands | Table


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    level: int = 1


@dataclass(frozen=True)
class Document:
    """One document in one language; ``cover`` is the label/value pairs under the title and
    ``made_from`` the run ids every figure in it was read from."""

    name: str  # implementation-report, configuration-manual, ...
    lang: Lang
    title: str
    cover: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    made_from: tuple[str, ...] = ()
    date: str = ""  # of the newest record it was made from
    signatures: tuple[str, ...] = field(default=())  # parties who sign, when it is signed
    #: Named values a Word template may place anywhere ({{ customer }}, {{ version }}, ...).
    fields: tuple[tuple[str, str], ...] = field(default=())

    def text(self) -> str:
        """Every word of the document, for searching it (tests, secret scans)."""
        parts = [self.title, *(f"{k} {v}" for k, v in self.cover), *self.signatures]
        for section in self.sections:
            parts.append(section.title)
            for block in section.blocks:
                parts.extend(_block_text(block))
        return "\n".join(parts)


def _block_text(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        return [block.text]
    if isinstance(block, (Bullets,)):
        return list(block.items)
    if isinstance(block, Commands):
        return list(block.lines)
    return [" ".join(block.headers), *(" ".join(row) for row in block.rows)]

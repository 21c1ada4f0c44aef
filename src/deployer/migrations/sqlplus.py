"""Split an Oracle script into statements the way SQL*Plus reads it.

``;`` ends a SQL statement, and is not sent (Oracle refuses it: ORA-00911). PL/SQL units --
anonymous blocks (``DECLARE``, ``BEGIN``) and ``CREATE [OR REPLACE]`` procedures, functions,
packages, triggers, types -- hold ``;`` in their bodies, so they end only at a line holding
``/`` alone, and keep their final ``END;``. A ``/`` line after a statement already ended runs
nothing (SQL*Plus would run the buffer a second time). Strings (with ``''`` and the
``q'[...]'`` form) and quoted identifiers may hold anything; ``--`` and ``/* */`` comments
are dropped, optimizer hints ``/*+ */`` kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from deployer.migrations.sqltext import ScriptReader, SqlTextError, Statement

_BLOCK_START = re.compile(
    r"\s*(?:DECLARE|BEGIN|CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:NON)?EDITIONABLE\s+)?"
    r"(?:PROCEDURE|FUNCTION|PACKAGE|TRIGGER|TYPE|LIBRARY|JAVA))\b",
    re.IGNORECASE,
)
_SLASH_LINE = re.compile(r"[ \t]*/[ \t]*(?=\n|\Z)")
_SPECIAL = re.compile(r"""[;\n'"]|--|/\*|(?<![\w$#])[nN]?[qQ]'""")
_Q_CLOSERS = {"[": "]", "{": "}", "(": ")", "<": ">"}


def split_sqlplus(script: str) -> list[Statement]:
    """Statements and PL/SQL blocks, each with the line it starts on."""
    return list(_SqlPlusReader(script).statements())


class _SqlPlusReader(ScriptReader):
    def statements(self) -> Iterator[Statement]:
        script = self.script
        yield from self._slash_line()
        while (match := self._text_until(_SPECIAL)) is not None:
            found, start = match.group(), match.start()
            if found == ";":
                if self._in_block():
                    self._keep(";")
                else:
                    self.pos = match.end()
                    yield from self._flush()
            elif found == "\n":
                self._keep("\n")
                yield from self._slash_line()
            elif found in ("'", '"'):
                self._keep(script[start : _quoted_end(script, start, found, self.line)])
            elif found == "--":
                self._line_comment(start)
            elif found == "/*":
                self._block_comment(start)
            else:  # q'x...x'
                self._keep(script[start : _q_quoted_end(script, match.end(), self.line)])
        if self._in_block():
            raise SqlTextError(
                self.pending.line or self.line, "PL/SQL block is not ended by a line with /"
            )
        yield from self._flush()

    def _in_block(self) -> bool:
        if self.pending.line is None:
            return False
        head = ""
        for part in self.pending.parts:  # the first words only: a body can be long
            head += part
            if len(head) > 200:
                break
        return bool(_BLOCK_START.match(head))

    def _slash_line(self) -> Iterator[Statement]:
        match = _SLASH_LINE.match(self.script, self.pos)
        if match is not None:
            self.pos = match.end()
            yield from self._flush()


def _quoted_end(script: str, start: int, quote: str, line: int) -> int:
    """Index past the closing quote; a doubled quote stays inside (no backslash escapes)."""
    index = start + 1
    while True:
        index = script.find(quote, index)
        if index < 0:
            kind = "identifier" if quote == '"' else "string"
            raise SqlTextError(line, f"{kind} opened with {quote} is never closed")
        if script.startswith(quote, index + 1):
            index += 2
        else:
            return index + 1


def _q_quoted_end(script: str, opening: int, line: int) -> int:
    """``q'[...]'``: ``opening`` is the index of the character after the quote."""
    if opening >= len(script) or script[opening].isspace():
        raise SqlTextError(line, "q' quoting needs a delimiter character")
    closer = _Q_CLOSERS.get(script[opening], script[opening]) + "'"
    index = script.find(closer, opening + 1)
    if index < 0:
        raise SqlTextError(line, f"string opened with q'{script[opening]} is never closed")
    return index + 2

"""Split a MySQL/MariaDB script into statements the way the ``mysql`` client reads it.

The client, not the server, knows ``DELIMITER``: a line ``DELIMITER ;;`` changes the
statement terminator, so triggers, procedures and functions can hold ``;`` in their bodies.
``--`` starts a comment only when followed by whitespace or a control character (``1--1`` is
arithmetic), ``#`` comments run to the end of the line, and plain ``/* */`` comments are
dropped. Version comments (``/*!50700 ... */``, MariaDB's ``/*M!...*/``) and optimizer hints
(``/*+ ... */``) are code the server runs, so they stay in the statement text; the client
reads a version comment's body as code too (a ``'*/'`` in it is a string, not the end).
Quoted strings and identifiers may hold anything, with backslash escapes and doubled quotes.
An unterminated quote or comment is an error naming its line, never a silently shortened file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from deployer.errors import DeployerError, ExitCode


@dataclass(frozen=True)
class Statement:
    """One statement to send to the server, and the script line it starts on."""

    text: str
    line: int


class SqlTextError(DeployerError):
    """The script cannot be read as SQL (unterminated quote or comment, bad DELIMITER)."""

    exit_code = ExitCode.INVALID_SPEC

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


#: ``DELIMITER xx`` as the client recognises it: any case, at the start of a line, when no
#: statement is pending; the argument is the first word of the rest of the line.
_DELIMITER_LINE = re.compile(r"[ \t]*delimiter(?!\S)(?:[ \t]+(\S*))?[^\n]*", re.IGNORECASE)
#: ``--`` followed by whitespace, a control character or the end of the script.
_DASH_COMMENT = r"--(?=[\x00-\x20\x7f]|\Z)"
#: A version comment's opening: its body is read on as code, and its ``*/`` is plain text.
_VERSION_COMMENT = re.compile(r"/\*M?!")


@dataclass
class Pending:
    """The statement being read: its pieces and the line of its first significant text."""

    parts: list[str]
    line: int | None = None

    def add(self, text: str, line: int) -> None:
        if self.line is None:
            stripped = text.lstrip()
            if not stripped:
                return
            line += text.count("\n", 0, len(text) - len(stripped))
            self.line = line
        self.parts.append(text)

    def take(self) -> Statement | None:
        text = "".join(self.parts).strip()
        line = self.line
        self.parts, self.line = [], None
        return Statement(text, line) if text and line is not None else None


def split_script(script: str) -> list[Statement]:
    """Statements without their terminator, each with its first line; comments between
    statements and plain comments inside them are dropped."""
    return list(_MysqlReader(script).statements())


def split_statements(script: str) -> list[str]:
    """The statements' texts only (see :func:`split_script`)."""
    return [statement.text for statement in split_script(script)]


class ScriptReader:
    """What the mysql client and SQL*Plus read alike: plain text up to the next character that
    matters, comments, and the statement pending with the line it starts on."""

    def __init__(self, script: str) -> None:
        self.script = script
        self.pos = 0
        self.line = 1
        self.pending = Pending([])

    def _text_until(self, special: re.Pattern[str]) -> re.Match[str] | None:
        """Keep the plain text up to the next ``special`` match, and return that match (None
        at the end of the script, all of it kept)."""
        match = special.search(self.script, self.pos)
        end = len(self.script) if match is None else match.start()
        if end > self.pos:
            self._keep(self.script[self.pos : end])
        return match

    def _keep(self, text: str) -> None:
        self.pending.add(text, self.line)
        self.line += text.count("\n")
        self.pos += len(text)

    def _flush(self) -> Iterator[Statement]:
        statement = self.pending.take()
        if statement is not None:
            yield statement

    def _line_comment(self, start: int) -> None:
        """Dropped up to the end of its line; the newline stays, it may end a command."""
        newline = self.script.find("\n", start)
        self.pos = len(self.script) if newline < 0 else newline

    def _block_comment(self, start: int) -> None:
        """Dropped, unless it is an optimizer hint, which the server reads."""
        close = self.script.find("*/", start + 2)
        if close < 0:
            raise SqlTextError(self.line, "comment /* is never closed with */")
        comment = self.script[start : close + 2]
        if comment.startswith("/*+"):
            self._keep(comment)
        else:
            # Dropped, but as a separator: "a/* */b" must not become "ab".
            self.pending.add(" ", self.line)
            self.line += comment.count("\n")
            self.pos = close + 2


class _MysqlReader(ScriptReader):
    def __init__(self, script: str) -> None:
        super().__init__(script)
        self.delimiter = ";"
        self.special = _special(self.delimiter)

    def statements(self) -> Iterator[Statement]:
        self._delimiter_command()
        while (match := self._text_until(self.special)) is not None:
            found, start = match.group(), match.start()
            if found == self.delimiter:
                self.pos = match.end()
                yield from self._flush()
            elif found == "\n":
                self._keep("\n")
                self._delimiter_command()
            elif found in ("'", '"', "`"):
                self._keep(self.script[start : _quoted_end(self.script, start, self.line)])
            elif found == "/*":
                opening = _VERSION_COMMENT.match(self.script, start)
                if opening is None:
                    self._block_comment(start)
                else:
                    self._keep(opening.group())
            else:  # "#" or "-- "
                self._line_comment(start)
        yield from self._flush()

    def _delimiter_command(self) -> None:
        """At a line start with no statement pending, ``DELIMITER xx`` is the client's."""
        if self.pending.line is not None:
            return
        match = _DELIMITER_LINE.match(self.script, self.pos)
        if match is None:
            return
        word = match.group(1) or ""
        if not word:
            raise SqlTextError(self.line, "DELIMITER must be followed by the new terminator")
        if "\\" in word:
            raise SqlTextError(self.line, f"DELIMITER {word}: a backslash cannot delimit")
        self.delimiter = word.strip("'\"`") or word
        self.special = _special(self.delimiter)
        self.pos = match.end()


def _special(delimiter: str) -> re.Pattern[str]:
    """What interrupts plain text; the delimiter first, as in the client, so ``//`` ends a
    statement rather than starting anything."""
    return re.compile("|".join([re.escape(delimiter), r"\n", "['\"`#]", _DASH_COMMENT, r"/\*"]))


_QUOTE_STOP = {"'": re.compile(r"['\\]"), '"': re.compile(r'["\\]'), "`": re.compile("`")}


def _quoted_end(script: str, start: int, line: int) -> int:
    """Index just past the closing quote; doubled quotes and backslash escapes stay inside."""
    quote = script[start]
    stop = _QUOTE_STOP[quote]
    index = start + 1
    while True:
        match = stop.search(script, index)
        if match is None:
            kind = "identifier" if quote == "`" else "string"
            raise SqlTextError(line, f"{kind} opened with {quote} is never closed")
        index = match.end()
        if match.group() == "\\" or script.startswith(quote, index):
            index += 1  # an escaped character, or the second of a doubled quote
        else:
            return index

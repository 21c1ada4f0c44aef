"""Line breaking for terminal text in English and Chinese, measured in terminal cells.

rich breaks lines at blanks only and folds anything longer character by character, so a
Chinese sentence (no blanks) and the Latin words glued to it are cut wherever the column
ends. Here a line may break at a blank or beside a wide (CJK) character, never inside a run
of Latin letters, digits or punctuation, never before closing punctuation (，。）) nor after
opening punctuation (（「). Only a word wider than the whole line is folded.
"""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size

#: Punctuation that must not begin a line (it closes what stands before it).
_NO_BREAK_BEFORE = frozenset("，。、；：！？）」』】》〉〕］｝…—,.;:!?)]}%'\"")
#: Punctuation that must not end a line (it opens what follows it).
_NO_BREAK_AFTER = frozenset("（「『【《〈〔［｛([{")


def _wide(char: str) -> bool:
    return get_character_cell_size(char) == 2


def _may_break_between(before: str, after: str) -> bool:
    if get_character_cell_size(after) == 0:  # a combining mark stays with its letter
        return False
    if not (_wide(before) or _wide(after)):
        return False
    return after not in _NO_BREAK_BEFORE and before not in _NO_BREAK_AFTER


def words(text: str) -> list[str]:
    """The pieces no line break may cut, blanks as pieces of their own."""
    pieces: list[str] = []
    current = ""
    for char in text:
        if char == " ":
            if current:
                pieces.append(current)
            pieces.append(char)
            current = ""
        elif current and current[-1] != " " and _may_break_between(current[-1], char):
            pieces.append(current)
            current = char
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def widest_word(text: str) -> int:
    """The narrowest width at which ``text`` wraps without cutting a word."""
    pieces = (word for line in text.split("\n") for word in words(line) if word != " ")
    return max((cell_len(word) for word in pieces), default=0)


def _fold(word: str, width: int) -> list[str]:
    """A word wider than a whole line: cut where the line ends, the one case left."""
    parts: list[str] = []
    current = ""
    for char in word:
        if current and cell_len(current + char) > width:
            parts.append(current)
            current = ""
        current += char
    return [*parts, current] if current else parts


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells; hard line breaks are kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, max(width, 1)))
    return lines


def _wrap_paragraph(paragraph: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in words(paragraph):
        if word == " ":
            if line:
                line += word
            continue
        if cell_len(line + word) <= width:
            line += word
            continue
        if line.strip():
            lines.append(line.rstrip(" "))
        line = ""
        if cell_len(word) <= width:
            line = word
            continue
        *whole, line = _fold(word, width)
        lines.extend(whole)
    if line.strip() or not lines:
        lines.append(line.rstrip(" "))
    return lines

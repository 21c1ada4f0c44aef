"""Split a SQL script into statements: ``;`` ends a statement outside quotes and comments."""

from __future__ import annotations

_QUOTES = ("'", '"', "`")


def split_statements(script: str) -> list[str]:
    """Statements without their trailing ``;``; comment-only fragments are dropped."""
    statements: list[str] = []
    current: list[str] = []
    index, length = 0, len(script)
    while index < length:
        char = script[index]
        if char in _QUOTES:
            end = _quoted_end(script, index)
            current.append(script[index:end])
            index = end
        elif script.startswith("--", index) or char == "#":
            end = script.find("\n", index)
            index = length if end < 0 else end
        elif script.startswith("/*", index):
            end = script.find("*/", index + 2)
            index = length if end < 0 else end + 2
            current.append(" ")
        elif char == ";":
            _flush(current, statements)
            index += 1
        else:
            current.append(char)
            index += 1
    _flush(current, statements)
    return statements


def _quoted_end(script: str, start: int) -> int:
    """Index just past the closing quote; doubled quotes and backslash escapes stay inside."""
    quote = script[start]
    index = start + 1
    while index < len(script):
        char = script[index]
        if char == "\\" and quote != "`":
            index += 2
            continue
        if char == quote:
            if script.startswith(quote * 2, index):
                index += 2
                continue
            return index + 1
        index += 1
    return len(script)


def _flush(current: list[str], statements: list[str]) -> None:
    text = "".join(current).strip()
    current.clear()
    if text:
        statements.append(text)

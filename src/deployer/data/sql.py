"""The statements an import sends, from names the mapping's patterns already allow, each
quoted as an identifier; values always travel as parameters."""

from __future__ import annotations

from collections.abc import Sequence


def quoted(name: str) -> str:
    """A MySQL identifier in backticks (the mapping's patterns leave no backtick to double)."""
    return "`" + name.replace("`", "``") + "`"


def table_name(schema: str, table: str) -> str:
    return f"{quoted(schema)}.{quoted(table)}"


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def key_match(key: Sequence[str], count: int) -> str:
    """``WHERE`` text matching ``count`` keys: ``k IN (%s, ...)`` or, for a key of several
    columns, ``(k1, k2) IN ((%s, %s), ...)``."""
    if len(key) == 1:
        return f"{quoted(key[0])} IN ({_placeholders(count)})"
    row = f"({_placeholders(len(key))})"
    return f"({', '.join(map(quoted, key))}) IN ({', '.join([row] * count)})"


def select_rows(target: str, columns: Sequence[str], key: Sequence[str], count: int) -> str:
    return f"SELECT {', '.join(map(quoted, columns))} FROM {target} WHERE {key_match(key, count)}"  # noqa: S608 - quoted names, values as parameters


def select_present(target: str, column: str, count: int) -> str:
    name = quoted(column)
    return f"SELECT DISTINCT {name} FROM {target} WHERE {name} IN ({_placeholders(count)})"  # noqa: S608 - quoted names, values as parameters


def insert(target: str, columns: Sequence[str]) -> str:
    names = ", ".join(map(quoted, columns))
    return f"INSERT INTO {target} ({names}) VALUES ({_placeholders(len(columns))})"  # noqa: S608 - quoted names, values as parameters


def update(target: str, columns: Sequence[str], key: Sequence[str]) -> str:
    assignments = ", ".join(f"{quoted(c)} = %s" for c in columns)
    return f"UPDATE {target} SET {assignments} WHERE {key_match(key, 1)}"  # noqa: S608 - quoted names, values as parameters


def delete(target: str, key: Sequence[str], count: int) -> str:
    return f"DELETE FROM {target} WHERE {key_match(key, count)}"  # noqa: S608 - quoted names, values as parameters


def checksums(target: str, columns: Sequence[str], key: Sequence[str], count: int) -> str:
    """Per column, the sum of a 64-bit hash of each value as the server shows it as text, over
    the rows with ``count`` keys; then their number. Computed by the server: the rows are not
    sent back, and the same text is hashed at load and at verify whatever the column's type."""
    sums = ", ".join(f"SUM({_value_hash(quoted(c))})" for c in columns)
    return f"SELECT {sums}, COUNT(*) FROM {target} WHERE {key_match(key, count)}"  # noqa: S608 - quoted names, values as parameters


def _value_hash(column: str) -> str:
    # MD5's first 16 hex digits as an unsigned integer; NULL hashed as one zero byte.
    text = f"COALESCE(CAST({column} AS CHAR), 0x00)"
    return f"CAST(CONV(LEFT(MD5({text}), 16), 16, 10) AS UNSIGNED)"


def count_rows(target: str) -> str:
    return f"SELECT COUNT(*) FROM {target}"  # noqa: S608 - quoted names, values as parameters

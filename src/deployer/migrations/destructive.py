"""Statements whose effect no undo script can take back: they throw data away.

An undo script can recreate a dropped table or column, but not the rows that were in it; only
a dump taken before the migration can. The rollback plan uses this to choose the dump over
undo scripts, and to flag a migration as irreversible when there is no dump.
"""

from __future__ import annotations

import re

_WORDS = re.compile(r"[A-Za-z_]+")
# ALTER TABLE ... DROP of an index or a constraint loses no rows; of a column it does.
_ALTER_DROP = re.compile(
    r"\bDROP\s+(?!(?:INDEX|KEY|CONSTRAINT|FOREIGN|PRIMARY|CHECK|UNIQUE|DEFAULT)\b)"
    r"(?:COLUMN\s+)?`?\w",
    re.IGNORECASE,
)
_ALTER_PARTITION = re.compile(r"\b(?:DROP|TRUNCATE)\s+PARTITION\b", re.IGNORECASE)


#: Statements known by their first two words (None: any second word).
_BY_START = {
    ("DROP", "TABLE"): "drops a table",
    ("DROP", "DATABASE"): "drops a database",
    ("DROP", "SCHEMA"): "drops a schema",
    ("DROP", "TABLESPACE"): "drops a tablespace",
    ("DROP", "USER"): "drops a user (on Oracle, its schema)",
    ("TRUNCATE", None): "empties a table",
    ("DELETE", None): "deletes rows",
}


def destructive_reason(statement: str) -> str | None:
    """Why ``statement`` destroys data, or None when it does not (as far as its words tell)."""
    words = [w.upper() for w in _WORDS.findall(statement)[:2]]
    first, second = [*words, "", ""][:2]
    reason = _BY_START.get((first, second)) or _BY_START.get((first, None))
    if reason is None and (first, second) == ("ALTER", "TABLE"):
        if _ALTER_PARTITION.search(statement):
            reason = "drops a partition's rows"
        elif _ALTER_DROP.search(statement):
            reason = "drops a column"
    return reason


def destructive_statements(statements: tuple[str, ...] | list[str]) -> list[str]:
    """One line per data-destroying statement: its number, what it does, how it starts."""
    found = []
    for number, statement in enumerate(statements, start=1):
        reason = destructive_reason(statement)
        if reason is not None:
            start = " ".join(statement.split())
            start = start if len(start) <= 60 else start[:57] + "..."
            found.append(f"statement {number} {reason}: {start}")
    return found

"""Statements whose effect no undo script can take back: they throw rows or values away.

An undo script can recreate a dropped table or column, but not the rows that were in it, nor
the values an UPDATE overwrote; only a dump taken before the migration can. The rollback plan
uses this to choose the dump over undo scripts, and to flag a migration as irreversible when
there is no dump.

Each statement is read twice, and either reading can call it destructive: by its words
(comments dropped, version comments opened, strings masked, modifiers such as LOW_PRIORITY,
IGNORE or ONLINE skipped), which works for any statement; and by sqlglot's parse tree (read
only, never rewritten), which sees through WITH clauses and multi-table forms. A statement
sqlglot cannot parse is judged by its words alone, so it is never called safe for that.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Strings and quoted names (masked), comments (dropped), version comments (opened).
_LEXEME = re.compile(
    r"""(?P<string>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")"""
    r"|(?P<name>`(?:[^`]|``)*`)"
    r"|(?P<opener>/\*(?:M?!\d*|\+))|(?P<comment>/\*.*?\*/)|(?P<closer>\*/)"
    r"|(?P<line>(?:--(?=[\x00-\x20])|#)[^\n]*)",
    re.DOTALL,
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*|[()]")
#: Words between a verb and what it acts on that change how, not what.
_MODIFIERS = frozenset(
    {"LOW_PRIORITY", "HIGH_PRIORITY", "DELAYED", "QUICK", "IGNORE", "ONLINE", "OFFLINE"}
)
_VERBS_AFTER_WITH = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE"})
# ALTER TABLE ... DROP of an index or a constraint loses no rows; of a column it does, in
# Oracle's "DROP (a, b)" too ('' is a quoted name, masked). Oracle's SET UNUSED takes the
# column's values for good.
_ALTER_DROP = re.compile(
    r"\bDROP\s+(?!(?:INDEX|KEY|CONSTRAINT|FOREIGN|PRIMARY|CHECK|UNIQUE|DEFAULT|PERIOD|"
    r"SYSTEM\s+VERSIONING)\b)(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?[`(]?\s*[\w']"
    r"|\bSET\s+UNUSED\b",
    re.IGNORECASE,
)
_ALTER_PARTITION = re.compile(r"\b(?:DROP|TRUNCATE)\s+PARTITION\b", re.IGNORECASE)
_DISCARD = re.compile(r"\bDISCARD\s+(?:PARTITION\s.*)?TABLESPACE\b", re.IGNORECASE | re.DOTALL)
#: Longer statements (extended INSERTs of a dump) are judged by their words only: parsing
#: megabytes of VALUES tells nothing the first words do not.
_PARSE_LIMIT = 20_000

#: Statements known by their first two words (None: any second word).
_BY_START = {
    ("DROP", "TABLE"): "drops a table",
    ("DROP", "TABLES"): "drops a table",  # MySQL's synonym
    ("DROP", "DATABASE"): "drops a database",
    ("DROP", "SCHEMA"): "drops a schema",
    ("DROP", "TABLESPACE"): "drops a tablespace",
    ("DROP", "USER"): "drops a user (on Oracle, its schema)",
    ("TRUNCATE", None): "empties a table",
    ("DELETE", None): "deletes rows",
    ("UPDATE", None): "overwrites values",
    ("REPLACE", None): "replaces rows (deletes those with the same key)",
    ("MERGE", None): "merges rows (overwrites or deletes)",
    ("CALL", None): "calls a routine, whose effect cannot be read from the migration",
    ("EXECUTE", None): "runs a prepared statement, whose effect cannot be read",
}
#: Anonymous blocks run at once: any of these inside makes the block destructive.
_IN_BLOCK = ("DELETE", "UPDATE", "TRUNCATE", "MERGE", "REPLACE", "CALL", "EXECUTE")


def destructive_reason(statement: str) -> str | None:
    """Why ``statement`` destroys data, or None when it does not (as far as it can be read)."""
    text = _readable(statement)
    words = [w.upper() for w in _WORD.findall(text)]
    reason = _reason_from_words(words, text)
    if reason is None and len(text) <= _PARSE_LIMIT and words:
        # Imported here: sqlglot takes a tenth of a second to import, and commands that load
        # the migrations package without judging statements (check, runs) need not pay it.
        from deployer.migrations.sqltree import reason_from_tree  # noqa: PLC0415

        reason = reason_from_tree(_without_modifiers(text))
    return reason


def destructive_statements(statements: Sequence[str]) -> list[str]:
    """One line per data-destroying statement: its number, what it does, how it starts."""
    found = []
    for number, statement in enumerate(statements, start=1):
        reason = destructive_reason(statement)
        if reason is not None:
            start = " ".join(statement.split())
            start = start if len(start) <= 60 else start[:57] + "..."
            found.append(f"statement {number} {reason}: {start}")
    return found


def _readable(statement: str) -> str:
    """The statement as the server reads it, with the values of strings masked: version
    comments opened, plain comments gone, quoted names kept as one neutral name."""

    def replace(match: re.Match[str]) -> str:
        kind = match.lastgroup
        if kind == "string":
            return "''"
        if kind == "name":
            return "`n`"
        return " "

    return _LEXEME.sub(replace, statement)


def _reason_from_words(words: list[str], text: str) -> str | None:
    words = _statement_run(words)
    if words[:1] == ["WITH"]:
        words = _after_with(words)
    else:
        words = [w for w in words if w not in ("(", ")")]
    words = [w for i, w in enumerate(words) if i == 0 or w not in _MODIFIERS]
    first, second = [*words, "", ""][:2]
    if first in ("BEGIN", "DECLARE") and second not in ("", "WORK", "TRANSACTION"):
        return _block_reason(words)
    if (first, second) == ("DROP", "TEMPORARY"):
        return None  # a session's scratch table, gone with the session anyway
    reason = _BY_START.get((first, second)) or _BY_START.get((first, None))
    return reason or _other_form(words, text)


def _other_form(words: list[str], text: str) -> str | None:
    """Forms known by more than their first words."""
    reason = None
    if words[:2] == ["ALTER", "TABLE"]:
        if _ALTER_PARTITION.search(text):
            reason = "drops a partition's rows"
        elif _DISCARD.search(text):
            reason = "discards a table's data file"
        elif _ALTER_DROP.search(text):
            reason = "drops a column"
    elif words[:1] in (["CREATE"], ["ALTER"]) and "EVENT" in words[:8] and "DO" in words:
        reason = _event_reason(words, text)
    elif words[:4] == ["CREATE", "OR", "REPLACE", "TABLE"]:
        reason = "replaces a table (its rows are lost)"
    elif words[:1] == ["INSERT"] and _contains(words, ["ON", "DUPLICATE", "KEY", "UPDATE"]):
        reason = "overwrites values (ON DUPLICATE KEY UPDATE)"
    elif words[:1] == ["LOAD"] and "REPLACE" in words:
        reason = "replaces rows (LOAD ... REPLACE)"
    return reason


def _statement_run(words: list[str]) -> list[str]:
    """The statement a wrapper runs at once: MariaDB's ``SET STATEMENT ... FOR`` and
    ``ANALYZE``, MySQL's ``EXPLAIN ANALYZE`` execute what they hold (plain EXPLAIN does not)."""
    if words[:2] == ["SET", "STATEMENT"] and "FOR" in words:
        return words[words.index("FOR") + 1 :]
    if words[:1] == ["ANALYZE"] or words[:2] == ["EXPLAIN", "ANALYZE"]:
        held = words[words.index("ANALYZE") + 1 :]
        held = held[2:] if held[:1] == ["FORMAT"] else held
        if held[:1] != ["TABLE"]:  # ANALYZE TABLE only reads statistics
            return held
    return words


def _event_reason(words: list[str], text: str) -> str | None:
    """An event runs its body on its own schedule (``AT CURRENT_TIMESTAMP``: at once), where
    no dump taken before the migration can see it coming."""
    body = words[words.index("DO") + 1 :]
    reason = _reason_from_words(body, text) if body else None
    return None if reason is None else f"schedules an event that {reason}"


def _after_with(words: list[str]) -> list[str]:
    """The statement after its common table expressions: the first verb at depth 0."""
    depth = 0
    for index, word in enumerate(words[1:], start=1):
        if word == "(":
            depth += 1
        elif word == ")":
            depth -= 1
        elif depth == 0 and word in _VERBS_AFTER_WITH:
            return [w for w in words[index:] if w not in ("(", ")")]
    return []


def _block_reason(words: list[str]) -> str | None:
    found = sorted({w for w in words if w in _IN_BLOCK})
    for index, word in enumerate(words[:-1]):
        dropped = words[index + 1].removesuffix("S") if word == "DROP" else ""
        if dropped in ("TABLE", "DATABASE", "SCHEMA", "USER"):
            found.append(f"DROP {dropped}")
    if not found:
        return None
    return f"runs a block that may destroy data ({', '.join(found)})"


def _contains(words: list[str], run: list[str]) -> bool:
    return any(words[i : i + len(run)] == run for i in range(len(words) - len(run) + 1))


_MODIFIER_RUN = re.compile(
    r"^(\s*(?:DELETE|UPDATE|INSERT|REPLACE|ALTER))"
    rf"((?:\s+(?:{'|'.join(sorted(_MODIFIERS))})\b)+)",
    re.IGNORECASE,
)


def _without_modifiers(text: str) -> str:
    """The text for the parser, modifiers after the verb removed (sqlglot knows few)."""
    return _MODIFIER_RUN.sub(r"\1", text, count=1)

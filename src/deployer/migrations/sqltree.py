"""What sqlglot's parse tree says a statement does to data (read only: nothing is rewritten).

Only the text with its string values masked reaches the parser, so no literal (a password in
``CREATE USER ... IDENTIFIED BY``) can appear in the parser's own log messages.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

log = logging.getLogger(__name__)
# sqlglot warns (with the statement's text) each time it falls back to a generic command for
# syntax it does not know; that is expected here, and the words decide for those statements.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

_DROPPED = {
    "TABLE": "drops a table",
    "DATABASE": "drops a database",
    "SCHEMA": "drops a schema",
}


def reason_from_tree(text: str) -> str | None:
    """Why the parsed statement destroys data; None when it does not, or does not parse (the
    caller has judged it by its words already)."""
    try:
        tree = sqlglot.parse_one(text, read="mysql")
    except SqlglotError:
        return None
    except RecursionError:  # deeply nested expressions: the words have spoken
        log.debug("statement too deep to parse")
        return None
    return _reason(tree)


def _reason(tree: Any) -> str | None:  # the node base class was renamed across releases
    reason: str | None = None
    if isinstance(tree, exp.Drop) and not tree.args.get("temporary"):
        reason = _DROPPED.get(str(tree.args.get("kind") or "").upper())
    elif isinstance(tree, exp.TruncateTable):
        reason = "empties a table"
    elif isinstance(tree, exp.Delete):
        reason = "deletes rows"
    elif isinstance(tree, exp.Update):
        reason = "overwrites values"
    elif isinstance(tree, exp.Merge):
        reason = "merges rows (overwrites or deletes)"
    elif isinstance(tree, exp.Insert) and tree.args.get("conflict") is not None:
        reason = "overwrites values (ON DUPLICATE KEY UPDATE)"
    elif isinstance(tree, exp.Create) and tree.args.get("replace"):
        if str(tree.args.get("kind") or "").upper() == "TABLE":
            reason = "replaces a table (its rows are lost)"
    elif type(tree).__name__ in ("Alter", "AlterTable"):  # renamed across sqlglot releases
        reason = _alter_reason(tree)
    return reason


def _alter_reason(tree: Any) -> str | None:
    for action in tree.args.get("actions") or []:
        if isinstance(action, exp.Drop):
            kind = str(action.args.get("kind") or "").upper()
            if kind in ("COLUMN", ""):
                return "drops a column"
            if kind == "PARTITION":
                return "drops a partition's rows"
    return None

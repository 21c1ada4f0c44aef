"""A python-oracledb connection and cursor that answer from recorded responses.

A case is tests/fixtures/oracle/<case>.yml: a list of entries, each a regular expression
``sql`` (searched, ignoring case, in the statement with its whitespace collapsed) and either
the ``rows`` the server answered or the ``error`` it raised (an ORA- message, raised as
``oracledb.DatabaseError``). ``keyed: true`` keeps the rows whose first column is among the
statement's bind values, as ``WHERE name IN (:p0, :p1)`` does, so a parameter the code did not
ask for does not come back. The first entry that matches answers; a test passes entries of its
own in front of the case's to change one answer.

The cursor fails the test (AssertionError, which no query code catches) on a statement no entry
matches, and on binds that do not match the statement's placeholders, as the server would
refuse them; every statement is kept with its binds in ``executed``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import oracledb
import yaml

from deployer.spec.environment import Environment
from deployer.spec.matrix import SupportMatrix
from tests.support.checks import example

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "oracle"
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_PLACEHOLDER = re.compile(r":([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Response:
    sql: str
    rows: tuple[tuple[Any, ...], ...] = ()
    error: str | None = None
    keyed: bool = False

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any]) -> Response:
        unknown = set(entry) - {"sql", "rows", "error", "keyed"}
        assert not unknown, f"unknown keys in a recorded response: {sorted(unknown)}"
        assert ("rows" in entry) != ("error" in entry), f"rows or error, not both: {entry}"
        return cls(
            sql=str(entry["sql"]),
            rows=tuple(tuple(row) for row in entry.get("rows") or ()),
            error=entry.get("error"),
            keyed=bool(entry.get("keyed", False)),
        )

    def matches(self, statement: str) -> bool:
        return re.search(self.sql, statement, re.IGNORECASE) is not None

    def answer(self, binds: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        if self.error is not None:
            raise oracledb.DatabaseError(self.error)
        if not self.keyed:
            return list(self.rows)
        wanted = {str(value).upper() for value in binds.values()}
        return [row for row in self.rows if str(row[0]).upper() in wanted]


def load_case(name: str) -> list[Response]:
    entries = yaml.safe_load((CASES / f"{name}.yml").read_text(encoding="utf-8"))
    assert isinstance(entries, list), f"{name}.yml: expected a list of responses"
    return [Response.from_dict(entry) for entry in entries]


def _placeholders(statement: str) -> set[str]:
    return set(_PLACEHOLDER.findall(_LITERAL.sub("''", statement)))


class RecordedCursor:
    def __init__(self, server: RecordedServer) -> None:
        self.server = server
        self.closed = False
        self._rows: list[tuple[Any, ...]] = []

    def execute(self, statement: str, parameters: Mapping[str, Any] | None = None) -> None:
        assert not self.closed, "execute on a closed cursor"
        binds = dict(parameters or {})
        flat = " ".join(statement.split())
        self.server.executed.append((flat, binds))
        assert _placeholders(flat) == set(binds), f"binds {sorted(binds)} for: {flat}"
        response = next((r for r in self.server.responses if r.matches(flat)), None)
        assert response is not None, f"no recorded response for: {flat}"
        self._rows = []  # a refused statement leaves nothing to fetch
        self._rows = response.answer(binds)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def close(self) -> None:
        self.closed = True


class RecordedServer:
    """The connection: ``cursor()`` and ``close()``, as the facts' queries use them."""

    def __init__(self, case: str, overrides: Sequence[Mapping[str, Any]] = ()) -> None:
        self.case = case
        self.responses = [Response.from_dict(o) for o in overrides] + load_case(case)
        self.executed: list[tuple[str, dict[str, Any]]] = []
        self.cursors: list[RecordedCursor] = []
        self.closed = False
        self.call_timeout = 0

    def cursor(self) -> RecordedCursor:
        assert not self.closed, "cursor() on a closed connection"
        cursor = RecordedCursor(self)
        self.cursors.append(cursor)
        return cursor

    def close(self) -> None:
        self.closed = True

    def sent(self, pattern: str) -> list[dict[str, Any]]:
        """The binds of every statement sent that ``pattern`` matches."""
        return [binds for sql, binds in self.executed if re.search(pattern, sql, re.IGNORECASE)]


def oracle_example(
    schemas: list[dict[str, Any]] | None = None, matrix_patch: dict[str, Any] | None = None
) -> tuple[Environment, SupportMatrix]:
    """The example spec with its database on Oracle 19 at db1, the admin account DEPLOYER,
    and ``schemas`` (default: erp with its product account)."""
    owner = {"user": "erp_app", "password": "${env:HUADONG_DB_APP_PASSWORD}"}
    database = {
        "engine": "oracle",
        "version": "19",
        "host": "db1",
        "port": 1521,
        "service_name": "ORCLPDB1",
        "admin": {"user": "deployer", "password": "${env:HUADONG_DB_ADMIN_PASSWORD}"},
        "schemas": schemas or [{"name": "erp", "owner": owner}],
    }
    return example({"database": database}, matrix_patch)

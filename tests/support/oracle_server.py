"""An Oracle server as python-oracledb's cursor protocol shows it, for the schema stage's
tests: the dictionary views deployer reads, users, objects by schema, the history table,
DBMS_LOCK's out binds, and Oracle's own refusals (ORA- messages raised as
``oracledb.DatabaseError``).

It also holds deployer to SQL*Plus's rules: a SQL statement sent with its ``;`` is refused
with ORA-00911, as the server refuses it, and a PL/SQL unit sent without its final ``;``
compiles with errors (ORA-24344). What the server does not model it accepts, and every
statement is kept in ``sent`` with its binds for the test to read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import oracledb

from deployer.transport.oracle import OracleConnection

HISTORY = "DEPLOYER_SCHEMA_HISTORY"
_PLSQL = re.compile(
    r"^\s*(CREATE\s+(OR\s+REPLACE\s+)?(PACKAGE|TRIGGER|PROCEDURE|FUNCTION|TYPE)\b|DECLARE\b|BEGIN\b)",
    re.IGNORECASE,
)
_NAME = r'"?([A-Za-z][\w$#]*)"?'
_CREATE = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(TABLE|SEQUENCE|VIEW|PACKAGE\s+BODY|PACKAGE|TRIGGER|"
    r"PROCEDURE|FUNCTION|INDEX)\s+" + _NAME,
    re.IGNORECASE,
)
_DROP = re.compile(
    r"^\s*DROP\s+(TABLE|SEQUENCE|VIEW|PACKAGE\s+BODY|PACKAGE|TRIGGER|PROCEDURE|FUNCTION|INDEX)\s+"
    + _NAME,
    re.IGNORECASE,
)
_TOUCHES = re.compile(
    r"^\s*(?:ALTER\s+TABLE|INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+" + _NAME, re.IGNORECASE
)
_USER = re.compile(
    r'^\s*(CREATE|ALTER)\s+USER\s+"([^"]+)"(?:\s+IDENTIFIED\s+BY\s+"([^"]*)")?'
    r'(?:\s+DEFAULT\s+TABLESPACE\s+"([^"]+)")?(?:\s+QUOTA\s+(\S+)\s+ON\s+"[^"]+")?'
    r"(\s+ACCOUNT\s+(?:LOCK|UNLOCK))?\s*$",
    re.IGNORECASE,
)


def ora(message: str) -> oracledb.DatabaseError:
    return oracledb.DatabaseError(message)


@dataclass
class OracleUser:
    password: str
    tablespace: str = "USERS"
    quota: str = ""
    locked: bool = False


@dataclass
class Var:
    """What ``cursor.var(int)`` gives: an out bind the server sets."""

    value: Any = None

    def getvalue(self) -> Any:
        return self.value

    def setvalue(self, _pos: int, value: Any) -> None:
        self.value = value


@dataclass
class OracleServer:
    users: dict[str, OracleUser] = field(
        default_factory=lambda: {"SYSTEM": OracleUser("x", "SYSTEM")}
    )
    objects: dict[tuple[str, str], str] = field(default_factory=dict)  # (owner, name) -> type
    history: dict[str, dict[int, tuple[Any, ...]]] = field(default_factory=dict)
    grants: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)  # owner -> bytes of its segments
    refuse: dict[str, str] = field(default_factory=dict)  # regex of a statement -> ORA- text
    lock_busy: bool = False
    pump_dir: str = "/u01/app/oracle/admin/ORCLCDB/dpdump/ERP"  # DATA_PUMP_DIR's path
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    login: str = "SYSTEM"

    def statements(self) -> list[str]:
        return [sql for sql, _ in self.sent]

    def owned(self, owner: str) -> dict[str, str]:
        return {name: kind for (who, name), kind in self.objects.items() if who == owner}

    @contextmanager
    def session(self) -> Iterator[OracleConnection]:
        """The ``Database`` port, through deployer's own connection wrapper."""
        yield OracleConnection(RawConnection(self))

    def close(self) -> None:
        return


class RawConnection:
    """A python-oracledb connection: autocommit, cursors, ping, close."""

    def __init__(self, server: OracleServer) -> None:
        self.server = server
        self.autocommit = False
        self.current = server.login

    def cursor(self) -> Cursor:
        assert self.autocommit, "deployer's statements commit one by one, as SQL*Plus's do"
        return Cursor(self)

    def ping(self) -> None:
        return

    def close(self) -> None:
        return


class Cursor:
    def __init__(self, connection: RawConnection) -> None:
        self.connection = connection
        self.server = connection.server
        self.rows: list[tuple[Any, ...]] = []

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        return

    def close(self) -> None:
        return

    def var(self, _kind: type) -> Var:
        return Var()

    def fetchall(self) -> Sequence[tuple[Any, ...]]:
        rows, self.rows = self.rows, []
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows.pop(0) if self.rows else None

    def execute(self, sql: str, binds: dict[str, Any] | None = None, /) -> None:
        binds = dict(binds or {})
        self.server.sent.append((sql, binds))
        self.rows = []
        for pattern, message in self.server.refuse.items():
            if re.search(pattern, sql):
                raise ora(message)
        plsql = bool(_PLSQL.match(sql))
        if sql.rstrip().endswith(";") and not plsql:
            raise ora("ORA-00911: invalid character")
        if plsql and not sql.rstrip().endswith(";"):
            raise ora("ORA-24344: success with compilation error")
        self._answer(sql, binds)

    @property
    def current(self) -> str:
        return self.connection.current

    def _answer(self, sql: str, binds: dict[str, Any]) -> None:  # noqa: PLR0912
        server = self.server
        flat = " ".join(sql.split())
        if m := re.match(r'ALTER SESSION SET CURRENT_SCHEMA = "([^"]+)"$', flat):
            if m.group(1) not in server.users:
                raise ora("ORA-01435: user does not exist")
            self.connection.current = m.group(1)
        elif "FROM dba_users WHERE username = :name" in flat:
            self.rows = [(int(binds["name"] in server.users),)]
        elif "FROM dba_tables WHERE owner = :owner AND table_name = :name" in flat:
            self.rows = [(int((binds["owner"], binds["name"]) in server.objects),)]
        elif "FROM dba_segments WHERE owner = :owner" in flat:
            self.rows = [(server.sizes.get(binds["owner"], 0),)]
        elif "FROM dba_objects WHERE owner = :owner" in flat:
            kinds = {v for k, v in binds.items() if re.fullmatch(r"t\d+", k)}
            self.rows = sorted(
                (name, kind) for name, kind in server.owned(binds["owner"]).items() if kind in kinds
            )
        elif "FROM dba_directories WHERE directory_name = 'DATA_PUMP_DIR'" in flat:
            self.rows = [(server.pump_dir,)] if server.pump_dir else []
        elif m := re.match(r'DROP USER "([^"]+)" CASCADE$', flat):
            if m.group(1) not in server.users:
                raise ora(f"ORA-01918: user '{m.group(1)}' does not exist")
            del server.users[m.group(1)]
            server.history.pop(m.group(1), None)
            server.objects = {k: v for k, v in server.objects.items() if k[0] != m.group(1)}
        elif m := _USER.match(flat):
            self._user(m)
        elif flat.startswith("GRANT "):
            server.grants.append(flat)
        elif "DBMS_LOCK.REQUEST" in flat:
            binds["status"].setvalue(0, 1 if server.lock_busy else 0)
        elif "DBMS_LOCK.RELEASE" in flat:
            binds["status"].setvalue(0, 0)
        elif f'"{HISTORY}"' in flat:
            self._history(flat, binds)
        elif m := _CREATE.match(flat):
            kind, name = " ".join(m.group(1).upper().split()), m.group(2).upper()
            # A body shares its package's name; kept apart here under "NAME BODY".
            key = (self.current, f"{name} BODY" if kind == "PACKAGE BODY" else name)
            if kind == "TABLE" and key in server.objects:
                raise ora("ORA-00955: name is already used by an existing object")
            server.objects[key] = kind
        elif m := _DROP.match(flat):
            name = m.group(2).upper()
            if (self.current, name) not in server.objects:
                raise ora("ORA-04043: object does not exist")
            del server.objects[(self.current, name)]
            if m.group(1).upper() == "PACKAGE":
                server.objects.pop((self.current, name + " BODY"), None)
        elif (m := _TOUCHES.match(flat)) and (
            self.current,
            m.group(1).upper(),
        ) not in server.objects:
            raise ora("ORA-00942: table or view does not exist")

    def _user(self, m: re.Match[str]) -> None:
        verb, name, password, tablespace, quota, lock = m.groups()
        users = self.server.users
        if verb.upper() == "CREATE":
            if name in users:
                raise ora(f"ORA-01920: user name '{name}' conflicts with another user or role")
            users[name] = OracleUser(password or "", tablespace or "USERS", quota or "")
        elif name not in users:
            raise ora(f"ORA-01918: user '{name}' does not exist")
        user = users[name]
        user.password = password or user.password
        user.tablespace = tablespace or user.tablespace
        user.quota = quota or user.quota
        if lock:
            user.locked = "UNLOCK" not in lock.upper()

    def _history(self, flat: str, binds: dict[str, Any]) -> None:
        owner = self.current
        rows = self.server.history
        if flat.startswith("CREATE TABLE"):
            if owner in rows:
                raise ora("ORA-00955: name is already used by an existing object")
            rows[owner] = {}
            self.server.objects[(owner, HISTORY)] = "TABLE"
            return
        if owner not in rows:
            raise ora("ORA-00942: table or view does not exist")
        if flat.startswith("SELECT"):
            self.rows = [rows[owner][v] for v in sorted(rows[owner])]
        elif flat.startswith("INSERT"):
            row = (binds["version"], binds["description"], binds["checksum"], binds["success"])
            rows[owner][binds["version"]] = (
                *row,
                binds["installed_by"],
                "2026-12-04",
                binds["run_id"],
            )
        elif flat.startswith("DELETE"):
            rows[owner].pop(binds["version"], None)

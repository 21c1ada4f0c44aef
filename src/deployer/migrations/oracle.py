"""Schema and account set-up on Oracle, where a schema is a user.

The schema's own user owns the objects but never logs in: it is created locked, with a random
password nobody keeps, its default tablespace and its quota there. The migrations run as the
admin account inside it (``ALTER SESSION SET CURRENT_SCHEMA``). The product's account gets
CREATE SESSION and data privileges on each of the schema's objects, granted again after every
migration, since Oracle (before 23ai) has no grant on a whole schema.

Names are quoted identifiers; values are binds, except what DDL cannot bind (a password, a
quota), which is checked against a strict form first.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from deployer.errors import DeployerError, ExitCode
from deployer.migrations.dialects import HISTORY_TABLE, ORACLE
from deployer.migrations.runner import Cursor
from deployer.spec.environment import Schema
from deployer.transport.oracle import quote_stored

_QUOTA = re.compile(r"^(UNLIMITED|[1-9][0-9]{0,9}[KMGT]?)$")
#: What the product's own account may do with each kind of object: data, not structure.
APP_PRIVILEGES = {
    "TABLE": "SELECT, INSERT, UPDATE, DELETE",
    "VIEW": "SELECT",
    "SEQUENCE": "SELECT",
    "PACKAGE": "EXECUTE",
    "PROCEDURE": "EXECUTE",
    "FUNCTION": "EXECUTE",
    "TYPE": "EXECUTE",
}


class OracleAccountRefused(DeployerError):
    exit_code = ExitCode.APPLY_FAILED


def user_name(name: str) -> str:
    """How Oracle stores a user or schema name given without quotes."""
    return name.upper()


def _count(cursor: Cursor, sql: str, binds: dict[str, str]) -> int:
    cursor.execute(sql, binds)
    row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def schema_exists(cursor: Cursor, schema: str) -> bool:
    return user_exists(cursor, schema)


def user_exists(cursor: Cursor, name: str) -> bool:
    sql = "SELECT COUNT(*) FROM dba_users WHERE username = :name"
    return _count(cursor, sql, {"name": user_name(name)}) > 0


def history_exists(cursor: Cursor, schema: str) -> bool:
    sql = "SELECT COUNT(*) FROM dba_tables WHERE owner = :owner AND table_name = :name"
    return _count(cursor, sql, {"owner": user_name(schema), "name": HISTORY_TABLE.upper()}) > 0


def schema_size_mb(cursor: Cursor, schema: str) -> float:
    """The schema's segments (tables, indexes, LOBs): what a Data Pump export reads."""
    cursor.execute(
        "SELECT NVL(SUM(bytes), 0) FROM dba_segments WHERE owner = :owner",
        {"owner": user_name(schema)},
    )
    row = cursor.fetchone()
    return float(row[0] if row else 0) / (1024 * 1024)


def _quota(schema: Schema) -> str:
    quota = schema.oracle_quota
    if not _QUOTA.match(quota):  # the spec checked it; DDL takes no bind, so check again
        raise ValueError(f"not a quota: {quota!r}")
    return quota


def ensure_schema(cursor: Cursor, schema: Schema) -> bool:
    """The schema's user with its tablespace and quota; True if it was created. An existing
    one (often made by the site's DBA) is given the tablespace and quota only when the spec
    names them, and left as it is otherwise."""
    owner = ORACLE.quote_ident(schema.name)
    space = ORACLE.quote_ident(schema.oracle_tablespace)
    storage = f"DEFAULT TABLESPACE {space} QUOTA {_quota(schema)} ON {space}"
    if schema_exists(cursor, schema.name):
        if schema.tablespace is not None or schema.quota is not None:
            cursor.execute(f"ALTER USER {owner} {storage}")
        return False
    # Nobody logs in as the schema: a random password, never kept, on a locked account.
    unused = "S" + secrets.token_hex(14)
    cursor.execute(f'CREATE USER {owner} IDENTIFIED BY "{unused}" {storage} ACCOUNT LOCK')
    return True


def _password(schema: Schema, user: str, password: str) -> str:
    """A password as a quoted identifier takes it: no double quote, no NUL, at most 30."""
    if '"' in password or "\0" in password or not 0 < len(password.encode()) <= 30:
        raise OracleAccountRefused(
            f"schema {schema.name}: the password of {user} cannot be given to Oracle "
            "(it must be 1 to 30 bytes, without a double quote)"
        )
    return password


def ensure_account(
    cursor: Cursor, schema: Schema, user: str, password: str, hosts: Sequence[str] = ()
) -> None:
    """The product's account, able to log in and nothing more until its grants; ``hosts``
    is MySQL's business (an Oracle account is not bound to where it connects from)."""
    account = ORACLE.quote_ident(user)
    secret = _password(schema, user, password)
    space = ORACLE.quote_ident(schema.oracle_tablespace)
    if user_exists(cursor, user):
        cursor.execute(f'ALTER USER {account} IDENTIFIED BY "{secret}" ACCOUNT UNLOCK')
    else:
        cursor.execute(f'CREATE USER {account} IDENTIFIED BY "{secret}" DEFAULT TABLESPACE {space}')
    cursor.execute(f"GRANT CREATE SESSION TO {account}")


def grant_objects(cursor: Cursor, schema: Schema, user: str) -> int:
    """Data privileges on each of the schema's objects to the product's account; returns how
    many objects. The history table is deployer's: the product may read it (to know its
    schema's version), not write it."""
    marks = ", ".join(f":t{i}" for i in range(len(APP_PRIVILEGES)))
    binds = {f"t{i}": kind for i, kind in enumerate(APP_PRIVILEGES)}
    cursor.execute(
        "SELECT object_name, object_type FROM dba_objects WHERE owner = :owner "  # noqa: S608 - marks are bind names
        f"AND object_type IN ({marks}) AND object_name NOT LIKE 'BIN$%' ORDER BY object_name",
        {**binds, "owner": user_name(schema.name)},
    )
    owner, account = ORACLE.quote_ident(schema.name), ORACLE.quote_ident(user)
    objects = [(str(name), str(kind)) for name, kind in cursor.fetchall()]
    for name, kind in objects:
        allowed = "SELECT" if name == HISTORY_TABLE.upper() else APP_PRIVILEGES[kind]
        cursor.execute(f"GRANT {allowed} ON {owner}.{quote_stored(name)} TO {account}")
    return len(objects)

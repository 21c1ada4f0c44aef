"""Schema and account set-up on MySQL/MariaDB; names quoted as identifiers, values as parameters."""

from __future__ import annotations

import re
from collections.abc import Sequence

from deployer.migrations.dialects import HISTORY_TABLE, MYSQL
from deployer.migrations.runner import Cursor
from deployer.spec.environment import Schema

_NAME = re.compile(r"^[A-Za-z0-9_]+$")
#: What the product's own account may do in its schema: data, not structure.
APP_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE, CREATE TEMPORARY TABLES, EXECUTE"


def _charset_name(value: str) -> str:
    """Character set and collation names cannot be parameters; allow only plain names."""
    if not _NAME.match(value):
        raise ValueError(f"not a character set or collation name: {value!r}")
    return value


def schema_exists(cursor: Cursor, schema: str) -> bool:
    cursor.execute(
        "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = %(name)s",
        {"name": schema},
    )
    row = cursor.fetchone()
    return bool(row and row[0])


def history_exists(cursor: Cursor, schema: str) -> bool:
    cursor.execute(
        "SELECT COUNT(*) FROM information_schema.tables "
        "WHERE table_schema = %(schema)s AND table_name = %(table)s",
        {"schema": schema, "table": HISTORY_TABLE},
    )
    row = cursor.fetchone()
    return bool(row and row[0])


def schema_size_mb(cursor: Cursor, schema: str) -> float:
    """Data and indexes of the schema's tables, as the server accounts them (an estimate for
    InnoDB, close enough to size a dump)."""
    cursor.execute(
        "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables "
        "WHERE table_schema = %(schema)s",
        {"schema": schema},
    )
    row = cursor.fetchone()
    return float(row[0] if row else 0) / (1024 * 1024)


def ensure_schema(cursor: Cursor, schema: Schema) -> bool:
    """Create the schema if missing; True if it was created."""
    if schema_exists(cursor, schema.name):
        return False
    cursor.execute(
        f"CREATE DATABASE {MYSQL.quote_ident(schema.name)} "
        f"CHARACTER SET {_charset_name(schema.charset)} COLLATE {_charset_name(schema.collation)}"
    )
    return True


def ensure_account(
    cursor: Cursor, schema: Schema, user: str, password: str, hosts: Sequence[str]
) -> None:
    """The product's account from each app host (an account is a user at a host), with data
    privileges on its schema only."""
    for host in hosts:
        account = {"user": user, "host": host, "password": password}
        cursor.execute(
            "CREATE USER IF NOT EXISTS %(user)s@%(host)s IDENTIFIED BY %(password)s", account
        )
        cursor.execute("ALTER USER %(user)s@%(host)s IDENTIFIED BY %(password)s", account)
        cursor.execute(
            f"GRANT {APP_PRIVILEGES} ON {MYSQL.quote_ident(schema.name)}.* TO %(user)s@%(host)s",
            {"user": user, "host": host},
        )


def grant_objects(cursor: Cursor, schema: Schema, user: str) -> None:
    """Nothing to do: the grant on the schema covers what the migrations made."""

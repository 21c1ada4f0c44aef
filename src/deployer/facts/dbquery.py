"""Database facts: the queries that read a server's version, settings and privileges over an
open connection (the run opens it: directly, or through an SSH tunnel).

On Oracle every fact is read on its own: a view the account may not read (ORA-00942 on a
``dba_*`` view, ORA-01031) leaves that one fact unknown, with the server's message in
``DatabaseFacts.unknown``, and the others are still read. What is not a statement's refusal
(the connection dropped, a driver error) is left to the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deployer.facts.database import DatabaseFacts, TablespaceSpace
from deployer.spec import LoadedEnvironment
from deployer.spec.environment import Database
from deployer.spec.matrix import SupportMatrix

MYSQL_VARIABLES = (
    "character_set_server",
    "collation_server",
    "lower_case_table_names",
    "sql_mode",
    "max_allowed_packet",
    "max_connections",
    "innodb_buffer_pool_size",
    "version_comment",
)
ORACLE_PARAMETERS = ("NLS_CHARACTERSET", "NLS_NCHAR_CHARACTERSET", "NLS_LANGUAGE")
#: Most precise first: version_full appears with 18c (11g answers ORA-00904), the v$ views
#: may be closed to an account without dictionary access, product_component_version is not.
ORACLE_VERSION_QUERIES = (
    "SELECT version_full FROM v$instance",
    "SELECT banner FROM v$version WHERE banner LIKE 'Oracle%'",
    "SELECT version FROM product_component_version WHERE product LIKE 'Oracle%'",
)
_MB = 1024 * 1024


def matrix_settings(loaded: LoadedEnvironment, engine: str) -> list[str]:
    """Every server variable the matrix sets a requirement on, so none comes back unknown."""
    required: dict[str, object] = getattr(loaded.matrix.database_settings, engine, {})
    return [name.lower() for name in required]


def oracle_parameters(matrix: SupportMatrix) -> list[str]:
    """The parameters read from an Oracle database: the NLS ones always read, and every one
    the matrix names, as the dictionary spells them (upper case)."""
    return sorted({*ORACLE_PARAMETERS, *(name.upper() for name in matrix.database_settings.oracle)})


def oracle_tablespaces(database: Database) -> list[str]:
    return sorted({schema.oracle_tablespace for schema in database.schemas})


def query_mysql(database: Database, connection: Any, variables: list[str]) -> DatabaseFacts:
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        version = str(cursor.fetchone()[0])
        marks = ", ".join(["%s"] * len(variables))
        cursor.execute(f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({marks})", variables)
        settings = {str(k): str(v) for k, v in cursor.fetchall()}
        cursor.execute("SHOW GRANTS")
        grants = tuple(str(row[0]) for row in cursor.fetchall())
    return DatabaseFacts(
        engine=database.engine,
        version=version,
        user=database.admin.user,
        address=f"{connection.host}:{connection.port}",
        settings=settings,
        privileges=grants,
    )


class _Reader:
    """Runs one statement for one fact; a refusal is noted against the fact, not raised."""

    def __init__(self, cursor: Any, refusal: type[Exception]) -> None:
        self.cursor = cursor
        self.refusal = refusal
        self.unknown: dict[str, str] = {}

    def rows(
        self, fact: str, sql: str, binds: dict[str, str] | None = None
    ) -> list[tuple[Any, ...]] | None:
        try:
            if binds is None:
                self.cursor.execute(sql)
            else:
                self.cursor.execute(sql, binds)
            found = [tuple(row) for row in self.cursor.fetchall()]
        except self.refusal as exc:
            self.unknown[fact] = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return None
        return found


def query_oracle(
    database: Database,
    connection: Any,
    address: str,
    parameters: Sequence[str] = ORACLE_PARAMETERS,
) -> DatabaseFacts:
    """The facts of an open python-oracledb connection (or anything with its ``cursor()``)."""
    import oracledb  # noqa: PLC0415 - only sites with Oracle pay its import time

    cursor = connection.cursor()
    read = _Reader(cursor, oracledb.DatabaseError)
    try:
        version = _oracle_version(read)
        settings = _oracle_settings(read, parameters)
        privileges = read.rows("privileges", "SELECT privilege FROM session_privs")
        roles = read.rows("roles", "SELECT role FROM session_roles")
        tablespaces = _oracle_tablespaces(read, oracle_tablespaces(database))
        lock = read.rows(
            "dbms_lock",
            "SELECT COUNT(*) FROM all_tab_privs WHERE table_schema = 'SYS' "
            "AND table_name = 'DBMS_LOCK' AND privilege = 'EXECUTE'",
        )
        life = read.rows(
            "password_life_time",
            "SELECT limit FROM dba_profiles WHERE profile = 'DEFAULT' "
            "AND resource_name = 'PASSWORD_LIFE_TIME'",
        )
    finally:
        cursor.close()
    return DatabaseFacts(
        engine="oracle",
        version=version,
        user=database.admin.user,
        address=address,
        settings=settings,
        privileges=tuple(str(row[0]) for row in privileges or ()),
        roles=tuple(str(row[0]) for row in roles or ()),
        tablespaces=tablespaces,
        # ALL_PROCEDURES would not do: it lists SYS's packages to any holder of CREATE ANY
        # PROCEDURE, which the admin has, though that privilege does not reach SYS's objects.
        dbms_lock=None if lock is None else bool(lock and lock[0][0]),
        password_life_time=str(life[0][0]) if life else None,
        unknown=read.unknown,
    )


def _oracle_version(read: _Reader) -> str:
    for sql in ORACLE_VERSION_QUERIES:
        rows = read.rows("version", sql)
        if rows and rows[0][0]:
            read.unknown.pop("version", None)  # an older view answered
            return str(rows[0][0])
    return ""


def _in_list(names: Sequence[str]) -> tuple[str, dict[str, str]]:
    """``:p0, :p1`` and their binds: names are values, never part of the SQL."""
    binds = {f"p{i}": name for i, name in enumerate(names)}
    return ", ".join(f":{key}" for key in binds), binds


def _oracle_settings(read: _Reader, parameters: Sequence[str]) -> dict[str, str]:
    """NLS parameters from nls_database_parameters; any other name from v$parameter (which
    needs dictionary access, so only asked when the matrix names one)."""
    names = sorted({name.upper() for name in parameters})
    marks, binds = _in_list(names)
    rows = read.rows(
        "settings",
        f"SELECT parameter, value FROM nls_database_parameters WHERE parameter IN ({marks})",  # noqa: S608
        binds,
    )
    settings = {str(name): "" if value is None else str(value) for name, value in rows or ()}
    rest = [name for name in names if name not in settings]
    if rest:
        marks, binds = _in_list(rest)
        rows = read.rows(
            "settings",
            f"SELECT UPPER(name), value FROM v$parameter WHERE UPPER(name) IN ({marks})",  # noqa: S608
            binds,
        )
        settings.update(
            (str(name), "" if value is None else str(value)) for name, value in rows or ()
        )
    return settings


def _oracle_tablespaces(read: _Reader, names: Sequence[str]) -> dict[str, TablespaceSpace] | None:
    marks, binds = _in_list(names)
    files = read.rows(
        "tablespaces",
        "SELECT tablespace_name, SUM(CASE WHEN autoextensible = 'YES' AND maxbytes > bytes "  # noqa: S608
        "THEN maxbytes - bytes ELSE 0 END) FROM dba_data_files "
        f"WHERE tablespace_name IN ({marks}) GROUP BY tablespace_name",
        binds,
    )
    if files is None:
        return None
    free = read.rows(
        "tablespaces",
        "SELECT tablespace_name, SUM(bytes) FROM dba_free_space "  # noqa: S608
        f"WHERE tablespace_name IN ({marks}) GROUP BY tablespace_name",
        binds,
    )
    if free is None:
        return None
    # A full tablespace has no free extent, so no row in dba_free_space.
    free_bytes = {str(name): float(size or 0) for name, size in free}
    return {
        str(name): TablespaceSpace(
            free_mb=round(free_bytes.get(str(name), 0.0) / _MB, 1),
            autoextend_mb=round(float(growth or 0) / _MB, 1),
        )
        for name, growth in files
    }

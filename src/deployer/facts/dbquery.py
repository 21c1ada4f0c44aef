"""Database facts: the queries that read a server's version, settings and privileges over an
open connection (the run opens it: directly, or through an SSH tunnel)."""

from __future__ import annotations

from typing import Any

from deployer.facts.database import DatabaseFacts
from deployer.spec import LoadedEnvironment
from deployer.spec.environment import Database
from deployer.transport.database import open_oracle
from deployer.transport.tunnel import Endpoint

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


def matrix_settings(loaded: LoadedEnvironment, engine: str) -> list[str]:
    """Every server variable the matrix sets a requirement on, so none comes back unknown."""
    required: dict[str, object] = getattr(loaded.matrix.database_settings, engine, {})
    return [name.lower() for name in required]


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


def query_oracle(database: Database, endpoint: Endpoint, password: str) -> DatabaseFacts:
    address = f"{endpoint.host}:{endpoint.port}"
    connection: Any = open_oracle(
        endpoint, database.service_name or "ORCL", database.admin.user, password
    )
    try:
        cursor = connection.cursor()
        version = _oracle_version(cursor)
        binds = {f"p{i}": name for i, name in enumerate(ORACLE_PARAMETERS)}
        marks = ", ".join(f":{name}" for name in binds)
        cursor.execute(
            f"SELECT parameter, value FROM nls_database_parameters WHERE parameter IN ({marks})",  # noqa: S608
            binds,
        )
        settings = {str(k): str(v) for k, v in cursor.fetchall()}
        cursor.execute(
            "SELECT privilege FROM session_privs UNION ALL SELECT role FROM session_roles"
        )
        privileges = tuple(str(r[0]) for r in cursor.fetchall())
    finally:
        connection.close()
    return DatabaseFacts(
        engine="oracle",
        version=version,
        user=database.admin.user,
        address=address,
        settings=settings,
        privileges=privileges,
    )


def _oracle_version(cursor: Any) -> str:
    """18c+ has version_full (19.3.0.0.0); older ones only the banner's 11.2.0.4.0."""
    try:
        cursor.execute("SELECT version_full FROM v$instance")
    except Exception:  # ORA-00904 before 18c, ORA-00942 without access to v$instance
        cursor.execute("SELECT banner FROM v$version WHERE banner LIKE 'Oracle%'")
    row = cursor.fetchone()
    return str(row[0]) if row else ""

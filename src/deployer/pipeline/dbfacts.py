"""Database facts over a real connection: direct when the port answers, else an SSH tunnel."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pymysql

from deployer.errors import DeployerError, ExitCode
from deployer.facts.database import DatabaseFacts
from deployer.journal.redact import Redactor
from deployer.migrations.runner import driver_message
from deployer.spec import LoadedEnvironment
from deployer.spec.environment import Database
from deployer.transport.database import DatabaseUnavailable, open_mysql, open_oracle
from deployer.transport.ssh import SshOptions, SshTarget
from deployer.transport.tunnel import Endpoint, reachable, ssh_tunnel

log = logging.getLogger(__name__)

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


@contextmanager
def database_endpoint(
    loaded: LoadedEnvironment, targets: dict[str, SshTarget], options: SshOptions
) -> Iterator[tuple[Endpoint, bool]]:
    """(endpoint, tunnelled): the database itself, or a local tunnel through its host."""
    database = loaded.env.database
    assert database is not None
    host = loaded.env.host(database.host)
    direct = Endpoint(host.address if host else database.host, database.effective_port)
    if reachable(direct) or host is None or host.name not in targets:
        yield direct, False
        return
    with ssh_tunnel(targets[host.name], Endpoint("127.0.0.1", direct.port), options) as local:
        yield local, True


class DatabaseFailed(DeployerError):
    """The database server refused or lost a statement: its own message, secrets masked."""

    exit_code = ExitCode.APPLY_FAILED


@contextmanager
def database_errors(where: str, secrets: Sequence[str]) -> Iterator[None]:
    """Driver and socket errors of the block as a DatabaseFailed naming ``where`` with the
    server's message. PyMySQL also raises ValueError and AssertionError on what it cannot
    parse; a server's message may quote a statement, hence the masking of ``secrets``."""
    try:
        yield
    except (pymysql.err.MySQLError, OSError, ValueError, AssertionError) as exc:
        # The redactor masks each secret also as the driver escaped it: the server quotes a
        # statement as it was sent.
        raise DatabaseFailed(Redactor(secrets)(f"{where}: {driver_message(exc)}")) from exc


@contextmanager
def mysql_session(
    loaded: LoadedEnvironment,
    targets: dict[str, SshTarget],
    options: SshOptions,
    password: str,
    secrets: Sequence[str] = (),
) -> Iterator[tuple[Any, bool]]:
    """(connection, tunnelled) as the admin account: directly when the server takes it, else
    through an SSH tunnel to the database host's loopback (admin accounts are often allowed
    from there only, and the port is often firewalled). An error of the server in the block
    is a DatabaseFailed, with ``password`` and ``secrets`` masked in its message."""
    database = loaded.env.database
    assert database is not None
    host = loaded.env.host(database.host)
    direct = Endpoint(host.address if host else database.host, database.effective_port)
    where = f"{database.engine} on {database.host}"
    via = targets.get(host.name) if host else None
    with (
        database_errors(where, [password, *secrets]),
        _connection(direct, database.admin.user, password, via, options) as session,
    ):
        yield session


@contextmanager
def _connection(
    direct: Endpoint, user: str, password: str, via: SshTarget | None, options: SshOptions
) -> Iterator[tuple[Any, bool]]:
    connection = None
    if reachable(direct):
        try:
            connection = open_mysql(direct, user, password)
        except DatabaseUnavailable:
            if via is None:
                raise
            log.debug("direct login to %s refused; trying through SSH", direct.host)
    if connection is not None:
        with _closing(connection):
            yield connection, False
        return
    if via is None:
        raise DatabaseUnavailable(f"{direct.host}:{direct.port} does not answer")
    with ssh_tunnel(via, Endpoint("127.0.0.1", direct.port), options) as local:
        connection = open_mysql(local, user, password)
        with _closing(connection):
            yield connection, True


@contextmanager
def _closing(connection: Any) -> Iterator[None]:
    """Close the connection after the block; a connection the server already dropped must
    not hide the error that dropped it."""
    try:
        yield
    finally:
        try:
            connection.close()
        except (pymysql.err.MySQLError, OSError):
            log.debug("closing the database connection failed", exc_info=True)


def collect_database_facts(
    loaded: LoadedEnvironment, targets: dict[str, SshTarget], options: SshOptions, redact: Redactor
) -> tuple[DatabaseFacts | None, str | None]:
    """(facts, None) or (None, why not) — a missing password or a refused login is data."""
    database = loaded.env.database
    if database is None:
        return None, None
    try:
        password = database.admin.password.reveal(loaded.base_dir)
        redact.add(password)
        wanted = sorted({*MYSQL_VARIABLES, *_matrix_settings(loaded, database.engine)})
        if database.engine == "oracle":
            with database_endpoint(loaded, targets, options) as (endpoint, tunnelled):
                facts = _query_oracle(database, endpoint, password)
        else:
            with mysql_session(loaded, targets, options, password) as (connection, tunnelled):
                facts = _query_mysql(database, connection, wanted)
    except DeployerError as exc:
        return None, redact(str(exc))
    return facts.model_copy(update={"via_tunnel": tunnelled}), None


def _matrix_settings(loaded: LoadedEnvironment, engine: str) -> list[str]:
    """Every server variable the matrix sets a requirement on, so none comes back unknown."""
    required: dict[str, object] = getattr(loaded.matrix.database_settings, engine, {})
    return [name.lower() for name in required]


def _query_mysql(database: Database, connection: Any, variables: list[str]) -> DatabaseFacts:
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


def _query_oracle(database: Database, endpoint: Endpoint, password: str) -> DatabaseFacts:
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

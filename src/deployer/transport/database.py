"""Database connections (PyMySQL, python-oracledb) to an endpoint, often an SSH tunnel's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deployer.errors import DeployerError, ExitCode
from deployer.transport.tunnel import Endpoint

if TYPE_CHECKING:
    import pymysql


class DatabaseUnavailable(DeployerError):
    """The database did not accept the connection (down, refused, wrong credentials)."""

    exit_code = ExitCode.HOST_UNREACHABLE


def open_mysql(
    endpoint: Endpoint, user: str, password: str, database: str | None = None, timeout: float = 10.0
) -> pymysql.connections.Connection[Any]:
    """A MySQL/MariaDB connection in autocommit mode speaking utf8mb4."""
    # PyMySQL brings cryptography and ssl with it: a run that opens no database skips them.
    import pymysql  # noqa: PLC0415

    try:
        return pymysql.connect(
            host=endpoint.host,
            port=endpoint.port,
            user=user,
            password=password,
            database=database,
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=int(max(1, timeout)),
            read_timeout=300,
            write_timeout=300,
        )
    except pymysql.MySQLError as exc:
        raise DatabaseUnavailable(
            f"MySQL at {endpoint.host}:{endpoint.port}: {_reason(exc)}"
        ) from None


def open_oracle(endpoint: Endpoint, service_name: str, user: str, password: str) -> Any:
    """A python-oracledb connection in thin mode (no Oracle client install needed)."""
    import oracledb  # noqa: PLC0415 - only sites with Oracle pay its import time

    try:
        dsn = oracledb.makedsn(endpoint.host, endpoint.port, service_name=service_name)
        return oracledb.connect(user=user, password=password, dsn=dsn)
    except oracledb.Error as exc:
        raise DatabaseUnavailable(f"Oracle at {endpoint.host}:{endpoint.port}: {exc}") from None


def _reason(exc: Exception) -> str:
    args: tuple[Any, ...] = tuple(exc.args)
    if len(args) >= 2 and isinstance(args[0], int):
        return f"({args[0]}) {args[1]}"
    return str(exc) or type(exc).__name__

"""The run's database admin session (MySQL/MariaDB, or Oracle through its opener): opened on
first use, kept for the run, closed at its end; directly when the server takes the login, else
through an SSH tunnel to the database host's loopback (admin accounts are often allowed from
there only, and the port is often firewalled).

The database port of orchestration is ``Database``: apply's schema stage, the rollback plan
and the rollback ask it for a session, and unit tests pass a fake with a recording cursor.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from deployer.errors import DeployerError, ExitCode
from deployer.transport.database import DatabaseUnavailable, open_mysql
from deployer.transport.ssh import SshOptions, SshTarget
from deployer.transport.tunnel import Endpoint, reachable, ssh_tunnel

log = logging.getLogger(__name__)

Mask = Callable[[str], str]


class Connection(Protocol):
    """What orchestration uses of a connection: cursors, and the schema statements run in."""

    def cursor(self) -> Any: ...

    def select_db(self, db: str) -> None: ...


class Database(Protocol):
    def session(self) -> AbstractContextManager[Connection]: ...


class DatabaseFailed(DeployerError):
    """The database server refused or lost a statement: its own message, secrets masked."""

    exit_code = ExitCode.APPLY_FAILED


def driver_message(exc: BaseException) -> str:
    """``(1819) Your password does not satisfy ...`` for a server or socket error (code and
    message), else the first line of the text."""
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    if len(args) >= 2 and isinstance(args[0], int):
        # PyMySQL raises (0, "") for a statement on a connection it already closed.
        return f"({args[0]}) {args[1] or 'no message from the driver (the connection is closed)'}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def connection_errors(*also: type[Exception]) -> tuple[type[Exception], ...]:
    """What a dropped or refused connection raises: PyMySQL's errors, python-oracledb's when
    a session of it was opened, and the socket's, then ``also``. PyMySQL is imported here,
    once a database is in use: a run that opens none skips its import."""
    import pymysql  # noqa: PLC0415

    drivers: tuple[type[Exception], ...] = (pymysql.err.MySQLError,)
    oracledb = sys.modules.get("oracledb")  # nothing of it can be raised before its import
    if oracledb is not None:
        drivers += (oracledb.Error,)
    return (*drivers, OSError, *also)


@contextmanager
def database_errors(where: str, mask: Mask) -> Iterator[None]:
    """Driver and socket errors of the block as a DatabaseFailed naming ``where`` with the
    server's message. PyMySQL also raises ValueError and AssertionError on what it cannot
    parse; a server's message may quote a statement, hence ``mask`` (which masks each secret
    also as the driver escaped it: the server quotes a statement as it was sent)."""
    try:
        yield
    except connection_errors(ValueError, AssertionError) as exc:
        raise DatabaseFailed(mask(f"{where}: {driver_message(exc)}")) from exc


@dataclass(frozen=True)
class DatabaseAccess:
    """How to log in as the admin account: the server's own address, and the host to tunnel
    through when that does not answer (None when the server is not one of the spec's hosts)."""

    direct: Endpoint
    user: str
    password: str
    via: SshTarget | None
    options: SshOptions
    where: str  # "mariadb on db1", for messages
    opener: Callable[[Endpoint, str, str], Any] | None = None  # None: MySQL's; Oracle's its own


class DatabaseSessions:
    """``Database`` for one run: one admin connection, opened on first use. A connection the
    server dropped in between (the database stage restarts it) is opened again."""

    def __init__(self, access: DatabaseAccess, mask: Mask) -> None:
        self.access = access
        self.mask = mask
        self.tunnelled = False
        self.endpoint = access.direct  # where the open connection goes (a tunnel's end)
        self._connection: Any = None
        self._held = ExitStack()

    @contextmanager
    def session(self) -> Iterator[Any]:
        with database_errors(self.access.where, self.mask):
            yield self._live()

    def _live(self) -> Any:
        if self._connection is not None:
            try:
                self._connection.ping(reconnect=False)
                return self._connection
            except connection_errors():
                log.debug("the database connection was dropped; opening it again")
                self.close()
        self._connection = self._open()
        return self._connection

    def _open(self) -> Any:
        access = self.access
        if reachable(access.direct):
            try:
                connection = self._opener(access.direct, access.user, access.password)
                self.tunnelled, self.endpoint = False, access.direct
                return connection
            except DatabaseUnavailable:
                if access.via is None:
                    raise
                log.debug("direct login to %s refused; trying through SSH", access.direct.host)
        if access.via is None:
            raise DatabaseUnavailable(f"{access.direct.host}:{access.direct.port} does not answer")
        remote = Endpoint("127.0.0.1", access.direct.port)
        with ExitStack() as attempt:
            local = attempt.enter_context(ssh_tunnel(access.via, remote, access.options))
            connection = self._opener(local, access.user, access.password)
            # Kept open with the connection; a failed login ends the tunnel at once.
            self._held.push(attempt.pop_all())
        self.tunnelled, self.endpoint = True, local
        return connection

    @property
    def _opener(self) -> Callable[[Endpoint, str, str], Any]:
        return self.access.opener or open_mysql

    def close(self) -> None:
        """Close the connection and its tunnel; a connection the server already dropped must
        not hide the error that dropped it."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except connection_errors():
                log.debug("closing the database connection failed", exc_info=True)
        self._held.close()

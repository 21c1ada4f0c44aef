"""Rows of a query on the legacy system's own MySQL/MariaDB server, streamed with an
unbuffered cursor (the server sends them as they are read: memory stays flat), through an SSH
tunnel from one of the spec's hosts when only that host reaches the server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from deployer.data.source import SourceRow
from deployer.spec.dataimport import QuerySource
from deployer.transport.database import open_mysql
from deployer.transport.mysql import connection_errors, driver_message
from deployer.transport.ssh import SshOptions, SshTarget
from deployer.transport.tunnel import Endpoint, ssh_tunnel

#: Rows fetched per round trip from the server.
FETCH = 1000


class QueryRefused(Exception):
    """The legacy server refused the query: its message, for the mapping's problem."""


@contextmanager
def query_rows(
    source: QuerySource,
    base_dir: Path,
    via: SshTarget | None,
    options: SshOptions,
    keep_secret: Callable[[str], None],
) -> Iterator[Iterator[SourceRow]]:
    """The query's result as source rows: its column names first (line 0), then row 1, 2, ...
    ``keep_secret`` learns the password before anything could show it."""
    import pymysql.cursors  # noqa: PLC0415 - only query sources pay for it

    database = source.database
    password = database.password.reveal(base_dir)
    keep_secret(password)
    with ExitStack() as stack:
        endpoint = Endpoint(database.host, database.port)
        if via is not None:
            endpoint = stack.enter_context(ssh_tunnel(via, endpoint, options))
        connection = open_mysql(endpoint, database.user, password, database.database)
        stack.callback(connection.close)
        cursor = connection.cursor(pymysql.cursors.SSCursor)
        stack.callback(_abandon, cursor)
        try:
            cursor.execute(source.query)
        except connection_errors(ValueError) as exc:
            raise QueryRefused(driver_message(exc)) from None
        names = tuple(str(column[0]) for column in cursor.description)
        yield _rows(cursor, names)


def _abandon(cursor: Any) -> None:
    """A result left half read (the import stopped early) is dropped with the connection:
    reading the rest of millions of rows only to close it would take as long as the import,
    and the cursor must not try to once the connection is gone."""
    result = getattr(cursor, "_result", None)
    if result is not None:
        result.unbuffered_active = False


def _rows(cursor: Any, names: tuple[str, ...]) -> Iterator[SourceRow]:
    yield SourceRow(0, "\t".join(names), names)
    number = 0
    while batch := cursor.fetchmany(FETCH):
        for values in batch:
            number += 1
            cells = tuple(_cell(value) for value in values)
            yield SourceRow(number, "\t".join("" if c is None else str(c) for c in cells), cells)


def _cell(value: object) -> Any:
    """Values as the converters take them; bytes (BLOB, BINARY) as text when they are UTF-8."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value

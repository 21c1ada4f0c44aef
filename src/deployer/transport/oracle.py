"""An Oracle connection as orchestration uses one: cursors in autocommit, and the schema its
statements run in. python-oracledb in thin mode, so the engineer's machine needs no client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deployer.transport.database import open_oracle
from deployer.transport.tunnel import Endpoint


def quote_stored(name: str) -> str:
    """A name as the dictionary holds it, quoted as it is (no change of case)."""
    return '"' + name.replace('"', '""') + '"'


def quote_ident(name: str) -> str:
    """A schema or user name as Oracle stores an unquoted one: upper case, then quoted, so
    that no name read from a spec is parsed as SQL."""
    return quote_stored(name.upper())


class OracleConnection:
    """A python-oracledb connection with the two things the schema stage asks of MySQL's:
    ``cursor()`` and ``select_db()``. Every statement commits as the mysql client's do, so a
    migration that fails half-way leaves what it did before, on both engines alike."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.raw.autocommit = True

    def cursor(self) -> Any:
        return self.raw.cursor()

    def select_db(self, schema: str) -> None:
        """Oracle's USE: unqualified names now mean the schema's objects, and objects made
        next are made in it, whoever the session's user is."""
        cursor = self.raw.cursor()
        try:
            cursor.execute(f"ALTER SESSION SET CURRENT_SCHEMA = {quote_ident(schema)}")
        finally:
            cursor.close()

    def ping(self, reconnect: bool = False) -> None:
        self.raw.ping()

    def close(self) -> None:
        self.raw.close()


def oracle_opener(service_name: str) -> Callable[[Endpoint, str, str], OracleConnection]:
    """How DatabaseSessions opens an Oracle admin session to an endpoint (direct or a
    tunnel's) for this service."""

    def open_session(endpoint: Endpoint, user: str, password: str) -> OracleConnection:
        return OracleConnection(open_oracle(endpoint, service_name, user, password))

    return open_session

"""The database's side of the watch: connections, threads running and slow queries from
``SHOW GLOBAL STATUS``, and ``max_connections``, read over the run's database session."""

from __future__ import annotations

from typing import Any

#: The status variables the readings use; the server is asked for these only.
STATUS = ("Threads_connected", "Threads_running", "Slow_queries")
STATUS_QUERY = (
    "SHOW GLOBAL STATUS WHERE Variable_name IN (" + ", ".join(f"'{name}'" for name in STATUS) + ")"
)


def database_status(connection: Any) -> dict[str, int]:
    """The status as integers (a value that is not one is left out), with max_connections."""
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(STATUS_QUERY)
        rows = list(cursor.fetchall())
        cursor.execute("SELECT @@GLOBAL.max_connections")
        rows.append(("max_connections", cursor.fetchone()[0]))
    for name, value in rows:
        try:
            found[str(name)] = int(value)
        except (TypeError, ValueError):
            continue
    return found

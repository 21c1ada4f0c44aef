"""A throwaway MariaDB server for tests that need the real one on this machine: a private
data folder, a unix socket for root and a loopback port; skipped, saying why, where the
server's programs are missing."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymysql
import pytest

from deployer.migrations.dialects import MYSQL
from deployer.migrations.files import discover
from deployer.migrations.runner import Runner
from tests.support.sample_erp import MIGRATIONS


def program(name: str) -> str | None:
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MariaDB:
    """A throwaway server on a unix socket (as root) and a loopback port (for the product)."""

    def __init__(self, folder: Path, port: int) -> None:
        self.socket = folder / "mysqld.sock"
        self.port = port

    def connect(self, database: str | None = None) -> pymysql.connections.Connection[Any]:
        return pymysql.connect(
            unix_socket=str(self.socket),
            user="root",
            database=database,
            charset="utf8mb4",
            autocommit=True,
        )

    def sql(self, statement: str, args: Any = None, database: str | None = None) -> list[Any]:
        with self.connect(database) as connection, connection.cursor() as cursor:
            cursor.execute(statement, args)
            return list(cursor.fetchall())

    def migrate(self, database: str, upto: int) -> None:
        """deployer's runner, as apply uses it: pending migrations up to V<upto>."""
        available = [m for m in discover(MIGRATIONS) if m.version <= upto]
        with self.connect(database) as connection, connection.cursor() as cursor:
            Runner(cursor, MYSQL, database, "run-test", "tester").migrate(available)

    def undo(self, database: str, down_to: int) -> None:
        with self.connect(database) as connection, connection.cursor() as cursor:
            Runner(cursor, MYSQL, database, "run-undo", "tester").undo(
                discover(MIGRATIONS), down_to
            )

    def dump(self, database: str) -> str:
        command = [program("mariadb-dump") or "mariadb-dump", "--no-defaults"]
        command += [f"--socket={self.socket}", "--user=root", "--skip-dump-date", database]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _start_mariadb(folder: Path) -> tuple[subprocess.Popen[bytes], MariaDB]:
    data = folder / "data"
    options = ["--no-defaults", f"--user={pwd.getpwuid(os.getuid()).pw_name}", f"--datadir={data}"]
    # Small InnoDB files: pytest keeps the last runs' temporary folders.
    options += ["--innodb-log-file-size=4M", "--innodb-buffer-pool-size=32M"]
    options += ["--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci"]
    options += ["--lower-case-table-names=1"]
    install = [program("mariadb-install-db") or "", *options, "--skip-test-db"]
    install += ["--auth-root-authentication-method=normal"]
    subprocess.run(install, capture_output=True, check=True)
    server = MariaDB(folder, free_loopback_port())
    command = [program("mariadbd") or "", *options, f"--socket={server.socket}"]
    command += [f"--port={server.port}", "--bind-address=127.0.0.1"]
    command += [f"--pid-file={folder / 'mysqld.pid'}", f"--log-error={folder / 'mysqld.err'}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not server.socket.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log = (folder / "mysqld.err").read_text(errors="replace")[-2000:]
            pytest.fail(f"mariadbd did not start: {log}")
        time.sleep(0.1)
    return process, server


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_mariadb(folder: Path) -> Iterator[MariaDB]:
    """A server in ``folder`` for the block (the test is skipped where there is none)."""
    missing = [p for p in ("mariadbd", "mariadb-install-db", "mariadb-dump") if not program(p)]
    if missing:
        apt = "apt-get install mariadb-server-core mariadb-client"
        pytest.skip(f"no {', '.join(missing)} here ({apt})")
    process, server = _start_mariadb(folder)
    try:
        yield server
    finally:
        stop_server(process)

"""Errors of the database stage are failures of the run, not bugs: the server's refusal comes
back as one line with its own message (passwords masked), exit 6, and ``apply --atomic``
rolls back. The server is a fake cursor raising PyMySQL's own error classes."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pymysql
import pytest
from pymysql.converters import escape_string

from deployer.errors import ExitCode
from deployer.journal import Journal, Redactor
from deployer.migrations.stage import apply_database, pending_migrations
from deployer.plan.stages import StageId, apply_stages
from deployer.rollback import RollbackPlan, SchemaStep
from deployer.rollback.restore import SchemaRestorer
from deployer.run import apply as apply_module
from deployer.run.context import RunContext, database_sessions
from deployer.run.plan import _pending
from deployer.run.secrets import RunSecrets
from deployer.spec import LoadedEnvironment, load_environment
from deployer.transport import mysql as mysql_transport
from deployer.transport import oracle as oracle_transport
from deployer.transport.database import DatabaseUnavailable
from deployer.transport.hosts import SshHosts
from deployer.transport.mysql import DatabaseFailed, driver_message
from deployer.transport.ssh import SshOptions
from tests.support.fakes import FakeHosts, managed_by_current
from tests.support.oracle_server import OracleServer, RawConnection

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "huadong-production.yml"
ADMIN = "adm'n;pw\"secret"
OWNER = "app {{pw}} #secret"
SECRETS = RunSecrets(ADMIN, {"erp": OWNER})


class FakeCursor:
    """A server with an empty history that fails the first statement ``fails`` matches."""

    def __init__(self, fails: Callable[[str], BaseException | None]) -> None:
        self.fails = fails
        self.row: tuple[Any, ...] | None = None

    def execute(self, query: str, args: Any = None) -> int:
        error = self.fails(query)
        if error is not None:
            raise error
        self.row = (0,)
        return 0

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.row

    def fetchall(self) -> list[tuple[Any, ...]]:
        return []

    def __enter__(self) -> FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class FakeConnection:
    host, port = "10.20.30.21", 3306

    def __init__(self, cursor: FakeCursor) -> None:
        self._cursor = cursor
        self.closed = False

    def cursor(self) -> FakeCursor:
        return self._cursor

    def select_db(self, name: str) -> None:
        error = self._cursor.fails(f"USE {name}")
        if error is not None:
            raise error

    def ping(self, reconnect: bool = False) -> None:
        return

    def close(self) -> None:
        self.closed = True


def on(prefix: str, error: BaseException) -> Callable[[str], BaseException | None]:
    return lambda query: error if query.startswith(prefix) else None


@pytest.fixture
def loaded() -> LoadedEnvironment:
    return load_environment(EXAMPLE)


def serve(monkeypatch: pytest.MonkeyPatch, fails: Callable[[str], BaseException | None]) -> None:
    """The database port answers and the admin login works; statements go to the fake."""
    connection = FakeConnection(FakeCursor(fails))
    monkeypatch.setattr(mysql_transport, "reachable", lambda endpoint, timeout=2.0: True)
    monkeypatch.setattr(mysql_transport, "open_mysql", lambda *args, **kwargs: connection)


def session(loaded: LoadedEnvironment) -> Any:
    """The run's database session over the fake server, masking the run's secrets."""
    mask = Redactor([ADMIN, OWNER])
    return database_sessions(loaded, SshHosts([], SshOptions()), SECRETS, mask)


def migrate(loaded: LoadedEnvironment) -> None:
    mask = Redactor([ADMIN, OWNER])
    apply_database(loaded, session(loaded), SECRETS.owner_passwords, "r1", mask=mask)


def plan_context(loaded: LoadedEnvironment) -> Any:
    return SimpleNamespace(loaded=loaded, database=session(loaded))


Refused = pymysql.err.OperationalError
#: (statement the server refuses, its error, what the message must hold, case name)
REFUSALS: list[tuple[str, BaseException, str, str]] = [
    ("ALTER USER", Refused(1819, "Your password does not satisfy"), "account erp_app: ", "policy"),
    ("CREATE DATABASE", Refused(1115, "Unknown character set: 'x'"), "", "unknown charset"),
    ("CREATE DATABASE", Refused(1044, "Access denied for user 'r'"), "", "access denied"),
    ("USE", Refused(2013, "Lost connection to server during query"), "migrations: ", "lost"),
    (
        "SELECT COUNT(*) FROM information_schema.schemata",
        ConnectionResetError(104, "reset"),
        "",
        "socket error",
    ),
]
CASES = [
    *(
        pytest.param(on(prefix, error), f"schema erp: {step}{driver_message(error)}", id=name)
        for prefix, error, step, name in REFUSALS
    ),
    pytest.param(
        on("GRANT", pymysql.err.ProgrammingError(1064, f"syntax error near '{OWNER}' at line 1")),
        "account erp_app: (1064) syntax error near '********' at line 1",
        id="a message quoting a password",
    ),
    pytest.param(
        # Quoted as the driver sent it: with backslash escapes (MySQL 5.6 has no CREATE USER
        # IF NOT EXISTS, and its syntax error quotes the rest of the statement).
        on("CREATE USER", pymysql.err.ProgrammingError(1064, f"near '{escape_string(ADMIN)}'")),
        "account erp_app: (1064) near '********'",
        id="a message quoting an escaped password",
    ),
    pytest.param(
        on("CREATE USER", pymysql.err.InterfaceError(0, "")),
        "account erp_app: (0) no message from the driver (the connection is closed)",
        id="connection gone",
    ),
]


@pytest.mark.parametrize(("fails", "expected"), CASES)
def test_a_server_error_in_the_schema_stage_is_a_failure_with_its_message(
    monkeypatch: pytest.MonkeyPatch,
    loaded: LoadedEnvironment,
    fails: Callable[[str], BaseException | None],
    expected: str,
) -> None:
    serve(monkeypatch, fails)
    with pytest.raises(DatabaseFailed) as raised:
        migrate(loaded)
    message = str(raised.value)
    assert raised.value.exit_code == ExitCode.APPLY_FAILED
    assert message.startswith("mariadb on db1: ") and expected in message, message
    assert ADMIN not in message and OWNER not in message
    assert escape_string(ADMIN) not in message and "pw" not in message


def test_a_charset_name_the_stage_refuses_is_a_failure_not_a_bug(
    monkeypatch: pytest.MonkeyPatch, loaded: LoadedEnvironment
) -> None:
    """A value no server knows, refused by deployer before it reaches the server."""
    database = loaded.env.database
    assert database is not None
    bad = database.schemas[0].model_copy(update={"charset": "utf-8"})
    env = loaded.env.model_copy(update={"database": database.model_copy(update={"schemas": [bad]})})
    serve(monkeypatch, lambda query: None)
    with pytest.raises(DatabaseFailed, match=r"schema erp: not a character set .*'utf-8'"):
        migrate(replace(loaded, env=env))


def test_plan_fails_on_a_server_error_but_notes_a_server_not_there_yet(
    monkeypatch: pytest.MonkeyPatch, loaded: LoadedEnvironment
) -> None:
    serve(monkeypatch, on("SELECT COUNT(*)", pymysql.err.OperationalError(1142, "denied")))
    with pytest.raises(DatabaseFailed, match=r"mariadb on db1: \(1142\) denied"):
        pending_migrations(loaded, session(loaded))
    with pytest.raises(DatabaseFailed):
        _pending(plan_context(loaded))

    def absent(*args: Any, **kwargs: Any) -> None:
        raise DatabaseUnavailable("10.20.30.21:3306 does not answer")

    monkeypatch.setattr("deployer.run.plan.pending_migrations", absent)
    pending, notes = _pending(plan_context(loaded))
    assert pending["erp"] and "does not answer" in notes[0]


class FakeRecorder:
    """The rollback plan's recorder, without hosts: it only notes when it was called."""

    calls: ClassVar[list[str]] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.calls.append("plan")

    def stage_starting(self, stage: Any) -> None:
        self.calls.append(f"before {stage.title}")

    def before_migrating(self) -> None:
        self.calls.append("measure")

    def finish(self) -> None:
        self.calls.append("finish")

    def finish_quietly(self) -> None:
        self.calls.append("finish")


@pytest.fixture
def apply_without_hosts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``deployer apply`` with only the schema stage, no deploy lock and no rollback plan on
    hosts; returns the order of what ran, rollbacks included."""
    calls: ClassVar[list[str]] = []
    FakeRecorder.calls = calls
    monkeypatch.setenv("HUADONG_DB_ADMIN_PASSWORD", ADMIN)
    monkeypatch.setenv("HUADONG_DB_APP_PASSWORD", OWNER)
    monkeypatch.setattr(apply_module, "RollbackRecorder", FakeRecorder)
    # Nothing is probed: the hosts are as apply's probe would find a Debian 12 host.
    managed = managed_by_current(h.name for h in load_environment(EXAMPLE).env.hosts)
    monkeypatch.setattr(apply_module, "probe_managed_hosts", lambda context: managed)
    # No host has a managed-state record to read, nor gets one.
    monkeypatch.setattr(apply_module, "read_states", lambda hosts, names=None: {})
    monkeypatch.setattr(apply_module, "write_records", lambda *args: {})
    stages = [s for s in apply_stages(load_environment(EXAMPLE).env) if s.id is StageId.SCHEMAS]
    monkeypatch.setattr(apply_module, "apply_stages", lambda env: stages)

    @contextlib.contextmanager
    def no_lock(*args: Any, **kwargs: Any) -> Iterator[None]:
        yield

    monkeypatch.setattr("deployer.locks.environment_lock", no_lock)
    # The example's hosts are not contacted, so there is no host key to ask about.
    monkeypatch.setattr(RunContext, "trust_first_contacts", lambda self: None)
    monkeypatch.setattr(socket, "gethostname", lambda: "laptop")
    return calls


Cli = Callable[[list[str]], Any]


def apply(cli: Cli, journal: Path, *extra: str) -> Any:
    return cli(["apply", str(EXAMPLE), "-y", "--journal", str(journal), *extra])


@pytest.mark.parametrize("codes", [(0, 8), (7, 7)], ids=["rolled back", "rollback failed"])
def test_atomic_apply_rolls_back_after_a_server_error(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    apply_without_hosts: list[str],
    cli: Cli,
    codes: tuple[int, int],
) -> None:
    """codes: what the rollback ends with, and what apply then exits with."""
    rollback_code, expected = codes
    serve(monkeypatch, on("ALTER USER", pymysql.err.OperationalError(1819, "policy")))

    def rollback(context: object, undone: Any, streams: object) -> int:
        apply_without_hosts.append(f"rollback {undone.meta()['status']}")
        return rollback_code

    monkeypatch.setattr("deployer.cli.rollback.rollback", rollback)
    done = apply(cli, tmp_path, "--atomic")
    assert done.code == expected, done.err
    assert "apply failed: mariadb on db1: schema erp: account erp_app: (1819) policy" in done.err
    assert "internal error" not in done.err and ADMIN not in done.err
    assert apply_without_hosts == [
        "plan",
        "before schemas and migrations",
        "measure",
        "finish",
        "rollback failed",
    ]


def test_apply_without_atomic_ends_with_exit_6_after_a_server_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, apply_without_hosts: list[str], cli: Cli
) -> None:
    serve(monkeypatch, on("CREATE DATABASE", pymysql.err.OperationalError(1115, "Unknown")))
    done = apply(cli, tmp_path)
    assert done.code == 6, done.err
    assert "(1115) Unknown" in done.err and "rollback" not in " ".join(apply_without_hosts)


def test_a_server_error_in_the_rollback_database_step_is_a_failure(
    monkeypatch: pytest.MonkeyPatch, loaded: LoadedEnvironment, tmp_path: Path
) -> None:
    """The rollback run turns it into exit 7 like any DeployerError."""
    serve(monkeypatch, on("SELECT COUNT(*)", pymysql.err.OperationalError(2013, "Lost connection")))
    run = Journal(tmp_path).start("rollback", EXAMPLE)
    restorer = SchemaRestorer(loaded, run, FakeHosts(("db1",)), session(loaded))
    plan = RollbackPlan("r1", "sample-erp", "1.1", schemas=[SchemaStep("erp", "db1", down_to=1)])
    with pytest.raises(DatabaseFailed, match=r"mariadb on db1: \(2013\) Lost connection"):
        restorer.restore(plan, SimpleNamespace(path=tmp_path))  # type: ignore[arg-type]


def test_plan_speaks_oracle_to_an_oracle_database(
    monkeypatch: pytest.MonkeyPatch, loaded: LoadedEnvironment
) -> None:
    """The run's session opens python-oracledb for an Oracle spec, never MySQL's handshake
    (which would time out on the listener and call the server unreachable)."""
    database = loaded.env.database
    assert database is not None
    oracle = database.model_copy(update={"engine": "oracle"})
    env = loaded.env.model_copy(update={"database": oracle})
    server = OracleServer()
    opened: list[tuple[Any, ...]] = []

    def mysql(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a MySQL session was opened")

    def oracle_login(*args: Any) -> RawConnection:
        opened.append(args[1:])
        return RawConnection(server)

    monkeypatch.setattr(mysql_transport, "open_mysql", mysql)
    monkeypatch.setattr(oracle_transport, "open_oracle", oracle_login)
    monkeypatch.setattr(mysql_transport, "reachable", lambda endpoint, timeout=2.0: True)
    pending, notes = _pending(plan_context(replace(loaded, env=env)))
    assert (pending["erp"], notes) == (("V1__create_core_tables.sql",), [])
    assert opened == [("ORCL", "root", ADMIN)]
    assert "FROM dba_tables WHERE owner = :owner" in server.statements()[0]

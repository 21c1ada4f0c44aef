"""Oracle's facts as the scan reads them, from servers' recorded answers
(tests/fixtures/oracle): what SQL is sent, what comes back, and how a refusal (ORA-00942 on a
dictionary view) leaves one fact unknown instead of ending the scan. The recorded cursor
fails on any statement it has no answer for, so each test also proves what was sent.

The last tests drive the scan's Oracle path (run/check.py) with the connection, the port
probe and the SSH tunnel replaced: whatever fails there ends as "(no facts, why)"."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import oracledb
import pytest

from deployer.facts.database import DatabaseFacts, TablespaceSpace
from deployer.facts.dbquery import ORACLE_PARAMETERS, oracle_parameters, query_oracle
from deployer.journal import Redactor
from deployer.run import check as check_run
from deployer.spec import LoadedEnvironment
from deployer.spec.environment import Database
from deployer.transport import mysql as session_module
from deployer.transport import oracle as oracle_module
from deployer.transport.database import DatabaseUnavailable
from deployer.transport.hosts import SshHosts
from deployer.transport.ssh import SshOptions, SshTarget
from deployer.transport.tunnel import Endpoint, TunnelError
from tests.support.checks import EXAMPLES
from tests.support.oracle_responses import RecordedServer, oracle_example

ADDRESS = "10.20.30.21:1521"
BANNER_11G = "Oracle Database 11g Enterprise Edition Release 11.2.0.4.0 - 64bit Production"
REFUSED = "ORA-00942: table or view does not exist"


def oracle_database(schemas: list[dict[str, Any]] | None = None) -> Database:
    env, _ = oracle_example(schemas)
    assert env.database is not None
    return env.database


def read(
    case: str,
    *overrides: dict[str, Any],
    parameters: list[str] | None = None,
    database: Database | None = None,
) -> tuple[DatabaseFacts, RecordedServer]:
    server = RecordedServer(case, overrides)
    facts = query_oracle(
        database or oracle_database(),
        server,
        ADDRESS,
        parameters or list(ORACLE_PARAMETERS),
    )
    return facts, server


def test_11g_version_comes_from_the_banner_after_version_full_is_refused() -> None:
    facts, server = read("zhs16gbk-11g")
    assert facts.version == BANNER_11G
    assert [sql for sql, _ in server.executed[:2]] == [
        "SELECT version_full FROM v$instance",
        "SELECT banner FROM v$version WHERE banner LIKE 'Oracle%'",
    ]
    assert "version" not in facts.unknown  # the ORA-00904 was only the way to the banner
    assert facts.engine == "oracle" and facts.address == ADDRESS and facts.user == "deployer"
    assert server.cursors[0].closed


def test_19c_version_comes_from_version_full_alone() -> None:
    facts, server = read("al32utf8-19c")
    assert facts.version == "19.3.0.0.0"
    assert not server.sent("FROM v\\$version")


def test_without_the_v_views_the_version_comes_from_product_component_version() -> None:
    facts, _ = read(
        "al32utf8-19c",
        {"sql": "FROM v\\$instance", "error": REFUSED},
        {"sql": "FROM v\\$version", "error": REFUSED},
    )
    assert facts.version == "19.0.0.0.0" and "version" not in facts.unknown


def test_a_version_no_view_gives_is_unknown_with_the_servers_reason() -> None:
    facts, _ = read(
        "al32utf8-19c",
        {"sql": "FROM v\\$instance", "error": REFUSED},
        {"sql": "FROM v\\$version", "error": REFUSED},
        {"sql": "FROM product_component_version", "error": REFUSED},
    )
    assert facts.version == "" and facts.unknown["version"] == REFUSED


def test_every_parameter_the_matrix_names_is_asked_for_in_oracles_spelling() -> None:
    _, matrix = oracle_example(
        matrix_patch={
            "database_settings": {
                "oracle": {
                    "nls_length_semantics": "CHAR",
                    "NLS_DATE_FORMAT": "DD-MON-RR",
                    "open_cursors": ">=300",
                }
            }
        }
    )
    parameters = oracle_parameters(matrix)
    assert parameters == [
        "NLS_CHARACTERSET", "NLS_DATE_FORMAT", "NLS_LANGUAGE", "NLS_LENGTH_SEMANTICS",
        "NLS_NCHAR_CHARACTERSET", "OPEN_CURSORS",
    ]  # fmt: skip
    facts, server = read("al32utf8-19c", parameters=parameters)
    [nls] = server.sent("FROM nls_database_parameters")
    assert sorted(nls.values()) == parameters
    # Only the name nls_database_parameters does not hold is asked of v$parameter.
    assert [sorted(b.values()) for b in server.sent("FROM v\\$parameter")] == [["OPEN_CURSORS"]]
    assert facts.setting("nls_length_semantics") == "BYTE"
    assert facts.setting("NLS_DATE_FORMAT") == "DD-MON-RR"
    assert facts.setting("open_cursors") == "300"
    assert facts.settings["NLS_CHARACTERSET"] == "AL32UTF8"
    assert "NLS_TERRITORY" not in facts.settings  # what nobody asked for does not come back


def test_v_parameter_is_not_asked_when_the_nls_view_answers_everything() -> None:
    facts, server = read("zhs16gbk-11g")
    assert not server.sent("v\\$parameter")
    assert facts.settings == {
        "NLS_CHARACTERSET": "ZHS16GBK",
        "NLS_NCHAR_CHARACTERSET": "AL16UTF16",
        "NLS_LANGUAGE": "AMERICAN",
    }


def test_a_refused_v_parameter_leaves_those_settings_unknown_and_the_nls_ones_read() -> None:
    parameters = [*ORACLE_PARAMETERS, "OPEN_CURSORS"]
    facts, _ = read(
        "al32utf8-19c",
        {"sql": "FROM v\\$parameter", "error": REFUSED},
        parameters=parameters,
    )
    assert facts.setting("open_cursors") is None
    assert facts.setting("NLS_CHARACTERSET") == "AL32UTF8"
    assert facts.unknown == {"settings": REFUSED}


def test_privileges_and_roles_are_read_apart() -> None:
    facts, _ = read("zhs16gbk-11g")
    assert "CREATE ANY TRIGGER" in facts.privileges and "DBA" not in facts.privileges
    assert facts.roles[:2] == ("DBA", "SELECT_CATALOG_ROLE")


def test_tablespace_room_counts_what_autoextend_may_still_add() -> None:
    facts, server = read("al32utf8-19c")
    assert facts.tablespaces == {"USERS": TablespaceSpace(free_mb=4.0, autoextend_mb=32763.0)}
    assert server.sent("FROM dba_data_files") == [{"p0": "USERS"}]
    assert server.sent("FROM dba_free_space") == [{"p0": "USERS"}]
    old, _ = read("zhs16gbk-11g")
    assert old.tablespaces == {"USERS": TablespaceSpace(free_mb=36.0, autoextend_mb=0.0)}


def test_the_schemas_tablespaces_are_asked_for_and_a_missing_one_is_absent() -> None:
    owner = {"user": "erp_app", "password": "${env:HUADONG_DB_APP_PASSWORD}"}
    database = oracle_database(
        [{"name": "erp", "owner": owner, "tablespace": "erp_data"}, {"name": "erp_report"}]
    )
    facts, server = read("al32utf8-19c", database=database)
    assert server.sent("FROM dba_data_files") == [{"p0": "ERP_DATA", "p1": "USERS"}]
    assert facts.tablespaces is not None and set(facts.tablespaces) == {"USERS"}


def test_a_full_tablespace_has_no_free_extent_row_and_reads_as_zero_free() -> None:
    facts, _ = read("zhs16gbk-11g", {"sql": "FROM dba_free_space", "rows": []})
    assert facts.tablespaces == {"USERS": TablespaceSpace(free_mb=0.0, autoextend_mb=0.0)}


def test_a_refused_dba_view_leaves_the_tablespaces_unknown_and_reads_the_rest() -> None:
    facts, server = read("al32utf8-19c", {"sql": "FROM dba_data_files", "error": REFUSED})
    assert facts.tablespaces is None
    assert facts.unknown == {"tablespaces": REFUSED}
    assert not server.sent("FROM dba_free_space")
    assert facts.version == "19.3.0.0.0" and facts.privileges and facts.dbms_lock is True


def test_dbms_lock_is_read_from_the_grants_the_session_holds() -> None:
    assert read("al32utf8-19c")[0].dbms_lock is True
    assert read("zhs16gbk-11g")[0].dbms_lock is False
    refused, _ = read("al32utf8-19c", {"sql": "FROM all_tab_privs", "error": REFUSED})
    assert refused.dbms_lock is None and refused.unknown == {"dbms_lock": REFUSED}


def test_the_recorded_cursor_refuses_what_it_has_no_answer_for() -> None:
    cursor = RecordedServer("al32utf8-19c").cursor()
    with pytest.raises(AssertionError, match="no recorded response"):
        cursor.execute("SELECT username FROM dba_users")
    with pytest.raises(AssertionError, match="binds"):
        cursor.execute(
            "SELECT parameter, value FROM nls_database_parameters WHERE parameter IN (:p0)"
        )


# The scan's Oracle path: run/check.py ------------------------------------------------------


@pytest.fixture
def scan_context(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """What collect_database_facts reads of a RunContext, for the Oracle example with db1
    reachable over SSH; the Oracle port answers unless a test says otherwise."""
    monkeypatch.setenv("HUADONG_DB_ADMIN_PASSWORD", "s3cret-admin")
    monkeypatch.setattr(session_module, "reachable", lambda endpoint, timeout=2.0: True)
    env, matrix = oracle_example()
    loaded = LoadedEnvironment(env, matrix, EXAMPLES / "huadong-production.yml", None)  # type: ignore[arg-type]
    redact = Redactor()
    targets = (SshTarget("db1", "10.20.30.21"),)
    return SimpleNamespace(
        loaded=loaded,
        hosts=SshHosts(targets, SshOptions()),
        targets=targets,
        journal=SimpleNamespace(redact=redact),
        redact=redact,
    )


def serve(monkeypatch: pytest.MonkeyPatch, server: Any) -> list[Endpoint]:
    """Oracle logins answered by ``server``; returns the endpoints logged in to."""
    opened: list[Endpoint] = []

    def open_oracle(endpoint: Endpoint, service: str, user: str, password: str) -> Any:
        assert (service, user, password) == ("ORCLPDB1", "deployer", "s3cret-admin")
        opened.append(endpoint)
        if isinstance(server, Exception):
            raise server
        return server

    monkeypatch.setattr(oracle_module, "open_oracle", open_oracle)
    return opened


def collect(context: SimpleNamespace) -> tuple[DatabaseFacts | None, str | None]:
    return check_run.collect_database_facts(context, {"db1"})  # type: ignore[arg-type]


def test_the_scan_reads_oracle_over_its_own_connection_and_closes_it(
    monkeypatch: pytest.MonkeyPatch, scan_context: SimpleNamespace
) -> None:
    server = RecordedServer("al32utf8-19c")
    opened = serve(monkeypatch, server)
    facts, error = collect(scan_context)
    assert error is None and facts is not None
    assert facts.version == "19.3.0.0.0" and not facts.via_tunnel
    assert opened == [Endpoint("10.20.30.21", 1521)] and facts.address == ADDRESS
    assert server.closed and server.call_timeout == check_run.ORACLE_CALL_TIMEOUT_MS
    # The sample matrix names NLS_CHARACTERSET: it is asked for with the fixed ones.
    assert "NLS_CHARACTERSET" in server.sent("nls_database_parameters")[0].values()


def test_a_refused_login_is_the_reason_there_are_no_facts(
    monkeypatch: pytest.MonkeyPatch, scan_context: SimpleNamespace
) -> None:
    refused = DatabaseUnavailable(
        f"Oracle at {ADDRESS}: ORA-01017: invalid username/password; logon denied"
    )

    @contextlib.contextmanager
    def tunnel(via: SshTarget, remote: Endpoint, options: SshOptions) -> Iterator[Endpoint]:
        yield Endpoint("127.0.0.1", 41521)

    monkeypatch.setattr(session_module, "ssh_tunnel", tunnel)
    opened = serve(monkeypatch, refused)
    assert collect(scan_context) == (None, str(refused))
    # Admin accounts are often allowed from the host itself only: the tunnel is tried too.
    assert opened == [Endpoint("10.20.30.21", 1521), Endpoint("127.0.0.1", 41521)]


def test_a_driver_error_outside_one_statement_is_a_reason_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, scan_context: SimpleNamespace
) -> None:
    class Dropped(RecordedServer):
        def cursor(self) -> Any:
            raise oracledb.InterfaceError("DPY-1001: not connected to database")

    server = Dropped("al32utf8-19c")
    serve(monkeypatch, server)
    facts, error = collect(scan_context)
    assert facts is None
    assert error == "oracle on db1: DPY-1001: not connected to database"
    assert server.closed


def test_a_password_in_a_driver_message_is_masked(
    monkeypatch: pytest.MonkeyPatch, scan_context: SimpleNamespace
) -> None:
    class Chatty(RecordedServer):
        def cursor(self) -> Any:
            raise oracledb.InterfaceError("DPY-4011: closed while sending s3cret-admin")

    serve(monkeypatch, Chatty("al32utf8-19c"))
    _, error = collect(scan_context)
    assert error is not None and "s3cret-admin" not in error


class FailingTunnel:
    """``ssh_tunnel`` when ssh refuses, or cannot be started."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __enter__(self) -> Endpoint:
        raise self.error

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (TunnelError("SSH tunnel through db1 failed: Permission denied"), "Permission denied"),
        (FileNotFoundError(2, "No such file or directory", "ssh"), "No such file or directory"),
    ],
    ids=["ssh refused", "no ssh"],
)
def test_a_tunnel_that_does_not_open_is_the_reason_there_are_no_facts(
    monkeypatch: pytest.MonkeyPatch, scan_context: SimpleNamespace, error: Exception, reason: str
) -> None:
    monkeypatch.setattr(session_module, "reachable", lambda endpoint, timeout=2.0: False)
    monkeypatch.setattr(session_module, "ssh_tunnel", lambda *args: FailingTunnel(error))
    opened = serve(monkeypatch, RecordedServer("al32utf8-19c"))
    facts, error_text = collect(scan_context)
    assert facts is None and error_text is not None and reason in error_text
    assert opened == []


def test_through_a_tunnel_the_facts_say_so(
    monkeypatch: pytest.MonkeyPatch, scan_context: SimpleNamespace
) -> None:
    @contextlib.contextmanager
    def tunnel(via: SshTarget, remote: Endpoint, options: SshOptions) -> Iterator[Endpoint]:
        assert (via.name, remote) == ("db1", Endpoint("127.0.0.1", 1521))
        yield Endpoint("127.0.0.1", 41521)

    monkeypatch.setattr(session_module, "reachable", lambda endpoint, timeout=2.0: False)
    monkeypatch.setattr(session_module, "ssh_tunnel", tunnel)
    serve(monkeypatch, RecordedServer("zhs16gbk-11g"))
    facts, error = collect(scan_context)
    assert error is None and facts is not None
    assert facts.via_tunnel and facts.address == "127.0.0.1:41521"

"""The schema stage on Oracle, through deployer's own connection wrapper and a cursor that
answers as Oracle does (tests.support.oracle_server): the schema's user with its tablespace
and quota, the product's account and its grants, SQL*Plus-split migrations with a package
body and triggers, undo, a migration that fails half-way, and the migration lock."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from deployer.migrations import MigrationError
from deployer.migrations.oracle import OracleAccountRefused
from deployer.migrations.runner import MigrationFailed, MigrationLocked
from deployer.migrations.stage import apply_database, pending_migrations
from deployer.rollback.datapump import OracleDumps
from deployer.rollback.dumps import RollbackFailed
from deployer.rollback.model import RollbackPlan, SchemaStep
from deployer.rollback.restore import SchemaRestorer
from deployer.spec import LoadedEnvironment, load_environment
from tests.support.example_specs import example_spec
from tests.support.fakes import FakeHosts
from tests.support.oracle_server import HISTORY, OracleServer, OracleUser

APP_PASSWORD = "Erp#app-2026"


def oracle_example(folder: Path, target: int = 1) -> LoadedEnvironment:
    spec = example_spec(
        folder, "huadong-oracle.yml", f"target: 1 =>target: {target} ", "quota: 2G=>quota: 500M"
    )
    return load_environment(spec)


@dataclass
class FakeRun:
    """What the restorer asks of the rollback's run and of the run it undoes."""

    path: Path
    id: str = "rollback1"
    events: list[dict[str, Any]] = field(default_factory=list)

    def event(self, kind: str, **fields: Any) -> None:
        self.events.append({"type": kind, **fields})


def migrate(server: OracleServer, loaded: LoadedEnvironment, run_id: str = "run1") -> list[str]:
    outcomes = apply_database(
        loaded, server, {"erp": APP_PASSWORD}, run_id, mask=lambda t: t.replace(APP_PASSWORD, "***")
    )
    return [m.name for outcome in outcomes for m in outcome.applied]


def test_the_schema_is_a_locked_user_with_its_tablespace_and_quota(tmp_path: Path) -> None:
    server = OracleServer()
    assert migrate(server, oracle_example(tmp_path)) == ["V1__create_core_tables.sql"]
    erp = server.users["ERP"]
    assert (erp.tablespace, erp.quota, erp.locked) == ("USERS", "500M", True)
    (create,) = [s for s in server.statements() if s.startswith('CREATE USER "ERP" ')]
    assert create.endswith('DEFAULT TABLESPACE "USERS" QUOTA 500M ON "USERS" ACCOUNT LOCK')
    # The migrations ran as the admin account, in the schema: its objects are ERP's.
    assert 'ALTER SESSION SET CURRENT_SCHEMA = "ERP"' in server.statements()
    assert server.owned("ERP") == {
        "CUSTOMERS": "TABLE",
        "ORDERS": "TABLE",
        "CUSTOMERS_SEQ": "SEQUENCE",
        "ORDERS_SEQ": "SEQUENCE",
        "CUSTOMERS_BI": "TRIGGER",
        "ORDERS_BI": "TRIGGER",
        HISTORY: "TABLE",
    }
    assert server.owned("SYSTEM") == {}
    assert list(server.history["ERP"]) == [1]


def test_the_products_account_gets_data_privileges_on_each_object_only(tmp_path: Path) -> None:
    server = OracleServer()
    migrate(server, oracle_example(tmp_path))
    app = server.users["ERP_APP"]
    assert (app.password, app.locked) == (APP_PASSWORD, False)
    assert server.grants == [
        'GRANT CREATE SESSION TO "ERP_APP"',
        'GRANT SELECT, INSERT, UPDATE, DELETE ON "ERP"."CUSTOMERS" TO "ERP_APP"',
        'GRANT SELECT ON "ERP"."CUSTOMERS_SEQ" TO "ERP_APP"',
        # The product reads its schema's version there, and never writes it.
        'GRANT SELECT ON "ERP"."DEPLOYER_SCHEMA_HISTORY" TO "ERP_APP"',
        'GRANT SELECT, INSERT, UPDATE, DELETE ON "ERP"."ORDERS" TO "ERP_APP"',
        'GRANT SELECT ON "ERP"."ORDERS_SEQ" TO "ERP_APP"',
    ]


def test_a_second_apply_changes_nothing_but_the_spec_s_storage_and_password(
    tmp_path: Path,
) -> None:
    server = OracleServer()
    loaded = oracle_example(tmp_path)
    migrate(server, loaded)
    server.sent.clear()
    assert migrate(server, loaded, "run2") == []
    statements = server.statements()
    assert not [s for s in statements if s.startswith("CREATE USER")]
    assert 'ALTER USER "ERP" DEFAULT TABLESPACE "USERS" QUOTA 500M ON "USERS"' in statements
    assert pending_migrations(loaded, server)[0].pending == ()


def test_a_plsql_migration_sends_each_unit_whole_with_its_final_semicolon(tmp_path: Path) -> None:
    """V2 holds a package, its body (with a ';' inside a string), and a trigger; the server
    here refuses a SQL statement sent with its ';' and a unit sent without one."""
    server = OracleServer()
    migrate(server, oracle_example(tmp_path, target=1))
    applied = migrate(server, oracle_example(tmp_path, target=2), "run2")
    assert applied == ["V2__add_order_status.sql"]
    (body,) = [s for s in server.statements() if s.startswith("CREATE OR REPLACE PACKAGE BODY")]
    assert "'no order ' || p_order_id || ';'" in body
    assert body.endswith("END erp_orders;")
    owned = server.owned("ERP")
    assert (owned["ERP_ORDERS"], owned["ERP_ORDERS BODY"]) == ("PACKAGE", "PACKAGE BODY")
    assert owned["ORDERS_STATUS_AU"] == "TRIGGER"
    assert sorted(v[3] for v in server.history["ERP"].values()) == [1, 1]
    assert 'GRANT EXECUTE ON "ERP"."ERP_ORDERS" TO "ERP_APP"' in server.grants


def test_undo_scripts_take_the_schema_back_and_forget_the_version(tmp_path: Path) -> None:
    server = OracleServer()
    migrate(server, oracle_example(tmp_path, target=1))
    before = dict(server.owned("ERP"))
    loaded = oracle_example(tmp_path, target=2)
    migrate(server, loaded, "run2")
    plan = RollbackPlan("run2", "sample-erp", "1.1")
    plan.schemas.append(SchemaStep("erp", "db1", down_to=1))
    SchemaRestorer(loaded, FakeRun(tmp_path), FakeHosts(("app1", "db1")), server).restore(
        plan, FakeRun(tmp_path)
    )
    assert server.owned("ERP") == before
    assert list(server.history["ERP"]) == [1]
    undo = [s for s in server.statements() if s.startswith("DROP")]
    assert undo[:2] == ["DROP TRIGGER orders_status_au", "DROP PACKAGE erp_orders"]


def test_a_migration_failing_half_way_is_recorded_and_blocks_the_next(tmp_path: Path) -> None:
    server = OracleServer(
        refuse={r"TRIGGER orders_status_au": "ORA-04082: NEW or OLD references not allowed"}
    )
    migrate(server, oracle_example(tmp_path, target=1))
    loaded = oracle_example(tmp_path, target=2)
    with pytest.raises(MigrationFailed) as caught:
        migrate(server, loaded, "run2")
    message = str(caught.value)
    assert "V2__add_order_status.sql:" in message and "statement 10 of 11" in message
    assert "ORA-04082" in message
    # What ran before the failure stays (DDL commits), and the history says it failed.
    assert "ERP_ORDERS BODY" in server.owned("ERP")
    assert server.history["ERP"][2][3] == 0
    with pytest.raises(MigrationError, match=r"V2 \(.*\) failed in run run2; roll that run back"):
        migrate(server, loaded, "run3")
    # With no Data Pump export, nothing deployer holds can undo a half-done migration.
    plan = RollbackPlan("run2", "sample-erp", "1.1")
    plan.schemas.append(SchemaStep("erp", "db1", down_to=1))
    with pytest.raises(RollbackFailed, match=r"migrations \[2\] cannot be undone"):
        SchemaRestorer(loaded, FakeRun(tmp_path), FakeHosts(("app1", "db1")), server).restore(
            plan, FakeRun(tmp_path)
        )


def test_a_held_migration_lock_refuses_the_run(tmp_path: Path) -> None:
    server = OracleServer(lock_busy=True)
    with pytest.raises(MigrationLocked, match=r"deployer\.migrate\.erp"):
        migrate(server, oracle_example(tmp_path))
    assert server.history["ERP"] == {}


def test_a_password_oracle_cannot_take_is_refused_without_showing_it(tmp_path: Path) -> None:
    server = OracleServer()
    loaded = oracle_example(tmp_path)
    with pytest.raises(OracleAccountRefused) as caught:
        apply_database(loaded, server, {"erp": 'pa"ss'}, "run1", mask=lambda t: t)
    assert "without a double quote" in str(caught.value) and 'pa"ss' not in str(caught.value)
    assert "ERP_APP" not in server.users


def test_a_half_done_migration_is_undone_from_the_data_pump_export(tmp_path: Path) -> None:
    """Before migrating, expdp runs on the database host and its file comes into the run
    folder; the rollback sends that very file back, drops the schema and runs impdp. The
    admin password goes only to the script's standard input."""
    server = OracleServer(
        refuse={r"TRIGGER orders_status_au": "ORA-04082: NEW or OLD references not allowed"}
    )
    migrate(server, oracle_example(tmp_path, target=1))
    loaded = oracle_example(tmp_path, target=2)
    assert loaded.env.database is not None
    hosts = FakeHosts(("app1", "db1"), files={"db1": b"EXPORT:ERP"})
    dumps = OracleDumps(hosts, server, loaded.env.database, "adm'n\"pw")
    with pytest.raises(RollbackFailed, match="double quote"):  # a parfile cannot carry it
        dumps.take(SchemaStep("erp", "db1", down_to=1), FakeRun(tmp_path))
    dumps = replace(dumps, password="adm'n pw")
    step = dumps.take(SchemaStep("erp", "db1", down_to=1), FakeRun(tmp_path))
    assert (step.dump, step.dump_bytes) == ("dump-erp.dmp", len(b"EXPORT:ERP"))
    assert (tmp_path / "dump-erp.dmp").read_bytes() == b"EXPORT:ERP"
    with pytest.raises(MigrationFailed):
        migrate(server, loaded, "run2")
    hosts.log.clear()
    hosts.sent.clear()
    plan = RollbackPlan("run2", "sample-erp", "1.1", schemas=[step])
    SchemaRestorer(loaded, FakeRun(tmp_path), hosts, server, dumps).restore(plan, FakeRun(tmp_path))
    assert 'DROP USER "ERP" CASCADE' in server.statements()
    commands = [command for _, command in hosts.log]
    pump = "/u01/app/oracle/admin/ORCLCDB/dpdump/ERP"
    assert commands[0] == (
        f"as root: umask 077; cat > {pump}/deployer-erp.dmp && chown --reference={pump} "
        f"{pump}/deployer-erp.dmp"
    )
    assert commands[1].startswith("as root: sh -c ") and commands[1].endswith(
        " datapump impdp ERP system //127.0.0.1:1521/ORCLPDB1 deployer-erp.dmp"
    )
    assert commands[2] == f"as root: rm -f -- {pump}/deployer-erp.dmp {pump}/deployer-erp.dmp.log"
    assert hosts.sent == [b"EXPORT:ERP", b"adm'n pw\n"]
    assert not any("adm'n" in command for command in commands)


def test_a_schema_the_dba_made_keeps_its_storage_when_the_spec_names_none(tmp_path: Path) -> None:
    server = OracleServer()
    server.users["ERP"] = OracleUser("dba-kept", "ERP_DATA", "UNLIMITED")
    spec = example_spec(
        tmp_path, "huadong-oracle.yml", "      tablespace: USERS\n      quota: 2G\n=>"
    )
    migrate(server, load_environment(spec))
    assert not [s for s in server.statements() if s.startswith('ALTER USER "ERP"')]
    assert (server.users["ERP"].tablespace, server.users["ERP"].password) == (
        "ERP_DATA",
        "dba-kept",
    )
    assert list(server.history["ERP"]) == [1]

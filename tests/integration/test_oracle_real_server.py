"""The Oracle schema stage against a real server, when ``DEPLOYER_TEST_ORACLE_DSN`` names one
as ``user/password@host:port/service`` (an account with DBA rights, on a database that may
get two throwaway users): the example's migrations (a package body and triggers included) up,
the product's grants, the undo script down, then both users dropped. No Oracle server runs on
the machines the project's CI uses, so there it is skipped, saying why; the cursor-level
tests (tests/unit/migrations/test_oracle_schema_stage.py) stand in for it."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from deployer.migrations import discover
from deployer.migrations.dialects import ORACLE
from deployer.migrations.runner import Runner
from deployer.migrations.stage import apply_database, migrations_folder
from deployer.spec import load_environment
from deployer.transport.database import open_oracle
from deployer.transport.oracle import OracleConnection
from deployer.transport.tunnel import Endpoint
from tests.support.example_specs import example_spec

DSN = os.environ.get("DEPLOYER_TEST_ORACLE_DSN", "")
_DSN = re.compile(
    r"^(?P<user>[^/]+)/(?P<password>.+)@(?P<host>[^:/]+):(?P<port>\d+)/(?P<service>.+)$"
)

pytestmark = pytest.mark.skipif(
    not DSN,
    reason="DEPLOYER_TEST_ORACLE_DSN is not set: no Oracle server to test against (the "
    "cursor-level tests stand in for one)",
)


class RealServer:
    """The ``Database`` port on one admin connection to the server."""

    def __init__(self) -> None:
        match = _DSN.match(DSN)
        assert match, "DEPLOYER_TEST_ORACLE_DSN: expected user/password@host:port/service"
        endpoint = Endpoint(match["host"], int(match["port"]))
        raw = open_oracle(endpoint, match["service"], match["user"], match["password"])
        self.connection = OracleConnection(raw)

    @contextmanager
    def session(self) -> Iterator[OracleConnection]:
        yield self.connection

    def query(self, sql: str, **binds: Any) -> list[tuple[Any, ...]]:
        cursor = self.connection.cursor()
        cursor.execute(sql, binds)
        return list(cursor.fetchall())


def test_schema_migrations_grants_and_undo_on_a_real_server(tmp_path: Path) -> None:
    server = RealServer()
    tag = secrets.token_hex(3)
    schema, app = f"dpl_t{tag}", f"dpl_a{tag}"
    spec = example_spec(
        tmp_path,
        "huadong-oracle.yml",
        f"- name: erp\n=>- name: {schema}\n",
        f"user: erp_app=>user: {app}",
        "target: 1 =>target: 2 ",
    )
    loaded = load_environment(spec)
    password = "Dpl" + secrets.token_hex(8)
    try:
        outcomes = apply_database(loaded, server, {schema: password}, "real1", mask=lambda t: t)
        assert [m.name for m in outcomes[0].applied] == [
            "V1__create_core_tables.sql",
            "V2__add_order_status.sql",
        ]
        owner = schema.upper()
        invalid = server.query(
            "SELECT object_name, object_type FROM dba_objects "
            "WHERE owner = :o AND status <> 'VALID'",
            o=owner,
        )
        assert invalid == []  # the package body and the triggers compiled
        granted = server.query(
            "SELECT table_name, privilege FROM dba_tab_privs WHERE owner = :o AND grantee = :g",
            o=owner,
            g=app.upper(),
        )
        assert ("ORDERS", "UPDATE") in granted and ("ERP_ORDERS", "EXECUTE") in granted
        history = sorted(row[1] for row in granted if row[0] == "DEPLOYER_SCHEMA_HISTORY")
        assert history == ["SELECT"]
        folder = migrations_folder(loaded, schema)
        assert folder is not None
        server.connection.select_db(schema)
        runner = Runner(server.connection.cursor(), ORACLE, schema, "real2", "test")
        runner.undo(discover(folder, ORACLE), down_to=1)
        assert [row.version for row in runner.history()] == [1]
        left = server.query("SELECT object_name FROM dba_objects WHERE owner = :o", o=owner)
        assert ("ERP_ORDERS",) not in left and ("ORDERS_STATUS_AU",) not in left
    finally:
        cursor = server.connection.cursor()
        for user in (schema, app):
            if server.query("SELECT 1 FROM dba_users WHERE username = :u", u=user.upper()):
                cursor.execute(f'DROP USER "{user.upper()}" CASCADE')

"""The schema stage, run by deployer itself between the database and middleware playbooks:
schemas, the product's least-privilege account, and versioned migrations.

It talks to the database through the run's session (``transport.mysql.Database``), so a fake
session tests its order and failures; the lab proves it on MariaDB, and a cursor that answers
as Oracle does proves the Oracle statements.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from deployer.migrations import Migration, MigrationError, discover
from deployer.migrations.dialects import for_engine
from deployer.migrations.runner import MigrationOutcome, Runner
from deployer.migrations.setup import setup_for
from deployer.spec import LoadedEnvironment
from deployer.spec.environment import Schema
from deployer.spec.secrets import resolve_file
from deployer.transport.mysql import Database, DatabaseFailed, Mask, database_errors


class MigrationObserver(Protocol):
    """Told before the first statement of the stage (the rollback plan reads and dumps each
    schema then, as late as it can)."""

    def before_migrating(self) -> None: ...


@dataclass(frozen=True)
class SchemaOutcome:
    schema: str
    created: bool
    applied: tuple[MigrationOutcome, ...] = ()


@dataclass(frozen=True)
class PendingMigrations:
    schema: str
    pending: tuple[str, ...] = field(default_factory=tuple)


def schema_migrations(loaded: LoadedEnvironment, schema: Schema) -> list[Migration]:
    """The schema's migrations up to its target version (the release's own)."""
    if schema.migrations is None:
        return []
    engine = loaded.env.database.engine if loaded.env.database else "mysql"
    found = discover(resolve_file(schema.migrations, loaded.base_dir), for_engine(engine))
    return [m for m in found if schema.target is None or m.version <= schema.target]


def app_host_addresses(loaded: LoadedEnvironment) -> list[str]:
    """Where the product connects from: its app hosts' addresses (loopback when colocated)."""
    database = loaded.env.database
    assert database is not None
    addresses = []
    for host in loaded.env.hosts_with("app"):
        addresses += ["localhost", "127.0.0.1"] if host.name == database.host else [host.address]
    return sorted(set(addresses))


def apply_database(
    loaded: LoadedEnvironment,
    database: Database,
    owner_passwords: Mapping[str, str],
    run_id: str,
    *,
    mask: Mask,
    observer: MigrationObserver | None = None,
) -> list[SchemaOutcome]:
    """Schemas, accounts and migrations; a refusal of the server is a DatabaseFailed that
    names the schema and step, with the server's message."""
    spec = loaded.env.database
    if spec is None:
        raise DatabaseFailed("the spec has no database: there is no schema stage to run")
    setup = setup_for(spec.engine)
    if observer is not None:
        observer.before_migrating()
    outcomes = []
    installed_by = f"{getpass.getuser()}@{socket.gethostname()}"
    with database.session() as connection:
        cursor = connection.cursor()
        for schema in spec.schemas:
            where = f"{spec.engine} on {spec.host}: schema {schema.name}"
            with database_errors(where, mask):
                created = setup.engine.ensure_schema(cursor, schema)
            account = f"{where}: account {schema.owner.user}" if schema.owner else where
            if schema.owner is not None:
                with database_errors(account, mask):
                    password = owner_passwords[schema.name]
                    setup.engine.ensure_account(
                        cursor, schema, schema.owner.user, password, app_host_addresses(loaded)
                    )
            with database_errors(f"{where}: migrations", mask):
                connection.select_db(schema.name)
                runner = Runner(cursor, setup.dialect, schema.name, run_id, installed_by)
                _refuse_downgrade(runner, schema)
                applied = runner.migrate(schema_migrations(loaded, schema))
            if schema.owner is not None:
                with database_errors(f"{account}: grants", mask):
                    setup.engine.grant_objects(cursor, schema, schema.owner.user)
            outcomes.append(SchemaOutcome(schema.name, created, tuple(applied)))
    return outcomes


def _refuse_downgrade(runner: Runner, schema: Schema) -> None:
    newest = max((row.version for row in runner.history() if row.success), default=0)
    if schema.target is not None and newest > schema.target:
        raise MigrationError(
            f"schema {schema.name} is at V{newest}, newer than this release's target "
            f"V{schema.target}; go back with deployer rollback, not with apply"
        )


def pending_migrations(loaded: LoadedEnvironment, database: Database) -> list[PendingMigrations]:
    """What apply would migrate, read without changing anything (no history table is made)."""
    spec = loaded.env.database
    if spec is None:
        return []
    setup = setup_for(spec.engine)
    found = []
    with database.session() as connection:
        cursor = connection.cursor()
        for schema in spec.schemas:
            available = schema_migrations(loaded, schema)
            if setup.engine.history_exists(cursor, schema.name):
                connection.select_db(schema.name)
                todo = Runner(cursor, setup.dialect, schema.name, "plan", "plan").pending(available)
            else:
                todo = available
            found.append(PendingMigrations(schema.name, tuple(m.name for m in todo)))
    return found


def migrations_folder(loaded: LoadedEnvironment, schema: str) -> Path | None:
    database = loaded.env.database
    for entry in database.schemas if database else []:
        if entry.name == schema and entry.migrations:
            return resolve_file(entry.migrations, loaded.base_dir)
    return None

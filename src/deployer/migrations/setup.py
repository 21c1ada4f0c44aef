"""What the schema stage, the rollback plan and the rollback ask of an engine, answered by
MySQL/MariaDB's set-up module or Oracle's: one place that tells the two apart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from deployer.migrations import mysql, oracle
from deployer.migrations.dialects import MYSQL, ORACLE, Dialect
from deployer.migrations.runner import Cursor
from deployer.spec.environment import Schema


class EngineSetup(Protocol):
    """What ``migrations.mysql`` and ``migrations.oracle`` both provide."""

    def schema_exists(self, cursor: Cursor, schema: str) -> bool: ...
    def history_exists(self, cursor: Cursor, schema: str) -> bool: ...
    def schema_size_mb(self, cursor: Cursor, schema: str) -> float: ...
    def ensure_schema(self, cursor: Cursor, schema: Schema) -> bool: ...
    def ensure_account(
        self, cursor: Cursor, schema: Schema, user: str, password: str, hosts: Sequence[str]
    ) -> None: ...
    def grant_objects(self, cursor: Cursor, schema: Schema, user: str) -> object: ...


@dataclass(frozen=True)
class SchemaSetup:
    dialect: Dialect
    engine: EngineSetup


def setup_for(engine: str) -> SchemaSetup:
    if engine == "oracle":
        return SchemaSetup(ORACLE, oracle)
    return SchemaSetup(MYSQL, mysql)

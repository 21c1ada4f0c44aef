"""The SQL each database engine needs for history, locking and schema creation.

Identifiers are quoted by the dialect; every value goes through the driver's parameters.
The only identifier interpolated here is the constant history table name.
"""

from __future__ import annotations

from dataclasses import dataclass

from deployer.migrations.sqlplus import split_sqlplus
from deployer.migrations.sqltext import Statement, split_script
from deployer.transport.oracle import quote_ident as oracle_ident

HISTORY_TABLE = "deployer_schema_history"


@dataclass(frozen=True)
class Dialect:
    name: str
    paramstyle: str  # "format" (%s) for PyMySQL, "named" (:name) for python-oracledb

    def split(self, script: str) -> list[Statement]:
        """Statements as the engine's own client reads the script: SQL*Plus for Oracle, the
        mysql client (DELIMITER, version comments) for MySQL and MariaDB."""
        return split_sqlplus(script) if self.name == "oracle" else split_script(script)

    def session_reset(self, failed: bool = False) -> tuple[str, ...]:
        """Run after each script: it may switch autocommit off (dumps do: SET AUTOCOMMIT=0
        ... COMMIT), and the history row written next must still be committed. Turning
        autocommit back on commits what a finished script left open; what a failed one left
        open is rolled back first, as the mysql client's exit would."""
        if self.name == "oracle":
            return ()
        return ("ROLLBACK", "SET autocommit = 1") if failed else ("SET autocommit = 1",)

    def quote_ident(self, name: str) -> str:
        if self.name == "oracle":
            return oracle_ident(name)
        return "`" + name.replace("`", "``") + "`"

    def history_ddl(self) -> str:
        table = self.quote_ident(HISTORY_TABLE)
        if self.name == "oracle":
            return (
                f"CREATE TABLE {table} (version NUMBER(10) PRIMARY KEY, "
                "description VARCHAR2(200) NOT NULL, checksum CHAR(64) NOT NULL, "
                "success NUMBER(1) NOT NULL, installed_by VARCHAR2(100) NOT NULL, "
                "installed_at TIMESTAMP DEFAULT SYSTIMESTAMP NOT NULL, "
                "run_id VARCHAR2(64) NOT NULL, execution_ms NUMBER(10) NOT NULL)"
            )
        return (
            f"CREATE TABLE IF NOT EXISTS {table} (version INT NOT NULL PRIMARY KEY, "
            "description VARCHAR(200) NOT NULL, checksum CHAR(64) NOT NULL, "
            "success TINYINT(1) NOT NULL, installed_by VARCHAR(100) NOT NULL, "
            "installed_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), "
            "run_id VARCHAR(64) NOT NULL, execution_ms INT NOT NULL) "
            "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
        )

    def param(self, name: str) -> str:
        return f":{name}" if self.paramstyle == "named" else f"%({name})s"

    def select_history(self) -> str:
        return (
            "SELECT version, description, checksum, success, installed_by, "
            f"installed_at, run_id FROM {self.quote_ident(HISTORY_TABLE)} ORDER BY version"
        )

    def insert_history(self) -> str:
        p = self.param
        return (
            f"INSERT INTO {self.quote_ident(HISTORY_TABLE)} "
            "(version, description, checksum, success, installed_by, run_id, execution_ms) "
            f"VALUES ({p('version')}, {p('description')}, {p('checksum')}, {p('success')}, "
            f"{p('installed_by')}, {p('run_id')}, {p('execution_ms')})"
        )

    def delete_history(self) -> str:
        return (
            f"DELETE FROM {self.quote_ident(HISTORY_TABLE)} WHERE version = {self.param('version')}"
        )

    def lock(self) -> str:
        if self.name == "oracle":
            return (
                "DECLARE h VARCHAR2(128); BEGIN "
                f"DBMS_LOCK.ALLOCATE_UNIQUE({self.param('name')}, h); "
                f":status := DBMS_LOCK.REQUEST(h, DBMS_LOCK.X_MODE, {self.param('timeout')}, "
                "FALSE); "
                "END;"
            )
        return f"SELECT GET_LOCK({self.param('name')}, {self.param('timeout')})"

    def unlock(self) -> str:
        if self.name == "oracle":
            return (
                "DECLARE h VARCHAR2(128); BEGIN "
                f"DBMS_LOCK.ALLOCATE_UNIQUE({self.param('name')}, h); "
                ":status := DBMS_LOCK.RELEASE(h); END;"
            )
        return f"SELECT RELEASE_LOCK({self.param('name')})"


MYSQL = Dialect("mysql", "pyformat")
ORACLE = Dialect("oracle", "named")


def for_engine(engine: str) -> Dialect:
    return ORACLE if engine == "oracle" else MYSQL

"""What a live connection to the database server reports.

The database connector (PyMySQL / python-oracledb, possibly through an SSH tunnel) fills a
``DatabaseFacts``; the checks only read it. Expected contents:

* ``version``: MySQL/MariaDB ``SELECT VERSION()`` (``'10.11.6-MariaDB-0+deb12u1'``,
  ``'5.7.44-log'``, or ``'5.5.5-10.11.6-MariaDB'`` as some proxies report it); Oracle
  ``v$instance.version_full`` (``'19.3.0.0.0'``, 18c and later), else the banner of
  ``v$version`` (``'... Release 11.2.0.4.0 - 64bit Production'``).
* ``settings``: MySQL/MariaDB global variables by their lower-case names, as the server prints
  them (``character_set_server``, ``collation_server``, ``lower_case_table_names``,
  ``sql_mode``, ``max_allowed_packet`` in bytes, ``max_connections``,
  ``innodb_buffer_pool_size`` in bytes); Oracle ``nls_database_parameters`` by their names
  (``NLS_CHARACTERSET``, ``NLS_NCHAR_CHARACTERSET``, ``NLS_LENGTH_SEMANTICS``), and
  ``v$parameter`` for other names the matrix asks about. Lookups ignore case.
* ``privileges``: MySQL/MariaDB the lines of ``SHOW GRANTS`` for the admin account; Oracle the
  rows of ``SESSION_PRIVS`` (system privileges, those of the enabled roles included).
* Oracle only: ``roles`` (``SESSION_ROLES``), ``tablespaces`` (room in the schemas' default
  tablespaces) and ``dbms_lock`` (whether the account may execute ``SYS.DBMS_LOCK``).

``None`` means *not read* (``unknown`` says why: the server's ORA- message); an empty value
means read and found empty.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from deployer.facts.model import FactModel
from deployer.spec.environment import Engine


class TablespaceSpace(FactModel):
    """Room left in one tablespace (DBA_FREE_SPACE and DBA_DATA_FILES), in MB."""

    free_mb: float = Field(description="Free extents in its datafiles at their present size.")
    autoextend_mb: float = Field(
        default=0.0,
        description="What its autoextensible datafiles may still grow by (MAXBYTES - BYTES).",
    )

    @property
    def available_mb(self) -> float:
        return self.free_mb + self.autoextend_mb


class DatabaseFacts(FactModel):
    engine: Engine = Field(description="The engine the spec names and the connector spoke to.")
    version: str
    user: str | None = Field(default=None, description="The account connected as.")
    address: str | None = Field(default=None, description="host:port actually connected to.")
    via_tunnel: bool = False
    settings: dict[str, str] = Field(default_factory=dict)
    privileges: tuple[str, ...] = ()
    roles: tuple[str, ...] = Field(default=(), description="Oracle: the session's roles.")
    tablespaces: dict[str, TablespaceSpace] | None = Field(
        default=None,
        description="Oracle: the schemas' default tablespaces by name; one asked about and "
        "missing here has no datafile (it does not exist). None when not read.",
    )
    dbms_lock: bool | None = Field(
        default=None,
        description="Oracle: whether EXECUTE on SYS.DBMS_LOCK is granted to the account, one "
        "of its enabled roles or PUBLIC. None when not read.",
    )
    password_life_time: str | None = Field(
        default=None,
        description="Oracle: PASSWORD_LIFE_TIME of the DEFAULT profile, which the product's "
        "account gets (days, or UNLIMITED). None when not read.",
    )
    unknown: dict[str, str] = Field(
        default_factory=dict, description="Fact (field name) -> why it could not be read."
    )

    @field_validator("settings", mode="before")
    @classmethod
    def _values_as_text(cls, value: Any) -> Any:
        """Servers return numbers for some variables; compare them all as text."""
        if isinstance(value, dict):
            return {str(k): "" if v is None else str(v) for k, v in value.items()}
        return value

    def setting(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.settings.items() if k.lower() == wanted), None)

    def not_read(self, fact: str) -> str:
        """What a check shows for a fact that was not read: why, when the server said."""
        reason = self.unknown.get(fact)
        return f"not reported: {reason}" if reason else "not reported"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatabaseFacts:
        return cls.model_validate(data)

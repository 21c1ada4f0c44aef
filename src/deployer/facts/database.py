"""What a live connection to the database server reports.

The database connector (PyMySQL / python-oracledb, possibly through an SSH tunnel) fills a
``DatabaseFacts``; the checks only read it. Expected contents:

* ``version``: MySQL/MariaDB ``SELECT VERSION()`` (``'10.11.6-MariaDB-0+deb12u1'``,
  ``'5.7.44-log'``, or ``'5.5.5-10.11.6-MariaDB'`` as some proxies report it); Oracle
  ``v$instance.version_full`` or ``version`` (``'19.3.0.0.0'``), or the banner.
* ``settings``: MySQL/MariaDB global variables by their lower-case names, as the server prints
  them (``character_set_server``, ``collation_server``, ``lower_case_table_names``,
  ``sql_mode``, ``max_allowed_packet`` in bytes, ``max_connections``,
  ``innodb_buffer_pool_size`` in bytes); Oracle ``nls_database_parameters`` by their names
  (``NLS_CHARACTERSET``, ``NLS_NCHAR_CHARACTERSET``). Lookups ignore case.
* ``privileges``: MySQL/MariaDB the lines of ``SHOW GRANTS`` for the admin account; Oracle the
  rows of ``SESSION_PRIVS`` and ``SESSION_ROLES``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from deployer.facts.model import FactModel
from deployer.spec.environment import Engine


class DatabaseFacts(FactModel):
    engine: Engine = Field(description="The engine the spec names and the connector spoke to.")
    version: str
    user: str | None = Field(default=None, description="The account connected as.")
    address: str | None = Field(default=None, description="host:port actually connected to.")
    via_tunnel: bool = False
    settings: dict[str, str] = Field(default_factory=dict)
    privileges: tuple[str, ...] = ()

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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatabaseFacts:
        return cls.model_validate(data)

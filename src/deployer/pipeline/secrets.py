"""Resolve the spec's secret references once per run, registering every value for redaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from deployer.executors.ansible.variables import SECRET_ENV
from deployer.journal.redact import Redactor
from deployer.spec import LoadedEnvironment


@dataclass(frozen=True)
class RunSecrets:
    admin_password: str = field(default="", repr=False)
    owner_passwords: dict[str, str] = field(default_factory=dict, repr=False)  # schema -> pw

    def playbook_env(self, first_schema: str | None) -> dict[str, str]:
        """Environment variables the playbooks' ``lookup('env', ...)`` read."""
        env = {SECRET_ENV["mysql_admin_password"]: self.admin_password}
        if first_schema is not None:
            env[SECRET_ENV["product_db_password"]] = self.owner_passwords.get(first_schema, "")
        return env


def resolve_secrets(loaded: LoadedEnvironment, redact: Redactor) -> RunSecrets:
    database = loaded.env.database
    if database is None:
        return RunSecrets()
    admin = database.admin.password.reveal(loaded.base_dir)
    redact.add(admin)
    owners: dict[str, str] = {}
    for schema in database.schemas:
        if schema.owner is not None:
            owners[schema.name] = schema.owner.password.reveal(loaded.base_dir)
            redact.add(owners[schema.name])
    return RunSecrets(admin, owners)

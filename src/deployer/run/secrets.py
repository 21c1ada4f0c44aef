"""Resolve the spec's secret references once per run, registering every value for redaction.

That is the database passwords, and the secrets of the free-form settings (product config,
hosts' product config, context parameters): ``${env:}``/``${file:}`` references resolved as
everywhere else, and plaintext values under secret-named keys (``allow_inline_secrets``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from deployer.executors.ansible.variables import SECRET_ENV, config_secrets
from deployer.journal.redact import Redactor
from deployer.spec import LoadedEnvironment
from deployer.spec.secrets import secret_reference


@dataclass(frozen=True)
class RunSecrets:
    admin_password: str = field(default="", repr=False)
    owner_passwords: dict[str, str] = field(default_factory=dict, repr=False)  # schema -> pw
    # Environment variable -> value, for the free-form settings' secrets.
    settings: dict[str, str] = field(default_factory=dict, repr=False)

    def playbook_env(self, first_schema: str | None) -> dict[str, str]:
        """Environment variables the playbooks' ``lookup('env', ...)`` read."""
        env = {SECRET_ENV["mysql_admin_password"]: self.admin_password, **self.settings}
        if first_schema is not None:
            env[SECRET_ENV["product_db_password"]] = self.owner_passwords.get(first_schema, "")
        return env


def resolve_secrets(loaded: LoadedEnvironment, redact: Redactor) -> RunSecrets:
    settings = resolve_settings(loaded, redact)
    database = loaded.env.database
    if database is None:
        return RunSecrets(settings=settings)
    admin = database.admin.password.reveal(loaded.base_dir)
    redact.add(admin)
    owners: dict[str, str] = {}
    for schema in database.schemas:
        if schema.owner is not None:
            owners[schema.name] = schema.owner.password.reveal(loaded.base_dir)
            redact.add(owners[schema.name])
    return RunSecrets(admin, owners, settings)


def resolve_settings(loaded: LoadedEnvironment, redact: Redactor) -> dict[str, str]:
    """The value of every free-form setting's secret, by the variable that carries it."""
    values: dict[str, str] = {}
    for name, text in config_secrets(loaded.env).items():
        reference = secret_reference(text)
        values[name] = reference.reveal(loaded.base_dir) if reference is not None else text
        redact.add(values[name])
    return values

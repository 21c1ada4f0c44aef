"""The product's config files for the cluster: its templates rendered on the control machine,
for a ConfigMap.

The templates see what they see on hosts (``product.config`` as top-level variables, then the
product's name and version and the database settings). Secret values never go in: each secret
a template sees is the text ``${env:NAME}``, and the pods get ``NAME`` from the product's
Secret, so a rendered file holds no password and can be written, diffed and journaled. The
product resolves ``${env:NAME}`` when it reads its config (the README says so for products).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from deployer.errors import DeployerError, ExitCode
from deployer.migrations.dialects import HISTORY_TABLE
from deployer.spec import LoadedEnvironment
from deployer.spec.environment import Environment
from deployer.spec.secrets import (
    SecretRef,
    resolve_file,
    secret_reference,
    with_secret_references,
)

#: What a secret is in a rendered file: the variable the pod's environment carries it in.
ENV_REFERENCE = "${{env:{name}}}"
DB_PASSWORD_ENV = "DEPLOYER_PRODUCT_DB_PASSWORD"  # noqa: S105 - a variable name


class TemplateError(DeployerError):
    """A product template that does not render (syntax, an undefined variable)."""

    exit_code = ExitCode.INVALID_SPEC


@dataclass(frozen=True)
class RenderedConfig:
    """File name -> content, and the secrets those files refer to, by environment variable."""

    files: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, SecretRef] = field(default_factory=dict, repr=False)


def env_reference(name: str) -> str:
    return ENV_REFERENCE.format(name=name)


def with_env_references(value: Any, scope: str) -> tuple[Any, dict[str, SecretRef]]:
    """``value`` with every secret setting replaced by its ``${env:NAME}`` text, and each
    secret by ``NAME`` (named as on hosts)."""
    replaced, texts = with_secret_references(value, scope, env_reference)
    return replaced, {name: as_secret(text) for name, text in texts.items()}


def as_secret(text: str) -> SecretRef:
    """A free-form setting's secret: its reference, or the plaintext the spec allows."""
    return secret_reference(text) or SecretRef("inline", inline=text)


def template_variables(env: Environment) -> tuple[dict[str, Any], dict[str, SecretRef]]:
    """What the templates see, and the secrets in it (as RenderedConfig.secrets)."""
    variables, secrets = with_env_references(env.product.config, "config")
    variables.update(product_name=env.product.name, product_version=env.product.version)
    database = env.database
    if database is not None:
        schema = database.schemas[0]
        variables.update(
            db_host=env.address_of(database.host),
            db_port=database.effective_port,
            db_name=schema.name,
            db_user=schema.owner.user if schema.owner else "",
            db_password=env_reference(DB_PASSWORD_ENV),
            schema_history_table=HISTORY_TABLE,
        )
        if schema.owner is not None:
            secrets[DB_PASSWORD_ENV] = schema.owner.password
    return variables, secrets


def render_config(loaded: LoadedEnvironment) -> RenderedConfig:
    """Every ``*.j2`` of ``product.templates``, rendered as on hosts (trailing newlines kept,
    blocks not trimmed), named without ``.j2``."""
    variables, secrets = template_variables(loaded.env)
    folder = loaded.env.product.templates
    if folder is None:
        return RenderedConfig({}, secrets)
    directory = resolve_file(folder, loaded.base_dir)
    jinja = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(directory)),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    files = {}
    for template in sorted(directory.glob("*.j2")):
        files[template.stem] = _render(jinja, template, variables)
    return RenderedConfig(files, secrets)


def _render(jinja: SandboxedEnvironment, template: Path, variables: Mapping[str, Any]) -> str:
    try:
        return jinja.get_template(template.name).render(variables)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{template}:{exc.lineno}: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{template}: {exc}") from None

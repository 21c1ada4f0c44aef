"""The variables the playbooks take (playbooks/README.md), generated from the spec.

Every string from the spec is tagged ``!unsafe``: the spec is data, and Ansible would
otherwise evaluate ``{{ }}`` inside it. Secrets are never written: the variables file says
``lookup('env', NAME)`` and the value travels in the environment of the playbook run. That
holds for the secrets in free-form settings too (``product.config``, a host's
``product_config``, ``product.context_parameters``): a ``${env:}``/``${file:}`` reference, or
a plaintext value under a key named like a secret, each get an environment variable of their
own (``config_secrets``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from deployer.spec import LoadedEnvironment
from deployer.spec.environment import Environment, Host
from deployer.spec.layout import product_layout
from deployer.spec.secrets import (
    resolve_file,
    with_secret_references,
)
from deployer.spec.sources import checksummed

SECRET_ENV = {
    "mysql_admin_password": "DEPLOYER_MYSQL_ADMIN_PASSWORD",
    "product_db_password": "DEPLOYER_PRODUCT_DB_PASSWORD",
}


class Unsafe(str):
    """A spec value Ansible must take literally."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    Unsafe, lambda dumper, value: dumper.represent_scalar("!unsafe", str(value), style="'")
)


def dump(variables: Mapping[str, Any]) -> str:
    return yaml.dump(dict(variables), Dumper=_Dumper, allow_unicode=True, sort_keys=False)


def unsafe(value: Any) -> Any:
    """Tag every string in ``value`` (recursively) as unsafe."""
    if isinstance(value, str):
        return Unsafe(value)
    if isinstance(value, Mapping):
        return {str(k): unsafe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [unsafe(v) for v in value]
    return value


def env_lookup(name: str) -> str:
    return f"{{{{ lookup('ansible.builtin.env', '{name}') }}}}"


def _settings_with_secrets(value: Any, scope: str) -> tuple[Any, dict[str, str]]:
    """``value`` for the variables (strings unsafe, secrets as environment lookups), and the
    spec's text of each secret by the environment variable that carries it."""
    return with_secret_references(value, scope, env_lookup, unsafe)


def config_secrets(env: Environment) -> dict[str, str]:
    """The spec's text (a reference or a plaintext value) of every secret in free-form
    settings, by the environment variable that carries its value to the playbooks."""
    found = dict(_settings_with_secrets(env.product.config, "config")[1])
    found.update(_settings_with_secrets(env.product.context_parameters, "context")[1])
    for host in env.hosts:
        found.update(_settings_with_secrets(host.overrides.product_config, _host_scope(host))[1])
    return found


def _host_scope(host: Host) -> str:
    return f"host:{host.name}"


def extra_vars(loaded: LoadedEnvironment, run_id: str) -> dict[str, Any]:
    """Variables shared by every host of the run (per-host ones go to the inventory)."""
    env = loaded.env
    variables: dict[str, Any] = {"deployer_run_id": run_id}
    variables.update(_web_vars(env))
    variables.update(_app_vars(env))
    variables.update(_tarball_vars(loaded))
    variables.update(_db_vars(loaded))
    variables.update(_product_vars(loaded, run_id))
    return variables


def _web_vars(env: Environment) -> dict[str, Any]:
    if env.middleware.nginx is None:
        return {}
    layout = product_layout(env)
    return {
        "nginx_site_name": unsafe(env.product.name),
        "nginx_root_redirect": unsafe(f"{layout.context_path}/" if layout.context_path else ""),
    }


def upstream_servers(env: Environment, web_host: Host) -> list[dict[str, Any]]:
    """The Tomcats nginx on ``web_host`` proxies to, each on its own host's port.

    When every web host is also an app host, each nginx talks to the Tomcat beside it over
    loopback; otherwise to every app host's address.
    """
    ports = env.tomcat_ports()
    if all("app" in h.roles for h in env.hosts_with("web")):
        return [{"address": "127.0.0.1", "port": ports[web_host.name]}]
    return [{"address": h.address, "port": ports[h.name]} for h in env.hosts_with("app")]


def _app_vars(env: Environment) -> dict[str, Any]:
    tomcat, jdk = env.middleware.tomcat, env.middleware.jdk
    if tomcat is None:
        return {}
    layout = product_layout(env)
    colocated = all("web" in h.roles for h in env.hosts_with("app"))
    uploads = str(env.product.config.get("upload_dir", f"{layout.root}/shared/uploads"))
    return {
        "jdk_version": unsafe(jdk.version if jdk else "17"),
        "tomcat_version": unsafe(tomcat.version),
        "tomcat_listen_address": "127.0.0.1" if colocated else "0.0.0.0",  # noqa: S104
        "tomcat_contexts": [
            {
                # Tomcat (and the role) name the root context "/"; the spec writes it "".
                "path": Unsafe(layout.context_path or "/"),
                "doc_base": Unsafe(f"{layout.root}/current"),
                "parameters": _settings_with_secrets(env.product.context_parameters, "context")[0],
            }
        ],
        "tomcat_read_write_paths": unsafe([uploads]),
    }


def _tarball_vars(loaded: LoadedEnvironment) -> dict[str, Any]:
    """Per tarball the middleware comes from: its path here and its sha256, read now; the
    roles refuse a file on the host whose sum differs. Package sources pass nothing."""
    if loaded.env.middleware.tomcat is None:
        return {}
    variables: dict[str, Any] = {}
    for name, tarball in checksummed(loaded.env.middleware.tarballs(), loaded.base_dir).items():
        variables.update(unsafe(tarball.as_vars(name)))
    return variables


def _db_vars(loaded: LoadedEnvironment) -> dict[str, Any]:
    env, database = loaded.env, loaded.env.database
    if database is None or env.host(database.host) is None:
        return {}
    settings = getattr(loaded.matrix.database_settings, database.engine, {})
    separate_app = any(h.name != database.host for h in env.hosts_with("app"))
    variables: dict[str, Any] = {
        "mysql_engine": database.engine,
        "mysql_port": database.effective_port,
        "mysql_bind_address": "0.0.0.0" if separate_app else "127.0.0.1",  # noqa: S104
        "mysql_admin_user": unsafe(database.admin.user),
        "mysql_admin_password": env_lookup(SECRET_ENV["mysql_admin_password"]),
    }
    for name in ("character_set_server", "collation_server", "lower_case_table_names"):
        if name in settings:
            variables[f"mysql_{name}"] = unsafe(settings[name])
    packet = str(settings.get("max_allowed_packet", "")).lstrip(">=")
    if packet:
        variables["mysql_max_allowed_packet"] = unsafe(packet)
    return variables


def _product_vars(loaded: LoadedEnvironment, run_id: str) -> dict[str, Any]:
    env = loaded.env
    if env.middleware.tomcat is None:
        return {}
    layout = product_layout(env)
    variables: dict[str, Any] = {
        "product_name": unsafe(env.product.name),
        "product_version": unsafe(env.product.version),
        "product_artifact": unsafe(str(resolve_file(env.product.artifact, loaded.base_dir))),
        "product_run_id": run_id,
        "product_root": unsafe(layout.root),
        "product_config": _settings_with_secrets(env.product.config, "config")[0],
        "product_app_service": layout.service,
        "product_context_path": unsafe(layout.context_path),
        "product_health_path": unsafe(env.product.health_path),
        "product_health_timeout": env.product.health_timeout,
        "product_keep_releases": env.product.keep_releases,
    }
    if env.product.templates:
        variables["product_templates_dir"] = unsafe(
            str(resolve_file(env.product.templates, loaded.base_dir))
        )
    database = env.database
    if database is not None:
        schema = database.schemas[0]
        variables.update(
            {
                "product_db_host": unsafe(env.address_of(database.host)),
                "product_db_port": database.effective_port,
                "product_db_name": unsafe(schema.name),
                "product_db_user": unsafe(schema.owner.user if schema.owner else ""),
                "product_db_password": env_lookup(SECRET_ENV["product_db_password"]),
            }
        )
    return variables


def host_vars(env: Environment, host: Host) -> dict[str, Any]:
    """Settings a host may override. They always go to the inventory, never to the extra
    vars, because extra vars win over everything and could not differ per host."""
    nginx, tomcat = env.middleware.nginx, env.middleware.tomcat
    found: dict[str, Any] = {}
    if nginx is not None and "web" in host.roles:
        found["nginx_listen_port"] = nginx.listen_port
        found["nginx_server_name"] = unsafe(nginx.server_name)
        # Per host: a colocated nginx proxies to its own Tomcat, whose port may be overridden.
        found["nginx_upstream_servers"] = unsafe(upstream_servers(env, host))
    if tomcat is not None and "app" in host.roles:
        found["tomcat_port"] = tomcat.port
        found["tomcat_jvm_options"] = unsafe(list(tomcat.jvm_options))
    overrides = host.overrides
    for prefix, section in (("nginx", overrides.nginx), ("tomcat", overrides.tomcat)):
        if section is not None:
            found.update(
                {
                    f"{prefix}_{key}": unsafe(value)
                    for key, value in section.model_dump().items()
                    if value is not None
                }
            )
    if overrides.product_config:
        found["product_host_config"] = _settings_with_secrets(
            overrides.product_config, _host_scope(host)
        )[0]
    port = env.tomcat_ports().get(host.name)
    if port is not None:
        # The health page is read from Tomcat on the host itself, on this host's port.
        found["product_health_port"] = port
    return found

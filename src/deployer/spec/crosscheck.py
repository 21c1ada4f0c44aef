"""Checks that span fields: uniqueness, references between sections, files that must exist."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from deployer.spec.environment import Environment, Role
from deployer.spec.problems import Problem
from deployer.spec.secrets import SECRET_KEY, SecretRef, resolve_file
from deployer.spec.yamlsource import YamlDocument, YamlPath


def cross_check(env: Environment, doc: YamlDocument, base_dir: Path) -> list[Problem]:
    found: list[Problem] = []
    for path, message in _all_findings(env, base_dir):
        found.append(doc.problem(path, message))
    return found


def _all_findings(env: Environment, base_dir: Path) -> Iterator[tuple[YamlPath, str]]:
    yield from _unique_hosts(env)
    yield from _database_host(env)
    yield from _roles_have_middleware(env)
    yield from _referenced_files(env, base_dir)
    yield from _config_secrets(env.product.config, ("product", "config"), env.allow_inline_secrets)
    for index, host in enumerate(env.hosts):
        yield from _config_secrets(
            host.overrides.product_config,
            ("hosts", index, "overrides", "product_config"),
            env.allow_inline_secrets,
        )


def _unique_hosts(env: Environment) -> Iterator[tuple[YamlPath, str]]:
    for attribute in ("name", "address"):
        first_seen: dict[str, int] = {}
        for index, host in enumerate(env.hosts):
            value = getattr(host, attribute).lower()
            if value in first_seen:
                yield (
                    ("hosts", index, attribute),
                    f"duplicate host {attribute} '{value}' (also hosts[{first_seen[value]}])",
                )
            else:
                first_seen[value] = index


def _database_host(env: Environment) -> Iterator[tuple[YamlPath, str]]:
    database = env.database
    if database is None:
        if env.hosts_with("db"):
            yield (("hosts",), "a host has the db role but there is no database section")
        return
    host = env.host(database.host)
    if host is not None:
        if "db" not in host.roles:
            yield (("database", "host"), f"host '{host.name}' does not have the db role")
        return
    if "." in database.host or ":" in database.host:
        return  # an external database server, outside the spec's hosts
    names = [h.name for h in env.hosts]
    hint = difflib.get_close_matches(database.host, names, n=1)
    message = f"unknown host '{database.host}'"
    message += f" (did you mean '{hint[0]}'?)" if hint else f"; known hosts: {', '.join(names)}"
    yield (("database", "host"), message)


def _roles_have_middleware(env: Environment) -> Iterator[tuple[YamlPath, str]]:
    needs: dict[Role, str] = {"web": "nginx", "app": "tomcat"}
    for role, section in needs.items():
        if env.hosts_with(role) and getattr(env.middleware, section) is None:
            yield (
                ("middleware",),
                f"a host has the {role} role, so middleware.{section} is required",
            )
    if env.hosts_with("app") and env.middleware.jdk is None:
        yield (("middleware",), "a host has the app role, so middleware.jdk is required")


def _referenced_files(env: Environment, base_dir: Path) -> Iterator[tuple[YamlPath, str]]:
    wanted: list[tuple[YamlPath, str, str]] = [
        (("product", "artifact"), env.product.artifact, "file"),
        (("matrix",), env.matrix, "file"),
    ]
    if env.product.templates:
        wanted.append((("product", "templates"), env.product.templates, "dir"))
    for index, host in enumerate(env.hosts):
        key_file = getattr(host.auth, "key_file", None)
        if key_file:
            wanted.append((("hosts", index, "auth", "key_file"), key_file, "file"))
    if env.database:
        for index, schema in enumerate(env.database.schemas):
            if schema.migrations:
                wanted.append(
                    (("database", "schemas", index, "migrations"), schema.migrations, "dir")
                )
        wanted.extend(_secret_files(env))
    for path, locator, kind in wanted:
        target = resolve_file(locator, base_dir)
        if kind == "dir" and not target.is_dir():
            yield (path, f"folder not found: {target}")
        elif kind == "file" and not target.is_file():
            yield (path, f"file not found: {target}")


def _secret_files(env: Environment) -> Iterator[tuple[YamlPath, str, str]]:
    assert env.database is not None
    refs: list[tuple[YamlPath, SecretRef]] = [
        (("database", "admin", "password"), env.database.admin.password)
    ]
    for index, schema in enumerate(env.database.schemas):
        if schema.owner:
            refs.append(
                (("database", "schemas", index, "owner", "password"), schema.owner.password)
            )
    for path, ref in refs:
        if ref.source == "file":
            yield (path, ref.locator, "file")


def _config_secrets(
    config: Mapping[str, Any], prefix: YamlPath, allow_inline: bool
) -> Iterator[tuple[YamlPath, str]]:
    """Free-form config keys named like secrets must hold references too."""
    for key, value in config.items():
        path = (*prefix, key)
        if isinstance(value, Mapping):
            yield from _config_secrets(value, path, allow_inline)
        elif SECRET_KEY.search(str(key)) and isinstance(value, str | int | float):
            try:
                SecretRef.parse(str(value), allow_inline)
            except ValueError as exc:
                yield (path, str(exc))

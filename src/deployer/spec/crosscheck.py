"""Checks that span fields: uniqueness, references between sections, files that must exist.

They read the raw YAML data rather than the validated model, so they also run when some
field is invalid and the user sees every problem at once. Values of the wrong shape are
skipped here: model validation reports those.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from deployer.files import not_regular
from deployer.spec.environment import ROLES
from deployer.spec.freeform import config_findings, file_references, secret_findings
from deployer.spec.jumps import jump_findings
from deployer.spec.kube import DNS_LABEL, is_image_archive
from deployer.spec.problems import Problem
from deployer.spec.secrets import SecretRef, SecretUnavailable, read_secret_file, resolve_file
from deployer.spec.sources import compression_problem
from deployer.spec.yamlsource import YamlDocument, YamlPath

Finding = tuple[YamlPath, str]
_CHARSET = re.compile(r"^[a-z0-9]{1,32}$")
_COLLATION = re.compile(r"^[a-z0-9_]{1,64}$")


def cross_check(doc: YamlDocument, base_dir: Path) -> list[Problem]:
    """Every cross-field problem of an environment spec (``doc.data`` is any mapping)."""
    data = _mapping(doc.data)
    return [doc.problem(path, message) for path, message in _all_findings(data, base_dir)]


def _all_findings(data: dict[str, Any], base_dir: Path) -> Iterator[Finding]:
    hosts = [_mapping(host) for host in _list(data.get("hosts"))]
    bastions = [_mapping(bastion) for bastion in _list(data.get("bastions"))]
    allow_inline = data.get("allow_inline_secrets") is True
    yield from _unique_hosts(hosts)
    yield from jump_findings(hosts, bastions)
    if isinstance(data.get("hosts"), list):
        yield from _database_host(hosts, data.get("database"))
    yield from _roles_have_middleware(hosts, _mapping(data.get("middleware")))
    yield from _hosts_for_ansible(data)
    yield from _kubernetes_findings(data, hosts)
    yield from _referenced_files(data, hosts, base_dir)
    yield from _secret_files(data, base_dir)
    yield from _charsets(_mapping(data.get("database")))
    product = _mapping(data.get("product"))
    yield from config_findings(product.get("config"), ("product", "config"), allow_inline)
    for index, host in enumerate(hosts):
        config = _mapping(host.get("overrides")).get("product_config")
        path: YamlPath = ("hosts", index, "overrides", "product_config")
        yield from config_findings(config, path, allow_inline)
    # Values there are typed as text by the model; their keys are free.
    parameters = product.get("context_parameters")
    yield from secret_findings(parameters, ("product", "context_parameters"), allow_inline)
    yield from secret_findings(data.get("labels"), ("labels",), allow_inline)


def _unique_hosts(hosts: list[dict[str, Any]]) -> Iterator[Finding]:
    """Names are unique; so are SSH endpoints — one address may serve several hosts on
    different ports (NAT port forwards, jump boxes), but not twice on the same port."""
    for attribute in ("name", "address"):
        first_seen: dict[tuple[str, object], int] = {}
        for index, host in enumerate(hosts):
            value = _text(host.get(attribute)).lower()
            if not value:
                continue
            key = (value, host.get("port", 22) if attribute == "address" else None)
            if key in first_seen:
                yield (
                    ("hosts", index, attribute),
                    f"duplicate host {attribute} '{value}' (also hosts[{first_seen[key]}])",
                )
            else:
                first_seen[key] = index


def _database_host(hosts: list[dict[str, Any]], database: Any) -> Iterator[Finding]:
    if database is None:
        if any(_has_role(host, "db") for host in hosts):
            yield (("hosts",), "a host has the db role but there is no database section")
        return
    wanted = _text(_mapping(database).get("host"))
    if not wanted:
        return
    names = list(dict.fromkeys(name for host in hosts if (name := _text(host.get("name")))))
    host = next((h for h in hosts if _text(h.get("name")) == wanted), None)
    if host is not None:
        if _known_roles(host) is not None and not _has_role(host, "db"):
            yield (("database", "host"), f"host '{wanted}' does not have the db role")
        return
    if "." in wanted or ":" in wanted:
        return  # an external database server, outside the spec's hosts
    hint = difflib.get_close_matches(wanted, names, n=1)
    message = f"unknown host '{wanted}'"
    if hint:
        message += f" (did you mean '{hint[0]}'?)"
    elif names:
        message += f"; known hosts: {', '.join(names)}"
    yield (("database", "host"), message)


def _roles_have_middleware(
    hosts: list[dict[str, Any]], middleware: dict[str, Any]
) -> Iterator[Finding]:
    needs = (("web", "nginx"), ("app", "tomcat"), ("app", "jdk"))
    for role, section in needs:
        if any(_has_role(host, role) for host in hosts) and middleware.get(section) is None:
            yield (
                ("middleware",),
                f"a host has the {role} role, so middleware.{section} is required",
            )


_DNS_LABEL = re.compile(DNS_LABEL)


def _is_kubernetes(data: dict[str, Any]) -> bool:
    return _mapping(data.get("target")).get("type") == "kubernetes"


def _hosts_for_ansible(data: dict[str, Any]) -> Iterator[Finding]:
    """The product is installed on the hosts, so there must be one; under target kubernetes
    `hosts: []` says there is no host to reach over SSH."""
    if data.get("hosts") == [] and not _is_kubernetes(data):
        yield (("hosts",), "must not be empty")


def _kubernetes_findings(data: dict[str, Any], hosts: list[dict[str, Any]]) -> Iterator[Finding]:
    """Under target kubernetes the product runs in the cluster: it needs an image and a name
    Kubernetes accepts, and no host runs nginx or Tomcat for it."""
    if not _is_kubernetes(data):
        return
    product = _mapping(data.get("product"))
    if product.get("image") is None:
        yield (("product",), "target kubernetes needs product.image, the image the pods run")
    name = product.get("name")
    if isinstance(name, str) and not _DNS_LABEL.match(name):
        yield (
            ("product", "name"),
            "under target kubernetes the product's name names its objects: use lower-case "
            "letters, digits and '-'",
        )
    for index, host in enumerate(hosts):
        roles = [role for role in _list(host.get("roles")) if role in ("web", "app")]
        if roles:
            yield (
                ("hosts", index, "roles"),
                f"{' and '.join(roles)} run in the cluster under target kubernetes; "
                "hosts here are only those reached over SSH (the database host)",
            )


def _referenced_files(
    data: dict[str, Any], hosts: list[dict[str, Any]], base_dir: Path
) -> Iterator[Finding]:
    product = _mapping(data.get("product"))
    wanted: list[tuple[YamlPath, Any, str]] = [
        (("product", "artifact"), product.get("artifact"), "file"),
        (("product", "templates"), product.get("templates"), "dir"),
        (("product", "jdbc_driver"), product.get("jdbc_driver"), "file"),
        (("matrix",), data.get("matrix"), "file"),
    ]
    base_image = product.get("base_image")
    if isinstance(base_image, str) and is_image_archive(base_image):
        wanted.append((("product", "base_image"), base_image, "file"))
    for section in ("hosts", "bastions"):
        for index, member in enumerate(_mapping(m) for m in _list(data.get(section))):
            key_file = _mapping(member.get("auth")).get("key_file")
            wanted.append(((section, index, "auth", "key_file"), key_file, "file"))
    database = _mapping(data.get("database"))
    for index, schema in enumerate(_mapping(s) for s in _list(database.get("schemas"))):
        prefix = ("database", "schemas", index)
        wanted.append(((*prefix, "migrations"), schema.get("migrations"), "dir"))
    middleware = _mapping(data.get("middleware"))
    for name in ("jdk", "tomcat"):
        tarball = _mapping(_mapping(middleware.get(name)).get("source")).get("tarball")
        wanted.append((("middleware", name, "source", "tarball"), tarball, "tarball"))
    for path, locator, kind in wanted:
        if not _text(locator):
            continue
        target = resolve_file(_text(locator), base_dir)
        if kind == "dir" and not target.is_dir():
            yield (path, f"folder not found: {target}")
        elif kind != "dir" and not target.is_file():
            what = not_regular(target)
            yield (
                path,
                f"not a regular file: {target} {what}" if what else f"file not found: {target}",
            )
        elif kind == "tarball" and (problem := compression_problem(target)) is not None:
            yield (path, problem)


def _secret_files(data: dict[str, Any], base_dir: Path) -> Iterator[Finding]:
    """Every ``${file:...}`` secret is a readable regular UTF-8 file (read now, not shown)."""
    database = _mapping(data.get("database"))
    refs: list[tuple[YamlPath, str]] = [
        (("database", "admin", "password"), _secret_file(database.get("admin")))
    ]
    for index, schema in enumerate(_mapping(s) for s in _list(database.get("schemas"))):
        owner = _secret_file(schema.get("owner"))
        refs.append((("database", "schemas", index, "owner", "password"), owner))
    product = _mapping(data.get("product"))
    refs.extend(file_references(product.get("config"), ("product", "config")))
    parameters = product.get("context_parameters")
    refs.extend(file_references(parameters, ("product", "context_parameters")))
    for index, host in enumerate(_mapping(h) for h in _list(data.get("hosts"))):
        path: YamlPath = ("hosts", index, "overrides", "product_config")
        refs.extend(file_references(_mapping(host.get("overrides")).get("product_config"), path))
        refs.append((("hosts", index, "become", "password"), _secret_file(host.get("become"))))
    for section in ("hosts", "bastions"):
        for index, member in enumerate(_mapping(m) for m in _list(data.get(section))):
            auth = _secret_file(member.get("auth"))
            refs.append(((section, index, "auth", "password"), auth))
    for path, locator in refs:
        if not locator:
            continue
        target = resolve_file(locator, base_dir)
        if not target.exists():
            yield (path, f"file not found: {target}")
            continue
        try:
            read_secret_file(target)
        except SecretUnavailable as exc:
            yield (path, str(exc))


def _charsets(database: dict[str, Any]) -> Iterator[Finding]:
    """A collation belongs to one character set, whose name it starts with; the server refuses
    any other pair only when the schema is created, after the database server was set up."""
    for index, schema in enumerate(_mapping(s) for s in _list(database.get("schemas"))):
        charset, collation = schema.get("charset", "utf8mb4"), schema.get("collation")
        prefix: YamlPath = ("database", "schemas", index)
        if not isinstance(charset, str) or not _CHARSET.match(charset.strip()):
            continue  # the model reports it
        charset = charset.strip()
        if collation is None:
            if charset != "utf8mb4":
                yield (
                    (*prefix, "charset"),
                    f"the default collation utf8mb4_unicode_ci is not one of {charset}'s; "
                    f"set collation too (e.g. {charset}_bin)",
                )
        elif isinstance(collation, str) and _COLLATION.match(collation.strip()):
            collation = collation.strip()
            if not (collation.startswith(charset + "_") or collation == charset == "binary"):
                yield (
                    (*prefix, "collation"),
                    f"{collation} is not a collation of character set {charset} "
                    f"(its collations start with '{charset}_')",
                )


def _secret_file(credentials: Any) -> str:
    """The path of a ``${file:...}`` password, or '' for any other kind of value."""
    password = _mapping(credentials).get("password")
    try:
        ref = SecretRef.parse(password, allow_inline=True) if isinstance(password, str) else None
    except ValueError:
        return ""
    return ref.locator if ref is not None and ref.source == "file" else ""


def _has_role(host: dict[str, Any], role: str) -> bool:
    roles = _known_roles(host)
    return roles is not None and role in roles


def _known_roles(host: dict[str, Any]) -> list[Any] | None:
    """The host's roles, or None when one is unknown: what was meant cannot be known
    (the model reports the unknown role), so checks that depend on roles skip the host."""
    roles = _list(host.get("roles"))
    return roles if all(role in ROLES for role in roles) else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    """Stripped text, or '' for anything else (the model reports wrong types)."""
    return value.strip() if isinstance(value, str) else ""

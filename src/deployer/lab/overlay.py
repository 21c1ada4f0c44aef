"""The files that point deployer and ssh at a lab: spec overlay, ssh_config, known_hosts.

The spec overlay is the user's environment with only the hosts' access replaced by the
lab's, written to another folder; every relative file reference is made absolute so it
still resolves from there.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from deployer.errors import LabError
from deployer.spec.kube import is_image_archive
from deployer.transport.knownhosts import known_hosts_line

_FILE_SECRET = re.compile(r"^\s*\$\{file:(?P<path>.*)\}\s*$")


@dataclass(frozen=True)
class Access:
    """How to reach one host: what replaces the spec's address, port, user and auth."""

    name: str
    address: str
    port: int
    user: str
    key_file: str
    host_key: str | None = None
    via: str = ""  # the host it is reached through
    password_login: bool = False  # the spec's password login, not the lab's key


def absolute(locator: str, base_dir: Path) -> str:
    """A spec path made absolute from ``base_dir``; ``~`` and absolute paths are kept."""
    if locator.startswith(("/", "~")):
        return locator
    return str(base_dir / locator)


#: Where a spec names a file, relative to the spec; "*" is every item of a list.
FILE_FIELDS: tuple[tuple[str, ...], ...] = (
    ("product", "artifact"),
    ("product", "templates"),
    ("product", "jdbc_driver"),
    ("matrix",),
    ("target", "kubeconfig"),
    ("middleware", "jdk", "source", "tarball"),
    ("middleware", "tomcat", "source", "tarball"),
    ("database", "schemas", "*", "migrations"),
    ("hosts", "*", "auth", "key_file"),
)


def absolutise(data: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """A copy of a raw environment document whose file references are all absolute."""
    data = copy.deepcopy(data)
    for path in FILE_FIELDS:
        _absolute_at(data, path, base_dir)
    product = data.get("product")
    if isinstance(product, dict) and is_image_archive(str(product.get("base_image", ""))):
        product["base_image"] = absolute(product["base_image"], base_dir)  # not a registry's
    result = _file_secrets(data, base_dir)
    assert isinstance(result, dict)
    return result


def _absolute_at(node: Any, path: tuple[str, ...], base_dir: Path) -> None:
    key, rest = path[0], path[1:]
    if key == "*":
        for item in node if isinstance(node, list) else []:
            _absolute_at(item, rest, base_dir)
    elif isinstance(node, dict) and key in node:
        if rest:
            _absolute_at(node[key], rest, base_dir)
        elif isinstance(node[key], str):
            node[key] = absolute(node[key], base_dir)


def _file_secrets(value: Any, base_dir: Path) -> Any:
    """Every ``${file:relative}`` string anywhere, made absolute."""
    if isinstance(value, dict):
        return {key: _file_secrets(item, base_dir) for key, item in value.items()}
    if isinstance(value, list):
        return [_file_secrets(item, base_dir) for item in value]
    if isinstance(value, str):
        match = _FILE_SECRET.match(value)
        if match:
            return "${file:" + absolute(match["path"].strip(), base_dir) + "}"
    return value


def overlay_document(
    data: dict[str, Any], base_dir: Path, access: Mapping[str, Access]
) -> dict[str, Any]:
    """The environment with each host's and bastion's access replaced by ``access[name]``."""
    result = absolutise(data, base_dir)
    for host in [*(result.get("hosts") or []), *(result.get("bastions") or [])]:
        name = host.get("name")
        if name not in access:
            raise LabError(f"the lab has no host named {name}")
        new = access[name]
        host["address"] = new.address
        host["port"] = new.port
        host["user"] = new.user
        if not new.password_login:
            host["auth"] = {"type": "key", "key_file": new.key_file}
        host.pop("host_key", None)
        if new.host_key:
            host["host_key"] = new.host_key
    return result


def render_overlay(data: Mapping[str, Any], spec: Path, how: str) -> str:
    header = (
        f"# Lab overlay of {spec}, written by deployer {how}.\n"
        "# Regenerated on every run: edit the original spec, not this file.\n"
    )
    return header + yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=False)


def render_known_hosts(hosts: Sequence[Access]) -> str:
    lines = [known_hosts_line(h.address, h.port, h.host_key) for h in hosts if h.host_key]
    return "".join(line + "\n" for line in lines)


def _quote(value: str) -> str:
    if any(c in value for c in ' \t"'):
        return '"' + value.replace('"', "") + '"'
    return value


def render_ssh_config(hosts: Sequence[Access], known_hosts: Path) -> str:
    """ssh_config for ``ssh -F``: strict host key checking against the lab's known_hosts, each
    host reached the spec's way (through its jump host; asking for its password)."""
    blocks = ["# Written by deployer lab. Use with: ssh -F THIS_FILE HOST\n"]
    for host in hosts:
        login = (
            "  PubkeyAuthentication no\n  PreferredAuthentications keyboard-interactive,password\n"
            if host.password_login
            else f"  IdentityFile {_quote(host.key_file)}\n  IdentitiesOnly yes\n"
            "  PasswordAuthentication no\n  BatchMode yes\n"
        )
        blocks.append(
            f"Host {host.name}\n"
            f"  HostName {host.address}\n"
            f"  Port {host.port}\n"
            f"  User {host.user}\n"
            + (f"  ProxyJump {host.via}\n" if host.via else "")
            + login
            + f"  UserKnownHostsFile {_quote(str(known_hosts))}\n"
            "  GlobalKnownHostsFile /dev/null\n"
            "  StrictHostKeyChecking yes\n"
            "  LogLevel ERROR\n"
        )
    return "\n".join(blocks)

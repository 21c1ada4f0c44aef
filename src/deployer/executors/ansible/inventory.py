"""An Ansible inventory from an environment spec: groups per role, strict host keys."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from deployer.spec import LoadedEnvironment
from deployer.spec.environment import Role
from deployer.transport.ssh import SshTarget

ROLE_GROUPS: tuple[Role, ...] = ("web", "app", "db")


def build_inventory(
    loaded: LoadedEnvironment, targets: list[SshTarget], control_dir: Path
) -> dict[str, Any]:
    """The inventory as data (written as YAML by the runner); one group per role."""
    by_name = {target.name: target for target in targets}
    hosts: dict[str, dict[str, Any]] = {}
    for host in loaded.env.hosts:
        target = by_name[host.name]
        hosts[host.name] = {
            "ansible_host": target.address,
            "ansible_port": target.port,
            "ansible_user": target.user,
            "ansible_become": host.become,
            "ansible_ssh_common_args": ssh_common_args(target, control_dir),
        }
        if target.key_file is not None:
            hosts[host.name]["ansible_ssh_private_key_file"] = str(target.key_file)
    children: dict[str, Any] = {
        role: {"hosts": {h.name: {} for h in loaded.env.hosts_with(role)}} for role in ROLE_GROUPS
    }
    return {
        "all": {
            "hosts": hosts,
            "children": children,
            "vars": {"ansible_python_interpreter": "/usr/bin/python3"},
        }
    }


def ssh_common_args(target: SshTarget, control_dir: Path) -> str:
    """Strict host key checking against the pinned keys, and connection reuse."""
    options = [
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "ControlMaster=auto",
        "-o",
        "ControlPersist=120s",
        "-o",
        f"ControlPath={control_dir}/%C",
        # As deployer's own commands: a host that dropped off is noticed in about 15 s.
        "-o",
        "ServerAliveInterval=5",
        "-o",
        "ServerAliveCountMax=3",
    ]
    if target.known_hosts is not None:
        options += ["-o", f"UserKnownHostsFile={target.known_hosts}"]
        options += ["-o", "GlobalKnownHostsFile=/dev/null"]
    return shlex.join(options)

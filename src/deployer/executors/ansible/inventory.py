"""An Ansible inventory from an environment spec: groups per role, strict host keys.

Ansible templates inventory values, connection settings included, on the control machine:
every text taken from the spec (or from paths the spec names) is tagged ``!unsafe`` so that a
key file called ``{{ lookup('pipe', ...) }}`` stays a file name.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from deployer.executors.ansible.variables import Unsafe
from deployer.spec import LoadedEnvironment
from deployer.spec.environment import Role
from deployer.transport.ssh import SshTarget, policy_options

ROLE_GROUPS: tuple[Role, ...] = ("web", "app", "db")


def build_inventory(
    loaded: LoadedEnvironment, targets: list[SshTarget], control_dir: Path
) -> dict[str, Any]:
    """The inventory as data (written as YAML by the runner); one group per role."""
    by_name = {target.name: target for target in targets}
    hosts: dict[str, dict[str, Any]] = {}
    for host in loaded.env.hosts:
        target = by_name[host.name]
        # The key file goes into the common arguments, quoted and %-escaped for ssh, rather
        # than ansible_ssh_private_key_file, which Ansible hands to ssh with '%' unescaped.
        hosts[host.name] = {
            "ansible_host": Unsafe(target.address),
            "ansible_port": target.port,
            "ansible_user": Unsafe(target.user),
            "ansible_become": host.become,
            "ansible_ssh_common_args": Unsafe(ssh_common_args(target, control_dir)),
        }
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
    """deployer's one SSH policy (strict host keys, the key file, the shared connections),
    split by Ansible as a POSIX shell would."""
    return shlex.join(policy_options(target, control_dir))

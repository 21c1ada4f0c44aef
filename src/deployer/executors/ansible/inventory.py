"""An Ansible inventory from an environment spec: groups per role, strict host keys.

Ansible templates inventory values, connection settings included, on the control machine:
every text taken from the spec (or from paths the spec names) is tagged ``!unsafe`` so that a
key file called ``{{ lookup('pipe', ...) }}`` stays a file name.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deployer.executors.ansible.engines import ManagedHost
from deployer.executors.ansible.variables import Unsafe
from deployer.spec import LoadedEnvironment
from deployer.spec.environment import Role
from deployer.transport.ssh import SshTarget, policy_options

ROLE_GROUPS: tuple[Role, ...] = ("web", "app", "db")


def build_inventory(
    loaded: LoadedEnvironment,
    targets: list[SshTarget],
    control_dir: Path,
    managed: Mapping[str, ManagedHost],
) -> dict[str, Any]:
    """The inventory as data (written as YAML by the runner); one group per role. Each host's
    modules run under the interpreter chosen for it (``managed``), never a guessed one."""
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
            **become_vars(target),
            "ansible_ssh_common_args": Unsafe(ssh_common_args(target, control_dir)),
            **managed_vars(managed[host.name]),
        }
    children: dict[str, Any] = {
        role: {"hosts": {h.name: {} for h in loaded.env.hosts_with(role)}} for role in ROLE_GROUPS
    }
    return {"all": {"hosts": hosts, "children": children}}


def become_variable(host: str) -> str:
    """The environment variable carrying ``host``'s become password to Ansible."""
    return "DEPLOYER_BECOME_" + host.encode("utf-8").hex().upper()


def become_vars(target: SshTarget) -> dict[str, Any]:
    """How Ansible becomes root on the host, as the spec says. A password is looked up in
    Ansible's environment (become_secrets), never written into the inventory."""
    root = target.root
    if root.method == "none":
        return {"ansible_become": False}
    values: dict[str, Any] = {
        "ansible_become": True,
        "ansible_become_method": root.method,
        "ansible_become_user": "root",
    }
    if root.method == "su":
        # `su - root`, as an administrator types it: root's own PATH (the sbin folders), as
        # sudo's secure_path gives; a plain su keeps the login user's.
        values["ansible_become_flags"] = "-"
    if root.password is not None:
        values["ansible_become_password"] = (
            "{{ lookup('env', '" + become_variable(target.name) + "') }}"
        )
    return values


def become_secrets(targets: list[SshTarget]) -> dict[str, str]:
    """The environment that ``become_vars``' lookups read."""
    return {
        become_variable(t.name): t.root.password for t in targets if t.root.password is not None
    }


def managed_vars(managed: ManagedHost) -> dict[str, Any]:
    """The interpreter (a path the host reported: never templated) and the platform."""
    values: dict[str, Any] = {"ansible_python_interpreter": Unsafe(managed.interpreter.path)}
    if managed.platform is not None:
        values["deployer_platform"] = dict(managed.platform)
    return values


def ssh_common_args(target: SshTarget, control_dir: Path) -> str:
    """deployer's one SSH policy (strict host keys, the key file, the shared connections),
    split by Ansible as a POSIX shell would."""
    return shlex.join(policy_options(target, control_dir))

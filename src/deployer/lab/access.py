"""Lab hosts reached the way the spec says, and only that way.

A host whose spec logs in with a password gets that password and no authorized key; one
whose sudo takes a password gets sudo without NOPASSWD and the password; one that becomes root
with su has no sudo at all and root gets the password; one reached ``via`` another answers SSH
only from that host (nftables in its network namespace). So a lab run proves each mode rather
than passing by it with the lab's own key.

Passwords are read from the spec's references when the host is built and go to ``chpasswd``
on its standard input: never an argument, never a file of the lab's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from deployer.errors import LabError
from deployer.lab import tree
from deployer.lab.image import LAB_USER
from deployer.lab.processes import run
from deployer.spec.access import Bastion, Become
from deployer.spec.environment import Environment, Host

SSHD_PASSWORDS = """\
# Written by deployer lab: the spec logs in to this host with a password.
PasswordAuthentication yes
KbdInteractiveAuthentication yes
"""
SUDO_WITH_PASSWORD = f"{LAB_USER} ALL=(ALL:ALL) ALL\n"


@dataclass(frozen=True)
class LabAccess:
    """What one lab host is given so that the spec's way in works: ``login_password`` (None:
    the lab's key), ``become`` (``sudo`` without a password, ``sudo-password``, ``su`` or
    ``none``), the password sudo or su asks for, and the host it is reached through, the
    only one it answers SSH from (``via``, at ``jump_address``; None: any)."""

    login_password: str | None = field(default=None, repr=False)
    become: str = "sudo"
    become_password: str | None = field(default=None, repr=False)
    via: str | None = None
    jump_address: str | None = None

    @property
    def key_login(self) -> bool:
        return self.login_password is None


def access_for(
    env: Environment, base_dir: Path, addresses: Mapping[str, str]
) -> dict[str, LabAccess]:
    """Each lab host's ``LabAccess`` from the spec, bastions included (passwords read now);
    ``addresses``: the lab's, by name."""
    found = {}
    members: list[Host | Bastion] = [*env.hosts, *env.bastions]
    for member in members:
        password = getattr(member.auth, "password", None)
        become = member.becomes if isinstance(member, Host) else Become()
        method, become_password = _become(become, base_dir)
        found[member.name] = LabAccess(
            login_password=password.reveal(base_dir) if password is not None else None,
            become=method,
            become_password=become_password,
            via=member.via,
            jump_address=addresses[member.via] if member.via else None,
        )
    return found


def _become(become: Become | None, base_dir: Path) -> tuple[str, str | None]:
    """The lab's name for the become method, and its password."""
    if become is None:
        return "none", None
    password = become.password.reveal(base_dir) if become.password is not None else None
    if become.method == "sudo" and password is not None:
        return "sudo-password", password
    return become.method, password


def provision_access(root: Path, access: LabAccess) -> None:
    """Write the host's way in into its mounted root (before it boots)."""
    if access.login_password is not None:
        tree.write_file(root, "/etc/ssh/sshd_config.d/00-deployer-lab-access.conf", SSHD_PASSWORDS)
    user_password = access.login_password
    if access.become == "sudo-password":
        tree.write_file(root, f"/etc/sudoers.d/{LAB_USER}", SUDO_WITH_PASSWORD, 0o440)
        user_password = access.become_password
    elif access.become == "su":
        tree.remove(root, f"/etc/sudoers.d/{LAB_USER}")
        tree.remove(root, "/usr/bin/sudo")
        _chpasswd(root, "root", access.become_password or "")
    if user_password is not None:
        _chpasswd(root, LAB_USER, user_password)


def fence_rules(jump_address: str) -> str:
    """nftables rules for a host's own namespace: SSH only from its jump host."""
    return (
        "table inet deployer_lab_fence {\n"
        "  chain input {\n"
        "    type filter hook input priority 0; policy accept;\n"
        f"    tcp dport 22 ip saddr != {jump_address} drop\n"
        "  }\n"
        "}\n"
    )


def fence(netns: str, jump_address: str) -> None:
    """Load ``fence_rules`` in the host's network namespace (gone with the namespace)."""
    run(["ip", "netns", "exec", netns, "nft", "-f", "-"], input_text=fence_rules(jump_address))


def _chpasswd(root: Path, user: str, password: str) -> None:
    if "\n" in password or ":" in user:
        raise LabError(f"the lab cannot set a password with a line break for {user}")
    run(["chroot", str(root), "/usr/sbin/chpasswd"], input_text=f"{user}:{password}\n")

"""Keys the lab generates, and the per-host files it writes through a mounted overlay.

Everything a host needs to be reachable with strict host key checking is decided on the
machine before the host boots: its host key, the login user's authorized key, its
name and the proxy address (or, for an offline host, that it has no package source).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from deployer.errors import LabError
from deployer.lab import tree
from deployer.lab.image import LAB_USER
from deployer.lab.processes import run

HOST_KEY = "/etc/ssh/ssh_host_ed25519_key"
APT_PROXY_CONF = "/etc/apt/apt.conf.d/01deployer-lab-proxy"
APT_LISTS = "/var/lib/apt/lists"


@dataclass(frozen=True)
class KeyPair:
    private: Path
    public: str  # "ssh-ed25519 AAAA..." without a comment


def generate_keypair(path: Path, comment: str) -> KeyPair:
    """A fresh ed25519 key pair at ``path`` (0600) and ``path``.pub."""
    pub = path.with_name(path.name + ".pub")
    path.unlink(missing_ok=True)
    pub.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])
    path.chmod(0o600)
    words = pub.read_text(encoding="utf-8").split()
    if len(words) < 2:
        raise LabError(f"ssh-keygen wrote an unreadable public key to {pub}")
    return KeyPair(path, f"{words[0]} {words[1]}")


@dataclass(frozen=True)
class HostFiles:
    """What one host learns from the lab before it boots."""

    name: str
    hosts: Mapping[str, str]  # every lab host's name -> address
    proxy_url: str | None  # None: an offline host, with no proxy and no package sources
    host_key: KeyPair
    authorized_key: str | None  # None: the spec logs in with a password, not the lab's key


def hosts_file(name: str, hosts: Mapping[str, str]) -> str:
    lines = ["127.0.0.1\tlocalhost", f"127.0.1.1\t{name}", "::1\tlocalhost ip6-localhost"]
    lines += [f"{address}\t{host}" for host, address in hosts.items()]
    return "\n".join(lines) + "\n"


def apt_proxy(proxy_url: str) -> str:
    return (
        "// Written by deployer lab: packages come through the lab's caching proxy,\n"
        "// the only way out of a lab host.\n"
        f'Acquire::http::Proxy "{proxy_url}";\n'
    )


def remove_package_sources(root: Path) -> None:
    """Leave apt nothing to fetch from, so whatever an offline host installs came from files
    brought to it (the base's lists are already stripped; a base built otherwise may not be)."""
    tree.remove(root, "/etc/apt/sources.list")
    tree.empty_dir(root, "/etc/apt/sources.list.d")
    tree.empty_dir(root, APT_LISTS, keep=("lock", "partial"))


#: The key exchange customer hosts offer (OpenSSH 6.5 to 9.8): Debian 13's OpenSSH would
#: otherwise agree on a post-quantum exchange no customer host has, and timings made on the
#: lab would measure that instead. Read before the distribution's own settings (first wins).
SSHD_KEX_CONF = "/etc/ssh/sshd_config.d/00-deployer-lab-kex.conf"
SSHD_KEX = (
    "# Written by deployer lab: the key exchange customer hosts offer.\n"
    "KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org\n"
)


def provision(root: Path, files: HostFiles) -> None:
    """Write the host's identity and access files into its mounted root."""
    tree.write_file(root, "/etc/hostname", files.name + "\n")
    tree.write_file(root, "/etc/hosts", hosts_file(files.name, files.hosts))
    tree.write_file(root, "/etc/machine-id", uuid.uuid4().hex + "\n", 0o444)
    tree.write_file(root, "/etc/resolv.conf", "# lab hosts have no DNS; see /etc/hosts\n")
    if files.proxy_url is None:
        remove_package_sources(root)
    else:
        tree.write_file(root, APT_PROXY_CONF, apt_proxy(files.proxy_url))
    private = files.host_key.private.read_text(encoding="utf-8")
    tree.write_file(root, HOST_KEY, private, 0o600)
    tree.write_file(root, HOST_KEY + ".pub", files.host_key.public + f" root@{files.name}\n")
    tree.write_file(root, SSHD_KEX_CONF, SSHD_KEX)
    if files.authorized_key is None:
        return
    owner = tree.owner_of(root, LAB_USER)
    ssh_dir = f"/home/{LAB_USER}/.ssh"
    tree.make_dirs(root, ssh_dir, 0o700, owner)
    tree.write_file(root, f"{ssh_dir}/authorized_keys", files.authorized_key + "\n", 0o600, owner)

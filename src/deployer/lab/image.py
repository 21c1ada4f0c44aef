"""What turns a fresh debootstrap tree into the lab's base image.

Only things every host shares go here; per-host files (hostname, keys, proxy address)
are written later through each host's mounted overlay.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from deployer.lab import tree
from deployer.lab.mirror import Mirror, host_sources
from deployer.lab.processes import run

#: Bump when ``customise`` changes, so cached bases are rebuilt.
RECIPE = 2
LAB_USER = "deploy"

#: Timers and services that only cost boot time or reach out on their own in a lab host.
MASKED_UNITS = (
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "dpkg-db-backup.timer",
    "e2scrub_all.timer",
    "e2scrub_reap.service",
    "fstrim.timer",
    "systemd-firstboot.service",
)

SSHD_CONFIG = """\
# Written by deployer lab: key-only logins with the host key the lab generated.
HostKey /etc/ssh/ssh_host_ed25519_key
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UseDNS no
"""

APT_CONFIG = """\
// Written by deployer lab. The machine's mirror may be a dated snapshot whose Release
// files are past their Valid-Until; lab hosts are throwaway, so accept them as the
// machine itself does.
Acquire::Check-Valid-Until "false";
Acquire::Languages "none";
"""


def customise(root: Path, mirror: Mirror, suite: str) -> None:
    """Add the login user, sshd and apt settings; strip caches, keys and machine ids."""
    run(["chroot", str(root), "/usr/sbin/useradd", "--create-home", "--user-group",
         "--shell", "/bin/bash", LAB_USER])  # fmt: skip
    tree.write_file(
        root, f"/etc/sudoers.d/{LAB_USER}", f"{LAB_USER} ALL=(ALL:ALL) NOPASSWD: ALL\n", 0o440
    )
    tree.write_file(root, "/etc/ssh/sshd_config.d/deployer-lab.conf", SSHD_CONFIG)
    tree.write_file(root, "/etc/apt/apt.conf.d/50deployer-lab", APT_CONFIG)
    tree.write_file(root, "/etc/apt/sources.list.d/debian.sources", host_sources(mirror, suite))
    tree.remove(root, "/etc/apt/sources.list")
    for unit in MASKED_UNITS:
        tree.symlink(root, f"/etc/systemd/system/{unit}", "/dev/null")
    # The login user's systemd manager starts once at boot and stays, rather than starting
    # and stopping around every burst of logins: tests log in hundreds of times, and each
    # restart of user@.service is host work and one more unit that can end up failed.
    tree.write_file(root, f"/var/lib/systemd/linger/{LAB_USER}", "")
    _strip(root)


def _strip(root: Path) -> None:
    """Remove what must not be shared between hosts or is only a download cache."""
    for name in ("/usr/sbin/policy-rc.d", "/etc/resolv.conf", "/etc/hostname"):
        tree.remove(root, name)
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    for folder in ("var/lib/apt/lists", "var/cache/apt/archives"):
        for entry in (root / folder).iterdir():
            if entry.is_file() and entry.name != "lock":
                entry.unlink()
            elif entry.is_dir() and entry.name != "partial":
                shutil.rmtree(entry)
    for cache in (root / "var/cache/apt").glob("*.bin"):
        cache.unlink()
    # An empty machine-id is rewritten per host before boot; an empty file (not a
    # missing one) keeps systemd from treating each boot as a first boot.
    tree.write_file(root, "/etc/machine-id", "")
    tree.write_file(root, "/etc/resolv.conf", "")

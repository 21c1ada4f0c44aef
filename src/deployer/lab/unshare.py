"""The light flavour: sshd under tini in a chroot, in fresh PID/mount/UTS/IPC namespaces.

For machines without systemd-nspawn. No systemd runs inside, so services start through
their init scripts. ``unshare --kill-child`` ties the host's life to the unshare process:
SIGKILL it and every process of the host dies with it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from deployer.lab import processes
from deployer.lab.processes import ProcessRecord

#: Runs as PID 1 of the new PID namespace, then becomes tini. The root path arrives as
#: $1, never pasted into the script.
INIT_SCRIPT = """\
set -eu
root=$1
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run"
mount -t tmpfs -o mode=0755,nosuid tmpfs "$root/dev"
for node in null zero full random urandom tty; do
  touch "$root/dev/$node"
  mount --bind "/dev/$node" "$root/dev/$node"
done
mkdir -p "$root/dev/pts" "$root/dev/shm" "$root/run/sshd" "$root/run/lock"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
ln -s /proc/self/fd "$root/dev/fd"
hostname "$2"
exec chroot "$root" /usr/bin/tini -s -- /usr/sbin/sshd -D -e
"""


def available() -> bool:
    return shutil.which("unshare") is not None


def boot_argv(hostname: str, netns: str, root: Path) -> list[str]:
    return [
        "ip", "netns", "exec", netns,
        "unshare", "--uts", "--ipc", "--mount", "--pid", "--fork",
        "--kill-child=SIGKILL", "--propagation", "private",
        "sh", "-c", INIT_SCRIPT, "deployer-lab-init", str(root), hostname,
    ]  # fmt: skip


def boot(hostname: str, netns: str, root: Path, log_file: Path) -> ProcessRecord:
    return processes.start(boot_argv(hostname, netns, root), log_file)

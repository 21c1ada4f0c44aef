"""Boot a host with real systemd as PID 1 under systemd-nspawn.

``--register=no --keep-unit`` keep nspawn from asking a host systemd (there may be none)
for a machine unit; the network namespace is the one the lab made for the host.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from deployer.lab import processes
from deployer.lab.processes import ProcessRecord

PROPAGATE_DIR = Path("/run/systemd/nspawn/propagate")


def available() -> bool:
    return shutil.which("systemd-nspawn") is not None


def boot_argv(machine: str, hostname: str, netns: str, root: Path) -> list[str]:
    return [
        "systemd-nspawn",
        "--boot",
        "--register=no",
        "--keep-unit",
        # The container's console (systemd's boot lines) goes to nspawn's output, the
        # host's console.log; "passive" would leave it unconnected, and the log empty.
        "--console=read-only",
        f"--machine={machine}",
        f"--hostname={hostname}",
        f"--network-namespace-path=/run/netns/{netns}",
        # The lab wrote these files itself; nspawn must not replace them with the machine's.
        "--resolv-conf=off",
        "--timezone=off",
        "--link-journal=no",
        "-D",
        str(root),
    ]


def boot(machine: str, hostname: str, netns: str, root: Path, log_file: Path) -> ProcessRecord:
    return processes.start(boot_argv(machine, hostname, netns, root), log_file)


def propagate_dir(machine: str) -> Path:
    """The folder nspawn leaves behind for ``machine``; the lab removes only its own."""
    return PROPAGATE_DIR / machine

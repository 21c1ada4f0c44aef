"""Throwaway local SSH hosts made from an environment spec (``deployer lab``).

Each spec host becomes a lab host: its own network namespace on a lab bridge, an overlay
root filesystem over a cached base of its Debian release (``--os``), real systemd as PID 1
(or sshd under tini), a generated host key and login key, and packages through the lab's
caching proxy (``--offline``: no proxy and no package sources at all).
"""

from __future__ import annotations

from pathlib import Path

from deployer.lab import preflight, state, teardown
from deployer.lab.files import lab_known_hosts, lab_spec_for, lab_spec_path, lab_ssh_config
from deployer.lab.fromvagrant import from_vagrant
from deployer.lab.manager import Progress, UpOptions, rebuild, up
from deployer.lab.network import DEFAULT_SUBNET
from deployer.lab.paths import cache_dir_from, state_dir_for
from deployer.lab.releases import DEFAULT_RELEASE, RELEASES, OsChoice, Release, parse_os
from deployer.lab.releases import buildable as buildable_releases
from deployer.lab.state import LabState
from deployer.lab.status import HostStatus, LabStatus, status


def down(spec: Path) -> bool:
    """Tear down the lab of ``spec`` (idempotent); True if there was anything to remove."""
    current = state.load(state_dir_for(spec))
    if current is None or current.backend != "vagrant":  # a Vagrant lab is only files
        preflight.require_root()
    return teardown.down(spec)


__all__ = [
    "DEFAULT_RELEASE",
    "DEFAULT_SUBNET",
    "RELEASES",
    "HostStatus",
    "LabState",
    "LabStatus",
    "OsChoice",
    "Progress",
    "Release",
    "UpOptions",
    "buildable_releases",
    "cache_dir_from",
    "down",
    "from_vagrant",
    "lab_known_hosts",
    "lab_spec_for",
    "lab_spec_path",
    "lab_ssh_config",
    "parse_os",
    "rebuild",
    "state_dir_for",
    "status",
    "up",
]

"""Checks before the lab touches anything: root, namespaces, which host flavour."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from deployer.errors import LabError
from deployer.lab import nspawn, unshare
from deployer.lab.state import Backend


def require_root() -> None:
    if os.geteuid() != 0:
        raise LabError(
            "deployer lab needs root: it creates network namespaces, a bridge and mounts "
            "(run it as root or with sudo)"
        )
    if not Path("/proc/self/ns/net").exists() or shutil.which("ip") is None:
        raise LabError("this machine has no network namespaces or no 'ip' (package iproute2)")


def choose_backend(flavour: Backend | None) -> Backend:
    if flavour in (None, "systemd") and nspawn.available():
        return "systemd"
    if flavour == "systemd":
        raise LabError(
            "systemd-nspawn is not installed (package systemd-container); "
            "install it or use --flavour unshare"
        )
    if not unshare.available():
        raise LabError("neither systemd-nspawn nor unshare is installed")
    return "unshare"

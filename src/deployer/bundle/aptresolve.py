"""Resolve and fetch a release's packages with that release's own apt, in a throwaway copy
of the lab's base root filesystem for the release (what every lab host of it boots from).

apt resolves against an empty package status, so the bundle holds the whole dependency
closure: a customer host with fewer packages, or older ones, than the lab's base still
finds everything it needs in the bundle. Downloaded files are kept in a cache folder, so a
second build fetches nothing.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from deployer.bundle.tools import run_tool
from deployer.errors import BundleError
from deployer.lab.mounts import mount_overlay, unmount_all
from deployer.lab.rootfs import BaseImage

log = logging.getLogger(__name__)

#: Debian's names of the architectures a bundle is built for.
DEBIAN_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}
ARCHIVES = "var/cache/apt/archives"
EMPTY_STATUS = "tmp/deployer-empty-status"


def apt_options(arch: str) -> list[str]:
    debian = DEBIAN_ARCH[arch]
    return [
        "-o", f"APT::Architecture={debian}",
        "-o", f"APT::Architectures={debian}",
        "-o", f"Dir::State::status=/{EMPTY_STATUS}",
        # A mirror in the middle of a sync answers a few requests wrongly: try again.
        "-o", "Acquire::Retries=3",
    ]  # fmt: skip


def fetch_closure(
    base: BaseImage, packages: Sequence[str], arch: str, *, scratch: Path, cache: Path, dest: Path
) -> list[Path]:
    """The .deb files of ``packages`` and everything they depend on, copied into ``dest``."""
    root = scratch / "root"
    mount_overlay(base.rootfs, scratch / "upper", scratch / "work", root)
    try:
        shutil.copyfile("/etc/resolv.conf", root / "etc/resolv.conf")
        (root / EMPTY_STATUS).write_text("")
        archives = root / ARCHIVES
        cache.mkdir(parents=True, exist_ok=True)
        for cached in cache.glob("*.deb"):
            shutil.copy2(cached, archives / cached.name)
        chroot = ["chroot", str(root), "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-q"]
        run_tool([*chroot, *apt_options(arch), "update"])
        install = ["install", "-y", "--download-only", "--no-install-recommends", *packages]
        run_tool([*chroot, *apt_options(arch), *install])
        wanted = _downloaded(root, arch, packages)
        dest.mkdir(parents=True, exist_ok=True)
        for deb in wanted:
            shutil.copy2(deb, cache / deb.name)
            shutil.copy2(deb, dest / deb.name)
        return sorted(dest / deb.name for deb in wanted)
    finally:
        unmount_all(root)


def _downloaded(root: Path, arch: str, packages: Sequence[str]) -> list[Path]:
    """The archives of the closure, named from apt's simulated install ("Inst NAME (VERSION
    SUITE [ARCH])"): cached files of other builds (other versions, other packages) stay out
    of the bundle."""
    chroot = ["chroot", str(root), "apt-get", "-q", "--simulate", *apt_options(arch)]
    printed = run_tool([*chroot, "install", "-y", "--no-install-recommends", *packages])
    found = [root / ARCHIVES / name for name in archive_names(printed.decode())]
    missing = [p.name for p in found if not p.is_file()]
    if missing:
        raise BundleError(f"apt did not download {', '.join(missing)}")
    return found


def archive_names(simulated: str) -> list[str]:
    """apt's file name of each package a simulated install prints."""
    names: list[str] = []
    for line in simulated.splitlines():
        match = _INST.match(line)
        if match:
            version = match["version"].replace(":", "%3a")  # how apt names epochs on disk
            names.append(f"{match['name']}_{version}_{match['arch']}.deb")
    return names


_INST = re.compile(r"^Inst (?P<name>\S+) (?:\[\S+\] )?\((?P<version>\S+) .*\[(?P<arch>[^\]]+)\]\)")

"""The cached Debian base root filesystems lab hosts' overlays sit on, one per release.

Each is built once with debootstrap from the machine's own mirror, stripped of apt lists,
packages and host keys, and cached as a tarball plus its unpacked tree. Every build
happens in a scratch folder and is renamed into place, so a killed build never leaves a
half cache behind; a lock keeps two ``lab up`` runs from building at the same time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from deployer.errors import LabError
from deployer.files import held_exclusively
from deployer.lab import image
from deployer.lab.mirror import Mirror
from deployer.lab.mounts import unmount_all
from deployer.lab.processes import run, run_logged
from deployer.lab.releases import Release

log = logging.getLogger(__name__)
Progress = Callable[[str], None]

#: What every lab host needs: sshd and a login with sudo, Python and iproute2 for
#: Ansible (python3-apt for its apt module), systemd as init, tini for the light flavour.
#: Every name exists in bullseye, bookworm and trixie alike, so one list serves them all.
PACKAGES = (
    "openssh-server",
    "python3",
    "python3-apt",
    "sudo",
    "ca-certificates",
    "iproute2",
    "curl",
    "procps",
    "systemd",
    "systemd-sysv",
    "dbus",
    "libpam-systemd",
    "tini",
)


@dataclass(frozen=True)
class BaseImage:
    key: str
    tarball: Path
    rootfs: Path


def cache_key(mirror: Mirror, suite: str, packages: tuple[str, ...]) -> str:
    """Changes to the package list, suite, mirror or recipe give a new base."""
    recipe = [image.RECIPE, suite, mirror.archive, sorted(packages)]
    return hashlib.sha256(json.dumps(recipe).encode()).hexdigest()[:12]


def base_image(cache_dir: Path, mirror: Mirror, release: Release) -> BaseImage:
    suite = release.suite
    key = cache_key(mirror, suite, PACKAGES)
    return BaseImage(key, cache_dir / f"{suite}-{key}.tar", cache_dir / "rootfs" / f"{suite}-{key}")


def ensure_base(cache_dir: Path, mirror: Mirror, release: Release, progress: Progress) -> BaseImage:
    """The unpacked base of ``release``, from the unpacked cache, the tarball, or a fresh
    build."""
    wanted = base_image(cache_dir, mirror, release)
    if wanted.rootfs.is_dir():
        return wanted
    cache_dir.mkdir(parents=True, exist_ok=True)
    with held_exclusively(cache_dir / "base.lock"):
        if wanted.rootfs.is_dir():  # another run finished it while we waited
            return wanted
        scratch_root = cache_dir / "tmp"
        _clean_scratch(scratch_root)
        scratch_root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="base-", dir=scratch_root))
        try:
            if wanted.tarball.is_file():
                progress(f"unpacking the cached base root filesystem {wanted.tarball}")
                _unpack(wanted.tarball, scratch / "rootfs")
            else:
                progress(
                    f"building the {release.name} ({release.suite}) base root filesystem "
                    "(once; about 1-2 minutes)"
                )
                _build(mirror, release.suite, scratch, wanted.tarball)
            wanted.rootfs.parent.mkdir(parents=True, exist_ok=True)
            os.rename(scratch / "rootfs", wanted.rootfs)
        finally:
            _clean_scratch(scratch_root)
    return wanted


def _clean_scratch(scratch_root: Path) -> None:
    """Remove what an earlier, possibly killed, build left (unmounting first)."""
    if not scratch_root.is_dir():
        return
    for entry in scratch_root.iterdir():
        unmount_all(entry)
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _build(mirror: Mirror, suite: str, scratch: Path, tarball: Path) -> None:
    root = scratch / "rootfs"
    log_file = scratch / "debootstrap.log"
    if shutil.which("debootstrap") is None:
        raise LabError("debootstrap is not installed; run scripts/setup.sh (or apt-get install)")
    argv = [
        "debootstrap",
        "--variant=minbase",
        f"--include={','.join(PACKAGES)}",
        f"--components={','.join(mirror.components)}",
        suite,
        str(root),
        mirror.archive,
    ]
    log.info("running %s", " ".join(argv))
    returncode = run_logged(argv, log_file)
    if returncode != 0:
        kept = tarball.parent / "debootstrap-failed.log"
        shutil.copyfile(log_file, kept)
        tail = log_file.read_text(errors="replace").strip().splitlines()[-1:]
        raise LabError(
            f"debootstrap of {suite} from {mirror.archive} failed "
            f"(exit {returncode}): {' '.join(tail)}; full log in {kept}"
        )
    image.customise(root, mirror, suite)
    partial = scratch / "base.tar"
    run(["tar", "--create", "--file", str(partial), "--numeric-owner", "--xattrs",
         "--xattrs-include=*", "--directory", str(root), "."])  # fmt: skip
    os.replace(partial, tarball)


def _unpack(tarball: Path, target: Path) -> None:
    target.mkdir(parents=True)
    run(["tar", "--extract", "--file", str(tarball), "--numeric-owner", "--xattrs",
         "--xattrs-include=*", "--same-permissions", "--directory", str(target)])  # fmt: skip

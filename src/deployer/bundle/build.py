"""``bundle build``: one file that holds a whole go-live for the spec's hosts.

Stages: packages per release (Debian: resolved and fetched by the release's own apt, then
a signed flat repository; RedHat family: the engineer's RPMs with gzip repodata), the
spec's product files, the wheelhouse, then SHA256SUMS, the manifest, its signature and the
archive. Everything is assembled in a scratch folder beside the output.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from deployer import __version__
from deployer.bundle import archive, rpmrepo, signing
from deployer.bundle.aptresolve import fetch_closure
from deployer.bundle.debrepo import write_flat_repo
from deployer.bundle.hostreleases import host_releases
from deployer.bundle.manifest import (
    MANIFEST,
    SUMS,
    Manifest,
    bundle_name,
    describe,
    digest_of,
    manifest_bytes,
    sums_text,
)
from deployer.bundle.packages import debian_packages
from deployer.bundle.repokey import PUBLIC_KEY, export_public, repo_key
from deployer.bundle.sitefiles import copy_into, site_files
from deployer.errors import BundleError
from deployer.lab.mirror import machine_mirror
from deployer.lab.releases import Release
from deployer.lab.rootfs import ensure_base
from deployer.spec.loader import LoadedEnvironment

log = logging.getLogger(__name__)
Progress = Callable[[str], None]
PACKAGES = "packages"
IMAGES = "images"


@dataclass(frozen=True)
class BuildOptions:
    signing_key: Path  # the engineer's SSH key (private, or .pub with ssh-agent)
    gnupg_home: Path  # where the repository key lives
    cache_dir: Path  # the lab's cache: base root filesystems, and fetched packages
    output: Path | None = None  # None: PRODUCT-VERSION-ARCH.bundle.tar.gz here
    arch: str = "x86_64"
    os: tuple[str, ...] = ()  # --os values: RELEASE or HOST=RELEASE (bundle.hostreleases)
    rpms: Mapping[str, Path] = field(default_factory=dict)  # el7 -> folder of RPMs
    wheels: Callable[[Path], None] | None = None  # fills a folder with the wheelhouse
    image: Path | None = None  # the product's image archive (image build), under images/


@dataclass(frozen=True)
class BuiltBundle:
    path: Path
    manifest: Manifest
    digest: str


def output_path(loaded: LoadedEnvironment, options: BuildOptions) -> Path:
    product = loaded.env.product
    name = bundle_name(product.name, product.version, options.arch) + ".bundle.tar.gz"
    return options.output or Path.cwd() / name


def build(loaded: LoadedEnvironment, options: BuildOptions, progress: Progress) -> BuiltBundle:
    product = loaded.env.product
    output = output_path(loaded, options)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".bundle-", dir=output.parent) as scratch:
        tree = Path(scratch) / bundle_name(product.name, product.version, options.arch)
        tree.mkdir()
        releases = _packages(loaded, options, tree, Path(scratch), progress)
        progress("adding the spec's product files")
        copy_into(site_files(loaded), tree)
        if options.image is not None:
            progress(f"adding the product's image {options.image.name}")
            _folder(tree / IMAGES)
            shutil.copyfile(options.image, tree / IMAGES / options.image.name)
        if options.wheels is not None:
            progress(f"downloading the wheelhouse for {options.arch}")
            options.wheels(tree / "wheels" / options.arch)
        heading = Heading(product.name, product.version, options.arch, tuple(releases))
        manifest, data = seal(tree, heading, options.signing_key)
        progress(f"writing {output}")
        archive.write(tree, output)
    return BuiltBundle(output, manifest, digest_of(data))


def _packages(
    loaded: LoadedEnvironment, options: BuildOptions, tree: Path, scratch: Path, progress: Progress
) -> list[str]:
    names = [h.name for h in loaded.env.hosts]
    chosen = host_releases(options.os, names, options.rpms)
    debian = chosen.debian_hosts()
    if debian and os.geteuid() != 0:
        raise BundleError(
            f"resolving the packages of {', '.join(debian)} mounts a copy of the lab's base "
            "root filesystem: run bundle build as root"
        )
    with repo_key(options.gnupg_home) as key:
        export_public(key, _folder(tree / PACKAGES) / PUBLIC_KEY)
        for release_name, hosts in sorted(debian.items()):
            progress(f"resolving the packages for {release_name} with its own apt")
            folder = tree / PACKAGES / release_name
            _debian_repository(
                loaded, options, chosen.debian[hosts[0]], hosts, folder=folder, scratch=scratch
            )
            label = f"{loaded.env.product.name} {loaded.env.product.version} {release_name}"
            write_flat_repo(folder, key, label)
    for release_name, source in sorted(options.rpms.items()):
        progress(f"indexing the RPMs for {release_name} from {source}")
        folder = _folder(tree / PACKAGES / release_name)
        for rpm in sorted(source.glob("*.rpm")):
            shutil.copyfile(rpm, folder / rpm.name)
        rpmrepo.write_repodata(folder)
    return sorted({*debian, *options.rpms})


def _debian_repository(
    loaded: LoadedEnvironment,
    options: BuildOptions,
    release: Release,
    hosts: list[str],
    *,
    folder: Path,
    scratch: Path,
) -> None:
    """The closure of what the roles install on ``hosts``, fetched into ``folder``."""
    env = loaded.env
    wanted = debian_packages(env, [h for h in env.hosts if h.name in hosts], release.name)
    base = ensure_base(options.cache_dir, machine_mirror(), release, lambda _: None)
    cache = options.cache_dir / "bundle-packages" / f"{release.name}-{options.arch}"
    work = Path(tempfile.mkdtemp(prefix=f"{release.name}-", dir=scratch))
    try:
        fetch_closure(base, wanted, options.arch, scratch=work, cache=cache, dest=folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def seal(tree: Path, heading: Heading, signing_key: Path) -> tuple[Manifest, bytes]:
    """SHA256SUMS, then the manifest over every file (the sums included), then its
    signature."""
    (tree / SUMS).write_text(sums_text(describe(tree, skip=(MANIFEST, SUMS))), encoding="utf-8")
    manifest = Manifest(
        product=heading.product,
        version=heading.version,
        arch=heading.arch,
        releases=heading.releases,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        deployer=__version__,
        files=describe(tree),
    )
    data = manifest_bytes(manifest)
    (tree / MANIFEST).write_bytes(data)
    signing.sign(tree / MANIFEST, signing_key)
    return manifest, data


@dataclass(frozen=True)
class Heading:
    """What a manifest says of the bundle as a whole."""

    product: str
    version: str
    arch: str
    releases: tuple[str, ...]

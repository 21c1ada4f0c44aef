"""Packages from a verified bundle instead of the hosts' own sources.

Before the first play each host gets its release's repository from the bundle (only the
files it lacks, then every checksum checked there), and an apt configuration of the run's
own that Ansible's tasks are given as ``APT_CONFIG``: apt then sees the bundle's repository
alone, with lists of its own, and the host's sources, lists and settings are never edited.
At the end of the run that configuration and its lists are removed again; the packages stay
for a later rollback and are not copied a second time.
"""

from __future__ import annotations

import hashlib
import io
import logging
import shlex
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from deployer.errors import BundleError
from deployer.executors.ansible.engines import ManagedHost
from deployer.executors.base import Executor
from deployer.journal import Run
from deployer.transport.hosts import Hosts

log = logging.getLogger(__name__)

REMOTE_ROOT = "/var/lib/deployer/bundles"
KEY = "repo-key.gpg"
DEBIAN_FAMILY = "Debian"
COPY_TIMEOUT = 1800.0
#: Hosts copied to at once: more would only share the same uplink.
PARALLEL_COPIES = 8


@dataclass(frozen=True)
class LocalPackages:
    """A verified bundle's ``packages/`` folder, unpacked on this machine."""

    digest: str  # the manifest's sha256
    arch: str  # "x86_64", "aarch64": what ``uname -m`` says on the hosts it is for
    folder: Path
    releases: tuple[str, ...]
    #: Each file's sha256 as the signed manifest lists it, by path below ``folder``.
    sums: Mapping[str, str]

    @property
    def remote(self) -> str:
        return f"{REMOTE_ROOT}/{self.digest[:16]}"

    def environment(self) -> dict[str, str]:
        """What Ansible's tasks run with, so that apt reads the run's configuration."""
        return {"APT_CONFIG": f"{self.remote}/apt.conf"}


def apt_config(remote: str) -> str:
    return (
        "// Written by deployer for one run: apt sees the bundle's repository alone.\n"
        f'Dir::Etc::SourceList "{remote}/sources.list";\n'
        'Dir::Etc::SourceParts "-";\n'
        f'Dir::State::Lists "{remote}/lists";\n'
        # A site's clock may be behind the machine the bundle was built on.
        'Acquire::Check-Date "false";\n'
    )


def sources_line(remote: str, release: str) -> str:
    return f"deb [signed-by={remote}/{KEY}] file:{remote}/{release} ./\n"


def carry(
    packages: LocalPackages, hosts: Hosts, managed: Mapping[str, ManagedHost], run: Run
) -> None:
    """Each host's repository copied and checked, and apt's lists made from it; a host the
    bundle does not cover stops the run before anything is copied."""
    releases = sorted((name, release_of(packages, name, host)) for name, host in managed.items())

    def one(item: tuple[str, str]) -> int:
        name, release = item
        sent = _copy(packages, hosts, name, release)
        _update(packages, hosts, name)
        return sent

    # Every host at once, as the probe reaches them: the copy is most of the wait.
    with ThreadPoolExecutor(max_workers=max(1, min(len(releases), PARALLEL_COPIES))) as pool:
        counts = list(pool.map(one, releases))
    for (name, release), sent in zip(releases, counts, strict=True):
        run.event("bundle", host=name, release=release, sent=sent, digest=packages.digest)


def release_of(packages: LocalPackages, name: str, host: ManagedHost) -> str:
    platform = host.platform or {}
    release, family = platform.get("release", "?"), platform.get("family", "?")
    if family != DEBIAN_FAMILY:
        raise BundleError(
            f"{name}: installing from a bundle is done on the Debian family only; this host is "
            f"{family} {release}"
        )
    if release not in packages.releases:
        held = ", ".join(packages.releases) or "none"
        raise BundleError(f"{name}: the bundle has no packages for {release} (it holds {held})")
    return release


@dataclass(frozen=True)
class _File:
    member: str  # below the bundle's folder on the host
    sha256: str
    source: Path | None = None  # a file of the bundle
    data: bytes = b""  # else these bytes: the run's apt configuration


def _wanted(packages: LocalPackages, release: str) -> list[_File]:
    """The host's release folder and the key, as the manifest lists them, and the run's
    apt configuration."""
    files = [
        _File(path, sha256, packages.folder / path)
        for path, sha256 in sorted(packages.sums.items())
        if path == KEY or path.startswith(f"{release}/")
    ]
    for member, text in (
        ("apt.conf", apt_config(packages.remote)),
        ("sources.list", sources_line(packages.remote, release)),
    ):
        data = text.encode()
        files.append(_File(member, hashlib.sha256(data).hexdigest(), data=data))
    return files


def _copy(packages: LocalPackages, hosts: Hosts, name: str, release: str) -> int:
    """Copy what the host lacks (a run cut short resumes where it stopped), linking files
    that an earlier bundle brought already; then every file's checksum is checked there.
    The number of files sent."""
    wanted = _wanted(packages, release)
    here, elsewhere = _on_host(packages, hosts, name)
    missing = [f for f in wanted if here.get(f.member) != f.sha256]
    linked = [(elsewhere[f.sha256], f.member) for f in missing if f.sha256 in elsewhere]
    sent = [f for f in missing if f.sha256 not in elsewhere]
    remote = shlex.quote(packages.remote)
    script = f"mkdir -p {remote}/lists/partial\n" + "".join(
        f"mkdir -p {shlex.quote(str(PurePosixPath(packages.remote, member).parent))} && "
        f"ln -f -- {shlex.quote(source)} {shlex.quote(f'{packages.remote}/{member}')}\n"
        for source, member in linked
    )
    done = hosts.run_on(name, "sh -se", stdin=script.encode(), shown="link", root=True)
    if not done.ok:
        raise BundleError(f"preparing the bundle's folder failed on {done.describe()}")
    command = f"tar xf - --no-same-owner -C {remote}"
    with tempfile.TemporaryFile() as archive:
        _tar(sent, archive)
        copied = hosts.run_from_file(name, command, archive, COPY_TIMEOUT, root=True)
    if not copied.ok:
        raise BundleError(f"copying the bundle failed on {copied.describe()}")
    sums = "".join(f"{f.sha256}  {f.member}\n" for f in wanted)
    check = hosts.run_on(
        name, f"cd {remote} && sha256sum --quiet -c -", stdin=sums.encode(),
        shown="check the bundle's files",
    )  # fmt: skip
    if not check.ok:
        raise BundleError(f"the bundle's files do not check out on {check.describe()}")
    return len(sent)


def _on_host(
    packages: LocalPackages, hosts: Hosts, name: str
) -> tuple[dict[str, str], dict[str, str]]:
    """What the host has of bundles: this bundle's files (path below its folder -> sha256)
    and any other bundle's (sha256 -> absolute path). Checks the host's architecture."""
    listing = hosts.run_on(
        name,
        f"uname -m; if cd {REMOTE_ROOT} 2>/dev/null; then find . -type f ! -path './*/lists/*' "
        "-print0 | xargs -0 -r sha256sum; fi",
        shown="list the bundles' files",
    )
    if not listing.ok:
        raise BundleError(f"cannot look at the bundles on {listing.describe()}")
    lines = listing.stdout.splitlines()
    machine = lines[0].strip() if lines else "?"
    if machine != packages.arch:
        raise BundleError(f"{name}: the bundle is for {packages.arch}, this host is {machine}")
    ours = packages.remote.removeprefix(f"{REMOTE_ROOT}/") + "/"
    here: dict[str, str] = {}
    elsewhere: dict[str, str] = {}
    for path, digest in _present(lines[1:]):
        if path.startswith(ours):
            here[path.removeprefix(ours)] = digest
        elif not path.endswith(("/apt.conf", "/sources.list")):
            elsewhere[digest] = f"{REMOTE_ROOT}/{path}"
    return here, elsewhere


def _present(lines: list[str]) -> list[tuple[str, str]]:
    """(path, sha256) from ``sha256sum`` lines of ``find .``'s paths."""
    found = []
    for line in lines:
        digest, _, path = line.partition("  ")
        if path:
            found.append((path.removeprefix("./"), digest))
    return found


def _tar(files: list[_File], out: BinaryIO) -> None:
    with tarfile.open(fileobj=out, mode="w") as tar:
        for item in files:
            if item.source is not None:
                tar.add(item.source, arcname=item.member, recursive=False)
            else:
                info = tarfile.TarInfo(item.member)
                info.size, info.mode = len(item.data), 0o644
                tar.addfile(info, io.BytesIO(item.data))
    out.seek(0)


def _update(packages: LocalPackages, hosts: Hosts, name: str) -> None:
    """apt's lists of the bundle's repository, made with the run's configuration; apt
    checks InRelease against the bundle's key here."""
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in packages.environment().items())
    done = hosts.run_on(name, f"env {env} apt-get update -q", shown="apt-get update", root=True)
    if not done.ok or "W: " in done.stderr or "E: " in done.stderr:
        raise BundleError(f"apt could not read the bundle's repository on {done.describe()}")


def release(packages: LocalPackages, hosts: Hosts, names: list[str]) -> None:
    """The run's apt configuration and lists removed again; the packages stay."""
    remote = shlex.quote(packages.remote)
    command = f"rm -rf {remote}/apt.conf {remote}/sources.list {remote}/lists"
    results = hosts.run_everywhere(
        names, command, shown="remove the run's apt configuration", root=True
    )
    for result in results.values():
        if not result.ok:
            log.warning("could not remove the run's apt configuration on %s", result.describe())


@contextmanager
def packages_from_bundle(
    packages: LocalPackages | None,
    hosts: Hosts,
    run: Run,
    executor: Executor,
    managed: Mapping[str, ManagedHost],
) -> Iterator[None]:
    """While the block runs (the stages), the hosts install from ``packages``; without a
    bundle, from their own sources as always."""
    if packages is None:
        yield
        return
    run.add_meta(bundle=packages.digest)
    carry(packages, hosts, managed, run)
    for name in managed:
        executor.set_host_values(name, {"deployer_package_environment": packages.environment()})
    try:
        yield
    finally:
        release(packages, hosts, sorted(managed))


def bundle_versions(packages_index: str) -> dict[str, set[str]]:
    """Package -> the versions a repository's ``Packages`` index holds."""
    found: dict[str, set[str]] = {}
    for stanza in packages_index.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in stanza.splitlines() if ": " in line and line[0] != " "
        )
        if "Package" in fields and "Version" in fields:
            found.setdefault(fields["Package"], set()).add(fields["Version"])
    return found


def offline_downgrades(offered: Mapping[str, set[str]], installed: Mapping[str, str]) -> list[str]:
    """Installed packages the bundle holds only in other versions: should the run upgrade
    one (a package it installs may need a newer library), no rollback puts it back from the
    bundle, and the site has nothing else."""
    return [
        f"{name} {version} (the bundle holds {', '.join(sorted(offered[name]))})"
        for name, version in sorted(installed.items())
        if name in offered and version not in offered[name]
    ]


def downgrades_by_host(
    packages: LocalPackages,
    managed: Mapping[str, ManagedHost],
    installed: Mapping[str, Mapping[str, str]],
) -> dict[str, list[str]]:
    """``offline_downgrades`` of every host, from its release's repository in the bundle."""
    found: dict[str, list[str]] = {}
    for name, host in sorted(managed.items()):
        release = (host.platform or {}).get("release", "")
        index = packages.folder / release / "Packages"
        if release in packages.releases and index.is_file() and name in installed:
            offered = bundle_versions(index.read_text(encoding="utf-8", errors="replace"))
            found[name] = offline_downgrades(offered, installed[name])
    return found

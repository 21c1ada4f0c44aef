"""yum/dnf repository metadata over a folder of RPMs, readable by every RedHat release we ship to.

A bundle holds one folder of RPMs per target release (``el7/``, ``el9/``), downloaded on a
matching machine; this module writes ``repodata/`` over such a folder with the createrepo_c
bindings. The metadata is gzip-compressed, not zstd (createrepo_c's default since 1.0): EL7's
yum cannot read zstd, and the same bundle must install there as well as on EL8 and EL9, whose
dnf reads gzip too. ``read_primary`` reads the package list back and refuses anything but gzip,
so a bundle built some other way cannot reach an EL7 host unnoticed.
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import createrepo_c as cr

from deployer.errors import BundleError

log = logging.getLogger(__name__)

_REPO = "{http://linux.duke.edu/metadata/repo}"
_COMMON = "{http://linux.duke.edu/metadata/common}"
_GZIP_MAGIC = b"\x1f\x8b"
_WRITERS = {
    "primary": cr.PrimaryXmlFile,
    "filelists": cr.FilelistsXmlFile,
    "other": cr.OtherXmlFile,
}


@dataclass(frozen=True)
class RpmEntry:
    """One package as primary.xml lists it; ``location`` is relative to the repository root."""

    name: str
    epoch: int
    version: str
    release: str
    arch: str
    location: str


def write_repodata(rpm_dir: Path) -> Path:
    """Build ``rpm_dir/repodata`` over the ``*.rpm`` files directly in ``rpm_dir``.

    The metadata is built in a scratch folder beside it and renamed into place, so yum never
    reads half-written or mixed metadata (at worst, between two renames, none) and a failed
    build leaves the previous repodata as it was.
    """
    rpms = sorted(rpm_dir.glob("*.rpm"))
    if not rpms:
        raise BundleError(f"{rpm_dir}: no .rpm files to build a repository over")
    # Read every package before writing anything: a broken download fails the build at once.
    packages = [_package(rpm) for rpm in rpms]
    scratch = Path(tempfile.mkdtemp(prefix=".repodata-", dir=rpm_dir))
    try:
        # mkdtemp makes it 0700; a web server serving the bundle must be able to read it.
        scratch.chmod(0o755)
        _write_metadata(scratch, packages)
        _swap_into_place(scratch, rpm_dir / "repodata")
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    log.debug("wrote %s/repodata over %d packages", rpm_dir, len(packages))
    return rpm_dir / "repodata"


def _package(rpm: Path) -> Any:
    try:
        return cr.package_from_rpm(str(rpm), checksum_type=cr.SHA256, location_href=rpm.name)
    # The bindings raise OSError, not CreaterepoCError, for a file librpm cannot read.
    except (OSError, cr.CreaterepoCError) as exc:
        raise BundleError(f"{rpm}: not a readable RPM package ({exc})") from exc


def _write_metadata(folder: Path, packages: Sequence[Any]) -> None:
    repomd = cr.Repomd()
    for kind, writer_class in _WRITERS.items():
        path = folder / f"{kind}.xml.gz"
        writer = writer_class(str(path), cr.GZ_COMPRESSION)
        try:
            writer.set_num_of_pkgs(len(packages))
            for package in packages:
                writer.add_pkg(package)
        finally:
            writer.close()
        record = cr.RepomdRecord(kind, str(path))
        record.fill(cr.SHA256)
        # Checksum-prefixed names, as createrepo writes them, so a mirror or a yum cache
        # holding an older file under the same name can never pass it off as this one.
        record.rename_file()
        repomd.set_record(record)
    (folder / "repomd.xml").write_text(repomd.xml_dump(), encoding="utf-8")


def _swap_into_place(new: Path, repodata: Path) -> None:
    # A folder cannot be renamed over a non-empty one: move the old one aside first, and put
    # it back if the new one cannot take its place.
    if not (repodata.exists() or repodata.is_symlink()):
        os.rename(new, repodata)
        return
    old = new.with_name(f"{new.name}.old")
    os.rename(repodata, old)
    try:
        os.rename(new, repodata)
    except BaseException:
        os.rename(old, repodata)
        raise
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old)
    else:
        old.unlink()


def read_primary(repodata: Path) -> list[RpmEntry]:
    """The packages that ``repodata/repomd.xml``'s primary metadata lists, in its order."""
    primary = _primary_path(repodata)
    try:
        with primary.open("rb") as raw:
            if raw.read(2) != _GZIP_MAGIC:
                raise BundleError(f"{primary}: not gzip-compressed, which EL7's yum needs")
            raw.seek(0)
            with gzip.open(raw) as stream:
                # Metadata a bundle carries; expat >= 2.4 bounds entity expansion.
                root = ET.parse(stream).getroot()  # noqa: S314
    except (OSError, EOFError, ET.ParseError) as exc:
        raise BundleError(f"{primary}: cannot read the primary metadata ({exc})") from exc
    return [_entry(primary, package) for package in root.iter(f"{_COMMON}package")]


def _primary_path(repodata: Path) -> Path:
    repomd = repodata / "repomd.xml"
    try:
        root = ET.parse(repomd).getroot()  # noqa: S314 (see read_primary)
    except (OSError, ET.ParseError) as exc:
        raise BundleError(f"{repomd}: cannot read it ({exc})") from exc
    location = root.find(f"{_REPO}data[@type='primary']/{_REPO}location")
    href = None if location is None else location.get("href")
    if not href:
        raise BundleError(f"{repomd}: names no primary metadata")
    # Locations are relative to the repository root; one that leaves repodata/ is not ours.
    primary = repodata.parent / href
    if not primary.resolve().is_relative_to(repodata.resolve()):
        raise BundleError(f"{repomd}: primary location {href!r} lies outside {repodata}")
    return primary


def _entry(primary: Path, package: ET.Element) -> RpmEntry:
    version, location = package.find(f"{_COMMON}version"), package.find(f"{_COMMON}location")
    name, arch = package.findtext(f"{_COMMON}name"), package.findtext(f"{_COMMON}arch")
    epoch = "" if version is None else version.get("epoch", "0")
    if version is None or location is None or not name or not arch or not epoch.isdecimal():
        raise BundleError(f"{primary}: a package entry lacks a name, arch, version or location")
    ver, rel, href = version.get("ver", ""), version.get("rel", ""), location.get("href", "")
    return RpmEntry(name, int(epoch), ver, rel, arch, href)

"""``bundle verify``: the signature, the members against the manifest, every checksum; and
the one safe way to unpack a bundle, which is the same pass.

Nothing from a bundle is used before all of it checked out: a failure names the member and
leaves no unpacked files behind.
"""

from __future__ import annotations

import hashlib
import shutil
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from deployer.bundle import archive, signing
from deployer.bundle.manifest import (
    CHUNK,
    MANIFEST,
    SIGNATURE,
    BundleFile,
    Manifest,
    digest_of,
    parse_manifest,
)
from deployer.errors import BundleError


@dataclass(frozen=True)
class VerifiedBundle:
    path: Path
    manifest: Manifest
    digest: str  # sha256 of MANIFEST.json, as the journal records it
    signer: str  # the allowed-signers principal whose key signed it
    root: Path | None  # the unpacked top folder, when unpacked


def verify(path: Path, allowed_signers: Path, unpack_to: Path | None = None) -> VerifiedBundle:
    """Check ``path`` whole; with ``unpack_to``, also unpack it there (as
    ``unpack_to/PRODUCT-VERSION-ARCH``), removed again if any check fails."""
    where = str(path)
    with archive.open_bundle(path) as tar:
        top, files = archive.members(tar, where)
        data, signature = _read(tar, files, MANIFEST, where), _read(tar, files, SIGNATURE, where)
        signer = signing.verify(data, signature, allowed_signers, where)
        manifest = parse_manifest(data, where)
        if manifest.top != top:
            raise BundleError(f"{where}: the folder is {top}/, the manifest says {manifest.top}/")
        _same_members(files, manifest, where)
        root = None if unpack_to is None else unpack_to / top
        try:
            for entry in manifest.files:
                _check_member(tar, files[entry.path], entry, root, where)
            if root is not None:  # the unpacked bundle can be verified again, as it came
                (root / MANIFEST).write_bytes(data)
                (root / SIGNATURE).write_bytes(signature)
        except BaseException:
            if root is not None:
                shutil.rmtree(root, ignore_errors=True)
            raise
    return VerifiedBundle(path, manifest, digest_of(data), signer, root)


def _read(
    tar: tarfile.TarFile, files: Mapping[str, tarfile.TarInfo], name: str, where: str
) -> bytes:
    info = files.get(name)
    stream = None if info is None else tar.extractfile(info)
    if stream is None:
        raise BundleError(f"{where}: {name} is missing")
    with stream:
        return stream.read()


def _same_members(files: Mapping[str, tarfile.TarInfo], manifest: Manifest, where: str) -> None:
    """The tar holds exactly the manifest's files, plus the manifest and its signature."""
    listed = set(manifest.by_path())
    present = set(files) - {MANIFEST, SIGNATURE}
    for extra in sorted(present - listed):
        raise BundleError(f"{where}: {extra} is in the archive but not in the manifest")
    for missing in sorted(listed - present):
        raise BundleError(f"{where}: {missing} is in the manifest but not in the archive")


def _check_member(
    tar: tarfile.TarFile,
    info: tarfile.TarInfo,
    entry: BundleFile,
    root: Path | None,
    where: str,
) -> None:
    stream = tar.extractfile(info)
    if stream is None:
        raise BundleError(f"{where}: {entry.path} cannot be read")
    target = None if root is None else root.joinpath(*entry.path.split("/"))
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with stream, target.open("xb") if target is not None else _Discard() as out:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size != entry.size or digest.hexdigest() != entry.sha256:
        raise BundleError(f"{where}: {entry.path}: checksum mismatch (changed after signing)")


class _Discard:
    """A sink for verifying without unpacking."""

    def __enter__(self) -> _Discard:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def write(self, chunk: bytes) -> int:
        return len(chunk)

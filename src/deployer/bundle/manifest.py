"""MANIFEST.json: what a bundle holds, file by file, and the SHA256SUMS beside it.

The manifest is the one file the engineer's signature covers; every other member is
trusted only through its size and sha256 in here. SHA256SUMS says the same for engineers
who check a bundle with ``sha256sum -c`` and no deployer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from deployer.errors import BundleError

FORMAT: Literal[1] = 1
MANIFEST = "MANIFEST.json"
SIGNATURE = "MANIFEST.json.sig"
SUMS = "SHA256SUMS"
#: Read in chunks: packages are tens of megabytes.
CHUNK = 1 << 20


class BundleFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str = Field(description="Relative to the bundle's top folder, '/'-separated.")
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal[1] = FORMAT
    product: str
    version: str
    arch: str
    releases: tuple[str, ...]
    created: str = Field(description="UTC, ISO 8601.")
    deployer: str = Field(description="The deployer version that built the bundle.")
    files: tuple[BundleFile, ...]

    @property
    def top(self) -> str:
        """The one folder every member sits in: PRODUCT-VERSION-ARCH."""
        return bundle_name(self.product, self.version, self.arch)

    def by_path(self) -> dict[str, BundleFile]:
        return {f.path: f for f in self.files}


def bundle_name(product: str, version: str, arch: str) -> str:
    return f"{product}-{version}-{arch}"


def file_digest(path: Path) -> tuple[int, str]:
    """(size, sha256 hex) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def describe(root: Path, skip: Iterable[str] = (MANIFEST, SIGNATURE)) -> tuple[BundleFile, ...]:
    """Every regular file under ``root``, sorted by path; anything else is refused, since
    a bundle carries no links or devices."""
    skipped = set(skip)
    found: list[BundleFile] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink() or not (path.is_dir() or path.is_file()):
            raise BundleError(f"{path}: only regular files and folders go into a bundle")
        if path.is_file() and relative not in skipped:
            size, sha256 = file_digest(path)
            found.append(BundleFile(path=relative, size=size, sha256=sha256))
    return tuple(found)


def sums_text(files: Iterable[BundleFile]) -> str:
    """``sha256sum`` format: checksum, two spaces, path."""
    return "".join(f"{f.sha256}  {f.path}\n" for f in files if f.path != SUMS)


def manifest_bytes(manifest: Manifest) -> bytes:
    return (
        json.dumps(manifest.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    ).encode()


def parse_manifest(data: bytes, where: str) -> Manifest:
    try:
        return Manifest.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(document)"
        raise BundleError(f"{where}: {MANIFEST}: {field}: {first['msg']}") from exc


def digest_of(data: bytes) -> str:
    """The manifest's sha256: what a journal records to name the bundle a run used."""
    return hashlib.sha256(data).hexdigest()

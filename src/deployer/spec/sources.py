"""Where the JDK and Tomcat come from: the OS's packages, or a vendor's tarball that the
engineer brings along (sites are often offline, and many standardise on vendor builds).

A tarball is named relative to the spec, like the artifact. Its sha256 is taken on the control
machine when a run starts: ``plan`` shows it, the journal keeps it with the run's variables,
and the roles refuse a file on the host whose sum differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from deployer.files import NotRegularFileError, open_regular
from deployer.spec.problems import file_problem
from deployer.spec.secrets import resolve_file
from deployer.spec.types import CONTROL_CLASS, QuotedMatching, StrictModel

TARBALL_SUFFIXES = (".tar.gz", ".tgz", ".tar.xz")
_TARBALL_NAME = rf"^[^{CONTROL_CLASS}]*\.(tar\.gz|tgz|tar\.xz)$"
#: The first bytes of each compression a tarball may have (gzip, xz).
_MAGIC = {b"\x1f\x8b": "gzip", b"\xfd7zXZ\x00": "xz"}

TarballPath = Annotated[
    str,
    QuotedMatching(
        _TARBALL_NAME,
        "expected a .tar.gz, .tgz or .tar.xz file (relative to the spec), without control "
        "characters",
    ),
]


class TarballSource(StrictModel):
    """Install from a tarball under /opt, run by deployer's own systemd unit."""

    tarball: TarballPath = Field(
        description="The vendor's .tar.gz, .tgz or .tar.xz, relative to the spec; its sha256 "
        "is recorded with each run."
    )


def _package_only(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError(
            "source", "expected 'package' or a mapping {tarball: PATH}"
        ) from None


Package = Annotated[Literal["package"], WrapValidator(_package_only)]


def _source_kind(value: Any) -> str:
    # Chosen by shape, so that a mistake in either form is reported once, in that form's terms.
    # The tags are no field names: error locations carry them, and must not be read as fields.
    return "vendor-tarball" if isinstance(value, dict | TarballSource) else "os-package"


Source = Annotated[
    Annotated[Package, Tag("os-package")] | Annotated[TarballSource, Tag("vendor-tarball")],
    Discriminator(_source_kind),
    Field(
        description="'package' (the OS's package, the default) or {tarball: PATH}: the "
        "vendor's tarball, unpacked under /opt."
    ),
]


def tarball_of(source: Literal["package"] | TarballSource) -> str | None:
    """The tarball a source names, as written in the spec, or None for the OS's package."""
    return source.tarball if isinstance(source, TarballSource) else None


def compression_problem(path: Path) -> str | None:
    """Why the file at ``path`` is not a gzip- or xz-compressed file, or None when it is.
    Only its first bytes are read: the spec is checked on every command."""
    try:
        with open_regular(path) as handle:
            head = handle.read(6)
    except NotRegularFileError as exc:
        return f"not a regular file: {path} {exc}"
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    if any(head.startswith(magic) for magic in _MAGIC):
        return None
    return f"not a gzip- or xz-compressed tarball: {path}"


@dataclass(frozen=True)
class Tarball:
    """A tarball as a run hands it to a role: where it is on this machine, and its sum."""

    path: Path
    sha256: str

    def as_vars(self, prefix: str) -> dict[str, Any]:
        return {f"{prefix}_tarball": str(self.path), f"{prefix}_tarball_sha256": self.sha256}


def checksummed(locators: Mapping[str, str], base_dir: Path) -> dict[str, Tarball]:
    """Each tarball (by the middleware it holds: jdk, tomcat) with its sha256, read now."""
    found = {}
    for name, locator in locators.items():
        path = resolve_file(locator, base_dir)
        try:
            found[name] = Tarball(path, sha256_of(path))
        except (OSError, NotRegularFileError) as exc:
            # Checked when the spec was read; gone or replaced since.
            raise file_problem(path, f"middleware.{name}.source.tarball: {exc}") from None
    return found


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

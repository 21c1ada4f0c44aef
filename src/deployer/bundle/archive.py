"""The bundle file: one gzip tar (CentOS 7's tar has no zstd) whose members all sit in one
folder, PRODUCT-VERSION-ARCH/, manifest and signature first so a reader checks them before
it reads anything else."""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from deployer.bundle.manifest import MANIFEST, SIGNATURE
from deployer.errors import BundleError

#: gzip level 6: -9 takes about twice as long for 1-2 % on packages that are compressed
#: already.
LEVEL = 6


def write(tree: Path, output: Path) -> None:
    """``tree``'s contents into ``output`` (written beside it first, then renamed), under
    the folder named like ``tree``; owners and modes are normalised."""
    scratch = output.with_name(f".{output.name}.partial")
    first = [tree / MANIFEST, tree / SIGNATURE]
    rest = [p for p in sorted(tree.rglob("*")) if p not in first]
    try:
        with tarfile.open(scratch, "w:gz", compresslevel=LEVEL, format=tarfile.PAX_FORMAT) as tar:
            tar.add(tree, arcname=tree.name, recursive=False, filter=_normalised)
            for path in first + rest:
                arcname = f"{tree.name}/{path.relative_to(tree).as_posix()}"
                tar.add(path, arcname=arcname, recursive=False, filter=_normalised)
        scratch.replace(output)
    finally:
        scratch.unlink(missing_ok=True)


def _normalised(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mode = 0o755 if info.isdir() else 0o644
    return info


def members(tar: tarfile.TarFile, where: str) -> tuple[str, dict[str, tarfile.TarInfo]]:
    """The top folder and the regular files under it, by path below the top. Refuses what
    safe extraction refuses (absolute paths, ``..``, links, devices) and anything outside
    the one top folder."""
    top = ""
    files: dict[str, tarfile.TarInfo] = {}
    for info in _each(tar, where):
        parts = PurePosixPath(info.name).parts
        unsafe = info.name.startswith("/") or ".." in parts or not parts
        if unsafe or not (info.isfile() or info.isdir()) or _filtered(info):
            raise BundleError(f"{where}: unsafe member {info.name!r} ({_kind(info)})")
        top = top or parts[0]
        if parts[0] != top:
            raise BundleError(f"{where}: member {info.name!r} is outside the folder {top}/")
        if info.isfile():
            relative = "/".join(parts[1:])
            if not relative or relative in files:
                raise BundleError(f"{where}: member {info.name!r} is not a file of the bundle")
            files[relative] = info
    if not top:
        raise BundleError(f"{where}: an empty archive")
    return top, files


def _filtered(info: tarfile.TarInfo) -> bool:
    """Whether Python's own ``data`` extraction filter refuses the member too (where this
    Python has it): a second opinion on top of the checks above, which are stricter."""
    data_filter = getattr(tarfile, "data_filter", None)
    if data_filter is None:
        return False
    try:
        data_filter(info, "/nonexistent-bundle-root")
    except tarfile.FilterError:
        return True
    return False


def _each(tar: tarfile.TarFile, where: str) -> Iterator[tarfile.TarInfo]:
    try:
        yield from tar
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BundleError(f"{where}: not a readable gzip tar ({exc})") from exc


def _kind(info: tarfile.TarInfo) -> str:
    if info.issym() or info.islnk():
        return f"a link to {info.linkname!r}"
    if info.isdev() or info.isfifo():
        return "a device or pipe"
    return "a file" if info.isfile() else "a folder"


def open_bundle(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:gz")
    except FileNotFoundError as exc:
        raise BundleError(f"{path}: no such bundle file") from exc
    except (tarfile.TarError, OSError) as exc:
        raise BundleError(f"{path}: not a readable gzip tar ({exc})") from exc

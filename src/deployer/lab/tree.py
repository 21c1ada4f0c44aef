"""Write files into a host's root tree from the machine, never following its symlinks.

A root filesystem may hold absolute symlinks (``/etc/resolv.conf -> /run/...``); opened
naively from the machine they would point at the machine's own files.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path, PurePosixPath

from deployer.errors import LabError


def _inside(root: Path, path: str) -> Path:
    relative = PurePosixPath(path)
    if not relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"expected an absolute path without '..', got {path!r}")
    return root.joinpath(*relative.parts[1:])


def make_dirs(root: Path, path: str, mode: int = 0o755, owner: tuple[int, int] = (0, 0)) -> Path:
    """Create ``path`` (and parents) inside ``root``; refuse symlinked components."""
    current = root
    for part in PurePosixPath(path).parts[1:]:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            os.mkdir(current, mode)
            os.chown(current, *owner)
            continue
        if not stat.S_ISDIR(info.st_mode):
            raise LabError(f"{current} is not a folder (a symlink?); refusing to write there")
    return current


def write_file(
    root: Path, path: str, text: str, mode: int = 0o644, owner: tuple[int, int] = (0, 0)
) -> None:
    """Replace ``path`` inside ``root`` with ``text`` (a symlink there is removed first)."""
    target = _inside(root, path)
    make_dirs(root, str(PurePosixPath(path).parent))
    if target.is_symlink():
        target.unlink()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chown(target, *owner)
    os.chmod(target, mode)


def remove(root: Path, path: str) -> None:
    target = _inside(root, path)
    if target.is_symlink() or target.is_file():
        target.unlink()


def empty_dir(root: Path, path: str, keep: tuple[str, ...] = ()) -> None:
    """Remove everything inside the folder ``path`` but the entries named in ``keep``;
    nothing to do if it is missing, refused if a component is a symlink."""
    _inside(root, path)
    folder = root
    for part in PurePosixPath(path).parts[1:]:
        folder = folder / part
        if not folder.exists() and not folder.is_symlink():
            return
        if folder.is_symlink() or not folder.is_dir():
            raise LabError(f"{folder} is not a folder (a symlink?); refusing to empty it")
    for entry in folder.iterdir():
        if entry.name in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def symlink(root: Path, path: str, points_to: str) -> None:
    target = _inside(root, path)
    make_dirs(root, str(PurePosixPath(path).parent))
    if target.is_symlink() or target.exists():
        target.unlink()
    os.symlink(points_to, target)


def owner_of(root: Path, user: str) -> tuple[int, int]:
    """(uid, gid) of ``user`` as the root tree's own /etc/passwd says."""
    passwd = _inside(root, "/etc/passwd")
    for line in passwd.read_text(encoding="utf-8").splitlines():
        fields = line.split(":")
        if len(fields) > 3 and fields[0] == user:
            return int(fields[2]), int(fields[3])
    raise LabError(f"user {user} is missing from {passwd}; rebuild the base with lab rebuild")

"""Read files a spec names without ever blocking on one that is not a regular file."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegularFileError(Exception):
    """A path that names a FIFO, a device, a socket or a directory; ``str()`` says which."""


_KINDS = {
    stat.S_IFDIR: "is a directory",
    stat.S_IFIFO: "is a FIFO (named pipe)",
    stat.S_IFCHR: "is a character device",
    stat.S_IFBLK: "is a block device",
    stat.S_IFSOCK: "is a socket",
}


def read_regular_file(path: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a regular file, or None when it is longer.

    Opened without blocking, then checked with fstat on the open descriptor, so that
    neither a FIFO nor a file swapped between a check and the open can make it hang.
    Raises ``NotRegularFileError`` for anything else and ``OSError`` when it cannot be read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        os.close(fd)
        raise
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotRegularFileError(_kind(mode))
    with os.fdopen(fd, "rb") as handle:
        raw = handle.read(limit + 1)
    return None if len(raw) > limit else raw


def not_regular(path: Path) -> str | None:
    """What ``path`` is when it exists but is not a regular file (``is a FIFO ...``), else None."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):  # ValueError: a NUL in the path, which the model reports
        return None
    if stat.S_ISREG(mode):
        return None
    return _kind(mode)


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "is not a regular file")

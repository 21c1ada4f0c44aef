"""Private, atomic file writes, and reads that never block.

Writes go to a temporary file in the same folder, then fsync, chmod, rename: a reader never
sees half a file, and a file holding keys or run records is never readable by others, not even
for a moment. Reads of files a user names (specs, secrets, plans, migrations, locks) open
without blocking and check the open descriptor, so that a FIFO -- there from the start or
swapped in after a look at the path -- is refused instead of holding the command forever.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

PRIVATE = 0o600


def write_atomic(path: Path, text: str | bytes, mode: int = PRIVATE) -> None:
    """Write ``text`` (UTF-8) or bytes to ``path``, all at once or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class NotRegularFileError(Exception):
    """A path that names a FIFO, a device, a socket or a directory; ``str()`` says which."""


_KINDS = {
    stat.S_IFDIR: "is a directory",
    stat.S_IFIFO: "is a FIFO (named pipe)",
    stat.S_IFCHR: "is a character device",
    stat.S_IFBLK: "is a block device",
    stat.S_IFSOCK: "is a socket",
}


@contextmanager
def open_regular(path: Path) -> Iterator[BinaryIO]:
    """``path`` open for reading, if it is a regular file.

    Opened without blocking, then checked with fstat on the open descriptor, so that neither
    a FIFO nor a file swapped between a check and the open can make it hang. Raises
    ``NotRegularFileError`` for anything else and ``OSError`` when it cannot be opened.
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
        yield handle


def read_regular_file(path: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a regular file (see ``open_regular``), or None when it is
    longer."""
    with open_regular(path) as handle:
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


@contextmanager
def held_exclusively(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created if missing) for one build at a time; the
    kernel lets go when the holder dies, so a killed build never leaves it taken."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

"""Commands whose output or input is a file: streamed through ssh, never held in memory.

For data that must arrive byte for byte, such as a database dump: it is neither decoded nor
passed through anything that rewrites text on its way to or from the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from deployer.files import PRIVATE
from deployer.transport.result import CommandResult
from deployer.transport.ssh import SshOptions, SshTarget, run_through

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileDigest:
    """A file's size and SHA-256, to tell later whether it is still the same file."""

    size: int
    sha256: str


def digest(path: Path) -> FileDigest:
    """Size and SHA-256 of ``path``, read in chunks."""
    with path.open("rb") as handle:
        return digest_of(handle)


def digest_of(handle: BinaryIO) -> FileDigest:
    """Size and SHA-256 of an open file from its start; it is left at its start again, so the
    bytes that were judged are the ones read next (no second open that could find another
    file)."""
    hasher = hashlib.sha256()
    size = 0
    handle.seek(0)
    while chunk := handle.read(CHUNK):
        hasher.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return FileDigest(size, hasher.hexdigest())


def run_to_file(
    target: SshTarget,
    command: str,
    options: SshOptions,
    dest: Path,
    shown: str | None = None,
    *,
    stdin: bytes = b"",
) -> tuple[CommandResult, FileDigest | None]:
    """Run ``command`` on one host with its standard output written to ``dest`` (0600).

    The output goes to a temporary file beside ``dest``, is synced, then renamed: ``dest`` is
    either the whole output of a command that succeeded, or absent. Never raises for host
    trouble; the digest is None unless the command succeeded.
    """
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)  # mkstemp: 0600
    try:
        with os.fdopen(fd, "wb") as out:
            result = run_through(target, command, options, shown, stdin=stdin, stdout=out)
            if result.ok:
                out.flush()
                os.fsync(out.fileno())
        if not result.ok:
            Path(tmp).unlink(missing_ok=True)
            return result, None
        os.chmod(tmp, PRIVATE)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return result, digest(dest)


def run_from_file(
    target: SshTarget,
    command: str,
    options: SshOptions,
    source: BinaryIO,
    shown: str | None = None,
    *,
    prefix: bytes = b"",
) -> CommandResult:
    """Run ``command`` on one host with the open file ``source`` as its standard input, byte
    for byte from its current position, after ``prefix`` (a become password's line)."""
    if not prefix:
        return run_through(target, command, options, shown, stdin=source, stdout=None)
    read_end, write_end = os.pipe()
    feeder = threading.Thread(target=_feed, args=(write_end, prefix, source), daemon=True)
    feeder.start()
    try:
        with os.fdopen(read_end, "rb") as piped:
            return run_through(target, command, options, shown, stdin=piped, stdout=None)
    finally:
        feeder.join()


def _feed(write_end: int, prefix: bytes, source: BinaryIO) -> None:
    """Write ``prefix`` then ``source`` into a pipe; a reader that stopped early ends it."""
    with contextlib.suppress(BrokenPipeError), os.fdopen(write_end, "wb") as pipe:
        pipe.write(prefix)
        shutil.copyfileobj(source, pipe, CHUNK)

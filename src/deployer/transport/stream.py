"""Commands whose output or input is a file: streamed through ssh, never held in memory.

For data that must arrive byte for byte, such as a database dump: it is neither decoded nor
passed through anything that rewrites text on its way to or from the file.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from deployer.files import PRIVATE
from deployer.transport.result import CommandResult, Failure
from deployer.transport.ssh import SshOptions, SshTarget, _classify, _last_line, ssh_argv

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileDigest:
    """A file's size and SHA-256, to tell later whether it is still the same file."""

    size: int
    sha256: str


def digest(path: Path) -> FileDigest:
    """Size and SHA-256 of ``path``, read in chunks."""
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return FileDigest(size, hasher.hexdigest())


def run_to_file(
    target: SshTarget, command: str, options: SshOptions, dest: Path, shown: str | None = None
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
            result = _run(target, command, options, shown, stdin=None, stdout=out)
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
    target: SshTarget, command: str, options: SshOptions, source: Path, shown: str | None = None
) -> CommandResult:
    """Run ``command`` on one host with ``source`` as its standard input, byte for byte."""
    with source.open("rb") as handle:
        return _run(target, command, options, shown, stdin=handle, stdout=None)


def _run(
    target: SshTarget,
    command: str,
    options: SshOptions,
    shown: str | None,
    *,
    stdin: IO[bytes] | None,
    stdout: IO[bytes] | None,
) -> CommandResult:
    shown = shown if shown is not None else command
    argv = [*ssh_argv(target, options), "--", command]
    started = time.monotonic()
    try:
        done = subprocess.run(  # noqa: S603 - argv list, no shell on this side
            argv,
            stdin=stdin if stdin is not None else subprocess.DEVNULL,
            stdout=stdout if stdout is not None else subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=options.command_timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        reason = f"no answer within {options.command_timeout:g} s"
        seconds = time.monotonic() - started
        return CommandResult(target.name, shown, None, "", "", seconds, Failure.TIMEOUT, reason)
    except FileNotFoundError:
        reason = "ssh client not installed"
        return CommandResult(target.name, shown, None, "", "", 0.0, Failure.UNREACHABLE, reason)
    seconds = time.monotonic() - started
    # Only what the command printed for people: the data itself went to or came from a file.
    out = (done.stdout or b"").decode("utf-8", "replace")
    err = done.stderr.decode("utf-8", "replace")
    failure = _classify(done.returncode, err)
    if failure is not None:
        reason = _last_line(err) or f"ssh exited {done.returncode}"
        return CommandResult(target.name, shown, None, out, err, seconds, failure, reason)
    return CommandResult(target.name, shown, done.returncode, out, err, seconds)

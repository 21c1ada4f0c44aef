"""The programs a bundle is made and checked with (gpg, ssh-keygen, dpkg-scanpackages, apt
in a chroot), run with an argument list and a failure that names the command."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from deployer.errors import BundleError

#: Lines of a failed program's output a message ends with: enough to see why, short enough
#: to read on one screen.
TAIL_LINES = 8


def run_tool(
    argv: Sequence[str],
    *,
    input_bytes: bytes | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 600.0,
) -> bytes:
    """Run ``argv``; its standard output, or a BundleError with the command and its last
    lines of output."""
    try:
        done = subprocess.run(  # noqa: S603 (an argument list, no shell)
            list(argv),
            input=input_bytes,
            capture_output=True,
            cwd=cwd,
            env=None if env is None else dict(env),
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise BundleError(f"{argv[0]} is not installed; run scripts/setup.sh") from exc
    except subprocess.TimeoutExpired as exc:
        raise BundleError(f"{shlex.join(argv)} did not finish in {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise BundleError(failure(argv, done.returncode, done.stdout + done.stderr))
    return done.stdout


def failure(argv: Sequence[str], code: int, output: bytes) -> str:
    lines = output.decode("utf-8", "replace").strip().splitlines()[-TAIL_LINES:]
    said = ("\n  " + "\n  ".join(lines)) if lines else ""
    return f"{shlex.join(argv)} exited with {code}{said}"

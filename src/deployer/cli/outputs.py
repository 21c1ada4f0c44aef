"""Files the user names for output (--out, --json, --html): refused before any work when they
cannot be written, so a scan or a plan is never thrown away for a typo in a path."""

from __future__ import annotations

from pathlib import Path

from deployer.errors import UsageError
from deployer.files import write_atomic


def check_output(path: Path | None, option: str) -> None:
    """Refuse ``path`` now if writing it later would fail: a folder, or under a file."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; name a file to write")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"{option} {path}: {parent} is not a folder")
            break


def write_output(path: Path, text: str, option: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write it: {exc.strerror}") from None

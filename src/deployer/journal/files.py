"""Journal files: atomic private writes, and durable appends for the event log."""

from __future__ import annotations

import os
from pathlib import Path

from deployer.files import PRIVATE, write_atomic

__all__ = ["PRIVATE", "append_line", "write_atomic"]


def append_line(path: Path, line: str) -> None:
    """Append one line durably (the journal is written ahead of each step)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE)
    try:
        os.write(fd, (line.rstrip("\n") + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)

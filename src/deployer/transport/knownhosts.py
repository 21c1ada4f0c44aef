"""known_hosts entries for pinned host keys from a spec."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def known_hosts_line(address: str, port: int, host_key: str) -> str:
    """An OpenSSH known_hosts line; non-default ports use the ``[host]:port`` form."""
    where = address if port == 22 else f"[{address}]:{port}"
    return f"{where} {host_key.strip()}"


def write_known_hosts(path: Path, entries: Iterable[tuple[str, int, str]]) -> Path:
    """Write pinned keys atomically with mode 0600; returns ``path``."""
    text = "".join(known_hosts_line(a, p, k) + "\n" for a, p, k in entries)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
    tmp.replace(path)
    return path

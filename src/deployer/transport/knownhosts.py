"""known_hosts entries for pinned host keys from a spec."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from deployer.files import write_atomic


def known_hosts_line(address: str, port: int, host_key: str) -> str:
    """An OpenSSH known_hosts line; non-default ports use the ``[host]:port`` form."""
    where = address if port == 22 else f"[{address}]:{port}"
    return f"{where} {host_key.strip()}"


def write_known_hosts(path: Path, entries: Iterable[tuple[str, int, str]]) -> Path:
    """Write pinned keys atomically with mode 0600; returns ``path``."""
    write_atomic(path, "".join(known_hosts_line(a, p, k) + "\n" for a, p, k in entries))
    return path

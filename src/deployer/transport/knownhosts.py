"""known_hosts entries: written for pinned host keys from a spec, looked up with ssh-keygen."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

from deployer.files import write_atomic


def known_hosts_name(address: str, port: int) -> str:
    """The host as known_hosts names it: non-default ports use the ``[host]:port`` form."""
    return address if port == 22 else f"[{address}]:{port}"


def known_hosts_line(address: str, port: int, host_key: str) -> str:
    """An OpenSSH known_hosts line."""
    return f"{known_hosts_name(address, port)} {host_key.strip()}"


def known_host_keys(address: str, port: int, known_hosts: Path) -> list[str]:
    """The keys (``type base64``) ``known_hosts`` holds for the host, hashed entries included
    (``ssh-keygen -F``); none when the file is missing or cannot be read."""
    if not known_hosts.is_file():
        return []
    try:
        done = subprocess.run(  # noqa: S603 - an argument list
            ["ssh-keygen", "-F", known_hosts_name(address, port), "-f", str(known_hosts)],  # noqa: S607 - from PATH, as ssh itself
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [
        f"{words[1]} {words[2]}"
        for line in done.stdout.splitlines()
        if not line.startswith("#") and len(words := line.split()) >= 3
    ]


def write_known_hosts(path: Path, entries: Iterable[tuple[str, int, str]]) -> Path:
    """Write pinned keys atomically with mode 0600; returns ``path``."""
    write_atomic(path, "".join(known_hosts_line(a, p, k) + "\n" for a, p, k in entries))
    return path

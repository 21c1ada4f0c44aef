"""known_hosts looked up by the real ssh-keygen: the default port, [host]:port and hashed names."""

from __future__ import annotations

import subprocess
from pathlib import Path

from deployer.transport.knownhosts import known_host_keys, known_hosts_line

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHrpcWjK94l+rwJ62GaA46BIcpnUerBgdtBVyuMHs+te"
OTHER = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILcTinOwdaRX0/To1sNpgSSx2aQbOE+Jb+Qtjtn6ZNyP"


def test_entries_are_found_by_address_and_port(tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    lines = [known_hosts_line("10.0.0.1", 22, KEY), known_hosts_line("10.0.0.1", 2222, OTHER)]
    known.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    assert known_host_keys("10.0.0.1", 22, known) == [KEY]
    assert known_host_keys("10.0.0.1", 2222, known) == [OTHER]
    assert known_host_keys("10.0.0.2", 22, known) == []
    assert known_host_keys("10.0.0.1", 22, tmp_path / "missing") == []


def test_hashed_entries_are_found_too(tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text(known_hosts_line("10.0.0.1", 22, KEY) + "\n", encoding="utf-8")
    subprocess.run(["ssh-keygen", "-H", "-f", str(known)], capture_output=True, check=True)
    assert known.read_text(encoding="utf-8").startswith("|1|")
    assert known_host_keys("10.0.0.1", 22, known) == [KEY]

"""First contact with hosts nobody vouched for: asked nearest first, refused in batch mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.run import hostkeys
from deployer.run.hostkeys import FirstContact, HostKeyUnknown, trust_first_contacts
from deployer.transport.ssh import SshOptions, SshTarget

APP1 = SshTarget("app1", "10.0.0.11")
DB1 = SshTarget("db1", "10.0.0.21", port=2222, via=APP1)
PINNED = SshTarget("web1", "10.0.0.31", known_hosts=Path("/run/pins"))


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The hosts whose key was fetched, in order; no system known_hosts."""
    order: list[str] = []

    def fetch(target: SshTarget, options: SshOptions, scratch: Path) -> FirstContact:
        order.append(target.name)
        name = target.address if target.port == 22 else f"[{target.address}]:{target.port}"
        line = f"{name} ssh-ed25519 AAAA{target.name}"
        return FirstContact(target.name, target.address, target.port, line, "ED25519 SHA256:x")

    def known_keys(address: str, port: int, file: Path) -> list[str]:  # as ssh-keygen -F
        name = address if port == 22 else f"[{address}]:{port}"
        lines = file.read_text(encoding="utf-8").splitlines() if file.is_file() else []
        return [" ".join(line.split()[1:3]) for line in lines if line.split()[0] == name]

    monkeypatch.setattr(hostkeys, "_fetch", fetch)
    monkeypatch.setattr(hostkeys, "known_host_keys", known_keys)
    monkeypatch.setattr(hostkeys, "SYSTEM_KNOWN_HOSTS", tmp_path / "none")
    return order


def test_jumps_come_first_and_accepted_keys_go_to_known_hosts(
    fetched: list[str], tmp_path: Path
) -> None:
    known = tmp_path / "ssh" / "known_hosts"
    asked: list[str] = []

    def accept(contact: FirstContact) -> bool:
        asked.append(contact.name)
        return True

    added = trust_first_contacts([DB1, APP1, PINNED], SshOptions(), known, accept)
    assert (added, fetched, asked) == (2, ["app1", "db1"], ["app1", "db1"])
    assert known.read_text(encoding="utf-8") == (
        "10.0.0.11 ssh-ed25519 AAAAapp1\n[10.0.0.21]:2222 ssh-ed25519 AAAAdb1\n"
    )
    assert known.stat().st_mode & 0o777 == 0o600


def test_batch_mode_stops_at_the_first_unknown_key_showing_what_to_pin(
    fetched: list[str], tmp_path: Path
) -> None:
    known = tmp_path / "known_hosts"
    with pytest.raises(HostKeyUnknown) as refused:
        trust_first_contacts([DB1], SshOptions(), known, lambda contact: False)
    assert refused.value.exit_code == 5
    assert str(refused.value) == (
        "app1 (10.0.0.11): first contact, host key ED25519 SHA256:x is not known; pin it in "
        "the spec as host_key: 'ssh-ed25519 AAAAapp1', or run on a terminal to be asked"
    )
    assert not known.exists()


def test_a_host_known_hosts_has_is_not_asked_about(fetched: list[str], tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("10.0.0.11 ssh-ed25519 AAAAold\n", encoding="utf-8")
    trust_first_contacts([DB1], SshOptions(), known, lambda contact: True)
    assert fetched == ["db1"]

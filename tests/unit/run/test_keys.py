"""keys install's inputs and its answer: which public key, and the spec change printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.errors import UsageError
from deployer.run.keys import PublicKey, install_key, read_public_key, spec_change
from deployer.spec import load_environment
from tests.support.fakes import FakeHosts

EXAMPLE = Path(__file__).parents[3] / "examples" / "huadong-production.yml"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHrpcWjK94l+rwJ62GaA46BIcpnUerBgdtBVyuMHs+te me@laptop"


def test_the_default_key_is_the_first_ssh_would_try(tmp_path: Path) -> None:
    folder = tmp_path / ".ssh"
    folder.mkdir()
    (folder / "id_rsa.pub").write_text("ssh-rsa AAAAB3 me\n", encoding="utf-8")
    (folder / "id_ed25519.pub").write_text(KEY + "\n", encoding="utf-8")
    key = read_public_key(None, tmp_path)
    assert (key.path.name, key.line, key.private.name) == ("id_ed25519.pub", KEY, "id_ed25519")


def test_no_key_or_a_private_one_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="ssh-keygen -t ed25519"):
        read_public_key(None, tmp_path)
    private = tmp_path / "id_ed25519"
    private.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not one OpenSSH public key line"):
        read_public_key(private, tmp_path)


def test_each_host_answers_added_or_present() -> None:
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer(r"^sh -s$", (0, "added\n"))
    outcomes = install_key(hosts, PublicKey(Path("k.pub"), KEY))
    assert outcomes == {"app1": "added", "db1": "added"}
    assert hosts.log == [("app1", "install key"), ("db1", "install key")]


def test_the_spec_change_switches_every_host_to_the_key_with_its_host_key() -> None:
    loaded = load_environment(EXAMPLE)
    change = spec_change(
        loaded, PublicKey(Path("/home/me/.ssh/id_ed25519.pub"), KEY), {"db1": "ssh-ed25519 AAAAdb1"}
    )
    assert change.splitlines() == [
        "hosts:",
        "  - name: app1",
        "    auth: {type: key, key_file: /home/me/.ssh/id_ed25519}",
        "  - name: db1",
        "    auth: {type: key, key_file: /home/me/.ssh/id_ed25519}",
        "    host_key: ssh-ed25519 AAAAdb1",
    ]

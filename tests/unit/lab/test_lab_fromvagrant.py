"""``deployer lab from-vagrant``: a valid spec overlay from ``vagrant ssh-config`` output.

Status and ``lab down`` of such a lab (down runs ``ip`` and ``nft``) are in
tests/tools/test_lab_vagrant_down.py."""

from __future__ import annotations

from pathlib import Path

from deployer.spec import load_environment
from tests.support.vagrant_lab import FIXTURES, cli, known_hosts_file, spec_copy, ssh_config_file


def test_overlay_from_vagrant_output_validates_and_pins_keys(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path)
    code, out, err = cli(
        "lab", "from-vagrant", str(spec),
        "--ssh-config", str(ssh_config_file(tmp_path)),
        "--known-hosts", str(known_hosts_file(tmp_path)),
    )  # fmt: skip
    assert code == 0, err
    state_dir = tmp_path / ".deployer" / "lab" / "huadong"
    loaded = load_environment(state_dir / "spec.yml")
    app1, db1 = loaded.env.hosts
    assert (app1.address, app1.port, app1.user) == ("192.168.121.11", 22, "vagrant")
    db1_key = tmp_path / "my vms" / "db1" / "private_key"
    assert getattr(db1.auth, "key_file", "") == str(db1_key)
    assert app1.host_key is not None and app1.host_key.startswith("ssh-ed25519 AAAAC3Nz")
    assert db1.host_key is None  # not in the known_hosts given
    config = (state_dir / "ssh_config").read_text()
    assert "StrictHostKeyChecking yes" in config
    assert f'IdentityFile "{db1_key}"' in config
    assert "192.168.121.11 ssh-ed25519" in (state_dir / "known_hosts").read_text()
    assert "host keys are not pinned" in out


def test_host_missing_from_vagrant_output_is_one_line(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path)
    only_app1 = tmp_path / "one.txt"
    only_app1.write_text((FIXTURES / "key-equals.txt").read_text())
    code, _, err = cli("lab", "from-vagrant", str(spec), "--ssh-config", str(only_app1))
    assert code == 11
    assert err.strip() == f"error: {only_app1}: no entry for host db1 of {spec}"


def test_nat_port_forwards_on_one_loopback_address(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path)
    config = ssh_config_file(tmp_path, "two-hosts.txt")
    code, _, err = cli("lab", "from-vagrant", str(spec), "--ssh-config", str(config))
    assert code == 0, err

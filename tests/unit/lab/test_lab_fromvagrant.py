"""``deployer lab from-vagrant``: a valid spec overlay from ``vagrant ssh-config`` output."""

from __future__ import annotations

import io
import json
from pathlib import Path

import yaml

from deployer.cli.io import Streams
from deployer.cli.main import run
from deployer.lab.overlay import absolutise
from deployer.spec import load_environment
from deployer.spec.loader import read_document

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "huadong-production.yml"
FIXTURES = ROOT / "tests" / "fixtures" / "vagrant"


def _spec(folder: Path) -> Path:
    doc, _ = read_document(EXAMPLE)
    spec = folder / "huadong.yml"
    spec.write_text(yaml.safe_dump(absolutise(doc.data, EXAMPLE.parent), allow_unicode=True))
    return spec


def _ssh_config(folder: Path, fixture: str = "quoted-paths.txt") -> Path:
    """A fixture whose key files are moved to a folder of ``folder`` with a space."""
    keys = folder / "my vms"
    keys.mkdir(exist_ok=True)
    text = (FIXTURES / fixture).read_text()
    for line in text.splitlines():
        if line.strip().startswith("IdentityFile"):
            original = line.split(None, 1)[1].strip('"')
            key = keys / Path(original).parent.parent.name / Path(original).name
            key.parent.mkdir(exist_ok=True)
            key.write_text("not a real key\n")
            text = text.replace(line, f'  IdentityFile "{key}"')
    out = folder / "ssh-config.txt"
    out.write_text(text)
    return out


def _known_hosts(folder: Path) -> Path:
    """app1's key only, at its libvirt address."""
    key = (FIXTURES / "known_hosts").read_text().splitlines()[1].split(None, 1)[1]
    out = folder / "known_hosts"
    out.write_text(f"192.168.121.11 {key}\n")
    return out


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(args), Streams(out=out, err=err))
    return code, out.getvalue(), err.getvalue()


def test_overlay_from_vagrant_output_validates_and_pins_keys(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    code, out, err = _cli(
        "lab", "from-vagrant", str(spec),
        "--ssh-config", str(_ssh_config(tmp_path)),
        "--known-hosts", str(_known_hosts(tmp_path)),
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


def test_status_and_down_of_a_vagrant_lab(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    assert (
        _cli("lab", "from-vagrant", str(spec), "--ssh-config", str(_ssh_config(tmp_path)))[0] == 0
    )
    code, out, _ = _cli("lab", "status", str(spec), "--json")
    status = json.loads(out)
    assert (code, status["backend"]) == (0, "vagrant")
    # The lab sends nothing to addresses it did not make: these are not probed.
    assert [h["state"] for h in status["hosts"]] == ["unknown", "unknown"]
    assert _cli("lab", "down", str(spec))[0] == 0
    assert not (tmp_path / ".deployer" / "lab" / "huadong").exists()


def test_host_missing_from_vagrant_output_is_one_line(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    only_app1 = tmp_path / "one.txt"
    only_app1.write_text((FIXTURES / "key-equals.txt").read_text())
    code, _, err = _cli("lab", "from-vagrant", str(spec), "--ssh-config", str(only_app1))
    assert code == 11
    assert err.strip() == f"error: {only_app1}: no entry for host db1 of {spec}"


def test_nat_port_forwards_on_one_loopback_address(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    config = _ssh_config(tmp_path, "two-hosts.txt")
    code, _, err = _cli("lab", "from-vagrant", str(spec), "--ssh-config", str(config))
    assert code == 0, err

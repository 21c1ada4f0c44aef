"""A Vagrant lab's inputs: the example spec copied out, and ``vagrant ssh-config`` / known_hosts
fixtures with their key files in a folder with a blank; and the CLI run in-process."""

from __future__ import annotations

import io
from pathlib import Path

import yaml

from deployer.cli.io import Streams
from deployer.cli.main import run
from deployer.lab.overlay import absolutise
from deployer.spec.loader import read_document

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "huadong-production.yml"
FIXTURES = ROOT / "tests" / "fixtures" / "vagrant"


def spec_copy(folder: Path) -> Path:
    doc, _ = read_document(EXAMPLE)
    spec = folder / "huadong.yml"
    spec.write_text(yaml.safe_dump(absolutise(doc.data, EXAMPLE.parent), allow_unicode=True))
    return spec


def ssh_config_file(folder: Path, fixture: str = "quoted-paths.txt") -> Path:
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


def known_hosts_file(folder: Path) -> Path:
    """app1's key only, at its libvirt address."""
    key = (FIXTURES / "known_hosts").read_text().splitlines()[1].split(None, 1)[1]
    out = folder / "known_hosts"
    out.write_text(f"192.168.121.11 {key}\n")
    return out


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(args), Streams(out=out, err=err))
    return code, out.getvalue(), err.getvalue()

"""Spec paths with a blank, '%', a quote and ``{{ }}`` work over real SSH, through deployer's own
ssh commands and through Ansible, and Ansible never runs the lookup a key file is named after.

The spec is the example lab's overlay, moved to a folder with such a name, with app1's key
copied to a file named like a lookup; its pinned host keys give a known_hosts in that folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from labsupport import Lab

from deployer import lab
from deployer.executors.ansible.inventory import build_inventory
from deployer.executors.ansible.variables import dump
from deployer.run.targets import ssh_targets
from deployer.spec import load_environment
from deployer.transport.ssh import SshOptions, close_masters, run_on
from tests.support.fakes import managed_by_current

pytestmark = pytest.mark.lab

ODD_KEY = "{{ lookup('pipe', 'touch pwned') }}"


@pytest.fixture
def odd_folder() -> Iterator[Path]:
    # Short, under /tmp: ssh's ControlPath socket must fit in about 100 bytes.
    folder = Path(tempfile.mkdtemp(prefix='dpl 1%h "q" ', dir="/tmp"))
    try:
        yield folder
    finally:
        close_masters(folder / "ctl")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def odd_spec(example_lab: Lab, odd_folder: Path) -> Path:
    data = yaml.safe_load(lab.lab_spec_path(example_lab.spec).read_text(encoding="utf-8"))
    app1 = next(host for host in data["hosts"] if host["name"] == "app1")
    assert app1.get("host_key"), "the lab pins host keys"
    key = odd_folder / ODD_KEY
    shutil.copy(app1["auth"]["key_file"], key)
    key.chmod(0o600)
    app1["auth"]["key_file"] = ODD_KEY  # relative to the spec's folder
    spec = odd_folder / "spec.yml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (odd_folder / "ctl").mkdir(mode=0o700)
    return spec


def test_deployers_own_ssh_reaches_a_host_through_odd_paths(odd_spec: Path) -> None:
    folder = odd_spec.parent
    loaded = load_environment(odd_spec)
    (target,) = ssh_targets(loaded, folder / "run", {"app1"})
    assert target.key_file == folder / ODD_KEY and target.known_hosts is not None
    assert str(folder) in str(target.known_hosts)
    options = SshOptions(control_dir=folder / "ctl")
    for _ in range(2):  # the second one through the shared connection
        result = run_on(target, "echo reached", options)
        assert result.ok and result.stdout.strip() == "reached", result.describe()
    assert any(p.is_socket() for p in (folder / "ctl").iterdir())


def test_ansible_reaches_a_host_through_odd_paths_without_templating_them(
    odd_spec: Path,
) -> None:
    folder = odd_spec.parent
    loaded = load_environment(odd_spec)
    targets = list(ssh_targets(loaded, folder / "run"))
    managed = managed_by_current(target.name for target in targets)
    inventory = build_inventory(loaded, targets, folder / "ctl", managed)
    (folder / "hosts.yml").write_text(dump(inventory), encoding="utf-8")
    ansible = Path(sys.executable).parent / "ansible"
    done = subprocess.run(
        [str(ansible), "-i", "hosts.yml", "app1", "-m", "ansible.builtin.ping"],
        cwd=folder,
        env={**os.environ, "ANSIBLE_HOST_KEY_CHECKING": "True", "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert not (folder / "pwned").exists(), output
    assert done.returncode == 0, output
    assert '"ping": "pong"' in output, output

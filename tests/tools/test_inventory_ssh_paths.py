"""Spec paths reach ssh literally: through Ansible's inventory (never templated) and through
deployer's own ssh command line, with blanks, '%', quotes and ``{{ }}`` in them.

The Ansible test runs the real ansible-playbook with the real inventory writer; its ssh is a
stand-in that records the arguments Ansible built and hands them to the real ``ssh -G``, which
prints the configuration ssh would use without connecting anywhere.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deployer.executors.ansible.inventory import build_inventory
from deployer.executors.ansible.variables import dump
from deployer.spec import load_environment
from deployer.transport.ssh import SshOptions, SshTarget, ssh_argv
from tests.support.fakes import managed_by_current

REPO = Path(__file__).resolve().parents[2]
FILES = REPO / "tests" / "fixtures" / "spec-invalid" / "_files"
#: A folder name ssh would split at the blank and expand at the '%', with a quote in it.
ODD_FOLDER = 'site 100%h "q"'
#: A key file name Ansible would run as a lookup if it templated it.
ODD_KEY = "{{ lookup('pipe', 'touch pwned') }}"

pytestmark = pytest.mark.skipif(shutil.which("ssh") is None, reason="needs the ssh client")


def ssh_config(argv: list[str]) -> dict[str, list[str]]:
    """What the real ssh makes of ``argv`` (``ssh -G``: no connection), option -> values."""
    done = subprocess.run(
        ["ssh", "-G", *argv[1:]], capture_output=True, text=True, timeout=30, check=True
    )
    found: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        name, _, value = line.partition(" ")
        found.setdefault(name, []).append(value)
    return found


def test_deployers_own_ssh_options_keep_odd_paths_whole(tmp_path: Path) -> None:
    folder = tmp_path / ODD_FOLDER
    folder.mkdir()
    target = SshTarget(
        "app1", "app1.invalid", 22, "deploy", folder / ODD_KEY, folder / "known hosts"
    )
    argv = ssh_argv(target, SshOptions(control_dir=folder))
    config = ssh_config(argv)
    assert config["userknownhostsfile"] == [f"{folder}/known hosts"]
    (control,) = config["controlpath"]
    assert control.startswith(f"{folder}/") and "%" not in control.removeprefix(str(folder))
    # ssh -G shows IdentityFile before its %-expansion, which turns '%%' back into '%'.
    assert config["identityfile"] == [f"{folder}/{ODD_KEY}".replace("%", "%%")]
    assert config["identitiesonly"] == ["yes"]


@pytest.fixture
def odd_site(tmp_path: Path) -> Path:
    """The shared valid spec in a folder with an odd name, its key file named like a lookup,
    and a pinned host key (so a known_hosts file in the run folder is named too)."""
    site = tmp_path / ODD_FOLDER
    shutil.copytree(FILES, site)
    shutil.copy(FILES / "deploy_key", site / ODD_KEY)
    spec = (FILES / "valid-environment.yml").read_text(encoding="utf-8")
    spec = spec.replace("key_file: deploy_key}", f'key_file: "{ODD_KEY}"}}')
    (site / "spec.yml").write_text(spec, encoding="utf-8")
    return site


FAKE_SSH = """#!/bin/sh
# Records the arguments, asks the real ssh what it makes of them, and fails as unreachable.
printf '%s\\n' "$@" > "$RECORD.argv"
ssh -G "$@" > "$RECORD.config" 2>&1
exit 255
"""

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: Run one command over ssh.
      ansible.builtin.raw: "true"
"""


def test_ansible_takes_inventory_values_from_the_spec_literally(
    odd_site: Path, tmp_path: Path
) -> None:
    loaded = load_environment(odd_site / "spec.yml")
    target = SshTarget(
        "app1", "10.0.0.11", 22, "deploy", odd_site / ODD_KEY, odd_site / "known hosts"
    )
    inventory = build_inventory(
        loaded,
        [target, SshTarget("db1", "db1.example.cn")],
        odd_site,
        managed_by_current(("app1", "db1")),
    )
    (tmp_path / "hosts.yml").write_text(dump(inventory), encoding="utf-8")
    (tmp_path / "play.yml").write_text(PLAYBOOK, encoding="utf-8")
    fake = tmp_path / "fake-ssh"
    fake.write_text(FAKE_SSH, encoding="utf-8")
    fake.chmod(0o755)
    env = {**os.environ, "RECORD": str(tmp_path / "record"), "ANSIBLE_HOST_KEY_CHECKING": "True"}
    env["ANSIBLE_SSH_EXECUTABLE"] = str(fake)
    env["ANSIBLE_LOCAL_TEMP"] = str(tmp_path / "tmp")
    playbook = Path(sys.executable).parent / "ansible-playbook"
    done = subprocess.run(
        [str(playbook), "-i", "hosts.yml", "--limit", "app1", "play.yml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert not (tmp_path / "pwned").exists(), output
    assert "UNREACHABLE" in output, output
    argv = (tmp_path / "record.argv").read_text(encoding="utf-8").splitlines()
    assert any(ODD_KEY in arg for arg in argv), argv
    config = (tmp_path / "record.config").read_text(encoding="utf-8").splitlines()
    assert f"identityfile {odd_site}/{ODD_KEY}".replace("%", "%%") in config, config
    assert f"userknownhostsfile {odd_site}/known hosts" in config, config
    assert "identitiesonly yes" in config, config


def test_the_common_args_split_back_into_whole_options(odd_site: Path) -> None:
    loaded = load_environment(odd_site / "spec.yml")
    target = SshTarget("app1", "10.0.0.11", 22, "deploy", odd_site / ODD_KEY)
    inventory = build_inventory(
        loaded,
        [target, SshTarget("db1", "db1.example.cn")],
        odd_site,
        managed_by_current(("app1", "db1")),
    )
    app1 = inventory["all"]["hosts"]["app1"]
    assert "ansible_ssh_private_key_file" not in app1
    dumped = dump(inventory)
    assert "!unsafe" in dumped
    # Ansible splits the common arguments with shlex, then hands them to ssh.
    config = ssh_config(["ssh", *shlex.split(app1["ansible_ssh_common_args"]), "app1.invalid"])
    assert config["identityfile"] == [f"{odd_site}/{ODD_KEY}".replace("%", "%%")]

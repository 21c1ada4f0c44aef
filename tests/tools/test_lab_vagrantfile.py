"""The top-level Vagrantfile: Ruby syntax, and what it defines for a spec.

Where Vagrant is missing, the Vagrantfile runs under a small stand-in for Vagrant's
configuration API (tests/fixtures/vagrant/vagrant_stub.rb) that records each call.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
VAGRANTFILE = ROOT / "Vagrantfile"
STUB = ROOT / "tests" / "fixtures" / "vagrant" / "vagrant_stub.rb"

needs_ruby = pytest.mark.skipif(shutil.which("ruby") is None, reason="ruby is not installed")


def _evaluate(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ruby", str(STUB), str(VAGRANTFILE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def _calls(env: dict[str, str]) -> list[dict[str, Any]]:
    done = _evaluate(env)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _values(calls: list[dict[str, Any]], name: str) -> list[Any]:
    return [c["args"][0] if c["args"] else c["options"] for c in calls if c["call"] == name]


@needs_ruby
def test_ruby_syntax() -> None:
    done = subprocess.run(
        ["ruby", "-c", str(VAGRANTFILE)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Syntax OK" in done.stdout


@needs_ruby
def test_one_debian_12_vm_per_spec_host_on_the_specs_addresses() -> None:
    calls = _calls({"DEPLOYER_SPEC": "examples/huadong-production.yml"})
    assert _values(calls, "vm.box=") == ["debian/bookworm64"]
    assert _values(calls, "vm.define") == ["app1", "db1"]
    assert _values(calls, "vm.define.vm.hostname=") == ["app1", "db1"]
    networks = [c for c in calls if c["call"] == "vm.define.vm.network"]
    assert [(n["args"], n["options"]) for n in networks] == [
        (["private_network"], {"ip": "10.20.30.11"}),
        (["private_network"], {"ip": "10.20.30.21"}),
    ]


@needs_ruby
def test_ansible_provisions_every_host_once_with_role_groups() -> None:
    calls = _calls({})  # DEPLOYER_SPEC defaults to the example
    assert _values(calls, "vm.define.vm.provision") == ["ansible"]
    assert _values(calls, "vm.define.vm.provision.playbook=") == [
        str(ROOT / "playbooks" / "site.yml")
    ]
    assert _values(calls, "vm.define.vm.provision.limit=") == ["all"]
    assert _values(calls, "vm.define.vm.provision.groups=") == [
        {"web": ["app1"], "app": ["app1"], "db": ["db1"]}
    ]


@needs_ruby
def test_box_can_be_named_outright() -> None:
    calls = _calls({"DEPLOYER_BOX": "rockylinux/9"})
    assert _values(calls, "vm.box=") == ["rockylinux/9"]


@needs_ruby
def test_missing_spec_is_one_clear_line(tmp_path: Path) -> None:
    done = _evaluate({"DEPLOYER_SPEC": str(tmp_path / "nope.yml")})
    assert done.returncode != 0
    assert done.stderr.strip() == (
        f"Vagrantfile: spec not found: {tmp_path / 'nope.yml'} (set DEPLOYER_SPEC)"
    )


@needs_ruby
def test_unsafe_yaml_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "evil.yml"
    spec.write_text("--- !ruby/object:OpenStruct\nkind: Environment\nhosts: []\n")
    done = _evaluate({"DEPLOYER_SPEC": str(spec)})
    assert done.returncode != 0
    assert done.stderr.startswith(
        f"Vagrantfile: cannot read {spec}: Tried to load unspecified class"
    )


@pytest.mark.skipif(shutil.which("vagrant") is None, reason="vagrant is not installed")
def test_vagrant_validate() -> None:
    done = subprocess.run(
        ["vagrant", "validate", "--ignore-provider"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr

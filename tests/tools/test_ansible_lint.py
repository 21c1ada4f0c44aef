"""deployer's Ansible content (roles/, playbooks/) passes ansible-lint's production profile and
ansible-playbook's syntax check: the real programs from the venv, touching no host.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROLES = REPO / "roles"
PLAYBOOK_FILES = sorted((REPO / "playbooks").glob("*.yml"))
INVENTORY = "[web]\napp1\n[app]\napp1\n[db]\ndb1\n"


def tool(name: str) -> str:
    """The venv's copy of an Ansible program, else the one on PATH."""
    beside_python = Path(sys.executable).with_name(name)
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return found


def ansible_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ANSIBLE_ROLES_PATH": str(ROLES),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
    }


def test_ansible_lint_passes_the_production_profile(tmp_path: Path) -> None:
    result = subprocess.run(
        [tool("ansible-lint"), "--nocolor", "roles", "playbooks"],
        cwd=REPO,
        env=ansible_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Profile 'production' was required, and it passed" in output, output


@pytest.mark.parametrize("playbook", PLAYBOOK_FILES, ids=[p.name for p in PLAYBOOK_FILES])
def test_playbook_passes_the_syntax_check(playbook: Path, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(INVENTORY, encoding="utf-8")
    result = subprocess.run(
        [tool("ansible-playbook"), "--syntax-check", "-i", str(inventory), str(playbook)],
        cwd=REPO,
        env=ansible_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

"""A playbook that ansible-playbook refuses before its first task: its own error is quoted."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from deployer.executors.ansible.runner import PlaybookRun, describe, run_playbook, search_path


def test_a_playbook_stopped_before_any_task_says_why(tmp_path: Path) -> None:
    playbook = tmp_path / "broken.yml"
    playbook.write_text("- hosts: all\n  tasks: [{no_such_module_anywhere: 1}]\n")
    result = run_playbook(PlaybookRun(playbook=playbook, inventory={"all": {}}, variables={}))
    assert not result.ok
    assert "[ERROR]" in describe(result) or "ERROR!" in describe(result)
    assert "broken.yml" in describe(result)


def test_ansible_playbook_is_looked_for_beside_this_python_first() -> None:
    first = search_path().split(os.pathsep)[0]
    assert first == str(Path(sys.executable).parent)
    assert (Path(first) / "ansible-playbook").is_file()

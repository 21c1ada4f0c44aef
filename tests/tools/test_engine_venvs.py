"""The ansible-core 2.16 engine's venv made for real with python -m venv and pip: from the
package index into a clean cache, reused, rebuilt when broken, leftovers of a killed build
removed, offline from a wheelhouse, and one clear error without either. Then, under both
engines (the shared cache's venv): every playbook through ansible-playbook --syntax-check, and
a play on this machine whose every task ansible-runner reports.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from deployer.errors import ExitCode
from deployer.executors.ansible.engine_venv import MARKER, ready_engine
from deployer.executors.ansible.engines import EngineSettings, EngineUnavailable
from deployer.executors.ansible.runner import PlaybookRun, describe, run_playbook
from deployer.executors.base import HostRecap, TaskEvent
from tests.support.engines import ENGINE_NAMES, shared_engine

REPO = Path(__file__).resolve().parents[2]
PLAYBOOKS = sorted((REPO / "playbooks").glob("*.yml"))
INVENTORY = "[web]\napp1\n[app]\napp1\n[db]\ndb1\n"
KEY = f"ansible-core-2.16-py{sys.version_info[0]}.{sys.version_info[1]}"
#: pip with no configuration and an index that refuses connections: a machine offline.
OFFLINE = {
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    "PIP_EXTRA_INDEX_URL": "",
    "PIP_FIND_LINKS": "",
}

pytestmark = pytest.mark.skipif(
    sys.version_info[:2] not in ((3, 10), (3, 11), (3, 12)),
    reason="the 2.16 engine is built from deployer's own Python only on 3.10-3.12",
)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A clean cache for this module's builds (the shared one is left alone)."""
    folder = tmp_path_factory.mktemp("engine-cache")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def engines(cache: Path) -> Path:
    return cache / "engines"


def test_a_clean_cache_gets_the_216_engine_from_the_package_index(cache: Path) -> None:
    engine = ready_engine("2.16", EngineSettings(cache))
    assert engine.name == "2.16" and engine.version.startswith("2.16.")
    link = engines(cache) / KEY
    assert link.is_symlink() and engine.bin_dir == link / "bin"
    marker = json.loads((link / MARKER).read_text(encoding="utf-8"))
    assert marker["requirement"] == "ansible-core>=2.16,<2.17"
    shown = subprocess.run(
        [str(engine.playbook), "--version"], capture_output=True, text=True, check=False
    )
    assert shown.returncode == 0 and f"core {engine.version}]" in shown.stdout


def test_a_built_engine_is_reused(cache: Path) -> None:
    built = os.readlink(engines(cache) / KEY)
    again = ready_engine("2.16", EngineSettings(cache))
    assert os.readlink(engines(cache) / KEY) == built
    assert again.version.startswith("2.16.")


def test_a_broken_engine_and_a_killed_build_are_replaced(cache: Path) -> None:
    link = engines(cache) / KEY
    broken = os.readlink(link)
    # What a build killed half-way leaves: a folder no link names.
    killed = engines(cache) / f"{KEY}.0badf00d"
    (killed / "bin").mkdir(parents=True)
    # A venv that no longer runs Ansible (its packages deleted under it).
    for package in (link / "lib").glob("python3.*/site-packages/ansible"):
        shutil.rmtree(package)
    engine = ready_engine("2.16", EngineSettings(cache))
    assert engine.version.startswith("2.16.")
    assert os.readlink(link) != broken
    assert not (engines(cache) / broken).exists() and not killed.exists()


def test_without_network_or_wheelhouse_the_error_is_one_line_naming_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(EngineUnavailable) as raised:
        ready_engine("2.16", EngineSettings(tmp_path))
    message = str(raised.value)
    assert "\n" not in message and raised.value.exit_code == ExitCode.ENGINE_UNAVAILABLE
    assert "pip could not install ansible-core>=2.16,<2.17 from the package index" in message
    assert "--wheelhouse or DEPLOYER_WHEELHOUSE" in message
    log = tmp_path / "engines" / f"{KEY}.log"
    assert f"pip's output is in {log}" in message and log.is_file()
    assert not (tmp_path / "engines" / KEY).exists()
    assert [p.name for p in (tmp_path / "engines").iterdir() if p.is_dir()] == []


def test_a_wheelhouse_builds_the_engine_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheelhouse = tmp_path / "wheels"
    fetched = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "-d", str(wheelhouse), "ansible-core<2.17"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert fetched.returncode == 0, fetched.stderr
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    engine = ready_engine("2.16", EngineSettings(tmp_path / "cache", wheelhouse))
    assert engine.version.startswith("2.16.")


def test_a_wheelhouse_that_is_not_a_folder_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    with pytest.raises(EngineUnavailable, match=f"the wheelhouse {missing} is not a folder"):
        ready_engine("2.16", EngineSettings(tmp_path, missing))


@pytest.mark.parametrize("name", ENGINE_NAMES)
@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=[p.name for p in PLAYBOOKS])
def test_every_playbook_passes_the_syntax_check_under_each_engine(
    name: str, playbook: Path, tmp_path: Path
) -> None:
    engine = shared_engine(name)
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(INVENTORY, encoding="utf-8")
    done = subprocess.run(
        [str(engine.playbook), "--syntax-check", "-i", str(inventory), str(playbook)],
        cwd=REPO,
        env={
            **os.environ,
            "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
            "ANSIBLE_NOCOLOR": "1",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    version = subprocess.run(
        [str(engine.playbook), "--version"], capture_output=True, text=True, check=False
    )
    assert f"core {engine.version}]" in version.stdout


PLAYBOOK = """\
- name: Report which ansible-core runs the play.
  hosts: all
  gather_facts: false
  tasks:
    - name: Change something.
      ansible.builtin.command: "true"
      changed_when: true
    - name: Remember the version.
      ansible.builtin.set_fact:
        engine_run_changes: "{{ ansible_version.full }}"
"""


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_ansible_runner_reports_every_task_under_each_engine(name: str, tmp_path: Path) -> None:
    """ansible-runner's event callback is loaded by the engine's ansible-playbook: deployer
    sees each task's outcome and the recap, whichever ansible-core runs the play."""
    engine = shared_engine(name)
    playbook = tmp_path / "engine.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    events: list[TaskEvent] = []
    result = run_playbook(
        PlaybookRun(
            playbook=playbook,
            inventory={"all": {"hosts": {"here": local}}},
            variables={},
            engine_bin=engine.bin_dir,
        ),
        events.append,
    )
    assert result.ok, describe(result)
    assert [(e.task, e.outcome) for e in events] == [
        ("Change something.", "changed"),
        ("Remember the version.", "ok"),
    ]
    assert events[1].facts == {"engine_run_changes": engine.version}
    assert result.recap == {"here": HostRecap(ok=2, changed=1)}

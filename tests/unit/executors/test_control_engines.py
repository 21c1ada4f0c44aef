"""The engines on the control machine, without starting any: which Python a venv is made
from, where engines are kept, the inventory's per-host interpreter and platform, and a play
split into one ansible-playbook run per engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.executors.ansible import executor as executor_module
from deployer.executors.ansible.engine_venv import engine_venv, ready_engine
from deployer.executors.ansible.engines import (
    VENV_ENGINES,
    ControlPython,
    EngineInstall,
    EngineSettings,
    EngineUnavailable,
    ManagedHost,
    cache_dir_from,
    control_python,
    current_engine,
    wheelhouse_from,
)
from deployer.executors.ansible.executor import AnsibleExecutor
from deployer.executors.ansible.inventory import build_inventory
from deployer.executors.ansible.runner import PlaybookResult, PlaybookRun
from deployer.executors.base import ExecutionOptions, HostRecap, Play
from deployer.facts.model import PythonInstall
from deployer.run.targets import ssh_targets
from deployer.spec import load_environment
from tests.support.example_specs import example_spec

LEGACY = VENV_ENGINES["2.16"]
PY36 = PythonInstall(
    path="/usr/bin/python3", real="/usr/bin/python3.6", version="3.6.8", major=3, minor=6
)
PY311 = PythonInstall(
    path="/usr/bin/python3", real="/usr/bin/python3.11", version="3.11.2", major=3, minor=11
)
E216 = EngineInstall("2.16", "2.16.19", Path("/cache/engines/ansible-core-2.16-py3.11/bin"))


def test_the_216_venv_is_made_from_deployers_python_when_216_runs_on_it() -> None:
    chosen = control_python(LEGACY, (3, 11), "/venv/bin/python", lambda name: None)
    assert (chosen.path, chosen.version) == (Path("/venv/bin/python"), (3, 11))
    assert LEGACY.key(chosen.version) == "ansible-core-2.16-py3.11"


def test_on_python_313_the_newest_python_216_runs_on_is_taken_from_path() -> None:
    found = {"python3.12": "/usr/bin/python3.12", "python3.10": "/usr/bin/python3.10"}
    chosen = control_python(LEGACY, (3, 13), "/venv/bin/python", found.get)
    assert (chosen.path, chosen.version) == (Path("/usr/bin/python3.12"), (3, 12))


def test_without_a_python_216_runs_on_the_error_names_them() -> None:
    with pytest.raises(EngineUnavailable) as raised:
        control_python(LEGACY, (3, 13), "/venv/bin/python", lambda name: None)
    assert raised.value.exit_code == ExitCode.ENGINE_UNAVAILABLE == 14
    assert str(raised.value) == (
        "engine 2.16 (ansible-core>=2.16,<2.17) runs on Python 3.10, 3.11 or 3.12 on this "
        "machine, deployer runs on 3.13, and none of python3.10, python3.11, python3.12 is on "
        "PATH: install one of them (e.g. from the OS packages or python.org)"
    )


def test_an_unknown_engine_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable) as raised:
        ready_engine("2.9", EngineSettings(tmp_path))
    assert str(raised.value) == "no Ansible engine named '2.9'; deployer knows current, 2.16"


def test_the_current_engine_is_deployers_own_ansible(tmp_path: Path) -> None:
    engine = ready_engine("current", EngineSettings(tmp_path))
    assert engine == current_engine()
    assert (engine.bin_dir / "python").exists() and engine.version.count(".") == 2
    assert not (tmp_path / "engines").exists()  # nothing built for it


def test_engines_live_in_the_xdg_cache_and_the_wheelhouse_option_wins() -> None:
    home = Path("/home/me")
    assert cache_dir_from({}, home) == home / ".cache" / "deployer"
    assert cache_dir_from({"XDG_CACHE_HOME": "/c"}, home) == Path("/c/deployer")
    environ = {"DEPLOYER_WHEELHOUSE": "/media/bundle/wheels"}
    assert wheelhouse_from(None, environ) == Path("/media/bundle/wheels")
    assert wheelhouse_from(Path("/w"), environ) == Path("/w")
    assert wheelhouse_from(None, {}) is None


def managed_example(tmp_path: Path) -> tuple[Any, dict[str, ManagedHost]]:
    loaded = load_environment(example_spec(tmp_path))
    managed = {
        "app1": ManagedHost(
            PY311,
            current_engine(),
            {"family": "Debian", "release": "debian-12", "pkg_manager": "apt"},
        ),
        "db1": ManagedHost(
            PY36, E216, {"family": "RedHat", "release": "el7", "pkg_manager": "yum"}
        ),
    }
    return loaded, managed


def test_each_host_gets_its_own_interpreter_and_platform(tmp_path: Path) -> None:
    loaded, managed = managed_example(tmp_path)
    inventory = build_inventory(loaded, list(ssh_targets(loaded, tmp_path)), tmp_path, managed)
    hosts = inventory["all"]["hosts"]
    assert hosts["db1"]["ansible_python_interpreter"] == "/usr/bin/python3"
    assert type(hosts["db1"]["ansible_python_interpreter"]).__name__ == "Unsafe"
    assert hosts["db1"]["deployer_platform"] == {
        "family": "RedHat",
        "release": "el7",
        "pkg_manager": "yum",
    }
    assert hosts["app1"]["deployer_platform"]["release"] == "debian-12"
    assert "vars" not in inventory["all"]  # no interpreter guessed for every host


def test_a_host_without_a_known_platform_gets_none_and_the_roles_fall_back(tmp_path: Path) -> None:
    loaded, managed = managed_example(tmp_path)
    managed["app1"] = ManagedHost(PY311, current_engine())
    inventory = build_inventory(loaded, list(ssh_targets(loaded, tmp_path)), tmp_path, managed)
    assert "deployer_platform" not in inventory["all"]["hosts"]["app1"]


def executor(
    tmp_path: Path, managed: dict[str, ManagedHost], limit: tuple[str, ...] = ()
) -> AnsibleExecutor:
    loaded, _ = managed_example(tmp_path)
    return AnsibleExecutor(
        loaded,
        list(ssh_targets(loaded, tmp_path)),
        tmp_path,
        run_id="r1",
        secrets={},
        options=ExecutionOptions(limit=limit),
        managed=managed,
    )


def test_a_play_runs_once_per_engine_limited_to_its_hosts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, managed = managed_example(tmp_path)
    runs: list[PlaybookRun] = []

    def run_playbook(run: PlaybookRun, on_task: Any) -> PlaybookResult:
        runs.append(run)
        host = run.limit or "?"
        failed = host == "db1"
        return PlaybookResult(
            run.playbook.name,
            "failed" if failed else "successful",
            2 if failed else 0,
            {host: HostRecap(ok=3, changed=1, failed=int(failed))},
        )

    monkeypatch.setattr(executor_module, "run_playbook", run_playbook)
    result = executor(tmp_path, managed).run(Play.DATABASE_SERVER, lambda event: None)
    assert [(r.limit, r.engine_bin) for r in runs] == [
        ("app1", current_engine().bin_dir),
        ("db1", E216.bin_dir),
    ]
    assert not result.ok and result.rc == 2 and result.status == "failed"
    assert result.recap == {"app1": HostRecap(3, 1, 0), "db1": HostRecap(3, 1, 1)}
    assert result.failure == "database.yml: failed (rc 2)"


def test_one_engine_for_every_host_is_one_run_with_the_runs_own_limit(tmp_path: Path) -> None:
    _, managed = managed_example(tmp_path)
    both = {name: ManagedHost(PY36, E216) for name in managed}
    assert executor(tmp_path, both).engine_limits() == [(E216, None)]
    assert executor(tmp_path, both, ("db1",)).engine_limits() == [(E216, "db1")]
    # --limit leaves only one engine's hosts: only that engine runs.
    assert executor(tmp_path, managed, ("db1",)).engine_limits() == [(E216, "db1")]


def test_a_play_narrowed_to_some_hosts_runs_on_those_within_the_limit(tmp_path: Path) -> None:
    """A stage skipped on unchanged hosts runs on the others only, --limit still holding."""
    _, managed = managed_example(tmp_path)
    both = {name: ManagedHost(PY36, E216) for name in managed}
    assert executor(tmp_path, both).engine_limits(["app1"]) == [(E216, "app1")]
    assert executor(tmp_path, both, ("db1",)).engine_limits(["app1", "db1"]) == [(E216, "db1")]
    assert executor(tmp_path, both, ("db1",)).engine_limits(["app1"]) == []
    mixed = executor(tmp_path, managed).engine_limits(["db1"])
    assert [limit for _, limit in mixed] == ["db1"]


def test_a_cache_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    occupied = tmp_path / "cache"
    occupied.write_text("a file where the cache should be\n", encoding="utf-8")
    with pytest.raises(EngineUnavailable) as raised:
        engine_venv(
            LEGACY, ControlPython(Path("/usr/bin/python3.11"), (3, 11)), EngineSettings(occupied)
        )
    assert str(raised.value) == f"engine 2.16: {occupied}/engines: Not a directory"


def test_the_inputs_digests_are_per_play_and_host_and_the_same_on_every_call(
    tmp_path: Path,
) -> None:
    _, managed = managed_example(tmp_path)
    made = executor(tmp_path, managed)
    middleware = made.input_digests(Play.MIDDLEWARE)
    release = made.input_digests(Play.RELEASE)
    assert set(middleware) == set(release) == {"app1", "db1"}
    assert middleware["app1"] != release["app1"]
    assert middleware["app1"] != middleware["db1"]  # another interpreter and platform
    assert made.input_digests(Play.MIDDLEWARE) == middleware
    assert made.input_digests(Play.ROLLBACK) == {}

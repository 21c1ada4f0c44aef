"""Which engine and interpreter manage each host, decided from the probe before apply, plan
or rollback change anything, and recorded in the run's journal (over the fakes: the engine
venvs are proven in tests/tools and on the lab)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.executors.ansible.engines import EngineInstall, EngineSettings
from deployer.journal.models import HostEngine
from deployer.run import managers
from deployer.run.apply import ApplyOptions, run_apply
from deployer.run.managers import NoManagerForHost
from deployer.run.secrets import RunSecrets
from deployer.spec import load_environment
from deployer.transport.result import Failure
from tests.support.example_specs import example_spec
from tests.support.fakes import PROBE_ANSWER, FakeExecutor, FakeHosts, fake_context

DEBIAN_12 = (
    "@@deployer:begin os.release@@\n"
    'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
    "@@deployer:end os.release rc=0@@\n"
)
CENTOS_7_PYTHONS = (
    "@@deployer:begin python.interpreters@@\n"
    "/usr/bin/python3 /usr/bin/python3.6 3.6.8\n"
    "/usr/bin/python2 /usr/bin/python2.7 2.7.5\n"
    "@@deployer:end python.interpreters rc=0@@\n"
)
NO_PYTHON = "@@deployer:begin python.interpreters@@\n\n@@deployer:end python.interpreters rc=0@@\n"
APT = "@@deployer:begin pkg.manager@@\napt-get\n@@deployer:end pkg.manager rc=0@@\n"
E216 = EngineInstall("2.16", "2.16.19", Path("/cache/engines/ansible-core-2.16-py3.11/bin"))


def context(tmp_path: Path, probe: str, executor: FakeExecutor, forced: str | None = None) -> Any:
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer(r"^sh -s$", (0, probe))
    made = fake_context(
        load_environment(example_spec(tmp_path)),
        tmp_path / "runs",
        hosts=hosts,
        executor=executor,
        secrets=RunSecrets("admin-pw", {"erp": "app-pw"}),
    )
    made.engines = EngineSettings(tmp_path / "cache", forced=forced)
    return made


def test_a_host_no_engine_manages_stops_apply_before_a_run_starts(tmp_path: Path) -> None:
    executor = FakeExecutor()
    with pytest.raises(NoManagerForHost) as raised:
        run_apply(context(tmp_path, DEBIAN_12 + APT + NO_PYTHON, executor), ApplyOptions())
    assert raised.value.exit_code == ExitCode.CHECKS_FAILED
    message = str(raised.value)
    assert message.startswith("no Ansible engine can manage app1: no Python found; install ")
    assert (
        "--bootstrap-python (there: apt-get install -y python3 python3-apt); db1: no Python found"
        in message
    )
    assert executor.plays == [] and not (tmp_path / "runs").exists()


def test_apply_records_the_engine_and_interpreter_of_each_host(tmp_path: Path) -> None:
    outcome = run_apply(context(tmp_path, DEBIAN_12 + PROBE_ANSWER, FakeExecutor()), ApplyOptions())
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    meta = json.loads((tmp_path / "runs" / outcome.run_id / "meta.json").read_text())
    engine = meta["engines"]["app1"]
    assert (engine["engine"], engine["interpreter"], engine["python"]) == (
        "current",
        "/usr/bin/python3",
        "3.11.2",
    )
    assert engine["ansible_core"].count(".") == 2 and set(meta["engines"]) == {"app1", "db1"}


def test_old_pythons_get_the_216_engine_its_platform_and_the_newest_python_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []

    def ready_engine(name: str, settings: EngineSettings) -> EngineInstall:
        built.append(name)
        return E216

    monkeypatch.setattr(managers, "ready_engine", ready_engine)
    made = context(tmp_path, DEBIAN_12 + CENTOS_7_PYTHONS, FakeExecutor())
    managed = managers.probe_managed_hosts(made)
    assert built == ["2.16"]  # made ready once for both hosts
    assert managed["db1"].engine == E216 and managed["db1"].interpreter.version == "3.6.8"
    assert managed["db1"].platform == {
        "family": "Debian",
        "release": "debian-12",
        "pkg_manager": "apt",
    }


def test_forced_216_manages_a_current_python_with_216(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(managers, "ready_engine", lambda name, settings: E216)
    made = context(tmp_path, DEBIAN_12 + PROBE_ANSWER, FakeExecutor(), forced="2.16")
    outcome = run_apply(made, ApplyOptions())
    meta = json.loads((tmp_path / "runs" / outcome.run_id / "meta.json").read_text())
    assert meta["engines"]["db1"] == {
        "engine": "2.16",
        "ansible_core": "2.16.19",
        "interpreter": "/usr/bin/python3",
        "python": "3.11.2",
        "platform": {"family": "Debian", "pkg_manager": "apt", "release": "debian-12"},
    }


def test_show_names_the_engine_of_each_host(tmp_path: Path, cli: Any) -> None:
    outcome = run_apply(context(tmp_path, DEBIAN_12 + PROBE_ANSWER, FakeExecutor()), ApplyOptions())
    spec = tmp_path / "env.yml"
    shown = cli(["show", str(spec), outcome.run_id, "--journal", str(tmp_path / "runs")])
    assert shown.code == 0, shown.err
    assert "app1       engine current (ansible-core " in shown.out
    assert "), Python 3.11.2 at /usr/bin/python3" in shown.out


class DbOutOfReach(FakeHosts):
    """db1 answers nothing (its network is down); app1 answers the probe."""

    def _result(self, host: str, command: str, shown: str | None, root: bool = False) -> Any:
        if host == "db1":
            return super()._result(host, "unreachable", shown, root)
        return super()._result(host, command, shown, root)


def _unreachable_db(tmp_path: Path) -> Any:
    made = context(tmp_path, PROBE_ANSWER, FakeExecutor())
    hosts = DbOutOfReach(("app1", "db1"))
    hosts.answer(r"^unreachable$", Failure.TIMEOUT)
    made.hosts = hosts
    return made


def test_a_rollback_manages_a_host_out_of_reach_as_the_undone_run_recorded(
    tmp_path: Path,
) -> None:
    # The rollback goes ahead on the hosts it reaches (and fails on db1 when it gets there)
    # rather than undoing nothing because db1 cannot be probed now.
    recorded = {
        "db1": HostEngine(
            engine="2.16", ansible_core="2.16.19", interpreter="/usr/bin/python3", python="3.6.8"
        )
    }
    ready: list[str] = []

    def fake_ready(name: str, settings: EngineSettings) -> EngineInstall:
        ready.append(name)
        return E216 if name == "2.16" else EngineInstall("current", "2.19.4", Path("/venv/bin"))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(managers, "ready_engine", fake_ready)
        managed = managers.rollback_managed_hosts(_unreachable_db(tmp_path), recorded)
    assert managed["db1"].engine is E216 and managed["db1"].interpreter.version == "3.6.8"
    assert managed["db1"].platform is None
    assert managed["app1"].engine.name == "current"


def test_a_rollback_stops_on_a_host_out_of_reach_that_the_undone_run_did_not_record(
    tmp_path: Path,
) -> None:
    with pytest.raises(managers.HostsUnreachable) as raised:
        managers.rollback_managed_hosts(_unreachable_db(tmp_path), None)
    assert str(raised.value).startswith("db1 is unreachable")


DEBIAN_PLATFORM = {"family": "Debian", "release": "debian-12", "pkg_manager": "apt"}


def _complete(platform: dict[str, str] | None = DEBIAN_PLATFORM) -> dict[str, HostEngine]:
    record = {
        "engine": "2.16",
        "ansible_core": "2.16.19",
        "interpreter": "/usr/bin/python3",
        "python": "3.11.2",
        "platform": platform,
    }
    return {name: HostEngine.model_validate(record) for name in ("app1", "db1")}


def _rollback_managers(made: Any, recorded: dict[str, HostEngine]) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(managers, "ready_engine", lambda name, settings: E216)
        return managers.rollback_managed_hosts(made, recorded)


def test_a_rollback_of_a_run_that_recorded_every_host_probes_none(tmp_path: Path) -> None:
    # The recorded engine, interpreter and platform (None too: the probe could not tell then)
    # are reused as they were: the product may be down already.
    made = context(tmp_path, PROBE_ANSWER, FakeExecutor())
    recorded = {**_complete(), "db1": _complete(platform=None)["db1"]}
    managed = _rollback_managers(made, recorded)
    assert made.hosts.log == []
    assert managed["app1"].engine is E216 and managed["app1"].interpreter.path == "/usr/bin/python3"
    assert managed["app1"].platform == DEBIAN_PLATFORM and managed["db1"].platform is None
    assert managed["app1"].record()["platform"] == DEBIAN_PLATFORM


@pytest.mark.parametrize("why", ["older run", "host missing", "engine forced"])
def test_a_rollback_probes_when_the_record_cannot_stand_for_the_hosts(
    tmp_path: Path, why: str
) -> None:
    forced = "2.16" if why == "engine forced" else None
    made = context(tmp_path, PROBE_ANSWER, FakeExecutor(), forced=forced)
    recorded = _complete()
    if why == "older run":  # written before the platform was recorded
        recorded["db1"] = HostEngine.model_validate(
            recorded["db1"].model_dump(exclude={"platform"})
        )
    elif why == "host missing":
        del recorded["db1"]
    _rollback_managers(made, recorded)
    assert {host for host, command in made.hosts.log} == {"app1", "db1"}

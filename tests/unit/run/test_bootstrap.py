"""--bootstrap-python's order over fake hosts: who gets python3, with which command, as root,
before the run starts, and what stops it. tests/lab/test_bootstrap_python.py does it for real."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from deployer.facts.model import HostFacts
from deployer.run.apply import ApplyOptions, run_apply
from deployer.run.bootstrap import (
    SCRIPTS,
    BootstrapFailed,
    Bootstrapped,
    bootstrap_python,
    install_script,
    needing_python,
)
from deployer.run.managers import NoManagerForHost
from deployer.run.secrets import RunSecrets
from deployer.spec import load_environment
from deployer.transport.result import CommandResult
from tests.support.example_specs import example_spec
from tests.support.fakes import FakeExecutor, FakeHosts, fake_context

INSTALL = "sh -s < install python3"
SECRETS = RunSecrets("admin-pw", {"erp": "app-pw"})
NO_PYTHON = (
    "@@deployer:begin pkg.manager@@\napt-get\n\n@@deployer:end pkg.manager rc=0@@\n"
    "@@deployer:begin python.interpreters@@\n\n@@deployer:end python.interpreters rc=0@@\n"
)


@dataclass
class PythonlessHosts(FakeHosts):
    """``missing`` hosts have no Python until the install script ran on them (with
    ``install_status``; ``installs`` False: it "succeeds" without installing anything)."""

    missing: set[str] = field(default_factory=set)
    install_status: int = 0
    installs: bool = True
    scripts: list[bytes] = field(default_factory=list)

    def run_on(
        self,
        host: str,
        command: str,
        *,
        stdin: bytes | None = None,
        shown: str | None = None,
        root: bool = False,
    ) -> CommandResult:
        if shown == INSTALL and root:
            self.log.append((host, shown))
            self.scripts.append(stdin or b"")
            if self.install_status == 0 and self.installs:
                self.missing.discard(host)
            return CommandResult(host, command, self.install_status, "", "E: no mirror", 0.0)
        return super().run_on(host, command, stdin=stdin, shown=shown, root=root)

    def _result(
        self, host: str, command: str, shown: str | None, root: bool = False
    ) -> CommandResult:
        result = super()._result(host, command, shown, root)
        if command == "sh -s" and host in self.missing:
            return CommandResult(host, command, 0, NO_PYTHON, "", 0.0)
        return result


def _context(tmp_path: Path, hosts: FakeHosts) -> Any:
    return fake_context(load_environment(example_spec(tmp_path)), tmp_path / "runs", hosts=hosts)


def _hosts(*missing: str, **kwargs: Any) -> PythonlessHosts:
    return PythonlessHosts(("app1", "db1"), missing=set(missing), **kwargs)


def test_only_hosts_without_python_get_python3_as_root(tmp_path: Path) -> None:
    hosts = _hosts("app1")
    done = bootstrap_python(_context(tmp_path, hosts))
    assert done == [Bootstrapped("app1", "apt", "apt-get install -y python3 python3-apt")]
    assert [entry for entry in hosts.log if entry[1] != "sh -s < probe"] == [("app1", INSTALL)]
    assert hosts.scripts == [SCRIPTS["apt"].encode()]


def test_hosts_with_python_are_probed_once_and_left_alone(tmp_path: Path) -> None:
    hosts = _hosts()
    assert bootstrap_python(_context(tmp_path, hosts)) == []
    assert sorted(hosts.log) == [("app1", "sh -s < probe"), ("db1", "sh -s < probe")]


def test_a_failed_installation_stops_with_the_command_and_its_output(tmp_path: Path) -> None:
    hosts = _hosts("db1", install_status=100)
    with pytest.raises(BootstrapFailed, match=r"db1: `sh -s` exited 100: E: no mirror"):
        bootstrap_python(_context(tmp_path, hosts))


@pytest.mark.parametrize(
    ("pkg", "user", "become"),
    [("apt", "deploy", True), ("yum", "deploy", True), ("dnf", "root", False)],
)
def test_install_script(pkg: str, user: str, become: bool) -> None:
    facts = HostFacts(pkg_manager=pkg)  # type: ignore[arg-type]
    assert install_script(facts, user, become) == SCRIPTS[pkg]
    assert "python3" in SCRIPTS[pkg]


def test_install_script_refusals() -> None:
    with pytest.raises(BootstrapFailed, match="package manager: zypper"):
        install_script(HostFacts(pkg_manager="zypper"), "deploy", True)
    with pytest.raises(BootstrapFailed, match=r"needs root: deploy .* become: false"):
        install_script(HostFacts(pkg_manager="apt"), "deploy", False)


def test_unread_pythons_are_not_bootstrapped() -> None:
    facts = {"a": HostFacts(pythons=None), "b": HostFacts(pythons=()), "c": HostFacts()}
    assert needing_python(facts, None) == ["b"]


def _apply(tmp_path: Path, hosts: FakeHosts, bootstrap: bool) -> Path:
    loaded = load_environment(example_spec(tmp_path))
    context = fake_context(
        loaded, tmp_path / "runs", hosts=hosts, executor=FakeExecutor(), secrets=SECRETS
    )
    outcome = run_apply(context, ApplyOptions(bootstrap_python=bootstrap))
    return tmp_path / "runs" / outcome.run_id


def test_apply_bootstraps_before_the_run_and_journals_it(tmp_path: Path) -> None:
    hosts = _hosts("app1")
    folder = _apply(tmp_path, hosts, bootstrap=True)
    lines = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
    recorded = [json.loads(line) for line in lines]
    [event] = [e for e in recorded if e["event"] == "bootstrap"]
    assert event["host"] == "app1"
    assert (event["pkg_manager"], event["command"]) == (
        "apt",
        "apt-get install -y python3 python3-apt",
    )
    first_stage = next(i for i, e in enumerate(recorded) if e["event"] == "stage")
    assert recorded.index(event) < first_stage
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert meta["engines"]["app1"]["interpreter"] == "/usr/bin/python3"


def test_apply_without_the_option_refuses_a_host_without_python(tmp_path: Path) -> None:
    hosts = _hosts("app1")
    with pytest.raises(NoManagerForHost, match="app1: no Python found"):
        _apply(tmp_path, hosts, bootstrap=False)
    assert all(command != INSTALL for _, command in hosts.log)


def test_an_installation_that_leaves_no_python_stops_apply(tmp_path: Path) -> None:
    hosts = _hosts("db1", installs=False)
    with pytest.raises(NoManagerForHost, match="db1: no Python found"):
        _apply(tmp_path, hosts, bootstrap=True)
    assert (tmp_path / "runs").exists() is False or not any((tmp_path / "runs").iterdir())

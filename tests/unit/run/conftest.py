"""The real run context around scripted hosts, a fake database and a fake executor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deployer.executors.base import Play
from deployer.run import check as check_module
from deployer.run import context as context_module
from deployer.transport.hosts import SshHosts
from tests.support.fakes import FakeDatabase, FakeExecutor, FakeHosts


class ScriptedSshHosts(SshHosts):
    """The context's own hosts type, with targets and options as built, whose commands
    ``script`` answers instead of ssh."""

    script = FakeHosts(())

    def run_on(self, host: str, command: str, **kwargs: Any) -> Any:
        return self.script.run_on(host, command, **kwargs)

    def run_everywhere(self, hosts: Any, command: str, **kwargs: Any) -> Any:
        return self.script.run_everywhere(hosts, command, **kwargs)

    def run_to_file(self, host: str, command: str, dest: Path, timeout: float, **kw: Any) -> Any:
        return self.script.run_to_file(host, command, dest, timeout, **kw)

    def run_from_file(self, host: str, command: str, source: Any, timeout: float, **kw: Any) -> Any:
        return self.script.run_from_file(host, command, source, timeout, **kw)


@pytest.fixture
def scripted_hosts(monkeypatch: pytest.MonkeyPatch) -> FakeHosts:
    """What app1 and db1 answer; the deploy lock is granted."""
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer("deployer-lock", (0, "lock: taken\n"))
    monkeypatch.setattr(ScriptedSshHosts, "script", hosts)
    monkeypatch.setattr(context_module, "SshHosts", ScriptedSshHosts)
    return hosts


@pytest.fixture
def fake_world(monkeypatch: pytest.MonkeyPatch, scripted_hosts: FakeHosts) -> FakeExecutor:
    """Hosts, database and executor are fakes; the context around them is the real one."""
    executor = FakeExecutor(fail={Play.RELEASE})
    monkeypatch.setattr(context_module.ExecutorFactory, "__call__", lambda *a, **k: executor)
    database = FakeDatabase()
    # The scan holds its own reference to the function: both are replaced, or `check` would
    # knock on the example's database address.
    for module in (context_module, check_module):
        monkeypatch.setattr(module, "database_sessions", lambda *args: database)
    monkeypatch.setenv("HUADONG_DB_ADMIN_PASSWORD", "admin-pw")
    monkeypatch.setenv("HUADONG_DB_APP_PASSWORD", "app-pw")
    return executor

"""The become password tried before anything else, on the hosts that need one."""

from __future__ import annotations

from typing import Any

from deployer.facts import HostFacts
from deployer.facts.model import AccessFacts
from deployer.run.access import try_become, with_access
from deployer.spec.environment import Environment
from deployer.transport.result import CommandResult, Failure
from tests.support.checks import example_hosts_changed
from tests.support.fakes import ROOT_MARK, FakeHosts


def _env(**hosts: dict[str, Any]) -> Environment:
    env, _ = example_hosts_changed(hosts)
    return env


SU = {"become": {"method": "su", "password": "${env:ROOT_PW}"}}


def test_only_hosts_becoming_root_with_a_password_are_tried() -> None:
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer(r"^id -un$", (0, "root\n"))
    found, refused = try_become(_env(db1=SU), hosts, ["app1", "db1"])
    assert (found, refused) == ({"db1": AccessFacts(root_user="root")}, {})
    assert hosts.log == [("db1", ROOT_MARK + "id -un as root")]
    assert try_become(_env(), hosts, ["app1", "db1"]) == ({}, {})


def test_a_refused_password_makes_the_host_unreachable_naming_the_method() -> None:
    class Refusing(FakeHosts):
        def run_everywhere(self, hosts: Any, command: str, **kwargs: Any) -> Any:
            return {
                name: CommandResult(
                    name,
                    command,
                    None,
                    "",
                    "",
                    2.0,
                    Failure.BECOME,
                    "su with root's password: the password was refused",
                )
                for name in hosts
            }

    found, refused = try_become(_env(db1=SU), Refusing(("app1", "db1")), ["db1"])
    assert found == {}
    assert refused == {"db1": "become: su with root's password: the password was refused"}


def test_a_become_that_fails_otherwise_is_kept_for_the_check() -> None:
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer(r"^id -un$", (1, "deploy is not in the sudoers file"))
    found, refused = try_become(_env(db1={"become": {"password": "${env:P}"}}), hosts, ["db1"])
    assert refused == {}
    assert found["db1"].root_user is None
    assert "not in the sudoers file" in (found["db1"].error or "")
    facts = with_access({"db1": HostFacts(), "app1": HostFacts()}, found)
    assert facts["db1"].access == found["db1"] and facts["app1"].access is None

"""access.login and access.root: how the scan reached each host and became root there."""

from __future__ import annotations

from typing import Any

from deployer.checks import Status
from deployer.checks import access as access_checks
from deployer.checks.context import HostContext
from deployer.checks.model import CheckResult
from deployer.facts import HostFacts
from deployer.facts.model import AccessFacts
from tests.support.checks import example_hosts_changed

GATE = {"name": "gate", "address": "203.0.113.7"}


def _results(facts: HostFacts, **db1: Any) -> dict[str, CheckResult]:
    env, matrix = example_hosts_changed({"db1": db1}, bastions=[GATE])
    host = env.host("db1")
    assert host is not None
    return {r.check_id: r for r in access_checks.check(HostContext(env, matrix, host, facts))}


def test_the_way_in_is_named_with_its_jumps() -> None:
    results = _results(HostFacts())
    assert results["access.login"].status is Status.PASS
    assert results["access.login"].observed.endswith(" directly, ssh-agent login")
    via = _results(HostFacts(), via="app1", auth={"type": "password", "password": "${env:P}"})
    assert via["access.login"].observed.endswith(" via app1, password login")
    gate = _results(HostFacts(), via="gate")["access.login"].observed
    assert " via gate, " in gate


def test_sudo_without_a_password_is_left_to_the_probes_check() -> None:
    assert set(_results(HostFacts())) == {"access.login"}
    assert set(_results(HostFacts(), become=False)) == {"access.login"}


def test_a_password_become_passes_when_it_made_the_user_root() -> None:
    facts = HostFacts(access=AccessFacts(root_user="root"))
    result = _results(facts, become={"method": "su", "password": "${env:R}"})["access.root"]
    assert result.status is Status.PASS
    assert result.observed == "su with root's password made deploy root"


def test_a_password_become_that_made_nobody_root_fails_with_why() -> None:
    facts = HostFacts(access=AccessFacts(error="db1: `id -un` exited 1: not in sudoers"))
    result = _results(facts, become={"password": "${env:P}"})["access.root"]
    assert (result.status, result.blocking) == (Status.FAIL, True)
    assert "sudo with the user's password made deploy nobody else" in result.observed
    assert "not in sudoers" in result.observed


def test_without_the_trial_the_result_is_unknown() -> None:
    result = _results(HostFacts(), become={"password": "${env:P}"})["access.root"]
    assert result.status is Status.UNKNOWN

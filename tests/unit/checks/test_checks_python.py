"""python.manager at its edges: which interpreter and engine, or why none and what to do."""

from __future__ import annotations

import pytest

from deployer.checks import Status, evaluate
from deployer.checks import python as python_checks
from deployer.checks.context import HostContext
from deployer.checks.model import CheckResult
from deployer.facts import HostFacts
from deployer.facts.engines import CURRENT
from deployer.facts.model import PythonInstall
from tests.support.checks import WHEN, example

DEBIAN_11 = PythonInstall(
    path="/usr/bin/python3", real="/usr/bin/python3.9", version="3.9.2", major=3, minor=9
)
DEBIAN_13 = PythonInstall(
    path="/usr/bin/python3", real="/usr/bin/python3.13", version="3.13.5", major=3, minor=13
)
CENTOS_7 = (
    PythonInstall(
        path="/usr/bin/python3", real="/usr/bin/python3.6", version="3.6.8", major=3, minor=6
    ),
    PythonInstall(
        path="/usr/bin/python2", real="/usr/bin/python2.7", version="2.7.5", major=2, minor=7
    ),
)


def _result(
    facts: HostFacts, engine: str | None = None, *, bootstrap_python: bool = False
) -> CheckResult:
    env, matrix = example()
    host = env.host("app1")
    assert host is not None
    ctx = HostContext(env, matrix, host, facts, engine=engine, bootstrap_python=bootstrap_python)
    [result] = python_checks.check(ctx)
    assert result.check_id == "python.manager"
    return result


def _with(facts: HostFacts, *pythons: PythonInstall, pkg: str | None = "apt") -> HostFacts:
    return facts.model_copy(update={"pythons": pythons, "pkg_manager": pkg})


def test_pass_names_interpreter_and_engine(lab_facts: HostFacts) -> None:
    result = _result(_with(lab_facts, DEBIAN_11))
    assert result.status is Status.PASS
    assert result.observed == (
        f"python3 3.9.2 at /usr/bin/python3, engine current (ansible-core {CURRENT.core})"
    )


def test_centos_7_passes_with_engine_2_16_and_its_python3(lab_facts: HostFacts) -> None:
    result = _result(_with(lab_facts, *CENTOS_7, pkg="yum"))
    assert result.status is Status.PASS
    assert result.observed == "python3 3.6.8 at /usr/bin/python3, engine 2.16 (ansible-core 2.16)"


@pytest.mark.parametrize(
    ("pkg", "command"),
    [
        ("apt", "apt-get install -y python3 python3-apt"),
        ("yum", "yum install -y python3"),
        ("dnf", "dnf install -y python3"),
    ],
)
def test_no_python_fails_with_the_hosts_install_command(
    lab_facts: HostFacts, pkg: str, command: str
) -> None:
    result = _result(_with(lab_facts, pkg=pkg))
    assert result.status is Status.FAIL and result.blocks
    assert result.observed == "no Python found"
    assert f"from the OS media ({command})" in result.remediation
    assert "--bootstrap-python" in result.remediation
    assert result.fixup == (command,)


def test_no_python_and_no_known_package_manager(lab_facts: HostFacts) -> None:
    result = _result(_with(lab_facts, pkg="none"))
    assert result.status is Status.FAIL and result.blocks
    assert "install python3" in result.remediation.lower() and result.fixup == ()


def test_bootstrap_python_says_what_apply_would_run(lab_facts: HostFacts) -> None:
    result = _result(_with(lab_facts), bootstrap_python=True)
    assert result.status is Status.WARN and not result.blocks
    assert result.observed.endswith(
        "apply --bootstrap-python would run: apt-get install -y python3 python3-apt"
    )
    assert "changed nothing" in result.remediation


def test_bootstrap_python_leaves_a_managed_host_alone(lab_facts: HostFacts) -> None:
    assert _result(_with(lab_facts, DEBIAN_11), bootstrap_python=True).status is Status.PASS


def test_forced_2_16_on_python_3_13_warns(lab_facts: HostFacts) -> None:
    result = _result(_with(lab_facts, DEBIAN_13), "2.16")
    assert result.status is Status.WARN and not result.blocks
    assert result.observed == "python3 3.13.5 at /usr/bin/python3, engine 2.16 (ansible-core 2.16)"
    assert "up to 3.12" in result.required and "--ansible-engine" in result.remediation


def test_forced_2_16_on_python_3_9_passes(lab_facts: HostFacts) -> None:
    result = _result(_with(lab_facts, DEBIAN_11), "2.16")
    assert result.status is Status.PASS and "engine 2.16" in result.observed


def test_forced_current_refuses_centos_7(lab_facts: HostFacts) -> None:
    result = _result(_with(lab_facts, *CENTOS_7, pkg="yum"), "current")
    assert result.status is Status.FAIL and result.blocks
    assert "leave out --ansible-engine current" in result.remediation


def test_unread_pythons_are_unknown(lab_facts: HostFacts) -> None:
    facts = lab_facts.model_copy(
        update={"pythons": None, "unknown": {"python.interpreters": "could not read"}}
    )
    result = _result(facts)
    assert result.status is Status.UNKNOWN and not result.blocks


def test_evaluate_passes_the_forced_engine_and_bootstrap_to_the_rule(
    lab_facts: HostFacts,
) -> None:
    env, matrix = example()
    facts = {"app1": _with(lab_facts), "db1": _with(lab_facts, DEBIAN_11)}
    report = evaluate(
        env, matrix, facts, None, {}, generated_at=WHEN, engine="2.16", bootstrap_python=True
    )
    app1, db1 = report.host("app1"), report.host("db1")
    assert app1 is not None and db1 is not None
    assert app1.result("python.manager") == _result(facts["app1"], bootstrap_python=True)
    db1_result = db1.result("python.manager")
    assert db1_result is not None and "engine 2.16" in db1_result.observed

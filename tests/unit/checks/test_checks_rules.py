"""Single rules at their edges; whole scans are in test_checks_scenarios.py."""

from __future__ import annotations

import pytest

from deployer.checks import Status, ports, resources, system
from deployer.checks import os as os_checks
from deployer.checks.context import HostContext
from deployer.checks.database import mysql_privileges
from deployer.checks.model import CheckResult
from deployer.facts import HostFacts, Listener, NofileLimit, TimeSync
from tests.support.checks import example


def _ctx(facts: HostFacts, host: str = "app1", **spec_patch: object) -> HostContext:
    env, matrix = example(dict(spec_patch) or None)
    found = env.host(host)
    assert found is not None
    return HostContext(env, matrix, found, facts)


def _by_id(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.check_id: r for r in results}


@pytest.mark.parametrize(
    ("memory_mb", "status"),
    [(2048, Status.PASS), (1900, Status.WARN), (1741, Status.WARN), (1740, Status.FAIL)],
)
def test_memory_tolerance(memory_mb: int, status: Status, lab_facts: HostFacts) -> None:
    facts = lab_facts.model_copy(update={"memory_mb": memory_mb})
    assert _by_id(resources.check(_ctx(facts)))["memory.total"].status is status


def test_host_with_several_roles_needs_the_most(lab_facts: HostFacts) -> None:
    _, matrix = example()
    needs = resources.needs(matrix, ("web", "app"))
    assert needs is not None
    assert (needs.cpus, needs.memory_mb, needs.disks) == (2, 2048, {"/var/log": 1, "/opt": 5})
    assert resources.needs(matrix.model_copy(update={"resources": {}}), ("db",)) is None


def test_unknown_fact_gives_unknown_with_reason(lab_facts: HostFacts) -> None:
    facts = lab_facts.model_copy(
        update={"listening": None, "unknown": {"net.listening": "neither ss nor /proc/net/tcp"}}
    )
    result = _by_id(ports.check(_ctx(facts)))["port.free:8080"]
    assert result.status is Status.UNKNOWN
    assert "neither ss" in result.observed
    assert not result.blocking


def test_ports_include_spec_ports_and_overrides() -> None:
    env, matrix = example(
        {"middleware": {"tomcat": {"version": "10.1", "port": 8443}}, "database": {"port": 3307}}
    )
    app1, db1 = env.host("app1"), env.host("db1")
    assert app1 is not None and db1 is not None
    assert [n.port for n in ports.service_ports(env, matrix, app1)] == [80, 8080, 8443]
    by_port = {n.port: n for n in ports.service_ports(env, matrix, db1)}
    assert set(by_port) == {3306, 3307}
    assert by_port[3307].spec_field == "database.port"
    assert by_port[3306].spec_field is None


def test_loopback_only_listener_still_takes_the_port(lab_facts: HostFacts) -> None:
    listening = (*(lab_facts.listening or ()), Listener(address="127.0.0.1", port=80))
    facts = lab_facts.model_copy(update={"listening": listening})
    assert _by_id(ports.check(_ctx(facts)))["port.free:80"].status is Status.FAIL


def test_os_without_comparable_version_is_unknown(lab_facts: HostFacts) -> None:
    assert lab_facts.os is not None
    odd = lab_facts.os.model_copy(update={"family_version": None})
    results = _by_id(os_checks.check(_ctx(lab_facts.model_copy(update={"os": odd}))))
    assert results["os.version"].status is Status.UNKNOWN


def test_sudo_only_matters_with_become(lab_facts: HostFacts) -> None:
    assert lab_facts.sudo is not None
    facts = lab_facts.model_copy(
        update={"sudo": lab_facts.sudo.model_copy(update={"state": "password"})}
    )
    assert _by_id(system.check(_ctx(facts)))["sudo.nopasswd"].status is Status.FAIL
    hosts = [
        {"name": "app1", "address": "10.20.30.11", "roles": ["web", "app"], "become": False},
        {"name": "db1", "address": "10.20.30.21", "roles": ["db"]},
    ]
    assert "sudo.nopasswd" not in _by_id(system.check(_ctx(facts, hosts=hosts)))


def test_time_zone_without_product_setting_passes(lab_facts: HostFacts) -> None:
    ctx = _ctx(lab_facts, product={"config": {"timezone": ""}})
    result = _by_id(system.check(ctx))["time.zone"]
    assert (result.status, result.observed) == (Status.PASS, "Etc/UTC")


@pytest.mark.parametrize(
    ("sync", "status"),
    [
        (TimeSync(synchronized=True, ntp_service=None), Status.PASS),
        (TimeSync(synchronized=None, ntp_service=None, services=("chronyd",)), Status.PASS),
        (TimeSync(synchronized=False, ntp_service=False), Status.WARN),
        (TimeSync(synchronized=None, container="systemd-nspawn"), Status.PASS),
    ],
)
def test_time_sync(sync: TimeSync, status: Status, lab_facts: HostFacts) -> None:
    result = _by_id(system.check(_ctx(lab_facts.model_copy(update={"time_sync": sync}))))
    assert result["time.sync"].status is status


@pytest.mark.parametrize(
    ("limit", "status"),
    [
        (NofileLimit(soft=65535, hard=65535), Status.PASS),
        (NofileLimit(soft="unlimited", hard="unlimited"), Status.PASS),
        (NofileLimit(soft=1024, hard=524288), Status.WARN),
    ],
)
def test_nofile(limit: NofileLimit, status: Status, lab_facts: HostFacts) -> None:
    result = _by_id(system.check(_ctx(lab_facts.model_copy(update={"nofile": limit}))))
    assert result["limits.nofile"].status is status


def test_mysql_privileges_from_show_grants() -> None:
    found, roles = mysql_privileges(
        (
            "GRANT SELECT, INSERT, CREATE USER ON *.* TO `admin`@`%` WITH GRANT OPTION",
            "GRANT ALL PRIVILEGES ON `erp`.* TO `admin`@`%`",
            "GRANT `dba_role`@`%` TO `admin`@`%`",
        )
    )
    assert found == {"SELECT", "INSERT", "CREATE USER", "GRANT OPTION"}
    assert roles is True
    everything, _ = mysql_privileges(("GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost'",))
    assert "CREATE USER" in everything and "GRANT OPTION" not in everything

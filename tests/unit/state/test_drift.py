"""Drift: a host's record against its items now, each difference with its kind and role."""

from __future__ import annotations

import pytest

from deployer.state.drift import DriftKind, drift
from deployer.state.model import FileState, HostRecord, RoleState, ServiceState
from deployer.state.program import StateUnreadable, parse_output

CONFIG = "/etc/tomcat10/server.xml"
FILE = FileState(sha256="a" * 64, owner="root", group="tomcat", mode="0640")
TOMCAT = RoleState(
    files={CONFIG: FILE},
    links={"/var/lib/tomcat10/lib/mariadb-java-client.jar": "/usr/share/java/m.jar"},
    packages={"tomcat10": "10.1.34-0+deb12u1"},
    services={"tomcat10": ServiceState(enabled="enabled", active="active")},
    users={"tomcat": True},
)
RECORD = HostRecord(host="app1", run="r1", roles={"tomcat": TOMCAT})


def kinds(now: RoleState) -> list[tuple[DriftKind, str, str, str]]:
    return [(d.kind, d.item, d.was, d.now) for d in drift("app1", RECORD, {"tomcat": now})]


def test_a_host_as_recorded_has_no_drift() -> None:
    assert kinds(TOMCAT) == []


def test_each_kind_of_change_is_named() -> None:
    now = RoleState(
        files={CONFIG: FILE.model_copy(update={"sha256": "b" * 64, "mode": "0666"})},
        links={"/var/lib/tomcat10/lib/mariadb-java-client.jar": "/tmp/other.jar"},
        packages={"tomcat10": "10.1.40-1"},
        services={"tomcat10": ServiceState(enabled="disabled", active="inactive")},
        users={"tomcat": False},
    )
    assert [kind for kind, *_ in kinds(now)] == [
        DriftKind.FILE_EDITED,
        DriftKind.MODE_CHANGED,
        DriftKind.LINK_MOVED,
        DriftKind.PACKAGE_CHANGED,
        DriftKind.SERVICE_STOPPED,
        DriftKind.SERVICE_DISABLED,
        DriftKind.USER_MISSING,
    ]


def test_missing_items_are_told_from_changed_ones() -> None:
    now = RoleState(
        files={CONFIG: FileState(exists=False)},
        links={},
        packages={"tomcat10": None},
        services={"tomcat10": ServiceState(enabled="enabled", active="active")},
        users={"tomcat": True},
    )
    assert kinds(now) == [
        (DriftKind.FILE_MISSING, CONFIG, "", ""),
        (
            DriftKind.LINK_MISSING,
            "/var/lib/tomcat10/lib/mariadb-java-client.jar",
            "/usr/share/java/m.jar",
            "",
        ),
        (DriftKind.PACKAGE_REMOVED, "tomcat10", "10.1.34-0+deb12u1", ""),
    ]


def test_an_owner_change_and_an_item_missing_at_record_time() -> None:
    record = HostRecord(
        roles={"nginx": RoleState(files={"/a": FILE, "/b": FileState(exists=False)})}
    )
    now = {"nginx": RoleState(files={"/a": FILE.model_copy(update={"owner": "www-data"})})}
    (found,) = drift("web1", record, now)
    assert (found.kind, found.was, found.now) == (
        DriftKind.OWNER_CHANGED,
        "root:tomcat",
        "www-data:tomcat",
    )
    assert found.describe() == "web1: nginx: /a: owner changed (root:tomcat -> www-data:tomcat)"


@pytest.mark.parametrize(
    "stdout",
    ["", "no marker here\n", "@@deployer:state@@\n{not json\n", '@@deployer:state@@\n["x"]\n'],
)
def test_an_answer_that_is_not_the_program_s_is_refused(stdout: str) -> None:
    with pytest.raises(StateUnreadable):
        parse_output(stdout)


def test_noise_before_the_answer_is_ignored() -> None:
    observed = parse_output('Welcome!\n@@deployer:state@@\n{"record": null, "now": null}\n')
    assert observed.record is None and observed.now == {}

"""The package rollback (roles/common, entry point rollback) runs each host's own tool: apt on
Debian, yum on EL7 (which has no dnf), dnf on EL8 and later; rendered with Ansible's Templar."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.role_vars import tasks_run

CHANGES = {
    "common_rollback_downgrade": [
        ["mariadb-server", "3:10.3.39-1.module_el8"],
        ["unzip", "6.0-46"],
    ],
    "common_rollback_remove": ["nginx", "java-17-openjdk-headless"],
}


def platform(family: str, release: str, tool: str) -> dict[str, str]:
    return {"family": family, "release": release, "pkg_manager": tool}


@pytest.mark.parametrize(("release", "tool"), [("el7", "yum"), ("el8", "dnf"), ("el9", "dnf")])
def test_redhat_hosts_use_their_generations_tool(release: str, tool: str) -> None:
    ran = tasks_run("common", "rollback.yml", platform("RedHat", release, tool), CHANGES)
    assert [(module, args["use"], args["state"]) for module, args in ran] == [
        ("ansible.builtin.package", tool, "present"),
        ("ansible.builtin.package", tool, "absent"),
    ]
    downgrade, remove = (args for _, args in ran)
    # yum 3 matches name-version-release, not name-epoch:version-release: no epoch in the name.
    assert downgrade["name"] == ["mariadb-server-10.3.39-1.module_el8", "unzip-6.0-46"]
    assert downgrade["allow_downgrade"] is True
    assert remove["name"] == ["nginx", "java-17-openjdk-headless"]


def test_debian_hosts_use_apt() -> None:
    ran = tasks_run("common", "rollback.yml", platform("Debian", "debian-12", "apt"), CHANGES)
    assert [module for module, _ in ran] == ["ansible.builtin.apt", "ansible.builtin.apt"]
    assert ran[0][1]["name"] == ["mariadb-server=3:10.3.39-1.module_el8", "unzip=6.0-46"]


@pytest.mark.parametrize(
    "changes",
    [{"common_rollback_downgrade": [], "common_rollback_remove": []}],
)
def test_nothing_to_put_back_runs_nothing(changes: dict[str, Any]) -> None:
    assert tasks_run("common", "rollback.yml", platform("RedHat", "el7", "yum"), changes) == []


@pytest.mark.parametrize(
    ("release", "tool", "package"),
    [
        ("el7", "yum", "java-1.8.0-openjdk-headless"),
        ("el8", "dnf", "java-1.8.0-openjdk-headless"),
    ],
)
def test_jdk_rollback_removes_the_runtime_with_the_generations_tool(
    release: str, tool: str, package: str
) -> None:
    inputs = {"jdk_version": "8", "jdk_rollback_remove": True}
    ran = tasks_run("jdk", "rollback.yml", platform("RedHat", release, tool), inputs)
    removals = [args for module, args in ran if module == "ansible.builtin.package"]
    assert removals == [{"name": package, "state": "absent", "use": tool}]

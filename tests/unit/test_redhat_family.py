"""The RedHat family, checked without an RPM host: for the recorded os-release of each EL system
deployer supports, the platform it maps to, the engine that manages it with the Pythons that
system ships, and every role's variables rendered as Ansible renders them there (package names,
services, paths, the package manager of the install tasks).

None of this has run on a real EL host; the README's support table says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from deployer.facts.engines import Manager, choose_manager
from deployer.facts.model import PythonInstall
from deployer.facts.osinfo import parse_os_release
from deployer.facts.platform import platform_of
from tests.support.role_vars import ROLES, holds, load, role_variables, stacked, tasks_run, templar

OS_RELEASES = Path(__file__).resolve().parents[1] / "fixtures" / "facts" / "os.release"
ROLES_WITH_OS_VARS = ["jdk", "mysql", "nginx", "product", "tomcat"]


def py(path: str, version: str) -> PythonInstall:
    major, minor, _ = version.split(".")
    return PythonInstall(path=path, real=path, version=version, major=int(major), minor=int(minor))


@dataclass(frozen=True)
class System:
    """A recorded EL system, the Pythons it ships, and what deployer makes of it."""

    fixture: str
    pythons: tuple[PythonInstall, ...]
    release: str
    pkg_manager: str
    engine: str
    interpreter: str


PY3_37 = py("/usr/bin/python3", "3.7.9")
SYSTEMS = [
    System(
        "centos-7.9",
        (py("/usr/bin/python3", "3.6.8"), py("/usr/bin/python2", "2.7.5")),
        "el7",
        "yum",
        "2.16",
        "/usr/bin/python3",
    ),
    System(
        "rocky-8.9",
        (py("/usr/libexec/platform-python", "3.6.8"),),
        "el8",
        "dnf",
        "2.16",
        "/usr/libexec/platform-python",
    ),
    System(
        "anolis-8.8",
        (py("/usr/libexec/platform-python", "3.6.8"),),
        "el8",
        "dnf",
        "2.16",
        "/usr/libexec/platform-python",
    ),
    System("kylin-v10-sp2-sword", (PY3_37,), "el8", "dnf", "2.16", "/usr/bin/python3"),
    System("kylin-v10-sp3-lance", (PY3_37,), "el8", "dnf", "2.16", "/usr/bin/python3"),
    System("uos-server-20-1020a", (PY3_37,), "el8", "dnf", "2.16", "/usr/bin/python3"),
    System("openeuler-20.03-lts-sp3", (PY3_37,), "el8", "dnf", "2.16", "/usr/bin/python3"),
    System(
        "openeuler-22.03-lts-sp3",
        (py("/usr/bin/python3", "3.9.9"),),
        "el9",
        "dnf",
        "current",
        "/usr/bin/python3",
    ),
    System(
        "rocky-9.3",
        (py("/usr/bin/python3", "3.9.18"),),
        "el9",
        "dnf",
        "current",
        "/usr/bin/python3",
    ),
]
BY_ID = [pytest.param(system, id=system.fixture) for system in SYSTEMS]


def platform(system: System) -> dict[str, str]:
    raw = json.loads((OS_RELEASES / f"{system.fixture}.json").read_text(encoding="utf-8"))["raw"]
    found = platform_of(parse_os_release(raw))
    assert found is not None, system.fixture
    return found.to_dict()


INPUTS: dict[str, Any] = {
    "jdk_version": "11",
    "tomcat_version": "10.1",
    "product_name": "sample-erp",
    "product_context_path": "/erp",
    "product_app_service": "tomcat10",
    "nginx_site_name": "sample-erp",
    "mysql_engine": "",
}


def rendered(role: str, system: System, **inputs: Any) -> dict[str, Any]:
    return role_variables(role, platform(system), {**INPUTS, **inputs})


@pytest.mark.parametrize("system", BY_ID)
def test_platform_and_engine(system: System) -> None:
    assert platform(system) == {
        "family": "RedHat",
        "release": system.release,
        "pkg_manager": system.pkg_manager,
    }
    manager = choose_manager(system.pythons)
    assert isinstance(manager, Manager)
    assert (manager.engine.name, manager.interpreter.path) == (system.engine, system.interpreter)


@pytest.mark.parametrize("release", ["el7", "el8", "el9"])
@pytest.mark.parametrize("role", ROLES_WITH_OS_VARS)
def test_every_role_has_the_generations_vars(role: str, release: str) -> None:
    assert (ROLES / role / "vars" / f"{release}.yml").is_file()


JDK = {
    "el7": {"8": "java-1.8.0-openjdk-headless", "11": "java-11-openjdk-headless"},
    "el8": {
        "8": "java-1.8.0-openjdk-headless",
        "11": "java-11-openjdk-headless",
        "17": "java-17-openjdk-headless",
        "21": "java-21-openjdk-headless",
    },
}
JDK["el9"] = JDK["el8"]


@pytest.mark.parametrize("system", BY_ID)
def test_jdk(system: System) -> None:
    offered = JDK[system.release]
    assert rendered("jdk", system)["__jdk_release_packages"] == offered
    for version, package in offered.items():
        found = rendered("jdk", system, jdk_version=version)
        # The headless package's alternatives link: Java 8 by its RPM version, 1.8.0.
        home = "/usr/lib/jvm/jre-" + ("1.8.0" if version == "8" else version)
        assert (found["__jdk_package"], found["__jdk_java_home"]) == (package, home)


def test_jdk_17_is_refused_on_el7_before_anything_is_installed() -> None:
    centos = next(s for s in SYSTEMS if s.release == "el7")
    variables = stacked("jdk", platform(centos), {**INPUTS, "jdk_version": "17"})
    check = next(
        task["ansible.builtin.assert"]
        for task in load(ROLES / "jdk/tasks/os-vars.yml")
        if "packages the requested Java" in task["name"]
    )
    render = templar(variables)
    assert not holds(render, check["that"])
    assert "8, 11" in render.template(check["fail_msg"])


@pytest.mark.parametrize("system", BY_ID)
def test_mysql(system: System) -> None:
    common = {
        "__mysql_config_dir": "/etc/my.cnf.d",
        "__mysql_config_file": "/etc/my.cnf.d/90-deployer.cnf",
        "__mysql_socket": "/var/lib/mysql/mysql.sock",
        "__mysql_client": "/usr/bin/mysql",
    }
    for engine, packages, service in [
        ("", ["mysql-server"], "mysqld"),
        ("mysql", ["mysql-server"], "mysqld"),
        ("mariadb", ["mariadb-server", "mariadb"], "mariadb"),
    ]:
        found = rendered("mysql", system, mysql_engine=engine)
        assert {name: found[name] for name in common} == common
        if system.release == "el7":
            # MariaDB 5.5 only: refused with the way out, before anything is written.
            assert found["__mysql_packages"] == []
            assert "MariaDB 5.5" in found["__mysql_no_server"]
            assert "database.host" in found["__mysql_no_server"]
            continue
        assert (found["__mysql_packages"], found["__mysql_service"]) == (packages, service)
        assert found["__mysql_engine"] == (engine or "mysql")


def test_mysql_on_el7_stops_before_the_first_change() -> None:
    centos = next(s for s in SYSTEMS if s.release == "el7")
    tasks = load(ROLES / "mysql/tasks/main.yml")
    first_change = next(i for i, t in enumerate(tasks) if "ansible.builtin.file" in t)
    check = next(
        i for i, t in enumerate(tasks) if "packages the database server" in t.get("name", "")
    )
    assert check < first_change
    render = templar(stacked("mysql", platform(centos), {**INPUTS, "mysql_engine": "mariadb"}))
    assert not holds(render, tasks[check]["ansible.builtin.assert"]["that"])
    assert "MariaDB 5.5" in render.template(tasks[check]["ansible.builtin.assert"]["fail_msg"])


@pytest.mark.parametrize("system", BY_ID)
def test_nginx(system: System) -> None:
    found = rendered("nginx", system)
    assert found["__nginx_packages"] == ["nginx"]
    assert found["__nginx_service"] == "nginx"
    assert found["__nginx_user"] == "nginx"
    assert found["__nginx_site_path"] == "/etc/nginx/conf.d/sample-erp.conf"
    assert found["__nginx_main_config"] == "/etc/nginx/nginx.conf"
    assert (found["__nginx_site_link"], found["__nginx_default_site"]) == ("", "")
    assert ("EPEL" in found["__nginx_package_source"]) == (system.release == "el7")


@pytest.mark.parametrize(
    ("failure", "hint"),
    [
        pytest.param("No package matching 'nginx' found available, installed or updated", True),
        pytest.param("Failure talking to yum: Cannot retrieve repository metadata", False),
    ],
)
def test_nginx_missing_from_el7_repositories_names_epel(failure: str, hint: bool) -> None:
    centos = next(s for s in SYSTEMS if s.release == "el7")
    rescue = load(ROLES / "nginx/tasks/install-RedHat.yml")[0]["rescue"][0]
    variables = stacked("nginx", platform(centos), INPUTS)
    variables["ansible_failed_result"] = {"failed": True, "msg": failure}
    message = templar(variables).template(rescue["ansible.builtin.fail"]["msg"])
    assert message.endswith(failure)
    assert ("enable EPEL 7" in message) is hint


@pytest.mark.parametrize("system", BY_ID)
def test_tomcat(system: System) -> None:
    found = rendered("tomcat", system)
    assert found["__tomcat_packages"] == []
    assert found["__tomcat_service"] == "tomcat10"
    assert found["__tomcat_home"] == "/opt/tomcat"
    assert found["__tomcat_conf_dir"] == "/opt/tomcat/conf"
    assert found["__tomcat_context_dir"] == "/opt/tomcat/conf/Catalina/localhost"
    assert found["__tomcat_lib_dir"] == "/opt/tomcat/lib"
    assert found["__tomcat_unit_path"] == "/etc/systemd/system/tomcat10.service"
    assert found["__tomcat_dropin_dir"] == "/etc/systemd/system/tomcat10.service.d"
    assert "tarball" in found["__tomcat_no_package"]
    drivers = (
        {}
        if system.release == "el7"
        else {
            "mariadb": {
                "package": "mariadb-java-client",
                "jar": "/usr/share/java/mariadb-java-client.jar",
            }
        }
    )
    assert found["__tomcat_jdbc_driver_files"] == drivers


@pytest.mark.parametrize("system", BY_ID)
def test_tomcat_package_source_is_refused(system: System) -> None:
    tasks = load(ROLES / "tomcat/tasks/install-RedHat.yml")
    check = tasks[0]["ansible.builtin.assert"]
    for tarball, allowed in (("", False), ("/srv/apache-tomcat-10.1.34.tar.gz", True)):
        variables = stacked("tomcat", platform(system), {**INPUTS, "tomcat_tarball": tarball})
        assert holds(templar(variables), check["that"]) is allowed
    message = templar(stacked("tomcat", platform(system), INPUTS)).template(check["fail_msg"])
    assert "middleware.tomcat.source" in message


def test_tomcat_on_el7_names_the_missing_driver_before_the_first_change() -> None:
    # CentOS 7 packages no MariaDB Connector/J, so the settings check refuses the driver the
    # product needs: no JDBC driver is known there.
    centos = next(s for s in SYSTEMS if s.release == "el7")
    check = next(
        task["ansible.builtin.assert"]
        for task in load(ROLES / "tomcat/tasks/main.yml")
        if "settings that go into Tomcat" in task.get("name", "")
    )
    render = templar(stacked("tomcat", platform(centos), INPUTS))
    assert not holds(render, check["that"])
    assert "JDBC" in render.template(check["fail_msg"])


@pytest.mark.parametrize("system", BY_ID)
def test_product(system: System) -> None:
    found = rendered("product", system)
    assert found["__product_packages"] == ["unzip"]
    assert found["__product_work_dir"] == "/opt/tomcat/work/Catalina/localhost/erp"


@pytest.mark.parametrize("system", BY_ID)
@pytest.mark.parametrize(
    ("role", "inputs"),
    [
        ("jdk", {}),
        ("mysql", {"mysql_engine": "mysql"}),
        ("nginx", {}),
        ("product", {}),
        ("tomcat", {"tomcat_tarball": "/srv/apache-tomcat-10.1.34.tar.gz"}),
    ],
)
def test_install_tasks_use_the_generations_package_manager(
    system: System, role: str, inputs: dict[str, Any]
) -> None:
    if role == "tomcat":  # what main.yml passes: the driver packages of tomcat_jdbc_drivers
        drivers = rendered("tomcat", system)["__tomcat_jdbc_driver_files"]
        inputs = {**inputs, "__tomcat_jdbc_packages": [d["package"] for d in drivers.values()]}
    ran = tasks_run(role, "install-RedHat.yml", platform(system), {**INPUTS, **inputs})
    installs = [args for module, args in ran if module == "ansible.builtin.package"]
    if system.release == "el7" and role in ("mysql", "tomcat"):
        return  # refused before (mysql), no driver package to install (tomcat)
    assert installs, f"{role}: no package task ran"
    assert {args["use"] for args in installs} == {system.pkg_manager}
    assert all(args["state"] == "present" for args in installs)

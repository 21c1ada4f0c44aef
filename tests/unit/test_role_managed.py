"""Each role's ``<role>_managed`` fact (what it keeps in place on a host, for deployer's drift
check), rendered as Ansible renders the role's final set_fact: on a Debian 12 host with
Debian's packages, and with Tomcat and the JDK from vendor tarballs.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.role_vars import ROLES, load, stacked, templar

DEBIAN_12 = {"family": "Debian", "release": "debian-12", "pkg_manager": "apt"}
EL9 = {"family": "RedHat", "release": "el9", "pkg_manager": "dnf"}
KEYS = ["files", "links", "packages", "services", "users"]
#: The task file whose set_fact records the fact (the product's, before its switch).
TASK_FILES = {"product": "config.yml"}

INPUTS: dict[str, Any] = {
    "jdk_version": "17",
    "tomcat_version": "10.1",
    "tomcat_contexts": [
        {"path": "/erp", "doc_base": "/opt/sample-erp/current"},
        {"path": "/", "doc_base": "/opt/other/current"},
        {"path": "/a/b", "doc_base": "/opt/ab/current"},
    ],
    "nginx_site_name": "sample-erp",
    "mysql_engine": "",
    "product_name": "sample-erp",
    "product_root": "/opt/sample-erp",
    "product_app_service": "tomcat10",
    # What the fileglob lookup finds on the control machine (product_templates_dir/*.j2).
    "__product_templates": ["/srv/sample-erp/templates/erp.properties.j2"],
}


def managed(role: str, platform: dict[str, str], tarball: bool = False) -> Any:
    inputs = dict(INPUTS)
    if tarball:  # main.yml loads vars/tarball.yml when <role>_tarball is given
        inputs = {
            **load(ROLES / role / "vars/tarball.yml"),
            **inputs,
            f"{role}_tarball": f"/srv/{role}.tar.gz",
            f"{role}_tarball_sha256": "ab" * 32,
        }
    tasks = load(ROLES / role / "tasks" / TASK_FILES.get(role, "main.yml"))
    task = next(t for t in tasks if f"{role}_managed" in (t.get("ansible.builtin.set_fact") or {}))
    variables = {**stacked(role, platform, inputs), **task.get("vars", {})}
    found = templar(variables).template(task["ansible.builtin.set_fact"][f"{role}_managed"])
    assert list(found) == KEYS
    assert all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in found.values())
    return {key: list(value) for key, value in found.items()}


def test_the_fact_is_set_by_the_roles_last_set_fact() -> None:
    for role in ["jdk", "mysql", "nginx", "product", "tomcat"]:
        tasks = load(ROLES / role / "tasks" / TASK_FILES.get(role, "main.yml"))
        set_facts = [t for t in tasks if "ansible.builtin.set_fact" in t]
        assert f"{role}_managed" in set_facts[-1]["ansible.builtin.set_fact"], role


DEBIAN_12_PACKAGES = {
    "jdk": {
        "files": [],
        "links": [],
        "packages": ["openjdk-17-jre-headless"],
        "services": [],
        "users": [],
    },
    "tomcat": {
        "files": [
            "/etc/tomcat10/server.xml",
            "/etc/tomcat10/Catalina/localhost/erp.xml",
            "/etc/tomcat10/Catalina/localhost/ROOT.xml",
            "/etc/tomcat10/Catalina/localhost/a#b.xml",
            "/etc/systemd/system/tomcat10.service.d/deployer.conf",
        ],
        "links": ["/var/lib/tomcat10/lib/mariadb-java-client.jar"],
        "packages": ["tomcat10", "libmariadb-java"],
        "services": ["tomcat10"],
        "users": [],
    },
    "nginx": {
        "files": [
            "/usr/local/sbin/deployer-nginx-check-site",
            "/etc/nginx/sites-available/sample-erp.conf",
        ],
        "links": ["/etc/nginx/sites-enabled/sample-erp.conf"],
        "packages": ["nginx"],
        "services": ["nginx"],
        "users": [],
    },
    "mysql": {
        "files": ["/etc/mysql/mariadb.conf.d/90-deployer.cnf"],
        "links": [],
        "packages": ["mariadb-server", "mariadb-client"],
        "services": ["mariadb"],
        "users": [],
    },
    "product": {
        "files": ["/opt/sample-erp/shared/config/erp.properties"],
        "links": ["/opt/sample-erp/current"],
        "packages": ["unzip"],
        "services": [],
        "users": [],
    },
}


@pytest.mark.parametrize("role", sorted(DEBIAN_12_PACKAGES))
def test_debian_12_with_packages(role: str) -> None:
    assert managed(role, DEBIAN_12) == DEBIAN_12_PACKAGES[role]


def test_jdk_from_a_tarball() -> None:
    assert managed("jdk", DEBIAN_12, tarball=True) == {
        "files": [],
        "links": ["/opt/jdk"],
        "packages": [],
        "services": [],
        "users": [],
    }


@pytest.mark.parametrize(
    ("platform", "driver"),
    [(DEBIAN_12, "libmariadb-java"), (EL9, "mariadb-java-client")],
    ids=["debian-12", "el9"],
)
def test_tomcat_from_a_tarball(platform: dict[str, str], driver: str) -> None:
    assert managed("tomcat", platform, tarball=True) == {
        "files": [
            "/etc/systemd/system/tomcat10.service",
            "/opt/tomcat/conf/server.xml",
            "/opt/tomcat/conf/Catalina/localhost/erp.xml",
            "/opt/tomcat/conf/Catalina/localhost/ROOT.xml",
            "/opt/tomcat/conf/Catalina/localhost/a#b.xml",
            "/etc/systemd/system/tomcat10.service.d/deployer.conf",
        ],
        "links": ["/opt/tomcat", "/opt/tomcat/lib/mariadb-java-client.jar"],
        # Tomcat itself is no package; the JDBC driver still is.
        "packages": [driver],
        "services": ["tomcat10"],
        "users": ["tomcat"],
    }


def test_nginx_on_el9_has_no_link_and_its_main_config() -> None:
    found = managed("nginx", EL9)
    assert found["files"] == [
        "/usr/local/sbin/deployer-nginx-check-site",
        "/etc/nginx/nginx.conf",
        "/etc/nginx/conf.d/sample-erp.conf",
    ]
    assert found["links"] == []

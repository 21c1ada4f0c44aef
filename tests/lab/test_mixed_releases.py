"""Hosts of one environment on different Debian releases: app1 on Debian 13 (trixie) with
OpenJDK 21 and Tomcat 10.1, db1 on Debian 11 (bullseye) with MariaDB 10.5, each role
installing its release's own packages. The scan passes and says which package each asks
for, apply serves the product through nginx, a second apply changes nothing, and an upgrade
is undone with `rollback --last`.

One lab for the module, from copies of the example specs (1.0 and its 1.1 upgrade) asking for
JDK 21 and MariaDB 10.5. Tests run in order and build on each other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from labsupport import UPGRADE, Lab, deployer_ok, last_run, mixed_release_lab, served_health

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def mixed_lab() -> Iterator[Lab]:
    with mixed_release_lab("mixed-releases") as started:
        yield started


def test_the_hosts_run_their_releases(mixed_lab: Lab) -> None:
    for host, codename in (("app1", "trixie"), ("db1", "bullseye")):
        done = mixed_lab.ssh(host, ". /etc/os-release && echo $VERSION_CODENAME")
        assert done.stdout.strip() == codename, done.stderr


def test_the_scan_passes_and_names_each_release_package(mixed_lab: Lab) -> None:
    report = mixed_lab.spec.parent / ".deployer" / "check-report.json"
    deployer_ok("check", str(mixed_lab.spec), "--lab", "--json", str(report))
    results = {
        (host["host"], result["check_id"]): result
        for host in json.loads(report.read_text(encoding="utf-8"))["hosts"]
        for result in host["results"]
    }
    expected = {
        ("app1", "release.jdk"): "debian-13 packages JDK 21: openjdk-21-jre-headless",
        ("app1", "release.tomcat"): "debian-13 packages Tomcat 10.1: tomcat10",
        ("app1", "release.nginx"): "debian-13 packages nginx 1.26: nginx",
        ("db1", "release.database"): "debian-11 packages MariaDB 10.5: mariadb-server",
    }
    for key, observed in expected.items():
        assert (results[key]["status"], results[key]["observed"]) == ("PASS", observed)


def test_apply_serves_the_product_through_nginx(mixed_lab: Lab) -> None:
    deployer_ok("apply", str(mixed_lab.spec), "--lab", "-y")
    run = last_run(mixed_lab.spec)
    assert (run["kind"], run["status"], run["exit_code"]) == ("apply", "successful", 0)
    assert served_health(mixed_lab) == {
        "product": "sample-erp",
        "version": "1.0",
        "database": "reachable",
        "schema": 1,
        "schema_expected": 1,
    }
    java = mixed_lab.ssh("app1", "systemctl show -p ExecMainPID --value tomcat10")
    assert java.returncode == 0, java.stderr
    exe = mixed_lab.ssh("app1", f"sudo readlink /proc/{java.stdout.strip()}/exe")
    assert "java-21-openjdk" in exe.stdout, exe.stdout + exe.stderr
    server = mixed_lab.ssh("db1", "sudo mysql -N -B -e 'SELECT VERSION()'")
    assert server.stdout.startswith("10.5."), server.stdout + server.stderr


def test_a_second_apply_changes_nothing(mixed_lab: Lab) -> None:
    # --full: every role runs again, and none changes anything (without it, nothing runs).
    deployer_ok("apply", str(mixed_lab.spec), "--lab", "-y", "--full")
    run = last_run(mixed_lab.spec)
    assert {host: counts["changed"] for host, counts in run["recap"].items()} == {
        "app1": 0,
        "db1": 0,
    }


def test_an_upgrade_is_rolled_back_with_last(mixed_lab: Lab) -> None:
    upgrade = mixed_lab.spec.with_name(UPGRADE.name)
    deployer_ok("apply", str(upgrade), "--lab", "-y")
    assert served_health(mixed_lab)["version"] == "1.1"
    deployer_ok("rollback", str(upgrade), "--lab", "--last")
    run = last_run(mixed_lab.spec)
    assert (run["kind"], run["status"]) == ("rollback", "successful")
    after = served_health(mixed_lab)
    assert (after["version"], after["schema"]) == ("1.0", 1)

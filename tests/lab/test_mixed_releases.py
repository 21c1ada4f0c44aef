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
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from labsupport import EXAMPLE, SCRATCH, UPGRADE, Lab, deployer_with_secrets, running_lab

from deployer.lab.derive import derive_spec

pytestmark = pytest.mark.lab

RELEASES = {"app1": "debian-13", "db1": "debian-11"}
HOSTS = [("app1", ["web", "app"]), ("db1", ["db"])]


def _mixed_spec(source: Path, folder: Path) -> Path:
    spec = derive_spec(source, folder / source.name, HOSTS, database_host="db1")
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    data["middleware"]["jdk"]["version"] = "21"
    data["middleware"]["tomcat"]["version"] = "10.1"
    data["database"]["version"] = "10.5"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def mixed_lab() -> Iterator[Lab]:
    folder = SCRATCH / "mixed-releases"
    spec = _mixed_spec(EXAMPLE, folder)
    _mixed_spec(UPGRADE, folder)
    with running_lab(spec, RELEASES) as started:
        yield started


def deployer(*args: str) -> subprocess.CompletedProcess[str]:
    done = deployer_with_secrets(*args)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def last_run(spec: Path) -> dict[str, Any]:
    shown = deployer("show", str(spec), "last", "--lab", "--json")
    return dict(json.loads(shown.stdout))


def health(mixed_lab: Lab) -> dict[str, Any]:
    """Through nginx on the app host, as a user's browser would come in."""
    done = mixed_lab.ssh("app1", "curl -sf http://localhost/erp/health.jsp")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_the_hosts_run_their_releases(mixed_lab: Lab) -> None:
    for host, codename in (("app1", "trixie"), ("db1", "bullseye")):
        done = mixed_lab.ssh(host, ". /etc/os-release && echo $VERSION_CODENAME")
        assert done.stdout.strip() == codename, done.stderr


def test_the_scan_passes_and_names_each_release_package(mixed_lab: Lab) -> None:
    report = mixed_lab.spec.parent / ".deployer" / "check-report.json"
    deployer("check", str(mixed_lab.spec), "--lab", "--json", str(report))
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
    deployer("apply", str(mixed_lab.spec), "--lab", "-y")
    run = last_run(mixed_lab.spec)
    assert (run["kind"], run["status"], run["exit_code"]) == ("apply", "successful", 0)
    assert health(mixed_lab) == {
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
    deployer("apply", str(mixed_lab.spec), "--lab", "-y")
    run = last_run(mixed_lab.spec)
    assert {host: counts["changed"] for host, counts in run["recap"].items()} == {
        "app1": 0,
        "db1": 0,
    }


def test_an_upgrade_is_rolled_back_with_last(mixed_lab: Lab) -> None:
    upgrade = mixed_lab.spec.with_name(UPGRADE.name)
    deployer("apply", str(upgrade), "--lab", "-y")
    assert health(mixed_lab)["version"] == "1.1"
    deployer("rollback", str(upgrade), "--lab", "--last")
    run = last_run(mixed_lab.spec)
    assert (run["kind"], run["status"]) == ("rollback", "successful")
    after = health(mixed_lab)
    assert (after["version"], after["schema"]) == ("1.0", 1)

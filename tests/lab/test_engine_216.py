"""Every host forced onto the ansible-core 2.16 engine (`--ansible-engine 2.16`, for sites
that standardise on it), on the mixed-release topology: app1 on Debian 13 (Python 3.13,
newer than 2.16 documents) with JDK 21 and Tomcat 10.1, db1 on Debian 11 (Python 3.9) with
MariaDB 10.5. The scan passes (warning about 3.13 on app1), apply serves the product through
nginx, a second apply changes nothing, an upgrade is rolled back with `rollback --last`, and
the journal says which engine and interpreter managed each host.

The engine's venv is built in deployer's cache on first use (from the package index, as in CI)
and shared with every other test that needs it. One lab for the module; tests run in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from labsupport import UPGRADE, Lab, deployer_ok, last_run, mixed_release_lab, served_health

pytestmark = pytest.mark.lab

ENGINE = ("--ansible-engine", "2.16")
PYTHONS = {"app1": "3.13.", "db1": "3.9."}


@pytest.fixture(scope="module")
def engine_lab() -> Iterator[Lab]:
    with mixed_release_lab("engine-2.16") as started:
        yield started


def assert_managed_by_216(run: dict[str, Any]) -> None:
    engines = run["engines"]
    assert set(engines) == {"app1", "db1"}
    for host in engines.values():
        assert host["engine"] == "2.16"
        assert host["ansible_core"].startswith("2.16.")
        assert host["interpreter"] == "/usr/bin/python3"


def test_the_scan_passes_with_the_216_engine(engine_lab: Lab, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    deployer_ok("check", str(engine_lab.spec), "--lab", *ENGINE, "--json", str(report))
    managers = {
        host["host"]: result
        for host in json.loads(report.read_text(encoding="utf-8"))["hosts"]
        for result in host["results"]
        if result["check_id"] == "python.manager"
    }
    expected_status = {"app1": "WARN", "db1": "PASS"}
    for host, result in managers.items():
        assert result["status"] == expected_status[host], result
        assert f"python3 {PYTHONS[host]}" in result["observed"], result
        assert result["observed"].endswith("at /usr/bin/python3, engine 2.16 (ansible-core 2.16)")


def test_plan_names_the_engine_of_each_host(engine_lab: Lab) -> None:
    done = deployer_ok("plan", str(engine_lab.spec), "--lab", *ENGINE)
    for host in ("app1", "db1"):
        assert f"{host}: engine 2.16 (ansible-core 2.16." in done.stdout


def test_apply_under_216_serves_the_product(engine_lab: Lab) -> None:
    deployer_ok("apply", str(engine_lab.spec), "--lab", "-y", *ENGINE)
    run = last_run(engine_lab.spec)
    assert (run["kind"], run["status"], run["exit_code"]) == ("apply", "successful", 0)
    assert_managed_by_216(run)
    assert all(counts["failed"] == 0 for counts in run["recap"].values())
    health = served_health(engine_lab)
    assert (health["version"], health["database"], health["schema"]) == ("1.0", "reachable", 1)
    server = engine_lab.ssh("db1", "sudo mysql -N -B -e 'SELECT VERSION()'")
    assert server.stdout.startswith("10.5."), server.stdout + server.stderr


def test_a_second_apply_under_216_changes_nothing(engine_lab: Lab) -> None:
    # --full: every role runs again, and none changes anything (without it, nothing runs).
    deployer_ok("apply", str(engine_lab.spec), "--lab", "-y", "--full", *ENGINE)
    run = last_run(engine_lab.spec)
    assert {host: counts["changed"] for host, counts in run["recap"].items()} == {
        "app1": 0,
        "db1": 0,
    }


def test_an_upgrade_under_216_is_rolled_back_with_last(engine_lab: Lab) -> None:
    upgrade = engine_lab.spec.with_name(UPGRADE.name)
    deployer_ok("apply", str(upgrade), "--lab", "-y", *ENGINE)
    assert served_health(engine_lab)["version"] == "1.1"
    deployer_ok("rollback", str(upgrade), "--lab", "--last", *ENGINE)
    run = last_run(engine_lab.spec)
    assert (run["kind"], run["status"]) == ("rollback", "successful")
    assert_managed_by_216(run)
    after = served_health(engine_lab)
    assert (after["version"], after["schema"]) == ("1.0", 1)

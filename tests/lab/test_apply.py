"""`deployer apply` on real lab hosts: the example goes from bare Debian to the product
answering through nginx, a second apply changes nothing, and 1.1 runs exactly one migration.

One lab for the module, made from copies of the example specs (1.0 and its 1.1 upgrade),
so the shared example lab stays untouched. Tests run in order and build on each other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from labsupport import (
    DB_SECRETS,
    Lab,
    deployer_with_secrets,
    last_run,
    upgrade_lab,
)

from deployer import lab

pytestmark = pytest.mark.lab

SECRETS = DB_SECRETS


@pytest.fixture(scope="module")
def apply_lab() -> Iterator[Lab]:
    with upgrade_lab("apply") as started:
        yield started


deployer = deployer_with_secrets


def apply(spec: Path) -> dict[str, Any]:
    done = deployer("apply", str(spec), "--lab", "-y")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    shown = deployer("show", str(spec), "last", "--lab", "--json")
    assert shown.returncode == 0, shown.stderr
    return dict(json.loads(shown.stdout))


def health(apply_lab: Lab) -> dict[str, Any]:
    """Through nginx on the app host, as a user's browser would come in."""
    done = apply_lab.ssh("app1", "curl -sf http://localhost/erp/health.jsp")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def mysql(apply_lab: Lab, sql: str) -> str:
    done = apply_lab.ssh("db1", f"sudo mysql -N -B erp -e {sql!r}")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_first_apply_brings_up_the_product(apply_lab: Lab) -> None:
    shown = apply(apply_lab.spec)
    assert shown["status"] == "successful" and shown["exit_code"] == 0
    assert set(shown["recap"]) == {"app1", "db1"}
    assert all(counts["failed"] == 0 for counts in shown["recap"].values())
    assert health(apply_lab) == {
        "product": "sample-erp",
        "version": "1.0",
        "database": "reachable",
        "schema": 1,
        "schema_expected": 1,
    }
    assert "customers" in mysql(apply_lab, "SHOW TABLES").split()
    assert mysql(apply_lab, "SELECT version, success FROM deployer_schema_history") == "1\t1"
    charset = mysql(apply_lab, "SELECT @@character_set_server, @@lower_case_table_names")
    assert charset == "utf8mb4\t1"


def events_of(shown: dict[str, Any]) -> list[dict[str, Any]]:
    lines = Path(shown["path"], "events.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def stages_run(shown: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Stage -> host -> why it ran there, for the stages apply decided about."""
    return {
        e["name"]: e["runs_on"]
        for e in events_of(shown)
        if e["event"] == "stage" and "runs_on" in e
    }


def drift(spec: Path) -> tuple[int, set[tuple[str, str, str, str]]]:
    done = deployer("drift", str(spec), "--lab", "--json")
    assert done.returncode in (0, 16), done.stdout[-3000:] + done.stderr[-3000:]
    found = json.loads(done.stdout)
    return done.returncode, {
        (d["host"], d["role"], d["kind"], d["item"])
        for state in found["hosts"].values()
        for d in state["drift"]
    }


def test_a_second_apply_runs_nothing_and_ansible_agrees_nothing_would_change(
    apply_lab: Lab,
) -> None:
    shown = apply(apply_lab.spec)
    assert stages_run(shown) == {"database server": {}, "middleware": {}, "release": {}}
    assert not [e for e in events_of(shown) if e["event"] == "playbook"]
    assert drift(apply_lab.spec) == (0, set())
    # The roles themselves are idempotent: run in full, they change nothing either.
    done = deployer("apply", str(apply_lab.spec), "--lab", "-y", "--full")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    shown = last_run(apply_lab.spec)
    assert {host: counts["changed"] for host, counts in shown["recap"].items()} == {
        "app1": 0,
        "db1": 0,
    }


def test_the_upgrade_runs_one_migration_and_keeps_the_old_release(apply_lab: Lab) -> None:
    before = apply_lab.ssh("app1", "readlink /opt/sample-erp/current").stdout.strip()
    upgrade = apply_lab.spec.with_name("huadong-production-1.1.yml")
    shown = apply(upgrade)
    events = [
        json.loads(line) for line in Path(shown["path"], "events.jsonl").read_text().splitlines()
    ]
    migrated = [e["migrations"] for e in events if e["event"] == "schema"]
    assert migrated == [["V2__add_order_status.sql"]]
    # Only the product's inputs changed: the database server and the middleware are skipped.
    assert stages_run(shown) == {
        "database server": {},
        "middleware": {},
        "release": {"app1": "its inputs changed"},
    }
    after = apply_lab.ssh("app1", "readlink /opt/sample-erp/current").stdout.strip()
    assert after != before and after.split("/")[-1].startswith("1.1-")
    assert apply_lab.ssh("app1", f"test -f {before}/WEB-INF/web.xml").returncode == 0
    assert health(apply_lab)["version"] == "1.1"
    assert mysql(apply_lab, "SELECT MAX(version) FROM deployer_schema_history") == "2"


HAND_EDITS = {
    ("app1", "tomcat", "file edited", "/etc/tomcat10/server.xml"): (
        "echo '<!-- tuned by hand -->' | sudo tee -a /etc/tomcat10/server.xml"
    ),
    ("app1", "nginx", "service stopped", "nginx"): "sudo systemctl stop nginx",
    ("app1", "product", "package removed", "unzip"): "sudo dpkg -r unzip",
    ("app1", "product", "link moved", "/opt/sample-erp/current"): (
        "cd /opt/sample-erp/releases && sudo ln -sfnT \"$PWD/$(ls | grep '^1.0-' | head -1)\" "
        "/opt/sample-erp/current"
    ),
    ("db1", "mysql", "mode changed", "/etc/mysql/mariadb.conf.d/90-deployer.cnf"): (
        "sudo chmod 0600 /etc/mysql/mariadb.conf.d/90-deployer.cnf"
    ),
}


def test_hand_edits_are_reported_as_drift_and_the_next_apply_repairs_them(
    apply_lab: Lab,
) -> None:
    upgrade = apply_lab.spec.with_name("huadong-production-1.1.yml")
    for (host, *_), command in HAND_EDITS.items():
        done = apply_lab.ssh(host, command)
        assert done.returncode == 0, done.stderr
    code, found = drift(upgrade)
    assert (code, found) == (16, set(HAND_EDITS))

    shown = apply(upgrade)

    ran = stages_run(shown)
    assert {stage: set(hosts) for stage, hosts in ran.items()} == {
        "database server": {"db1"},
        "middleware": {"app1"},
        "release": {"app1"},
    }
    assert all(why.startswith("drift: ") for hosts in ran.values() for why in hosts.values())
    assert "server.xml" in ran["middleware"]["app1"] and "nginx" in ran["middleware"]["app1"]
    changed = {
        (e["host"], e["task"])
        for e in events_of(shown)
        if e["event"] == "task" and e["outcome"] == "changed"
    }
    tasks = " | ".join(task for _, task in changed)
    for repaired in ("server configuration", "nginx is enabled and running", "Switch the live"):
        assert repaired in tasks, tasks
    assert drift(upgrade) == (0, set())
    assert health(apply_lab)["version"] == "1.1"
    assert apply_lab.ssh("app1", "dpkg-query -W unzip").returncode == 0


def test_a_saved_plan_is_applied_only_while_it_is_fresh(apply_lab: Lab) -> None:
    upgrade = apply_lab.spec.with_name("huadong-production-1.1.yml")
    plan = upgrade.with_name("plan.json")
    made = deployer("plan", str(upgrade), "--lab", "--out", str(plan))
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    assert "migrations pending in erp: none" in made.stdout
    original = upgrade.read_text(encoding="utf-8")
    upgrade.write_text(original.replace("jdbc_pool_size: 20", "jdbc_pool_size: 30"))
    try:
        edited = deployer("apply", str(upgrade), "--lab", "-y", "--plan", str(plan))
    finally:
        upgrade.write_text(original, encoding="utf-8")
    assert edited.returncode == 10 and "stale" in edited.stderr, edited.stderr
    listener = apply_lab.ssh("app1", "nohup python3 -m http.server 9999 >/dev/null 2>&1 & echo $!")
    try:
        apply_lab.ssh(
            "app1", "for i in $(seq 20); do ss -ltn | grep -q :9999 && break; sleep 0.2; done"
        )
        moved = deployer("apply", str(upgrade), "--lab", "-y", "--plan", str(plan))
    finally:
        apply_lab.ssh("app1", f"kill {int(listener.stdout)}")
    assert moved.returncode == 10 and "hosts changed" in moved.stderr, moved.stderr
    fresh = deployer("apply", str(upgrade), "--lab", "-y", "--plan", str(plan))
    assert fresh.returncode == 0, fresh.stdout[-3000:] + fresh.stderr[-3000:]


def test_no_secret_appears_in_any_file_of_any_run(apply_lab: Lab) -> None:
    runs = lab.lab_spec_path(apply_lab.spec).parent / "runs"
    files = [path for path in runs.rglob("*") if path.is_file()]
    assert files
    for path in files:
        content = path.read_bytes()
        for secret in SECRETS.values():
            assert secret.encode() not in content, f"{secret!r} in {path}"

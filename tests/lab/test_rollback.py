"""`deployer rollback` and `apply --atomic` on real lab hosts: after an upgrade or a failed
one, the environment is exactly as before — same `current`, byte-identical config files,
an identical schema dump, the old version on the health page.

One lab for the module, made from copies of the example specs (1.0 and its 1.1 upgrade, plus
broken variants of 1.1) in one folder. Tests run in order and build on each other: each
starts from the product on 1.0.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from labsupport import (
    DB_SECRETS,
    EXAMPLE,
    SCRATCH,
    Lab,
    deployer_with_secrets,
    upgrade_lab,
)

from deployer import lab

pytestmark = pytest.mark.lab

SECRETS = DB_SECRETS
FOLDER = SCRATCH / "rollback"
CONFIG_FILES = (
    "sudo find /opt/sample-erp/shared/config /etc/nginx /etc/tomcat10 /etc/mysql "
    "-type f ! -name '*~' -exec sha256sum {} + | sort -k2"
)


@pytest.fixture(scope="module")
def rollback_lab() -> Iterator[Lab]:
    with upgrade_lab("rollback") as started:
        yield started


deployer = deployer_with_secrets


def output(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout[-4000:] + done.stderr[-4000:]


def variant(name: str, change: dict[str, Any]) -> Path:
    """The derived 1.1 spec with some product or schema fields changed, beside it."""
    data = yaml.safe_load((FOLDER / "huadong-production-1.1.yml").read_text(encoding="utf-8"))
    data["product"].update(change.get("product", {}))
    data["database"]["schemas"][0].update(change.get("schema", {}))
    target = FOLDER / f"huadong-production-{name}.yml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def state(rollback_lab: Lab) -> dict[str, Any]:
    """What must be the same after a rollback as before the run it undid."""
    current = rollback_lab.ssh("app1", "readlink /opt/sample-erp/current").stdout.strip()
    configs = rollback_lab.ssh("app1", CONFIG_FILES)
    assert configs.returncode == 0, configs.stderr
    dump = rollback_lab.ssh("db1", "sudo mysqldump --skip-dump-date --databases erp")
    assert dump.returncode == 0, dump.stderr
    db_configs = rollback_lab.ssh("db1", CONFIG_FILES.replace("/etc/tomcat10 ", ""))
    return {
        "current": current,
        "configs": configs.stdout,
        "db_configs": db_configs.stdout,
        "dump": dump.stdout,
        "health": health(rollback_lab),
    }


def health(rollback_lab: Lab) -> dict[str, Any]:
    done = rollback_lab.ssh("app1", "curl -sf http://localhost/erp/health.jsp")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def mysql(rollback_lab: Lab, sql: str) -> str:
    done = rollback_lab.ssh("db1", f"sudo mysql -N -B erp -e {sql!r}")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def assert_same(before: dict[str, Any], after: dict[str, Any]) -> None:
    for key in ("current", "configs", "db_configs", "health", "dump"):
        assert after[key] == before[key], key


def last_run(kind: str) -> dict[str, Any]:
    runs = lab.lab_spec_path(FOLDER / "huadong-production.yml").parent / "runs"
    metas = [json.loads(p.read_text()) for p in sorted(runs.glob("*/meta.json"))]
    return dict([m for m in metas if m["kind"] == kind][-1])


def test_rollback_after_an_upgrade_returns_to_the_old_release(rollback_lab: Lab) -> None:
    first = deployer("apply", str(rollback_lab.spec), "--lab", "-y")
    assert first.returncode == 0, output(first)
    before = state(rollback_lab)
    assert before["health"]["version"] == "1.0"
    upgrade = deployer("apply", str(FOLDER / "huadong-production-1.1.yml"), "--lab", "-y")
    assert upgrade.returncode == 0, output(upgrade)
    assert health(rollback_lab)["version"] == "1.1"
    applied = last_run("apply")
    runs = lab.lab_spec_path(rollback_lab.spec).parent / "runs" / applied["id"]
    assert "V2__add_order_status.sql" in (runs / "rollback.md").read_text()
    assert (runs / "dump-erp.sql").stat().st_mode & 0o777 == 0o600
    started = time.monotonic()
    undone = deployer("rollback", str(FOLDER / "huadong-production-1.1.yml"), "--lab", "--last")
    seconds = time.monotonic() - started
    assert undone.returncode == 0, output(undone)
    after = state(rollback_lab)
    assert after["health"] == {**before["health"], "database": "reachable"}
    assert_same(before, after)
    assert mysql(rollback_lab, "SELECT MAX(version) FROM deployer_schema_history") == "1"
    meta = last_run("rollback")
    assert meta["status"] == "successful" and meta["undoes"] == applied["id"]
    print(f"rollback took {seconds:.1f} s")
    again = deployer("rollback", str(FOLDER / "huadong-production-1.1.yml"), "--lab", "--last")
    assert again.returncode == 0, output(again)
    assert_same(before, state(rollback_lab))


def test_atomic_apply_of_a_corrupt_artifact_rolls_back(rollback_lab: Lab) -> None:
    before = state(rollback_lab)
    corrupt = FOLDER / "sample-erp-1.1-corrupt.war"
    corrupt.write_bytes(b"PK\x03\x04 this is not a zip archive\n" * 64)
    spec = variant("corrupt", {"product": {"artifact": str(corrupt)}})
    done = deployer("apply", str(spec), "--lab", "-y", "--atomic")
    assert done.returncode == 8, output(done)
    assert_same(before, state(rollback_lab))
    assert last_run("apply")["status"] == "failed"


def test_atomic_apply_with_a_migration_failing_half_way_rolls_back(rollback_lab: Lab) -> None:
    before = state(rollback_lab)
    source = EXAMPLE.parent / "sample-erp" / "migrations" / "erp"
    bad = FOLDER / "migrations-bad"
    bad.mkdir(exist_ok=True)
    (bad / "V1__create_core_tables.sql").write_bytes(
        (source / "V1__create_core_tables.sql").read_bytes()
    )
    (bad / "V2__half_way.sql").write_text(
        "CREATE TABLE half_way (id INT PRIMARY KEY);\n\n"
        "ALTER TABLE no_such_table ADD COLUMN broken INT;\n",
        encoding="utf-8",
    )
    spec = variant("badmigration", {"schema": {"migrations": str(bad)}})
    done = deployer("apply", str(spec), "--lab", "-y", "--atomic")
    assert done.returncode == 8, output(done)
    assert "statement 2 of 2" in done.stderr, output(done)
    assert_same(before, state(rollback_lab))


def test_atomic_apply_whose_health_check_fails_after_the_switch_rolls_back(
    rollback_lab: Lab,
) -> None:
    """The 1.1 WAR announced as 1.2: the health page never shows the version expected, after
    `current` was switched and Tomcat restarted; the spec gives it 15 seconds."""
    before = state(rollback_lab)
    spec = variant("unhealthy", {"product": {"version": "1.2", "health_timeout": 15}})
    done = deployer("apply", str(spec), "--lab", "-y", "--atomic")
    assert done.returncode == 8, output(done)
    assert "Wait until the health page shows the expected version" in done.stderr, output(done)
    assert_same(before, state(rollback_lab))


def test_a_killed_apply_is_rolled_back_from_its_journal(rollback_lab: Lab) -> None:
    before = state(rollback_lab)
    spec = FOLDER / "huadong-production-1.1.yml"
    process = subprocess.Popen(
        [sys.executable, "-m", "deployer", "apply", str(spec), "--lab", "-y"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **SECRETS},
    )
    try:
        wait_for_task("Switch the live release atomically.", process)
    finally:
        kill_tree(process.pid)
        process.wait()
    assert last_run("apply")["status"] == "running"
    refused = deployer("rollback", str(spec), "--lab", "--last")
    assert refused.returncode == 9, output(refused)
    assert "no longer running; pass --break-lock" in refused.stderr, output(refused)
    done = deployer("rollback", str(spec), "--lab", "--last", "--break-lock")
    assert done.returncode == 0, output(done)
    assert_same(before, state(rollback_lab))


def wait_for_task(task: str, process: subprocess.Popen[bytes]) -> None:
    runs = lab.lab_spec_path(FOLDER / "huadong-production.yml").parent / "runs"
    known = {p.name for p in runs.iterdir()}
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None:
        for folder in runs.iterdir():
            events = folder / "events.jsonl"
            if folder.name in known or not events.is_file():
                continue
            if any(json.loads(line).get("task") == task for line in events.open()):
                return
        time.sleep(0.2)
    raise AssertionError(f"the apply ended or never reached {task!r}")


def kill_tree(pid: int) -> None:
    """SIGKILL deployer and every process it started (ansible-playbook and its workers)."""
    tree = [pid]
    for parent in tree:
        for child in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                tree += [int(p) for p in child.read_text().split()]
            except OSError:
                continue
    for member in tree:
        try:
            os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            continue

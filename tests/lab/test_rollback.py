"""`deployer rollback` and `apply --atomic` on real lab hosts: after an upgrade or a failed
one, the environment is exactly as before — same `current`, byte-identical config files,
an identical schema dump, the old version on the health page.

One lab for the module, made from copies of the example specs (1.0 and its 1.1 upgrade, plus
broken variants of 1.1) in one folder. Tests run in order and build on each other: each
starts from the product on 1.0.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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
from deployer.errors import ExitCode
from deployer.spec import load_environment
from tests.support.documents import (
    NAMES,
    OUTPUT,
    chinese_runs_without_east_asian_font,
    docx_text,
    first_page_png,
    pdf_text,
)
from tests.support.robot import robot

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
    data["database"].update(change.get("database", {}))
    data["middleware"]["tomcat"].update(change.get("tomcat", {}))
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


def package_status(rollback_lab: Lab, name: str) -> str:
    """dpkg's status abbreviation: "ii " installed, "rc " removed (config files left)."""
    done = rollback_lab.ssh("app1", f"dpkg-query -W -f '${{db:Status-Abbrev}}' {name}")
    return done.stdout if done.returncode == 0 else ""


def mysql(rollback_lab: Lab, sql: str) -> str:
    done = rollback_lab.ssh(
        "db1", f"sudo mysql --default-character-set=utf8mb4 -N -B erp -e {sql!r}"
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def assert_same(before: dict[str, Any], after: dict[str, Any]) -> None:
    for key in ("current", "configs", "db_configs", "health", "dump"):
        assert after[key] == before[key], key


def runs_of(kind: str) -> list[dict[str, Any]]:
    runs = lab.lab_spec_path(FOLDER / "huadong-production.yml").parent / "runs"
    metas = [json.loads(p.read_text()) for p in sorted(runs.glob("*/meta.json"))]
    return [m for m in metas if m["kind"] == kind]


def last_run(kind: str) -> dict[str, Any]:
    return runs_of(kind)[-1]


def test_rollback_after_an_upgrade_returns_to_the_old_release(rollback_lab: Lab) -> None:
    first = deployer("apply", str(rollback_lab.spec), "--lab", "-y")
    assert first.returncode == 0, output(first)
    # Without unzip on app1 the upgrade installs it, and its rollback must remove it again.
    removed = rollback_lab.ssh("app1", "sudo apt-get remove -y -q unzip")
    assert removed.returncode == 0, removed.stderr
    before = state(rollback_lab)
    assert before["health"]["version"] == "1.0"
    upgrade = deployer("apply", str(FOLDER / "huadong-production-1.1.yml"), "--lab", "-y")
    assert upgrade.returncode == 0, output(upgrade)
    assert health(rollback_lab)["version"] == "1.1"
    assert package_status(rollback_lab, "unzip") == "ii "
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
    assert package_status(rollback_lab, "unzip") != "ii "
    assert (
        "- packages: remove unzip"
        in (runs.parent / last_run("rollback")["id"] / "rollback.md").read_text()
    )
    meta = last_run("rollback")
    assert meta["status"] == "successful" and meta["undoes"] == applied["id"]
    print(f"rollback took {seconds:.1f} s")
    again = deployer("rollback", str(FOLDER / "huadong-production-1.1.yml"), "--lab", "--last")
    assert again.returncode == 0, output(again)
    assert_same(before, state(rollback_lab))


def test_hand_over_documents_after_the_go_live(rollback_lab: Lab, tmp_path: Path) -> None:
    """After 1.0, 1.1 and its rollback: a scan with an accepted risk, then the five documents
    in both languages, read back from Word and from PDF."""
    spec = str(rollback_lab.spec)
    scan = tmp_path / "scan.json"
    scanned = deployer("check", spec, "--lab", "--json", str(scan))
    assert scan.exists(), output(scanned)
    found = json.loads(scan.read_text())
    wrong = [r for h in found["hosts"] for r in h["results"] if r["status"] in ("WARN", "FAIL")]
    assert wrong, "the lab's scan found nothing to accept"
    risk = wrong[0]
    reason = f"客户确认 {secrets.token_hex(3)}"
    accept = f"{risk['check_id']}@{risk['host']}"
    accepted = deployer("check", spec, "--lab", "--accept", accept, "--reason", reason)
    assert accepted.returncode in (0, 4), output(accepted)
    out = tmp_path / "handover"
    made = deployer(
        "docs", spec, "--lab", "--lang", "zh,en", "--format", "docx,pdf,html", "--out", str(out)
    )
    assert made.returncode == 0, output(made)
    overlay = load_environment(lab.lab_spec_path(rollback_lab.spec))
    hosts = [(h.name, str(h.address)) for h in overlay.env.hosts]
    runs = [
        *(r["id"] for r in runs_of("apply")[:2]),
        last_run("rollback")["id"],
        last_run("check")["id"],
    ]
    facts = ["华东精密机械有限公司", "production", "sample-erp", "1.0", *runs]
    facts += [part for host in hosts for part in host]
    ports = ["22 (ssh)", "80 (nginx)", "8080 (tomcat)", "3306 (mariadb)"]
    pages = OUTPUT / "docs-lab"
    for lang in ("zh", "en"):
        for name in NAMES:
            docx = out / f"{name}.{lang}.docx"
            text = docx_text(docx)
            assert "{{" not in text and "{%" not in text, docx.name
            pdf = "".join(pdf_text(docx.with_suffix(".pdf")).split())
            expected = facts + ports
            if name in ("implementation-report", "faq", "acceptance-sheet"):
                expected += [risk["check_id"] if name != "faq" else risk["host"], reason]
            for fact in expected:
                assert fact in text, (docx.name, fact)
                assert "".join(fact.split()) in pdf, (docx.name, "pdf", fact)
            for secret in SECRETS.values():
                assert secret not in text and "".join(secret.split()) not in pdf, docx.name
            if lang == "zh":
                assert chinese_runs_without_east_asian_font(docx) == 0, docx.name
            first_page_png(docx.with_suffix(".pdf"), pages)
    again = deployer(
        "docs",
        spec,
        "--lab",
        "--lang",
        "zh,en",
        "--format",
        "docx",
        "--out",
        str(tmp_path / "again"),
    )
    assert again.returncode == 0, output(again)
    for docx in sorted(out.glob("*.docx")):
        assert (tmp_path / "again" / docx.name).read_bytes() == docx.read_bytes(), docx.name
    print(f"first pages of the hand-over documents: {pages}")


def watch_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def watch_spec(rollback_lab: Lab) -> Path:
    """The lab's spec with a watch that tells a robot (ROBOT_URL). The lab's hosts see the
    machine's CPU, which the rest of the suite keeps busy: CPU and load never breach here."""
    data = yaml.safe_load(rollback_lab.spec.read_text(encoding="utf-8"))
    data["watch"] = {
        "interval": "5s",
        "thresholds": {"cpu_percent": 100, "load_per_cpu": 1000},
        "webhook": {"url": "${env:ROBOT_URL}", "kind": "json"},
    }
    spec = FOLDER / "huadong-production-watch.yml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return spec


def test_a_healthy_release_watched_for_20_seconds_is_go(rollback_lab: Lab, tmp_path: Path) -> None:
    """With a robot told of the verdict: a webhook the test serves on loopback."""
    lines = tmp_path / "watch.jsonl"
    argv = ["watch", str(watch_spec(rollback_lab)), "--lab", "--for", "20s", "--json", str(lines)]
    with robot() as (url, received):
        watched = subprocess.run(
            [sys.executable, "-m", "deployer", *argv],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            env={**os.environ, **SECRETS, "ROBOT_URL": url},
        )
    assert watched.returncode == 0, output(watched)
    assert "go: " in watched.stdout
    samples = watch_lines(lines)
    assert len(samples) >= 3
    last = samples[-1]["readings"]
    assert set(last) == {"app1", "db1", "database"}, last
    checks = set(last["app1"])
    assert {"cpu", "memory", "load", "disk:/", "health:nginx", "health:tomcat"} <= checks
    assert {"errors:tomcat", "5xx:nginx"} <= checks
    assert not any(r["over"] for host in last.values() for r in host.values()), last
    meta = last_run("watch")
    assert meta["status"] == "successful" and meta["exit_code"] == 0
    assert [message["verdict"] for message in received] == ["go"]
    journal = lab.lab_spec_path(rollback_lab.spec).parent / "runs" / meta["id"]
    assert (
        "t0k3n" not in (journal / "meta.json").read_text() + (journal / "events.jsonl").read_text()
    )


def test_tomcat_stopped_during_a_watch_is_no_go_and_rolled_back(
    rollback_lab: Lab, tmp_path: Path
) -> None:
    upgrade = deployer("apply", str(FOLDER / "huadong-production-1.1.yml"), "--lab", "-y")
    assert upgrade.returncode == 0, output(upgrade)
    assert health(rollback_lab)["version"] == "1.1"
    lines = tmp_path / "watch.jsonl"
    with watching(rollback_lab, lines, "--for", "90s", "--rollback-on-breach") as (watch, received):
        wait_for_samples(watch, lines, 1)
        stopped = rollback_lab.ssh("app1", "sudo systemctl stop tomcat10")
        assert stopped.returncode == 0, stopped.stderr
        out, err = watch.communicate(timeout=600)
    assert any(m.get("check") == "health:tomcat" for m in received), received
    assert received[-1]["verdict"] == "no-go"
    assert watch.returncode == ExitCode.NO_GO, out[-3000:] + err[-3000:]
    assert "no-go" in err and "health:tomcat on app1" in err, err[-3000:]
    samples = watch_lines(lines)
    breached = [
        n for n, sample in enumerate(samples, 1) if "health:tomcat@app1" in sample["breaches"]
    ]
    assert breached and breached[0] <= 1 + 3 + 1, samples  # within watch.consecutive samples
    assert health(rollback_lab)["version"] == "1.0"  # rolled back, and healthy
    assert last_run("rollback")["status"] == "successful"


#: A page that fails as a product's bug does: Tomcat logs the exception, nginx answers 500.
FAILING_PAGE = """<%@ page session="false" %>
<% if (request != null) throw new IllegalStateException("order 42 has no customer"); %>
"""
#: What logrotate does to nginx's access log on Debian (less the compression): rename to .1,
#: then USR1 to the master, which reopens its logs.
ROTATE_NGINX_LOG = (
    "sudo mv /var/log/nginx/access.log /var/log/nginx/access.log.1 && "
    "sudo kill -USR1 $(cat /run/nginx.pid)"
)
SHOWN_5XX = re.compile(r"^(\d+) of (\d+) answers 5xx")
SHOWN_ERRORS = re.compile(r"^(\d+) new error lines")


def access_log_inode(rollback_lab: Lab) -> str:
    done = rollback_lab.ssh("app1", "sudo ls -i /var/log/nginx/access.log")
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[0]


def test_a_page_failing_during_a_watch_raises_errors_and_5xx_across_a_log_rotation(
    rollback_lab: Lab, tmp_path: Path
) -> None:
    """Every 500 the page answered is counted once, though nginx's log was rotated mid-watch:
    the lines written between the last sample and the rotation are read from access.log.1."""
    page = "/opt/sample-erp/current/failing-order.jsp"
    put = rollback_lab.ssh("app1", f"printf %s {shlex.quote(FAILING_PAGE)} | sudo tee {page}")
    assert put.returncode == 0, put.stderr
    lines = tmp_path / "watch.jsonl"
    requests = "for i in $(seq 30); do curl -s -o /dev/null -w '%{http_code}\\n' "
    requests += "http://localhost/erp/failing-order.jsp; sleep 0.4; done"
    inode_before = access_log_inode(rollback_lab)
    try:
        with watching(rollback_lab, lines, "--for", "30s") as (watch, _):
            wait_for_samples(watch, lines, 1)
            with ThreadPoolExecutor(1) as pool:
                answers = pool.submit(rollback_lab.ssh, "app1", requests)
                wait_for_samples(watch, lines, 3)
                rotated = rollback_lab.ssh("app1", ROTATE_NGINX_LOG)
                assert rotated.returncode == 0, rotated.stderr
                failed = answers.result().stdout.split()
            out, err = watch.communicate(timeout=600)
    finally:
        rollback_lab.ssh("app1", f"sudo rm -f {page}")
    assert access_log_inode(rollback_lab) != inode_before  # it was rotated during the watch
    assert failed == ["500"] * 30, failed
    assert watch.returncode == ExitCode.NO_GO, out[-3000:] + err[-3000:]
    assert "errors:tomcat on app1" in err and "5xx:nginx on app1" in err, err[-3000:]
    samples = watch_lines(lines)
    counted = [SHOWN_5XX.match(s["readings"]["app1"]["5xx:nginx"]["reading"]) for s in samples]
    assert all(counted), samples
    # The watch's own health requests through nginx answer 200; only the page's are 5xx.
    assert sum(int(m.group(1)) for m in counted if m) == 30, samples
    # Each exception is a SEVERE line and the exception's own in localhost.DATE.log.
    errors = [
        SHOWN_ERRORS.match(s["readings"]["app1"]["errors:tomcat"]["reading"]) for s in samples
    ]
    assert all(errors) and sum(int(m.group(1)) for m in errors if m) >= 2 * 30, samples


@contextlib.contextmanager
def watching(
    rollback_lab: Lab, lines: Path, *options: str
) -> Iterator[tuple[subprocess.Popen[str], list[Any]]]:
    """``deployer watch`` every 3 s in the background, telling a robot; stopped if still
    running at the end."""
    argv = [sys.executable, "-m", "deployer", "watch", str(watch_spec(rollback_lab)), "--lab"]
    argv += ["--interval", "3s", "--json", str(lines), *options]
    with robot() as (url, received):
        watch = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **SECRETS, "ROBOT_URL": url},
        )
        try:
            yield watch, received
        finally:
            if watch.poll() is None:
                watch.kill()
                watch.wait()


def wait_for_samples(watch: subprocess.Popen[str], lines: Path, count: int) -> None:
    deadline = time.monotonic() + 60
    while not (lines.exists() and len(lines.read_text().splitlines()) >= count):
        assert time.monotonic() < deadline and watch.poll() is None, f"no sample {count}"
        time.sleep(0.2)


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


def migrations(name: str, v2: str, u2: str | None) -> Path:
    """A migrations folder: the example's V1, then the given V2 (and U2)."""
    source = EXAMPLE.parent / "sample-erp" / "migrations" / "erp"
    folder = FOLDER / f"migrations-{name}"
    folder.mkdir(exist_ok=True)
    (folder / "V1__create_core_tables.sql").write_bytes(
        (source / "V1__create_core_tables.sql").read_bytes()
    )
    (folder / "V2__change.sql").write_text(v2, encoding="utf-8")
    if u2 is not None:
        (folder / "U2__change.sql").write_text(u2, encoding="utf-8")
    return folder


def test_a_migration_nothing_could_undo_is_flagged_by_plan_and_refused_by_apply(
    rollback_lab: Lab,
) -> None:
    """V2 without an undo script, and dumps turned off: apply refuses before any change."""
    before = state(rollback_lab)
    folder = migrations("noundo", "ALTER TABLE items ADD COLUMN weight INT NULL;\n", None)
    spec = variant(
        "noundo", {"schema": {"migrations": str(folder)}, "database": {"dump_limit_mb": 0}}
    )
    planned = deployer("plan", str(spec), "--lab")
    assert planned.returncode == 0, output(planned)
    assert "erp: V2__change.sql has no undo script, and dumps are turned off" in planned.stdout
    assert "unless given --allow-irreversible" in planned.stdout
    refused = deployer("apply", str(spec), "--lab", "-y", "--atomic")
    assert refused.returncode == 12, output(refused)
    assert "pass --allow-irreversible" in refused.stderr, output(refused)
    meta = last_run("apply")
    assert meta["status"] == "failed" and meta["exit_code"] == 12
    assert all(m["undoes"] != meta["id"] for m in runs_of("rollback"))  # nothing changed
    assert_same(before, state(rollback_lab))


def test_a_destructive_migration_is_undone_from_the_dump_not_its_undo_script(
    rollback_lab: Lab,
) -> None:
    """V2 drops a column that holds data; its undo script brings the column back but not the
    data. The health check then fails, and the rollback must restore the rows from the dump."""
    before = state(rollback_lab)
    folder = migrations(
        "destructive",
        "ALTER TABLE customers DROP COLUMN city;\n",
        "ALTER TABLE customers ADD COLUMN city VARCHAR(64) NULL AFTER phone;\n",
    )
    spec = variant(
        "destructive",
        {"schema": {"migrations": str(folder)}, "product": {"version": "1.2", "health_timeout": 5}},
    )
    planned = deployer("plan", str(spec), "--lab")
    assert "destroys data: statement 1 drops a column" in planned.stdout, output(planned)
    done = deployer("apply", str(spec), "--lab", "-y", "--atomic")
    assert done.returncode == 8, output(done)
    assert mysql(rollback_lab, "SELECT city FROM customers WHERE id = 1") == "苏州"
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


def test_atomic_apply_onto_a_port_another_program_holds_rolls_back(rollback_lab: Lab) -> None:
    """The upgrade moves Tomcat to port 8081, which another program already listens on: the
    tomcat role stops before changing anything of Tomcat's, and the migration already run is
    undone."""
    before = state(rollback_lab)
    squatter = (
        "sudo systemd-run --unit=port-squatter python3 -c 'import socket, time; "
        's = socket.socket(); s.bind(("0.0.0.0", 8081)); s.listen(); time.sleep(3600)\''
    )
    started = rollback_lab.ssh("app1", squatter)
    assert started.returncode == 0, started.stderr
    try:
        spec = variant("port", {"tomcat": {"port": 8081}})
        done = deployer("apply", str(spec), "--lab", "-y", "--atomic")
    finally:
        rollback_lab.ssh("app1", "sudo systemctl stop port-squatter")
    assert done.returncode == 8, output(done)
    assert "port 8081 is taken by another program" in done.stderr, output(done)
    assert '"python3"' in done.stderr, output(done)
    assert_same(before, state(rollback_lab))


def test_a_database_host_lost_mid_run_is_rolled_back_once_it_is_back(rollback_lab: Lab) -> None:
    """db1 drops off the network after the migration, while the release goes live: the new
    release cannot reach its database, and the automatic rollback cannot reach db1 either
    (exit 7). Once db1 is back, `rollback --last` puts everything back; db1 still holds the
    failed run's deploy lock (it was unreachable when that run ended), hence --break-lock."""
    before = state(rollback_lab)
    current = lab.state.load(lab.state_dir_for(rollback_lab.spec))
    assert current is not None
    veth = next(h.veth for h in current.hosts if h.name == "db1")
    spec = variant("dblost", {"product": {"health_timeout": 10}})
    log = FOLDER / "dblost.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "deployer", "apply", str(spec), "--lab", "-y", "--atomic"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **SECRETS},
        )
    try:
        wait_for_task("Ensure the WAR is unpacked into the release folder.", process)
        subprocess.run(["ip", "link", "set", veth, "down"], check=True)
        process.wait(timeout=900)
    finally:
        subprocess.run(["ip", "link", "set", veth, "up"], check=True)
        if process.poll() is None:
            kill_tree(process.pid)
            process.wait()
    assert process.returncode == 7, log.read_text()[-4000:]
    assert last_run("rollback")["status"] == "failed"
    done = deployer("rollback", str(spec), "--lab", "--last", "--break-lock")
    assert done.returncode == 0, output(done)
    assert_same(before, state(rollback_lab))


def test_apply_is_refused_while_a_target_is_locked_from_another_machine(
    rollback_lab: Lab,
) -> None:
    holder = {
        "command": "apply",
        "user": "wang",
        "host": "laptop-of-wang",
        "pid": 4242,
        "since": "2026-11-22T02:00:00+00:00",
    }
    lock = "/var/lib/deployer/locks/sample-erp"
    taken = rollback_lab.ssh(
        "db1",
        f"sudo mkdir -p {lock} && echo '{json.dumps(holder)}' | sudo tee {lock}/holder.json",
    )
    assert taken.returncode == 0, taken.stderr
    applies = len(runs_of("apply"))
    try:
        refused = deployer("apply", str(rollback_lab.spec), "--lab", "-y", "--break-lock")
    finally:
        rollback_lab.ssh("db1", f"sudo rm -rf {lock}")
    assert refused.returncode == 9, output(refused)
    assert "db1 is locked by apply by wang@laptop-of-wang (pid 4242" in refused.stderr
    assert len(runs_of("apply")) == applies  # refused before the run started
    free = rollback_lab.ssh("app1", f"test ! -e {lock}")
    assert free.returncode == 0, "app1's lock was not released after db1 refused"


PASSWORD_POLICY = (
    "INSTALL SONAME 'simple_password_check'",
    "SET GLOBAL strict_password_validation = OFF",
)
NO_PASSWORD_POLICY = (
    "UNINSTALL SONAME 'simple_password_check'",
    "SET GLOBAL strict_password_validation = ON",
)


def server_admin(rollback_lab: Lab, statements: tuple[str, ...]) -> None:
    for statement in statements:
        done = rollback_lab.ssh("db1", f"sudo mysql -e {shlex.quote(statement)}")
        assert done.returncode == 0, done.stderr


def test_a_server_error_in_the_schema_stage_fails_the_apply_and_atomic_rolls_back(
    rollback_lab: Lab,
) -> None:
    """MariaDB's password policy refuses the product account's password (no digit, no
    capital): the schema stage ends with the server's own message, exit 6, never exit 1;
    with --atomic the run is rolled back, exit 8."""
    first = deployer("apply", str(rollback_lab.spec), "--lab", "-y")
    assert first.returncode == 0, output(first)
    before = state(rollback_lab)
    server_admin(rollback_lab, PASSWORD_POLICY)
    try:
        failed = deployer("apply", str(rollback_lab.spec), "--lab", "-y")
        rolled_back = deployer("apply", str(rollback_lab.spec), "--lab", "-y", "--atomic")
    finally:
        server_admin(rollback_lab, NO_PASSWORD_POLICY)
    # MariaDB's error for a refused password (its warning says 1819, policy requirements).
    refused = re.compile(r"schema erp: account erp_app: \(1396\) Operation ALTER USER failed")
    assert failed.returncode == 6, output(failed)
    assert refused.search(failed.stderr), output(failed)
    assert "internal error" not in failed.stderr, output(failed)
    assert rolled_back.returncode == 8, output(rolled_back)
    assert refused.search(rolled_back.stderr), output(rolled_back)
    assert last_run("rollback")["undoes"] == last_run("apply")["id"]
    for done in (failed, rolled_back):
        for secret in SECRETS.values():
            assert secret not in done.stdout + done.stderr
    assert_same(before, state(rollback_lab))


#: The one run file that holds the customer's data as it is, secrets included.
DUMP_FILE = re.compile(r"dump-[A-Za-z0-9_]+\.sql")


def test_a_dump_holding_a_secret_is_restored_byte_for_byte(rollback_lab: Lab) -> None:
    """A customer row holds the lab's passwords (a password in the data is no secret of the
    run's to mask). V2 deletes the row, the health check fails, --atomic restores the dump:
    the row comes back with the same bytes, and no run file other than the dump holds them."""
    first = deployer("apply", str(rollback_lab.spec), "--lab", "-y")
    assert first.returncode == 0, output(first)
    admin, owner = SECRETS["HUADONG_DB_ADMIN_PASSWORD"], SECRETS["HUADONG_DB_APP_PASSWORD"]
    row = [value.encode() for value in (admin, owner, "苏州")]
    values = ", ".join(f"CONVERT(X'{value.hex()}' USING utf8mb4)" for value in row)
    mysql(
        rollback_lab,
        f"INSERT INTO customers (code, name, contact_name, city) VALUES ('SECRET-1', {values})",
    )
    try:
        before = state(rollback_lab)
        folder = migrations("secretrow", "DELETE FROM customers WHERE code = 'SECRET-1';\n", None)
        spec = variant(
            "secretrow",
            {
                "schema": {"migrations": str(folder)},
                "product": {"version": "1.2", "health_timeout": 5},
            },
        )
        done = deployer("apply", str(spec), "--lab", "-y", "--atomic")
        assert done.returncode == 8, output(done)
        found = mysql(
            rollback_lab,
            "SELECT HEX(name), HEX(contact_name), HEX(city) FROM customers WHERE code = 'SECRET-1'",
        )
        assert found.split("\t") == [value.hex().upper() for value in row]
        assert_same(before, state(rollback_lab))
    finally:
        mysql(rollback_lab, "DELETE FROM customers WHERE code = 'SECRET-1'")
    runs = lab.lab_spec_path(rollback_lab.spec).parent / "runs"
    applied = runs / last_run("apply")["id"]
    dump = applied / "dump-erp.sql"
    assert dump.stat().st_mode & 0o777 == 0o600
    assert owner.encode() in dump.read_bytes()  # as it was, not masked
    schema = json.loads((applied / "rollback.json").read_text())["schemas"][0]
    content = dump.read_bytes()
    assert schema["dump_bytes"] == len(content)
    assert schema["dump_sha256"] == hashlib.sha256(content).hexdigest()
    assert f"{len(content)} bytes, sha256 `{schema['dump_sha256']}`" in (
        applied / "rollback.md"
    ).read_text(encoding="utf-8")
    for path in runs.rglob("*"):
        if path.is_file() and not DUMP_FILE.fullmatch(path.name):
            for secret in (admin, owner):
                assert secret.encode() not in path.read_bytes(), f"{secret!r} in {path}"


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

"""`deployer check` against real lab hosts: one probe per host over real SSH, a real MariaDB.

Read-only scans run on the shared example lab. Scans that need a changed host (a taken
port, nginx or a latin1 MariaDB installed) run on this module's own lab, so the shared
one stays clean for the other tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from labsupport import EXAMPLE, SCRATCH, Lab, deployer_cli, running_lab

from deployer import lab
from deployer.lab.derive import derive_spec
from tests.support.chromium import chromium, png_size, render

pytestmark = pytest.mark.lab

ADMIN_PASSWORD = "lab-only Adm1n;pw"
APT = "sudo DEBIAN_FRONTEND=noninteractive apt-get -q -y"


def _check(
    spec: Path, *extra: str, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    # In the spec's .deployer folder (ignored by git), never beside a spec in the source tree.
    out = spec.parent / ".deployer" / "check-report.json"
    argv = [
        sys.executable,
        "-m",
        "deployer",
        "check",
        str(spec),
        "--lab",
        "--json",
        str(out),
        *extra,
    ]
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return done.returncode, report, done.stdout + done.stderr


def _result(report: dict[str, Any], host: str, check_id: str) -> dict[str, Any]:
    for entry in report["hosts"]:
        if entry["host"] == host:
            for result in entry["results"]:
                if result["check_id"] == check_id:
                    return dict(result)
    raise AssertionError(f"no {check_id} on {host}")


def _host(report: dict[str, Any], host: str) -> dict[str, Any]:
    return next(dict(h) for h in report["hosts"] if h["host"] == host)


# --- the shared example lab: clean hosts ------------------------------------------------


def test_a_clean_lab_passes_with_a_complete_report(example_lab: Lab, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    code, report, output = _check(EXAMPLE, "--html", str(html), "--lang", "zh")
    assert code == 0, output
    assert report["summary"]["blocking"] == [] and report["summary"]["unreachable"] == []
    assert {h["host"] for h in report["hosts"]} == {"app1", "db1"}
    for host in report["hosts"]:
        assert host["reachable"] and host["facts"]["os"]["family"] == "debian"
        ids = {r["check_id"] for r in host["results"]}
        assert {"os.family", "os.version", "cpu.arch", "memory.total"} <= ids
        assert all(r["observed"] and r["required"] for r in host["results"])
    assert _result(report, "app1", "port.free:8080")["status"] == "PASS"
    assert _result(report, "app1", "port.free:80")["status"] == "PASS"
    assert "app1" in output and "db1" in output
    _the_page_renders_in_chromium(html, tmp_path / "report.png")


def _the_page_renders_in_chromium(html: Path, png: Path) -> None:
    if chromium() is None:
        pytest.skip("chromium is not installed (scripts/setup.sh installs it)")
    text = render(html, png)
    width, height = png_size(png)
    assert (width, height) == (1200, 2400) and png.stat().st_size > 20_000
    for expected in (
        "华东精密机械有限公司",
        "安装前环境兼容性检查报告",
        "环境满足产品的安装要求",
        "port.free:8080",
        "app1",
        "db1",
        "客户代表",
        "实施工程师",
    ):
        assert expected in text, expected


def test_a_wrong_pinned_host_key_makes_the_host_unreachable(example_lab: Lab) -> None:
    overlay = lab.lab_spec_path(EXAMPLE)
    data = yaml.safe_load(overlay.read_text(encoding="utf-8"))
    data["hosts"][0]["host_key"] = _other_key()
    folder = SCRATCH / "wrong-key"
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "wrong-key.yml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = folder / "report.json"
    done = deployer_cli("check", str(spec), "--json", str(out))
    assert done.returncode == 5, done.stdout + done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    app1 = _host(report, "app1")
    assert not app1["reachable"] and app1["error"].startswith("host-key")
    assert _host(report, "db1")["reachable"]


def _other_key() -> str:
    folder = SCRATCH / "wrong-key"
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / "other"
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return " ".join(key.with_suffix(".pub").read_text().split()[:2])


# --- this module's own lab: hosts we change ---------------------------------------------


@pytest.fixture(scope="module")
def check_lab() -> Iterator[Lab]:
    spec = derive_spec(
        EXAMPLE,
        SCRATCH / "check" / "check.yml",
        [("web9", ["web", "app"]), ("db9", ["db"])],
        database_host="db9",
    )
    with running_lab(spec) as started:
        yield started


def test_a_taken_port_fails_its_check(check_lab: Lab) -> None:
    start = "nohup python3 -m http.server 8080 >/dev/null 2>&1 & echo $!"
    pid = check_lab.ssh("web9", start).stdout.strip()
    try:
        check_lab.ssh(
            "web9",
            "for i in 1 2 3 4 5 6 7 8 9 10; do ss -ltn | grep -q :8080 && break; sleep 0.2; done",
        )
        code, report, output = _check(check_lab.spec)
    finally:
        check_lab.ssh("web9", f"kill {int(pid)}")
    assert code == 4, output
    taken = _result(report, "web9", "port.free:8080")
    assert taken["status"] == "FAIL" and taken["blocking"]
    assert "8080" in taken["observed"]
    # The kernel's tables showed the port taken, so ss was asked whose it is: the login
    # user's own process, which ss names without root.
    assert "(python3)" in taken["observed"], taken["observed"]
    assert "port.free:8080@web9" in report["summary"]["blocking"]


def test_installed_nginx_reports_its_real_version(check_lab: Lab) -> None:
    done = check_lab.ssh(
        "db9", f"{APT} update && {APT} install nginx-light && /usr/sbin/nginx -v 2>&1"
    )
    assert done.returncode == 0, done.stderr
    real = done.stdout.strip().rsplit("/", 1)[-1]  # "nginx version: nginx/1.22.1"
    _, report, output = _check(check_lab.spec)
    found = [install["version"] for install in _host(report, "db9")["facts"]["nginx"]]
    assert real and found == [real], output


def test_mariadb_with_a_latin1_server_charset_fails_the_charset_check(check_lab: Lab) -> None:
    config = "[mysqld]\\ncharacter-set-server = latin1\\ncollation-server = latin1_swedish_ci\\n"
    setup = (
        f"{APT} update && {APT} install mariadb-server && "
        f"printf '{config}' | sudo tee /etc/mysql/mariadb.conf.d/99-check-test.cnf >/dev/null && "
        "sudo systemctl restart mariadb && "
        'sudo mysql -e "ALTER USER root@localhost IDENTIFIED VIA unix_socket OR '
        f"mysql_native_password USING PASSWORD('{ADMIN_PASSWORD}')\""
    )
    done = check_lab.ssh("db9", setup)
    assert done.returncode == 0, done.stderr
    code, report, output = _check(check_lab.spec, env={"HUADONG_DB_ADMIN_PASSWORD": ADMIN_PASSWORD})
    assert code == 4, output
    charset = _result(report, "db9", "db.charset")
    assert charset["status"] == "FAIL" and charset["observed"] == "latin1", charset
    assert charset["required"] == "utf8mb4"
    assert ADMIN_PASSWORD not in output and ADMIN_PASSWORD not in json.dumps(report)
    fixups = sorted((lab.lab_spec_path(check_lab.spec).parent / "runs").glob("*/fixup-db9.sh"))
    assert fixups and "character_set_server" in fixups[-1].read_text()

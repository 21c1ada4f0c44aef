"""fixup.sh: only known fixes, every value quoted, valid POSIX sh, never for accepted risks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from checks_helpers import WHEN, example

from deployer.checks import (
    Acceptance,
    CheckResult,
    HostReport,
    Status,
    evaluate,
    fixup,
    fixup_script,
)
from deployer.facts import DatabaseFacts, Firewall, HostFacts


def _host(*results: CheckResult, facts: HostFacts | None = None) -> HostReport:
    return HostReport(
        host="db1",
        address="10.20.30.21",
        roles=("db",),
        reachable=True,
        facts=facts,
        results=results,
    )


def _result(check_id: str, lines: tuple[str, ...], status: Status = Status.FAIL) -> CheckResult:
    return CheckResult(
        check_id=check_id,
        host="db1",
        title="t",
        title_zh="t",
        status=status,
        observed="line one\nrm -rf / # sneaky",
        required="r",
        fixup=lines,
    )


def _shell_ok(script: str, tmp_path: Path) -> None:
    path = tmp_path / "fixup.sh"
    path.write_text(script, encoding="utf-8")
    done = subprocess.run(["sh", "-n", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    if shutil.which("shellcheck"):
        checked = subprocess.run(
            ["shellcheck", "-s", "sh", "-S", "warning", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, checked.stdout


def test_nothing_to_fix_gives_no_script() -> None:
    assert fixup_script(_host(_result("os.version", ())), "mariadb") is None
    passing = _result("time.zone", fixup.set_timezone("Asia/Shanghai"), Status.PASS)
    assert fixup_script(_host(passing), "mariadb") is None


def test_values_are_quoted_and_comments_cannot_be_escaped(tmp_path: Path) -> None:
    zone = "Asia/Shanghai'; reboot; echo '"
    script = fixup_script(_host(_result("time.zone", fixup.set_timezone(zone), Status.WARN)), None)
    assert script is not None
    assert "timedatectl set-timezone 'Asia/Shanghai'\"'\"'; reboot; echo '\"'\"''" in script
    assert "\nrm -rf" not in script  # the observed value's newline stayed inside its comment
    assert script.startswith("#!/bin/sh\n") and "\nset -eu\n" in script
    assert "never runs this script" in script
    _shell_ok(script, tmp_path)


def test_accepted_risks_are_left_out() -> None:
    result = _result("time.zone", fixup.set_timezone("Asia/Shanghai"), Status.WARN)
    accepted = result.model_copy(
        update={"accepted": Acceptance(check_id="time.zone", reason="UTC")}
    )
    assert fixup_script(_host(accepted), None) is None


@pytest.mark.parametrize(
    ("engine", "pkg", "folder", "service"),
    [
        ("mariadb", "apt", "/etc/mysql/mariadb.conf.d", "mariadb"),
        ("mysql", "apt", "/etc/mysql/mysql.conf.d", "mysql"),
        ("mysql", "yum", "/etc/my.cnf.d", "mysqld"),
        ("mariadb", "dnf", "/etc/my.cnf.d", "mariadb"),
    ],
)
def test_mycnf_settings_go_to_one_drop_in(
    engine: str, pkg: str, folder: str, service: str, tmp_path: Path
) -> None:
    facts = HostFacts(pkg_manager=pkg)  # type: ignore[arg-type]
    host = _host(
        _result("db.charset", fixup.mycnf_setting("character_set_server", "utf8mb4")),
        _result("db.lower_case_table_names", fixup.mycnf_setting("lower_case_table_names", "1")),
        facts=facts,
    )
    script = fixup_script(host, engine)  # type: ignore[arg-type]
    assert script is not None
    assert script.count("printf '[mysqld]\\n' >") == 1
    assert f"deployer_mycnf={folder}/99-deployer.cnf" in script
    assert "deployer_mycnf_set character_set_server utf8mb4" in script
    assert "initialised" in script  # the MySQL 8 warning about lower_case_table_names
    assert f"systemctl restart {service}" in script
    _shell_ok(script, tmp_path)


def test_the_drop_in_really_is_written(tmp_path: Path) -> None:
    """Run only the my.cnf part, pointed at a temporary file: the result is a valid section."""
    lines = fixup._mycnf_prelude("mariadb", None)
    target = tmp_path / "99-deployer.cnf"
    body = "\n".join(line for line in lines if not line.startswith("deployer_mycnf="))
    body = f"deployer_mycnf={target}\n{body}\n"
    body += "\n".join(fixup.mycnf_setting("max_allowed_packet", "64M")) + "\n"
    subprocess.run(["sh", "-c", body], check=True)
    assert target.read_text(encoding="utf-8") == "[mysqld]\nmax_allowed_packet = 64M\n"


def test_firewall_fixes_follow_the_firewall() -> None:
    assert (
        fixup.open_ports(Firewall(services=("firewalld",)), [80, 8080])[-1]
        == "firewall-cmd --reload"
    )
    assert fixup.open_ports(Firewall(ufw_enabled=True), [80]) == ("ufw allow 80/tcp",)
    assert fixup.open_ports(Firewall(nft_rules=3), [3306])[0].startswith("# allow TCP ports 3306")


def test_example_latin1_database_fixup(tmp_path: Path, lab_facts: HostFacts) -> None:
    env, matrix = example()
    db = DatabaseFacts(
        engine="mariadb",
        version="10.11.6-MariaDB",
        settings={"character_set_server": "latin1", "max_allowed_packet": 16777216},
        privileges=("GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION",),
    )
    report = evaluate(env, matrix, {"app1": lab_facts, "db1": lab_facts}, db, {}, generated_at=WHEN)
    db1 = report.host("db1")
    assert db1 is not None
    script = fixup_script(db1, "mariadb")
    assert script is not None
    assert "deployer_mycnf_set character_set_server utf8mb4" in script
    assert "deployer_mycnf_set max_allowed_packet 64M" in script
    _shell_ok(script, tmp_path)

"""fixup.sh: only known fixes, every value quoted, never for accepted risks (real shells read
and run the scripts in tests/tools/test_fixup_scripts_in_shells.py)."""

from __future__ import annotations

import pytest

from deployer.checks import (
    Acceptance,
    Status,
    evaluate,
    fixup,
    fixup_script,
)
from deployer.facts import DatabaseFacts, Firewall, HostFacts
from tests.support.checks import WHEN, db_host, example, fixup_result


def test_nothing_to_fix_gives_no_script() -> None:
    assert fixup_script(db_host(fixup_result("os.version", ())), "mariadb") is None
    passing = fixup_result("time.zone", fixup.set_timezone("Asia/Shanghai"), Status.PASS)
    assert fixup_script(db_host(passing), "mariadb") is None


def test_values_are_quoted_and_comments_cannot_be_escaped() -> None:
    zone = "Asia/Shanghai'; reboot; echo '"
    script = fixup_script(
        db_host(fixup_result("time.zone", fixup.set_timezone(zone), Status.WARN)), None
    )
    assert script is not None
    assert "timedatectl set-timezone 'Asia/Shanghai'\"'\"'; reboot; echo '\"'\"''" in script
    assert "\nrm -rf" not in script  # the observed value's newline stayed inside its comment
    assert script.startswith("#!/bin/sh\n") and "\nset -eu\n" in script
    assert "never runs this script" in script


def test_accepted_risks_are_left_out() -> None:
    result = fixup_result("time.zone", fixup.set_timezone("Asia/Shanghai"), Status.WARN)
    accepted = result.model_copy(
        update={"accepted": Acceptance(check_id="time.zone", reason="UTC")}
    )
    assert fixup_script(db_host(accepted), None) is None


@pytest.mark.parametrize(
    ("engine", "pkg", "folder", "service"),
    [
        ("mariadb", "apt", "/etc/mysql/mariadb.conf.d", "mariadb"),
        ("mysql", "apt", "/etc/mysql/mysql.conf.d", "mysql"),
        ("mysql", "yum", "/etc/my.cnf.d", "mysqld"),
        ("mariadb", "dnf", "/etc/my.cnf.d", "mariadb"),
    ],
)
def test_mycnf_settings_go_to_one_drop_in(engine: str, pkg: str, folder: str, service: str) -> None:
    facts = HostFacts(pkg_manager=pkg)  # type: ignore[arg-type]
    host = db_host(
        fixup_result("db.charset", fixup.mycnf_setting("character_set_server", "utf8mb4")),
        fixup_result(
            "db.lower_case_table_names", fixup.mycnf_setting("lower_case_table_names", "1")
        ),
        facts=facts,
    )
    script = fixup_script(host, engine)  # type: ignore[arg-type]
    assert script is not None
    assert script.count("printf '[mysqld]\\n' >") == 1
    assert f"deployer_mycnf={folder}/99-deployer.cnf" in script
    assert "deployer_mycnf_set character_set_server utf8mb4" in script
    assert "initialised" in script  # the MySQL 8 warning about lower_case_table_names
    assert f"systemctl restart {service}" in script


def test_firewall_fixes_follow_the_firewall() -> None:
    assert (
        fixup.open_ports(Firewall(services=("firewalld",)), [80, 8080])[-1]
        == "firewall-cmd --reload"
    )
    assert fixup.open_ports(Firewall(ufw_enabled=True), [80]) == ("ufw allow 80/tcp",)
    assert fixup.open_ports(Firewall(nft_rules=3), [3306])[0].startswith("# allow TCP ports 3306")


def test_example_latin1_database_fixup(lab_facts: HostFacts) -> None:
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

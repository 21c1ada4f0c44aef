"""fixup.sh as real shells read it: valid POSIX sh (``sh -n``, and shellcheck where installed)
for every scenario's scripts and for hostile values, and its my.cnf part run for real.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from deployer.checks import Status, fixup, fixup_script
from deployer.facts import HostFacts
from tests.support.checks import SCENARIOS, db_host, fixup_result, run_scenario


def shell_ok(script: str, tmp_path: Path) -> None:
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


def _scenarios() -> list[Any]:
    return [pytest.param(p, id=p.stem) for p in sorted(SCENARIOS.glob("*.json"))]


@pytest.mark.parametrize("path", _scenarios())
def test_every_scenarios_fixup_scripts_parse(path: Path, tmp_path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    report = run_scenario(case)
    engine = case.get("spec", {}).get("database", {}).get("engine", "mariadb")
    for host in report.hosts:
        script = fixup_script(host, engine)
        if script is not None:
            shell_ok(script, tmp_path)


def test_a_hostile_value_stays_one_quoted_word(tmp_path: Path) -> None:
    zone = "Asia/Shanghai'; reboot; echo '"
    script = fixup_script(
        db_host(fixup_result("time.zone", fixup.set_timezone(zone), Status.WARN)), None
    )
    assert script is not None
    shell_ok(script, tmp_path)


@pytest.mark.parametrize(
    ("engine", "pkg"), [("mariadb", "apt"), ("mysql", "apt"), ("mysql", "yum"), ("mariadb", "dnf")]
)
def test_mycnf_drop_in_scripts_parse(engine: str, pkg: str, tmp_path: Path) -> None:
    host = db_host(
        fixup_result("db.charset", fixup.mycnf_setting("character_set_server", "utf8mb4")),
        fixup_result(
            "db.lower_case_table_names", fixup.mycnf_setting("lower_case_table_names", "1")
        ),
        facts=HostFacts(pkg_manager=pkg),  # type: ignore[arg-type]
    )
    script = fixup_script(host, engine)  # type: ignore[arg-type]
    assert script is not None
    shell_ok(script, tmp_path)


def test_the_drop_in_really_is_written(tmp_path: Path) -> None:
    """Run only the my.cnf part, pointed at a temporary file: the result is a valid section."""
    lines = fixup._mycnf_prelude("mariadb", None)
    target = tmp_path / "99-deployer.cnf"
    body = "\n".join(line for line in lines if not line.startswith("deployer_mycnf="))
    body = f"deployer_mycnf={target}\n{body}\n"
    body += "\n".join(fixup.mycnf_setting("max_allowed_packet", "64M")) + "\n"
    subprocess.run(["sh", "-c", body], check=True)
    assert target.read_text(encoding="utf-8") == "[mysqld]\nmax_allowed_packet = 64M\n"

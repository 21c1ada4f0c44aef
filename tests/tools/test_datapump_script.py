"""The Data Pump driver script run for real under the POSIX shells, as root, with an Oracle
home whose expdp/impdp are stand-ins that record how they were started: the home found in an
oratab, the tool run as the home's owner with ORACLE_HOME set, and the password reaching it
only through a parameter file readable by that owner and removed afterwards. (No Oracle
software can run here; the stand-ins prove the script's part, not Data Pump's.)"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from deployer.rollback.datapump import DATAPUMP_SH
from tests.tools.test_probe_in_shells import _shells

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="su to the home's owner needs root")

PASSWORD = "pa$$ w0rd;`x`"  # shell characters that must stay data
STAND_IN = """#!/bin/sh
out=RECORD
{
  printf 'tool=%s\\n' "$(basename "$0")"
  printf 'user=%s\\n' "$(id -un)"
  printf 'home=%s\\n' "$ORACLE_HOME"
  printf 'args=%s\\n' "$*"
  par=${1#parfile=}
  printf 'mode=%s\\n' "$(stat -c '%a %U' "$par")"
  cat "$par"
} >"$out"
"""


@pytest.fixture
def site() -> Iterator[Path]:
    """A folder ``nobody`` can reach (pytest's own are root's alone)."""
    with tempfile.TemporaryDirectory(prefix="deployer-datapump-") as folder:
        Path(folder).chmod(0o777)
        yield Path(folder)


def oracle_home(root: Path) -> tuple[Path, Path]:
    """A home owned by ``nobody`` with stand-in tools, and an oratab naming it."""
    home = root / "product" / "19.0.0" / "dbhome_1"
    (home / "bin").mkdir(parents=True)
    for tool in ("expdp", "impdp"):
        (home / "bin" / tool).write_text(STAND_IN.replace("RECORD", str(root / "record")))
        (home / "bin" / tool).chmod(0o755)
    nobody = pwd.getpwnam("nobody")
    os.chown(home / "bin" / "expdp", nobody.pw_uid, nobody.pw_gid)
    os.chown(home / "bin" / "impdp", nobody.pw_uid, nobody.pw_gid)
    oratab = root / "oratab"
    oratab.write_text(f"# comment\n\nORCLCDB:{home}:N\n")
    return home, oratab


@pytest.mark.parametrize("argv", _shells())
@pytest.mark.parametrize("mode", ["expdp", "impdp"])
def test_the_tool_runs_as_the_homes_owner_with_the_password_in_a_private_file(
    argv: list[str], mode: str, site: Path
) -> None:
    home, oratab = oracle_home(site)
    script = DATAPUMP_SH.replace("/etc/oratab", str(oratab))
    shell = [argv[0], *(a for a in argv[1:] if a != "-s")]
    args = [mode, "ERP", "system", "//127.0.0.1:1521/ORCLPDB1", "deployer-ERP.dmp"]
    done = subprocess.run(
        [*shell, "-c", script, "datapump", *args],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    record = dict(line.split("=", 1) for line in (site / "record").read_text().splitlines()[:5])
    assert record == {
        "tool": mode,
        "user": "nobody",
        "home": str(home),
        "args": record["args"],
        "mode": "600 nobody",
    }
    parfile = (site / "record").read_text().splitlines()[5:]
    assert parfile[0] == f'userid=system/"{PASSWORD}"@//127.0.0.1:1521/ORCLPDB1'
    assert "schemas=ERP" in parfile and "dumpfile=deployer-ERP.dmp" in parfile
    assert ("flashback_time=systimestamp" in parfile) == (mode == "expdp")
    par = record["args"].removeprefix("parfile=")
    assert not Path(par).exists() and not Path(par).parent.exists()
    assert PASSWORD not in done.stdout + done.stderr


def test_a_host_without_an_oracle_home_says_where_it_looked(tmp_path: Path) -> None:
    script = DATAPUMP_SH.replace("/etc/oratab", str(tmp_path / "no-oratab"))
    script = script.replace("/u01/app/oracle", str(tmp_path)).replace("/opt/oracle", str(tmp_path))
    done = subprocess.run(
        [
            shutil.which("dash") or "sh",
            "-c",
            script,
            "datapump",
            "expdp",
            "ERP",
            "system",
            "x",
            "f",
        ],
        input="pw\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3
    assert "has bin/expdp" in done.stderr

"""MariaDB 11.8 on a Debian 13 (trixie) database host: the mysql role installs the release's
own packages, whose client programs are named mariadb and mariadb-dump (mysql and mysqldump,
which the role and deployer's dump and restore call, are links to them). Apply creates the
schema, an upgrade's migration runs after a dump of the schema, and `rollback --last` takes it
back.

One host (db1, db role only), so no product is served; one lab for the module, tests in order.
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

from deployer import lab
from deployer.lab.derive import derive_spec

pytestmark = pytest.mark.lab


def _trixie_db_spec(source: Path, folder: Path) -> Path:
    spec = derive_spec(source, folder / source.name, [("db1", ["db"])], database_host="db1")
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    data["database"]["version"] = "11.8"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def trixie_lab() -> Iterator[Lab]:
    folder = SCRATCH / "trixie-database"
    spec = _trixie_db_spec(EXAMPLE, folder)
    _trixie_db_spec(UPGRADE, folder)
    with running_lab(spec, {"db1": "debian-13"}) as started:
        yield started


def deployer(*args: str) -> subprocess.CompletedProcess[str]:
    done = deployer_with_secrets(*args)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def last_run(spec: Path) -> dict[str, Any]:
    shown = deployer("show", str(spec), "last", "--lab", "--json")
    return dict(json.loads(shown.stdout))


def mysql(trixie_lab: Lab, sql: str) -> str:
    done = trixie_lab.ssh("db1", f"sudo mysql -N -B erp -e {sql!r}")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_apply_installs_mariadb_118_and_creates_the_schema(trixie_lab: Lab) -> None:
    deployer("apply", str(trixie_lab.spec), "--lab", "-y")
    assert mysql(trixie_lab, "SELECT VERSION()").startswith("11.8.")
    assert mysql(trixie_lab, "SELECT MAX(version) FROM deployer_schema_history") == "1"
    charset = mysql(trixie_lab, "SELECT @@character_set_server, @@lower_case_table_names")
    assert charset == "utf8mb4\t1"


def test_an_upgrade_is_dumped_and_rolled_back(trixie_lab: Lab) -> None:
    upgrade = trixie_lab.spec.with_name(UPGRADE.name)
    deployer("apply", str(upgrade), "--lab", "-y")
    assert mysql(trixie_lab, "SELECT MAX(version) FROM deployer_schema_history") == "2"
    applied = last_run(trixie_lab.spec)
    runs = lab.lab_spec_path(trixie_lab.spec).parent / "runs"
    assert (runs / applied["id"] / "dump-erp.sql").stat().st_size > 0
    deployer("rollback", str(upgrade), "--lab", "--last")
    assert last_run(trixie_lab.spec)["status"] == "successful"
    assert mysql(trixie_lab, "SELECT MAX(version) FROM deployer_schema_history") == "1"

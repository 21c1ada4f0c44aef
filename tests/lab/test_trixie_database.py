"""MariaDB 11.8 on a Debian 13 (trixie) database host: the mysql role installs the release's
own packages, whose client programs are named mariadb and mariadb-dump (mysql and mysqldump,
which the role and deployer's dump and restore call, are links to them). Apply creates the
schema, an upgrade's migration runs after a dump of the schema, and `rollback --last` takes it
back.

One host (db1, db role only), so no product is served; one lab for the module, tests in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from labsupport import SCRATCH, UPGRADE, Lab, deployer_ok, last_run, release_pair_specs, running_lab

from deployer import lab

pytestmark = pytest.mark.lab


def _ask_for_mariadb_118(data: dict[str, Any]) -> None:
    data["database"]["version"] = "11.8"


@pytest.fixture(scope="module")
def trixie_lab() -> Iterator[Lab]:
    folder = SCRATCH / "trixie-database"
    spec = release_pair_specs(folder, [("db1", ["db"])], _ask_for_mariadb_118)
    with running_lab(spec, {"db1": "debian-13"}) as started:
        yield started


def mysql(trixie_lab: Lab, sql: str) -> str:
    done = trixie_lab.ssh("db1", f"sudo mysql -N -B erp -e {sql!r}")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_apply_installs_mariadb_118_and_creates_the_schema(trixie_lab: Lab) -> None:
    deployer_ok("apply", str(trixie_lab.spec), "--lab", "-y")
    assert mysql(trixie_lab, "SELECT VERSION()").startswith("11.8.")
    assert mysql(trixie_lab, "SELECT MAX(version) FROM deployer_schema_history") == "1"
    charset = mysql(trixie_lab, "SELECT @@character_set_server, @@lower_case_table_names")
    assert charset == "utf8mb4\t1"


def test_an_upgrade_is_dumped_and_rolled_back(trixie_lab: Lab) -> None:
    upgrade = trixie_lab.spec.with_name(UPGRADE.name)
    deployer_ok("apply", str(upgrade), "--lab", "-y")
    assert mysql(trixie_lab, "SELECT MAX(version) FROM deployer_schema_history") == "2"
    applied = last_run(trixie_lab.spec)
    runs = lab.lab_spec_path(trixie_lab.spec).parent / "runs"
    assert (runs / applied["id"] / "dump-erp.sql").stat().st_size > 0
    deployer_ok("rollback", str(upgrade), "--lab", "--last")
    assert last_run(trixie_lab.spec)["status"] == "successful"
    assert mysql(trixie_lab, "SELECT MAX(version) FROM deployer_schema_history") == "1"

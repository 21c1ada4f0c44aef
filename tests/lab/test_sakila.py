"""MySQL's Sakila sample database, loaded as two migrations of a lab schema by `deployer apply`
on real MariaDB: a schema with triggers, procedures and functions between DELIMITER lines and
version comments, then 3.4 MB of extended INSERTs with CRLF line ends.

The migrations folder is the shared test data itself (../shared/testdata/sakila), never a copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from labsupport import (
    EXAMPLE,
    ROOT,
    SCRATCH,
    Lab,
    deployer_with_secrets,
    running_lab,
)

from deployer.lab.derive import derive_spec

pytestmark = pytest.mark.lab

SAKILA = ROOT.parent / "shared" / "testdata" / "sakila"


def sakila_spec(folder: Path) -> Path:
    """The example's database on a lone db host, with one schema migrated by Sakila."""
    spec = derive_spec(EXAMPLE, folder / "sakila.yml", [("db1", ["db"])], database_host="db1")
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    data["database"]["schemas"] = [
        {
            "name": "sakila",
            "charset": "utf8mb4",
            "collation": "utf8mb4_unicode_ci",
            "migrations": str(SAKILA),
        }
    ]
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def sakila_lab() -> Iterator[Lab]:
    if not SAKILA.is_dir():
        pytest.skip(f"the shared test data is absent ({SAKILA})")
    with running_lab(sakila_spec(SCRATCH / "sakila")) as started:
        yield started


def mysql(sakila_lab: Lab, sql: str) -> str:
    done = sakila_lab.ssh("db1", f"sudo mysql -N -B sakila -e {sql!r}")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_sakila_loads_as_two_migrations(sakila_lab: Lab) -> None:
    done = deployer_with_secrets("apply", str(sakila_lab.spec), "--lab", "-y")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    counts = mysql(
        sakila_lab,
        "SELECT (SELECT COUNT(*) FROM film), (SELECT COUNT(*) FROM actor), "
        "(SELECT COUNT(*) FROM rental), (SELECT COUNT(*) FROM payment)",
    )
    assert counts.split("\t") == ["1000", "200", "16044", "16049"]
    triggers = "SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = 'sakila'"
    assert mysql(sakila_lab, triggers) == "6"
    routines = (
        "SELECT routine_type, COUNT(*) FROM information_schema.routines "
        "WHERE routine_schema = 'sakila' GROUP BY routine_type ORDER BY routine_type"
    )
    assert mysql(sakila_lab, routines).splitlines() == ["FUNCTION\t3", "PROCEDURE\t3"]
    # The triggers work: ins_film filled film_text from every film of V2.
    assert mysql(sakila_lab, "SELECT COUNT(*) FROM film_text") == "1000"
    # film_text is created MyISAM; the version comment /*!50610 ALTER TABLE film_text
    # engine=InnoDB */ was sent, and the server ran it.
    engine = "SELECT engine FROM information_schema.tables WHERE table_name = 'film_text'"
    assert mysql(sakila_lab, engine) == "InnoDB"
    # MariaDB leaves MySQL 5.7's comments (/*!50705 location GEOMETRY ...*/) out, in the
    # table and in its rows alike: the addresses all arrived.
    assert mysql(sakila_lab, "SELECT COUNT(*) FROM address") == "603"
    # Both migrations recorded, committed although V2 switches autocommit off.
    history = "SELECT version, success FROM deployer_schema_history ORDER BY version"
    assert mysql(sakila_lab, history).splitlines() == ["1\t1", "2\t1"]


def test_a_second_apply_finds_nothing_to_migrate(sakila_lab: Lab) -> None:
    done = deployer_with_secrets("apply", str(sakila_lab.spec), "--lab", "-y")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "V1__sakila_schema.sql" not in done.stdout + done.stderr
    history = "SELECT COUNT(*) FROM deployer_schema_history"
    assert mysql(sakila_lab, history) == "2"

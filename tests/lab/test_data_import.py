"""`deployer data import` over SSH on a real lab host, as an engineer runs it on go-live night:
the product's migrations create the tables on db1 (MariaDB), then China's areas and its
streets, saved as GB18030 with CRLF ends and faults, are imported through the command line,
with the counts, the rejects and the characters GBK lacks checked in the database itself.
The core's finer cases run against a local server in tests/integration/test_data_import.py.
"""

from __future__ import annotations

import csv
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from labsupport import EXAMPLE, SCRATCH, Lab, deployer_ok, deployer_with_secrets, running_lab

from deployer.errors import ExitCode
from deployer.journal import Journal
from deployer.lab import lab_spec_path
from deployer.lab.derive import derive_spec
from tests.support.divisions import (
    STREETS,
    TABLES,
    Faults,
    faulty_streets,
    outside_gbk,
    require_divisions,
    write_mappings,
)

pytestmark = pytest.mark.lab

FOLDER = SCRATCH / "data-import"


def divisions_spec(folder: Path) -> Path:
    """The example's database on a lone db host; schema erp's one migration makes the tables."""
    migrations = folder / "migrations"
    migrations.mkdir(parents=True, exist_ok=True)
    sql = "".join(statement + ";\n" for statement in TABLES)
    (migrations / "V1__divisions.sql").write_text(sql, encoding="utf-8")
    spec = derive_spec(EXAMPLE, folder / "divisions.yml", [("db1", ["db"])], database_host="db1")
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    data["database"]["schemas"][0]["migrations"] = str(migrations)
    data["database"]["schemas"][0].pop("target", None)
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def divisions_lab() -> Iterator[Lab]:
    require_divisions()
    with running_lab(divisions_spec(FOLDER)) as started:
        deployer_ok("apply", str(started.spec), "--lab", "-y")
        yield started


@pytest.fixture(scope="module")
def faults() -> Faults:
    return faulty_streets(FOLDER / "streets-gbk.csv")


def mysql(lab: Lab, sql: str) -> str:
    done = lab.ssh("db1", f"sudo mysql --default-character-set=utf8mb4 -N -B erp -e {sql!r}")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def data_import(lab: Lab, mapping: Path, *extra: str) -> dict[str, Any]:
    report = FOLDER / f"{mapping.stem}.json"
    deployer_ok(
        "data", "import", str(lab.spec), str(mapping), "--lab", "--json", str(report), *extra
    )
    return dict(json.loads(report.read_text(encoding="utf-8")))


def rejects(lab: Lab) -> list[dict[str, str]]:
    run = Journal(lab_spec_path(lab.spec).parent / "runs").last("import")
    assert run is not None
    with (run.path / "rejects.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_streets_in_gb18030_with_faults_load_with_exact_counts(
    divisions_lab: Lab, faults: Faults
) -> None:
    areas, streets = write_mappings(FOLDER, FOLDER / "streets-gbk.csv")
    assert data_import(divisions_lab, areas)["loaded"] == 2978
    report = data_import(divisions_lab, streets)
    assert {k: report[k] for k in ("read", "loaded", "duplicates", "rejected")} == {
        "read": faults.read,
        "loaded": STREETS,
        "duplicates": 3,
        "rejected": 5,
    }
    assert report["reasons"] == {reason: 1 for reason in faults.lines}
    assert report["balanced"] and report["count"]["after"] == STREETS
    assert mysql(divisions_lab, "SELECT COUNT(*) FROM streets") == str(STREETS)
    found = {row["reason"]: int(row["line"]) for row in rejects(divisions_lab)}
    assert {reason: found[reason] for reason in faults.lines} == faults.lines
    names = outside_gbk()
    codes = ",".join(map(str, names))
    stored = mysql(divisions_lab, f"SELECT code, name FROM streets WHERE code IN ({codes})")
    assert dict(line.split("\t") for line in stored.splitlines()) == {
        str(code): name for code, name in names.items()
    }


def test_verify_holds_and_then_names_the_column_someone_changed(divisions_lab: Lab) -> None:
    _, streets = write_mappings(FOLDER, FOLDER / "streets-gbk.csv")
    spec = str(divisions_lab.spec)
    deployer_ok("data", "verify", spec, str(streets), "--lab")
    mysql(divisions_lab, "UPDATE streets SET name = CONCAT(name, 'x') WHERE code = 110101001")
    done = deployer_with_secrets("data", "verify", spec, str(streets), "--lab", "--json")
    assert done.returncode == ExitCode.DRIFT, done.stdout + done.stderr
    assert json.loads(done.stdout)["columns_differing"] == ["name"]
    mysql(
        divisions_lab,
        "UPDATE streets SET name = LEFT(name, CHAR_LENGTH(name) - 1) WHERE code = 110101001",
    )
    deployer_ok("data", "verify", spec, str(streets), "--lab")


def test_a_rerun_with_skip_loads_nothing(divisions_lab: Lab) -> None:
    _, skipping = write_mappings(FOLDER, FOLDER / "streets-gbk.csv", on_conflict="skip")
    report = data_import(divisions_lab, skipping)
    assert (report["loaded"], report["skipped"], report["updated"]) == (0, STREETS, 0)


def test_rollback_of_an_update_then_of_the_first_import_leaves_the_table_as_before(
    divisions_lab: Lab,
) -> None:
    loaded = mysql(divisions_lab, "CHECKSUM TABLE streets")
    edited = FOLDER / "streets-edited.csv"
    faulty_streets(edited, renamed={110101001: "东华门街道办", 110101002: "景山街道办"})
    _, updating = write_mappings(FOLDER, edited, on_conflict="update")
    update = data_import(divisions_lab, updating)
    assert (update["updated"], update["loaded"]) == (2, 0)
    assert mysql(divisions_lab, "CHECKSUM TABLE streets") != loaded

    deployer_ok("rollback", str(divisions_lab.spec), update["run"], "--lab")
    assert mysql(divisions_lab, "CHECKSUM TABLE streets") == loaded
    first = _imports(divisions_lab)[1]  # areas, then streets
    deployer_ok("rollback", str(divisions_lab.spec), first, "--lab")
    assert mysql(divisions_lab, "SELECT COUNT(*) FROM streets") == "0"
    assert mysql(divisions_lab, "SELECT COUNT(*) FROM areas") == "2978"


def _imports(lab: Lab) -> list[str]:
    """The ids of the lab journal's import runs that committed, oldest first."""
    runs = Journal(lab_spec_path(lab.spec).parent / "runs").runs()
    return [r.id for r in runs if r.meta()["kind"] == "import" and not r.meta()["dry_run"]]


def test_a_query_on_a_legacy_server_only_db1_reaches_goes_through_ssh(
    divisions_lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = "Lg-" + secrets.token_hex(8)
    for statement in (
        "CREATE DATABASE IF NOT EXISTS legacy CHARACTER SET utf8mb4",
        "CREATE TABLE IF NOT EXISTS legacy.t_jd (jdbm BIGINT, jdmc VARCHAR(64), qxbm INT)",
        "INSERT INTO legacy.t_jd VALUES (999100001, '新区街道', 110101), (999100002, '', 110101)",
        f"CREATE USER IF NOT EXISTS legacy_ro@'127.0.0.1' IDENTIFIED BY '{password}'",
        "GRANT SELECT ON legacy.* TO legacy_ro@'127.0.0.1'",
    ):
        mysql(divisions_lab, statement)
    monkeypatch.setenv("LEGACY_PASSWORD", password)
    mapping = FOLDER / "legacy-streets.yml"
    mapping.write_text(LEGACY_STREETS, encoding="utf-8")
    report = data_import(divisions_lab, mapping)
    assert (report["read"], report["loaded"], report["reasons"]) == (2, 1, {"missing_required": 1})
    assert "via db1" in report["source"]
    assert mysql(divisions_lab, "SELECT name FROM streets WHERE code = 999100001") == "新区街道"
    run = Journal(lab_spec_path(divisions_lab.spec).parent / "runs").last("import")
    assert run is not None
    for record in run.path.iterdir():
        assert password not in record.read_text(encoding="utf-8", errors="replace")


LEGACY_STREETS = """\
apiVersion: deployer/v1
kind: DataImport
schema: erp
table: streets
source:
  database:
    engine: mariadb
    host: 127.0.0.1
    user: legacy_ro
    password: ${env:LEGACY_PASSWORD}
    via: db1
  query: SELECT jdbm, jdmc, qxbm FROM legacy.t_jd
key: [code]
columns:
  code: {from: jdbm, type: integer}
  name: {from: jdmc, required: true}
  area_code: {from: qxbm, type: integer, references: areas.code}
  province_code: {value: 11}
  city_code: {value: 1101}
"""


def test_a_mapping_naming_a_column_the_table_lacks_is_one_line_exit_3(divisions_lab: Lab) -> None:
    areas, _ = write_mappings(FOLDER, FOLDER / "streets-gbk.csv")
    broken = FOLDER / "areas-typo.yml"
    broken.write_text(areas.read_text(encoding="utf-8").replace("  name:", "  nmae:"), "utf-8")
    done = deployer_with_secrets("data", "import", str(divisions_lab.spec), str(broken), "--lab")
    assert done.returncode == ExitCode.INVALID_SPEC, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{broken}:"), lines
    assert "columns.nmae" in lines[0] and "has no column nmae" in lines[0]

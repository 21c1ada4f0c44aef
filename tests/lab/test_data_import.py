"""`deployer data import` over SSH on a real lab host, as an engineer runs it on go-live night:
the product's migrations create the tables on db1 (MariaDB), then China's areas and its
streets, saved as GB18030 with CRLF ends and faults, are imported through the command line,
with the counts, the rejects and the characters GBK lacks checked in the database itself.
The core's finer cases run against a local server in tests/integration/test_data_import.py.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from labsupport import EXAMPLE, SCRATCH, Lab, deployer_ok, deployer_with_secrets, running_lab

from deployer.errors import ExitCode
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
    runs = sorted((lab_spec_path(lab.spec).parent / "runs").iterdir())
    with (runs[-1] / "rejects.csv").open(encoding="utf-8", newline="") as handle:
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


def test_a_rerun_with_skip_loads_nothing(divisions_lab: Lab) -> None:
    _, skipping = write_mappings(FOLDER, FOLDER / "streets-gbk.csv", on_conflict="skip")
    report = data_import(divisions_lab, skipping)
    assert (report["loaded"], report["skipped"], report["updated"]) == (0, STREETS, 0)


def test_a_mapping_naming_a_column_the_table_lacks_is_one_line_exit_3(divisions_lab: Lab) -> None:
    areas, _ = write_mappings(FOLDER, FOLDER / "streets-gbk.csv")
    broken = FOLDER / "areas-typo.yml"
    broken.write_text(areas.read_text(encoding="utf-8").replace("  name:", "  nmae:"), "utf-8")
    done = deployer_with_secrets("data", "import", str(divisions_lab.spec), str(broken), "--lab")
    assert done.returncode == ExitCode.INVALID_SPEC, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{broken}:"), lines
    assert "columns.nmae" in lines[0] and "has no column nmae" in lines[0]

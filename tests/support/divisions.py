"""China's administrative divisions (../shared/testdata/china-divisions) as a customer's legacy
export: the tables the product would have, mappings for areas and streets, and streets.csv
saved as GB18030 with CRLF line ends and the faults legacy exports carry, each at a known line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DIVISIONS = ROOT.parent / "shared" / "testdata" / "china-divisions"
STREETS = 41352

TABLES = (
    "CREATE TABLE areas (code INT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL, "
    "city_code INT NOT NULL, province_code INT NOT NULL) DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE streets (code BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL, "
    "area_code INT NOT NULL, province_code INT NOT NULL, city_code INT NOT NULL) "
    "DEFAULT CHARSET=utf8mb4",
)


def require_divisions() -> None:
    if not (DIVISIONS / "streets.csv").is_file():
        pytest.skip(f"the shared test data is absent ({DIVISIONS})")


@dataclass
class Faults:
    """Where each injected fault is: its line in the written file, by reason."""

    lines: dict[str, int] = field(default_factory=dict)
    repeats: list[int] = field(default_factory=list)

    @property
    def read(self) -> int:
        return STREETS + len(self.lines) + len(self.repeats)


def outside_gbk() -> dict[int, str]:
    """Street code -> name, for the names GBK cannot hold (GB18030 can)."""
    found = {}
    for row in _streets():
        try:
            row["name"].encode("gbk")
        except UnicodeEncodeError:
            found[int(row["code"])] = row["name"]
    return found


def _streets() -> list[dict[str, str]]:
    with (DIVISIONS / "streets.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def faulty_streets(path: Path, renamed: dict[int, str] | None = None) -> Faults:
    """streets.csv as GB18030 with CRLF ends, faults spread through it; ``renamed`` changes
    those streets' names (a second export after corrections)."""
    rows = _streets()
    for row in rows:
        if renamed and int(row["code"]) in renamed:
            row["name"] = renamed[int(row["code"])]
    header = list(rows[0])
    lines: list[bytes] = [_line(header)]
    faults = Faults()
    injected = {
        100: ("missing_required", _line(["999000001", "", "110101", "11", "1101"])),
        5000: ("bad_type", _line(["99900000X", "错误编码街道", "110101", "11", "1101"])),
        10000: ("undecodable", b"\xff\xfe\x80\x80 not gb18030\r\n"),
        20000: ("bad_reference", _line(["999000002", "无主街道", "999999", "11", "1101"])),
        30000: ("too_long", _line(["999000003", "长" * 70, "110101", "11", "1101"])),
    }
    for index, row in enumerate(rows):
        if index in injected:
            reason, line = injected[index]
            faults.lines[reason] = len(lines) + 1
            lines.append(line)
        lines.append(_line([row[name] for name in header]))
    for row in (rows[1], rows[2000], rows[40000]):  # repeated keys at the end
        faults.repeats.append(len(lines) + 1)
        lines.append(_line([row[name] for name in header]))
    path.write_bytes(b"".join(lines))
    return faults


def _line(cells: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue().encode("gb18030")


def write_mappings(folder: Path, streets: Path, on_conflict: str = "reject") -> tuple[Path, Path]:
    """areas.yml (the shared UTF-8 file itself) and streets.yml (``streets``, declared GBK)."""
    integer = {"type": "integer", "required": True}
    areas = {
        "apiVersion": "deployer/v1",
        "kind": "DataImport",
        "schema": "erp",
        "table": "areas",
        "source": {"file": str(DIVISIONS / "areas.csv"), "encoding": "utf-8"},
        "key": ["code"],
        "columns": {
            "code": {"from": "code", **integer},
            "name": {"from": "name", "type": "string", "required": True},
            "city_code": {"from": "cityCode", **integer},
            "province_code": {"from": "provinceCode", **integer},
        },
    }
    street_mapping = {
        "apiVersion": "deployer/v1",
        "kind": "DataImport",
        "schema": "erp",
        "table": "streets",
        "source": {"file": streets.name, "encoding": "gbk"},
        "key": ["code"],
        "duplicates": "first",
        "on_conflict": on_conflict,
        "batch_size": 5000,
        "columns": {
            "code": {"from": "code", **integer},
            "name": {"from": "name", "type": "string", "max_length": 64, "trim": True},
            "area_code": {"from": "areaCode", "type": "integer", "references": "areas.code"},
            "province_code": {"from": "provinceCode", "type": "integer"},
            "city_code": {"from": "cityCode", "type": "integer"},
        },
    }
    paths = folder / "areas.yml", folder / f"streets-{on_conflict}.yml"
    for path, data in zip(paths, (areas, street_mapping), strict=True):
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return paths

"""Time ``deployer data import`` of generated legacy rows against ``LOAD DATA LOCAL INFILE`` of
the same rows already clean, into the same table of the same server, in the same run.

A lab host db1 gets MariaDB and a table from the spec's migration (``deployer apply``). The
import reads a GB18030 CSV (Chinese names, dates written as 2019年3月7日, 是/否 flags) and
decodes, converts, checks and loads it: the whole command, timed from its start to its end.
The baseline is the server's own bulk load of a tab-separated UTF-8 file of the same rows,
already converted, sent from this machine through an SSH tunnel to db1 as the import's are.
Run as root: ``python bench/data.py [--rows N]`` (default 500,000). The last line is one JSON
object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymysql
import yaml

from benchsupport import byte_compiled
from deployer import lab
from deployer.journal import Journal, Redactor
from deployer.lab.derive import derive_spec
from deployer.lab.files import lab_spec_path
from deployer.lab.network import free_subnet
from deployer.run.context import open_context
from deployer.spec import load_environment
from deployer.transport.hosts import SshHosts
from deployer.transport.tunnel import Endpoint, ssh_tunnel

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "huadong-production.yml"
WORK = ROOT / ".deployer" / "bench-data"
ADMIN = "bench-Admin-1"
SECRETS = {"HUADONG_DB_ADMIN_PASSWORD": ADMIN, "HUADONG_DB_APP_PASSWORD": "bench-App-1"}
TABLE = (
    "CREATE TABLE {name} (code BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL, "
    "amount DECIMAL(12,2), opened DATE, active TINYINT(1) NOT NULL) DEFAULT CHARSET=utf8mb4"
)
MAPPING = {
    "apiVersion": "deployer/v1",
    "kind": "DataImport",
    "schema": "erp",
    "table": "imported",
    "source": {"file": "legacy.csv", "encoding": "gbk"},
    "key": ["code"],
    "columns": {
        "code": {"from": "编码", "type": "integer"},
        "name": {"from": "名称", "trim": True},
        "amount": {"from": "金额", "type": "decimal"},
        "opened": {"from": "建档日期", "type": "date", "formats": ["%Y年%m月%d日"]},
        "active": {"from": "有效", "type": "boolean"},
    },
}
WORDS = "华东精密机械苏州无锡常州杭州宁波温州轴承仪表五金液压设备有限公司商行工厂"


def write_rows(count: int, legacy: Path, clean: Path) -> None:
    """The same rows as a legacy GB18030 CSV and as the server's clean tab-separated text."""
    chance = random.Random(17)
    with legacy.open("w", encoding="gb18030", newline="") as old, clean.open("w") as new:
        old.write("编码,名称,金额,建档日期,有效\r\n")
        for code in range(1, count + 1):
            name = "".join(chance.choice(WORDS) for _ in range(chance.randint(4, 14)))
            cents = chance.randint(0, 10_000_000)
            day = (2000 + chance.randint(0, 25), chance.randint(1, 12), chance.randint(1, 28))
            active = chance.random() < 0.8
            amount = f"{cents // 100}.{cents % 100:02d}"
            old.write(f"{code},{name},{amount},{day[0]}年{day[1]}月{day[2]}日,")
            old.write("是\r\n" if active else "否\r\n")
            new.write(
                f"{code}\t{name}\t{amount}\t{day[0]}-{day[1]:02d}-{day[2]:02d}\t{int(active)}\n"
            )


def lab_spec(folder: Path) -> Path:
    migrations = folder / "migrations"
    migrations.mkdir(parents=True, exist_ok=True)
    sql = TABLE.format(name="imported") + ";\n" + TABLE.format(name="bulk_loaded") + ";\n"
    (migrations / "V1__bench_tables.sql").write_text(sql, encoding="utf-8")
    spec = derive_spec(EXAMPLE, folder / "bench-data.yml", [("db1", ["db"])], database_host="db1")
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    schema = data["database"]["schemas"][0]
    schema["migrations"] = str(migrations)
    schema.pop("target", None)
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return spec


def deployer(*args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "deployer", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **SECRETS},
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[:2])} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds


@contextmanager
def admin_connection(spec: Path) -> Iterator[Any]:
    """root on db1's MariaDB through an SSH tunnel, allowed to send local files."""
    loaded = load_environment(lab_spec_path(spec))
    with open_context(loaded, Journal(WORK / "runs", Redactor()), lambda *_: None) as context:
        assert isinstance(context.hosts, SshHosts)
        via = context.hosts.targets["db1"]
        remote = Endpoint("127.0.0.1", 3306)
        with ssh_tunnel(via, remote, context.hosts.options) as local:
            connection = pymysql.connect(
                host=local.host,
                port=local.port,
                user="root",
                password=ADMIN,
                database="erp",
                charset="utf8mb4",
                local_infile=True,
                autocommit=True,
            )
            try:
                yield connection
            finally:
                connection.close()


def bulk_load(connection: Any, clean: Path) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"LOAD DATA LOCAL INFILE '{clean}' INTO TABLE bulk_loaded CHARACTER SET utf8mb4 "
            "(code, name, amount, opened, active)"
        )
    return time.perf_counter() - started


def count(connection: Any, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return int(cursor.fetchone()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description="Time data import against LOAD DATA LOCAL.")
    parser.add_argument("--rows", type=int, default=500_000)
    args = parser.parse_args()
    byte_compiled()
    WORK.mkdir(parents=True, exist_ok=True)
    spec = lab_spec(WORK)
    mapping = WORK / "legacy.yml"
    mapping.write_text(yaml.safe_dump(MAPPING, allow_unicode=True), encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        clean = Path(folder) / "clean.tsv"
        write_rows(args.rows, WORK / "legacy.csv", clean)
        size = (WORK / "legacy.csv").stat().st_size
        lab.down(spec)
        options = lab.UpOptions(
            cache_dir=lab.cache_dir_from(os.environ, Path.home()), subnet=str(free_subnet())
        )
        try:
            lab.up(spec, options)
            deployer("apply", str(spec), "--lab", "-y")
            with admin_connection(spec) as connection:
                baseline = bulk_load(connection, clean)
                ours = deployer("data", "import", str(spec), str(mapping), "--lab")
                loaded = (count(connection, "imported"), count(connection, "bulk_loaded"))
        finally:
            lab.down(spec)
    if loaded != (args.rows, args.rows):
        sys.exit(f"rows loaded {loaded}, expected {args.rows} in both tables")
    ratio = baseline / ours
    print(f"rows                     {args.rows:>10}   ({size / 1e6:.1f} MB of GB18030 CSV)")
    print(f"deployer data import     {ours:8.1f} s   {args.rows / ours:>9.0f} rows/s")
    print(f"LOAD DATA LOCAL (clean)  {baseline:8.1f} s   {args.rows / baseline:>9.0f} rows/s")
    print(f"import / bulk load speed = {ratio:.2f} (goal >= 0.70)")
    figures = {
        "rows": args.rows,
        "import_s": round(ours, 2),
        "load_data_local_s": round(baseline, 2),
        "import_rows_per_s": round(args.rows / ours),
        "load_data_local_rows_per_s": round(args.rows / baseline),
        "speed_vs_load_data_local": round(ratio, 3),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

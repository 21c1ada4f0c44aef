"""A journal written by the previous main (tests/fixtures/journal/main-2026-12-01, format 1)
is rolled back by today's ``deployer rollback --last``, in-process over fake hosts, database
and executor: the upgrade to 1.1 is undone from its own plan, the schema restored from the
dump it took (the very bytes, checked against the SHA-256 it recorded), and the new run reads
back in ``runs`` and ``show``."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.executors.base import Play
from deployer.run import context as context_module
from deployer.transport.hosts import SshHosts
from tests.support.example_specs import example_spec
from tests.support.fakes import FakeDatabase, FakeExecutor, FakeHosts

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "journal" / "main-2026-12-01"
UPGRADE = "20261201-151830-1213"  # the apply of 1.1, with dump-erp.sql
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPw8YdGmJ3Yk6hRcdLYiXnKjOv3D3pZf3cA0lN7V0Qm1"

Cli = Callable[[list[str]], Any]


class World:
    """Fake hosts, database and executor behind the real CLI and run context."""

    def __init__(self) -> None:
        self.hosts = FakeHosts(("app1", "db1"))
        self.hosts.answer("deployer-lock", (0, "lock: taken\n"))
        self.executor = FakeExecutor()
        checksum = "0" * 64  # a rollback does not compare checksums: it undoes what ran
        self.database = FakeDatabase(
            rules=[
                (r"information_schema\.tables\s+WHERE table_schema = %\(schema\)s AND", [(1,)]),
                (
                    r"SELECT version, description",
                    [
                        (1, "create core tables", checksum, 1, "t", "", "20261201-151558-5c7b"),
                        (2, "add order status", checksum, 1, "t", "", UPGRADE),
                    ],
                ),
            ]
        )


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    made = World()
    for method in ("run_on", "run_everywhere", "run_to_file", "run_from_file", "_result"):
        monkeypatch.setattr(SshHosts, method, getattr(FakeHosts, method), raising=False)
    for name in ("answers", "log", "files", "sent"):
        monkeypatch.setattr(SshHosts, name, getattr(made.hosts, name), raising=False)
    monkeypatch.setattr(context_module.ExecutorFactory, "__call__", lambda *a, **k: made.executor)
    monkeypatch.setattr(context_module, "database_sessions", lambda *args: made.database)
    monkeypatch.setenv("HUADONG_DB_ADMIN_PASSWORD", "admin-pw")
    monkeypatch.setenv("HUADONG_DB_APP_PASSWORD", "app-pw")
    return made


def upgrade_spec(folder: Path) -> Path:
    """The 1.1 example the recorded upgrade applied, with both hosts' keys pinned."""
    return example_spec(
        folder,
        "huadong-production-1.1.yml",
        f"    roles: [web, app]\n=>    roles: [web, app]\n    host_key: {KEY}\n",
        f"    roles: [db]\n=>    roles: [db]\n    host_key: {KEY}\n",
    )


def test_the_recorded_upgrade_is_rolled_back_from_its_dump(
    tmp_path: Path, cli: Cli, world: World
) -> None:
    journal = tmp_path / "runs"
    shutil.copytree(FIXTURE, journal)
    spec = upgrade_spec(tmp_path)
    recorded = json.loads((journal / UPGRADE / "rollback.json").read_text())
    (schema,) = recorded["schemas"]
    dump = (journal / UPGRADE / "dump-erp.sql").read_bytes()
    # The recorded plan restores from the dump: V2 overwrites values its undo cannot bring back.
    assert schema["migrations"][0]["destructive"] and schema["dump"] == "dump-erp.sql"
    assert (len(dump), hashlib.sha256(dump).hexdigest()) == (
        schema["dump_bytes"],
        schema["dump_sha256"],
    )

    done = cli(["rollback", str(spec), "--last", "--journal", str(journal)])
    assert done.code == ExitCode.OK, done.err

    runs = cli(["runs", str(spec), "--journal", str(journal), "--json"])
    assert runs.code == 0, runs.err
    listed = json.loads(runs.out)
    assert [run["id"] for run in listed[:4]] == sorted(
        p.name for p in FIXTURE.iterdir() if p.is_dir()
    )
    new = listed[-1]
    assert (new["kind"], new["status"], new["exit_code"]) == ("rollback", "successful", 0)
    meta = json.loads((journal / new["id"] / "meta.json").read_text())
    assert meta["undoes"] == UPGRADE and meta["product_version"] == "1.1"
    assert meta["ports"] == {"app1": 8080}

    # The schema came back from the recorded dump, streamed byte for byte to db1.
    assert world.hosts.sent == [dump]
    (restore,) = [(host, cmd) for host, cmd in world.hosts.log if "DROP DATABASE" in cmd]
    assert restore[0] == "db1"
    assert not any("DROP COLUMN" in statement for statement in world.database.log)
    # The product was stopped first, the rollback play ran with the plan's values.
    # (The lock and the probe that chooses the engines only read or guard.)
    (first, *_) = [
        (host, cmd)
        for host, cmd in world.hosts.log
        if "deployer-lock" not in cmd and cmd != "sh -s < probe"
    ]
    assert first[0] == "app1" and "systemctl stop" in first[1]
    assert [play for play, _ in world.executor.plays] == [Play.ROLLBACK]
    app1 = world.executor.host_values["app1"]
    assert app1["product_rollback_release"] == "/opt/sample-erp/releases/1.0-20261201-151558-5c7b"
    assert app1["product_rollback_version"] == "1.0"
    assert app1["product_rollback_failed_release"] == (
        "/opt/sample-erp/releases/1.1-20261201-151830-1213"
    )
    assert app1["product_health_port"] == 8080
    assert app1["product_rollback_changes"]["restore"] == {
        "/opt/sample-erp/shared/config/erp.properties": (
            "/opt/sample-erp/shared/config/erp.properties.3465.2026-12-01@15:18:57~"
        )
    }
    # It started from the facts the recorded run gathered.
    assert world.executor.seeded == json.loads(
        (journal / UPGRADE / "ansible-facts.json").read_text()
    )

    shown = cli(["show", str(spec), new["id"], "--journal", str(journal)])
    assert shown.code == 0, shown.err
    assert shown.out.startswith(f"run {new['id']} (rollback): successful, exit 0\n")
    as_json = cli(["show", str(spec), new["id"], "--journal", str(journal), "--json"])
    entry = json.loads(as_json.out)
    assert (entry["kind"], entry["status"], entry["failed_tasks"]) == ("rollback", "successful", [])

"""The Oracle example end to end short of a server: it validates, and its plan (with the
rollback plan written before anything is touched) is refused by nothing but the database
that does not answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.executors.base import Play
from deployer.run import check as check_module
from deployer.run import context as context_module
from deployer.transport.database import DatabaseUnavailable
from deployer.transport.result import Failure
from tests.support.example_specs import example_spec
from tests.support.fakes import FakeDatabase, FakeExecutor, FakeHosts
from tests.support.oracle_server import OracleServer

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPw8YdGmJ3Yk6hRcdLYiXnKjOv3D3pZf3cA0lN7V0Qm1"
Cli = Callable[[list[str]], Any]


def oracle_spec(folder: Path, target: int = 1) -> Path:
    pinned = [
        f"    roles: [web, app]\n=>    roles: [web, app]\n    host_key: {KEY}\n",
        f"    roles: [db]\n=>    roles: [db]\n    host_key: {KEY}\n",
    ]
    return example_spec(folder, "huadong-oracle.yml", *pinned, f"target: 1 =>target: {target} ")


def plan_of(out: str) -> dict[str, Any]:
    events = [json.loads(line) for line in out.splitlines()]
    (plan,) = [e["plan"] for e in events if e["type"] == "plan"]
    return dict(plan)


@pytest.fixture
def no_oracle(monkeypatch: pytest.MonkeyPatch, fake_world: FakeExecutor) -> FakeDatabase:
    """Hosts answer; the Oracle server does not."""
    down = FakeDatabase(unavailable=DatabaseUnavailable("Oracle at 10.20.30.21:1521: DPY-6005"))
    monkeypatch.setattr(context_module, "database_sessions", lambda *args: down)
    monkeypatch.setattr(check_module, "database_sessions", lambda *args: down)
    return down


def test_the_oracle_example_validates(cli: Cli) -> None:
    example = Path(__file__).resolve().parents[3] / "examples" / "huadong-oracle.yml"
    done = cli(["validate", str(example)])
    assert done.code == 0, done.err


def test_the_oracle_example_plans_with_its_rollback_plan_while_the_server_is_down(
    tmp_path: Path, cli: Cli, no_oracle: FakeDatabase
) -> None:
    spec = oracle_spec(tmp_path, target=2)
    journal = tmp_path / "runs"
    done = cli(["plan", str(spec), "--json", "--journal", str(journal)])
    assert done.code == 0, done.err
    plan = plan_of(done.out)
    assert plan["pending_migrations"] == {
        "erp": ["V1__create_core_tables.sql", "V2__add_order_status.sql"]
    }
    assert any("database not reachable yet" in note for note in plan["notes"])
    # The server is the site's: no stage installs it on db1.
    stages = [step["stage"] for step in plan["steps"]]
    assert "database server" not in stages and "schemas and migrations" in stages
    (run,) = journal.iterdir()
    rollback = json.loads((run / "rollback.json").read_text(encoding="utf-8"))
    (schema,) = rollback["schemas"]
    assert (schema["schema"], schema["host"]) == ("erp", "db1")
    steps = {m["name"]: m["undo"] for m in schema["migrations"]}
    assert steps == {
        "V1__create_core_tables.sql": None,
        "V2__add_order_status.sql": "U2__add_order_status.sql",
    }
    assert "erp" in (run / "rollback.md").read_text(encoding="utf-8")


def test_apply_creates_the_oracle_schema_and_plan_then_sees_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli, fake_world: FakeExecutor
) -> None:
    """apply's schema stage goes to Oracle through the run's session (the release play of
    the fake executor fails afterwards); the next plan reads the history it wrote."""
    server = OracleServer()
    monkeypatch.setattr(context_module, "database_sessions", lambda *args: server)
    journal = tmp_path / "runs"
    applied = cli(["apply", str(oracle_spec(tmp_path)), "-y", "--journal", str(journal)])
    assert applied.code == ExitCode.APPLY_FAILED, applied.err
    assert "app1: release failed" in applied.err
    assert sorted(server.history["ERP"]) == [1]
    assert [play for play, _ in fake_world.plays] == [Play.MIDDLEWARE, Play.RELEASE]
    assert server.users["ERP_APP"].password == "app-pw"
    done = cli(["plan", str(oracle_spec(tmp_path, target=2)), "--json", "--journal", str(journal)])
    assert done.code == 0, done.err
    plan = plan_of(done.out)
    assert plan["pending_migrations"] == {"erp": ["V2__add_order_status.sql"]}


def test_check_of_the_oracle_example_with_its_hosts_unreachable_exits_5(
    tmp_path: Path, cli: Cli, no_oracle: FakeDatabase, scripted_hosts: FakeHosts
) -> None:
    scripted_hosts.answer("sh -s", Failure.UNREACHABLE)
    done = cli(["check", str(oracle_spec(tmp_path)), "--journal", str(tmp_path / "runs")])
    assert done.code == ExitCode.HOST_UNREACHABLE, done.err
    assert "Traceback" not in done.err


def test_check_of_the_oracle_example_with_the_server_down_reports_it_unknown(
    tmp_path: Path, cli: Cli, no_oracle: FakeDatabase
) -> None:
    """The hosts answer and the listener does not: the scan says so and goes on."""
    report = tmp_path / "report.json"
    done = cli(
        [
            "check",
            str(oracle_spec(tmp_path)),
            "--journal",
            str(tmp_path / "runs"),
            "--json",
            str(report),
        ]
    )
    assert done.code != 1 and "Traceback" not in done.err, done.err
    hosts = json.loads(report.read_text(encoding="utf-8"))["hosts"]
    results = [r for host in hosts for r in host["results"]]
    (connect,) = [r for r in results if r["check_id"] == "db.connect"]
    assert connect["status"] == "UNKNOWN" and "DPY-6005" in connect["observed"]

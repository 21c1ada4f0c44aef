"""apply, as a reader of its journal sees it: the database server, the schemas, the middleware
and the release, in that order; the rollback plan written before the first play and again
before each stage; a failing play stops the run (exit 6) with the plan completed; Ctrl-C ends
it canceled (exit 130) with the plan left behind; a migration nothing could undo is refused
(exit 12) before any statement of it runs. Hosts, database and executor are fakes."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.executors.base import OnTask, Play, PlayResult, TaskEvent
from deployer.journal import RunStatus
from deployer.migrations import discover
from deployer.rollback import recorder as recorder_module
from deployer.run.apply import ApplyOptions, ApplyOutcome, run_apply
from deployer.run.secrets import RunSecrets
from deployer.spec import load_environment
from tests.support.example_specs import EXAMPLES, example_spec
from tests.support.fakes import FakeDatabase, FakeExecutor, FakeHosts, fake_context

SECRETS = RunSecrets("admin-pw", {"erp": "app-pw"})
MYSQL_CHANGES = {"restore": {"/etc/mysql/my.cnf": "/etc/mysql/my.cnf.1.bak"}, "remove": []}


class WatchingExecutor(FakeExecutor):
    """A fake executor that notes each play in ``order`` and, as it starts, the rollback plan
    on disk."""

    def __init__(self, journal: Path, order: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.journal, self.order = journal, order
        self.plans_seen: dict[Play, dict[str, Any] | None] = {}

    def run(
        self,
        play: Play,
        on_task: OnTask,
        *,
        check: bool = False,
        hosts: Collection[str] | None = None,
    ) -> PlayResult:
        self.order.append(f"play {play.value}")
        (folder,) = [p for p in self.journal.iterdir() if p.is_dir()]
        path = folder / "rollback.json"
        self.plans_seen[play] = json.loads(path.read_text()) if path.exists() else None
        return super().run(play, on_task, check=check)


def apply(
    tmp_path: Path,
    executor: FakeExecutor,
    *,
    spec: Path | None = None,
    hosts: FakeHosts | None = None,
    database: FakeDatabase | None = None,
    progress: Callable[[str, Any], None] | None = None,
    options: ApplyOptions | None = None,
) -> tuple[ApplyOutcome, Path]:
    loaded = load_environment(spec or example_spec(tmp_path))
    context = fake_context(
        loaded,
        tmp_path / "runs",
        hosts=hosts,
        database=database,
        executor=executor,
        secrets=SECRETS,
        progress=progress,
    )
    outcome = run_apply(context, options or ApplyOptions())
    return outcome, tmp_path / "runs" / outcome.run_id


def events(folder: Path) -> list[dict[str, Any]]:
    lines = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def meta(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "meta.json").read_text(encoding="utf-8")))


def test_the_database_lane_runs_beside_the_middleware_and_the_release_after_both(
    tmp_path: Path,
) -> None:
    database = FakeDatabase()
    executor = FakeExecutor()
    outcome, folder = apply(tmp_path, executor, database=database)
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    plays = [play for play, check in executor.plays]
    assert set(plays[:2]) == {Play.DATABASE_SERVER, Play.MIDDLEWARE}
    assert plays[2:] == [Play.RELEASE]
    stages = [e["name"] for e in events(folder) if e["event"] == "stage"]
    assert stages.index("database server") < stages.index("schemas and migrations")
    assert stages[-1] == "release"
    # The schemas come after the database server's play and before the release's.
    order = [
        e.get("name", "schema") for e in events(folder) if e["event"] in ("playbook", "schema")
    ]
    assert order.index("database-server.yml") < order.index("schema") < order.index("release.yml")
    assert order.index("middleware.yml") < order.index("release.yml")
    (schema,) = [e for e in events(folder) if e["event"] == "schema"]
    assert schema["migrations"] == ["V1__create_core_tables.sql"]
    assert any("CREATE DATABASE" in statement for statement in database.log)
    assert (meta(folder)["status"], meta(folder)["exit_code"]) == ("successful", 0)


def test_the_stages_run_one_after_the_other_where_they_share_a_host(tmp_path: Path) -> None:
    spec = example_spec(tmp_path, "huadong-production.yml", "roles: [db]=>roles: [db, app]")
    executor = FakeExecutor()
    outcome, folder = apply(tmp_path, executor, spec=spec)
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    assert [play for play, _ in executor.plays] == [
        Play.DATABASE_SERVER,
        Play.MIDDLEWARE,
        Play.RELEASE,
    ]
    stages = [e["name"] for e in events(folder) if e["event"] == "stage"]
    assert stages == ["database server", "schemas and migrations", "middleware", "release"]


def test_the_rollback_plan_is_written_before_the_first_play_and_again_before_each_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []
    write_plan = recorder_module.write_plan

    def noted_write(run: Any, plan: Any) -> None:
        order.append("rollback.json")
        write_plan(run, plan)

    monkeypatch.setattr(recorder_module, "write_plan", noted_write)
    changed = TaskEvent(
        "db1",
        "Configure MariaDB.",
        "changed",
        role="mysql",
        facts={"mysql_run_changes": MYSQL_CHANGES},
    )
    executor = WatchingExecutor(tmp_path / "runs", order, tasks={Play.DATABASE_SERVER: [changed]})

    def stage_shown(title: str, event: Any) -> None:
        if event is None:  # a stage heading, shown as the stage starts
            order.append(f"stage {title}")

    outcome, folder = apply(tmp_path, executor, progress=stage_shown)
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    first_play = min(order.index("play database server"), order.index("play middleware"))
    # Written ahead of each stage of the first phase (the database lane and the middleware,
    # side by side), before either play starts; again before the release; and at the end.
    assert order[:3] == ["rollback.json"] * 3
    assert order.index("rollback.json", 3) < first_play
    release = order.index("stage release")
    assert order[release - 1] == "rollback.json", order
    assert order[-1] == "rollback.json"
    # What the database play recorded is in the plan the release starts from.
    assert executor.plans_seen[Play.DATABASE_SERVER] is not None
    db1_before = _host(executor.plans_seen[Play.DATABASE_SERVER], "db1")
    assert db1_before["changes"] == {}
    db1_then = _host(executor.plans_seen[Play.RELEASE], "db1")
    assert db1_then["changes"]["mysql"] == MYSQL_CHANGES
    assert (folder / "rollback.md").is_file()


def _host(plan: dict[str, Any] | None, name: str) -> dict[str, Any]:
    assert plan is not None
    (found,) = [step for step in plan["hosts"] if step["host"] == name]
    return dict(found)


def test_the_packages_before_the_run_and_the_summed_recap_are_recorded(tmp_path: Path) -> None:
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer("dpkg-query", (0, "nginx\t1.22.1-9\nopenjdk-17-jre-headless\t17.0.13+11-2\n"))
    outcome, folder = apply(tmp_path, FakeExecutor(), hosts=hosts)
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    before = json.loads((folder / "packages-before.json").read_text())
    assert before["db1"] == {"nginx": "1.22.1-9", "openjdk-17-jre-headless": "17.0.13+11-2"}
    assert set(before) == {"app1", "db1"}
    # Three plays, each with ok=1 changed=1 on app1.
    recap = json.loads((folder / "recap.json").read_text())
    assert recap["app1"] == {"ok": 3, "changed": 3, "failed": 0, "unreachable": 0, "skipped": 0}
    assert outcome.recap["app1"].ok == 3


def test_a_failing_play_stops_the_run_failed_with_the_plan_completed(tmp_path: Path) -> None:
    hosts = FakeHosts(("app1", "db1"))
    executor = FakeExecutor(fail={Play.MIDDLEWARE})
    outcome, folder = apply(tmp_path, executor, hosts=hosts)
    assert outcome.exit_code == ExitCode.APPLY_FAILED
    assert outcome.failure == "app1: middleware failed"
    assert {play for play, _ in executor.plays} == {Play.DATABASE_SERVER, Play.MIDDLEWARE}
    info = meta(folder)
    assert (info["status"], info["exit_code"], info["error"]) == (
        "failed",
        6,
        "app1: middleware failed",
    )
    # The plan was completed after the failure: the packages were listed again at the end.
    listings = [command for host, command in hosts.log if command == "list packages"]
    assert len(listings) == 4  # before the run and after it, on both hosts
    assert (folder / "rollback.json").is_file()
    recap = json.loads((folder / "recap.json").read_text())
    assert recap["app1"]["failed"] == 1 and recap["app1"]["ok"] == 2


def test_hosts_that_stop_answering_after_a_failed_play_do_not_hide_its_failure(
    tmp_path: Path,
) -> None:
    fake_hosts = FakeHosts(("app1", "db1"))

    class LosingHosts(FakeExecutor):
        def run(
            self,
            play: Play,
            on_task: OnTask,
            *,
            check: bool = False,
            hosts: Collection[str] | None = None,
        ) -> PlayResult:
            fake_hosts.answer("dpkg-query", (1, "dpkg-query: database locked"))
            return super().run(play, on_task, check=check, hosts=hosts)

    outcome, folder = apply(tmp_path, LosingHosts(fail={Play.RELEASE}), hosts=fake_hosts)
    assert outcome.exit_code == ExitCode.APPLY_FAILED
    assert outcome.failure == "app1: release failed"
    assert (folder / "rollback.json").is_file()
    assert not any(
        step["packages"] for step in json.loads((folder / "rollback.json").read_text())["hosts"]
    )


def test_ctrl_c_in_a_play_cancels_the_run_and_leaves_the_rollback_plan(tmp_path: Path) -> None:
    executor = FakeExecutor(interrupt={Play.MIDDLEWARE})
    loaded = load_environment(example_spec(tmp_path))
    context = fake_context(loaded, tmp_path / "runs", executor=executor, secrets=SECRETS)
    with pytest.raises(KeyboardInterrupt):
        run_apply(context, ApplyOptions())
    (folder,) = (tmp_path / "runs").iterdir()
    info = meta(folder)
    assert (info["status"], info["exit_code"]) == (RunStatus.CANCELED.value, 130)
    assert {play for play, _ in executor.plays} == {Play.DATABASE_SERVER, Play.MIDDLEWARE}
    assert json.loads((folder / "rollback.json").read_text())["run_id"] == folder.name
    assert (folder / "recap.json").is_file()


# An upgrade whose second migration drops a table, on a schema already at V1.
HISTORY = r"SELECT version, description"
V1 = "CREATE TABLE legacy (x INT);\n"
V2 = "DROP TABLE legacy;\n"


def upgrade_spec(tmp_path: Path, *edits: str) -> tuple[Path, list[tuple[str, Any]]]:
    """A spec migrating ``erp`` to V2 (a DROP), and a server whose ``erp`` is at V1."""
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "V1__legacy.sql").write_text(V1)
    (migrations / "V2__drop_legacy.sql").write_text(V2)
    (v1, _) = discover(migrations)
    spec = example_spec(
        tmp_path,
        "huadong-production-1.1.yml",
        f"migrations: {EXAMPLES}/sample-erp/migrations/erp=>migrations: {migrations}",
        *edits,
    )
    server: list[tuple[str, Any]] = [
        (r"information_schema\.schemata", [(1,)]),
        (r"information_schema\.tables\s+WHERE table_schema = %\(schema\)s AND", [(1,)]),
        (r"SELECT COALESCE", [(50 * 1024 * 1024,)]),
        (HISTORY, [(1, "legacy", v1.checksum, 1, "t", "", "r0")]),
    ]
    return spec, server


class ReachableForTheProbe(FakeHosts):
    """Hosts of which only ``names`` answer, once every host answered apply's probe."""

    def run_everywhere(self, hosts: Any, command: str, **kwargs: Any) -> Any:
        if command != "sh -s":
            return super().run_everywhere(hosts, command, **kwargs)
        return FakeHosts(("app1", "db1")).run_everywhere(hosts, command, **kwargs)


@pytest.mark.parametrize(
    ("edits", "names"),
    [
        pytest.param(
            ("  port: 3306\n=>  port: 3306\n  dump_limit_mb: 0\n",),
            ("app1", "db1"),
            id="dumps turned off",
        ),
        pytest.param(
            ("  port: 3306\n=>  port: 3306\n  dump_limit_mb: 10\n",),
            ("app1", "db1"),
            id="schema over the dump limit",
        ),
        pytest.param((), ("app1",), id="the database host is out of reach"),
    ],
)
def test_a_migration_nothing_could_undo_is_refused_before_anything_migrates(
    tmp_path: Path, edits: tuple[str, ...], names: tuple[str, ...]
) -> None:
    spec, server = upgrade_spec(tmp_path, *edits)
    database = FakeDatabase(rules=server)
    executor = FakeExecutor()
    outcome, folder = apply(
        tmp_path, executor, spec=spec, hosts=ReachableForTheProbe(names), database=database
    )
    assert outcome.exit_code == ExitCode.IRREVERSIBLE, outcome.failure
    assert outcome.failure is not None and "V2__drop_legacy.sql" in outcome.failure
    assert executor.plays == []
    assert not any("DROP TABLE" in s or "INSERT INTO `deployer_schema" in s for s in database.log)
    assert (meta(folder)["status"], meta(folder)["exit_code"]) == ("failed", 12)
    assert (folder / "rollback.json").is_file()


def test_the_same_upgrade_migrates_when_a_dump_can_be_taken(tmp_path: Path) -> None:
    spec, server = upgrade_spec(tmp_path)
    database = FakeDatabase(rules=server)
    hosts = FakeHosts(("app1", "db1"), files={"db1": b"-- erp as it was\n"})
    outcome, folder = apply(tmp_path, FakeExecutor(), spec=spec, hosts=hosts, database=database)
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    assert (folder / "dump-erp.sql").read_bytes() == b"-- erp as it was\n"
    dumped = [i for i, (host, cmd) in enumerate(hosts.log) if "mysqldump" in cmd]
    assert dumped and hosts.log[dumped[0]][0] == "db1"
    assert "DROP TABLE legacy" in database.log


def test_an_accepted_irreversible_migration_runs_and_is_journalled(tmp_path: Path) -> None:
    spec, server = upgrade_spec(tmp_path, "  port: 3306\n=>  port: 3306\n  dump_limit_mb: 0\n")
    database = FakeDatabase(rules=server)
    options = ApplyOptions(allow_irreversible=True)
    outcome, folder = apply(tmp_path, FakeExecutor(), spec=spec, database=database, options=options)
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    accepted = [e for e in events(folder) if e["event"] == "irreversible"]
    assert accepted and "V2__drop_legacy.sql" in accepted[0]["accepted"][0]
    assert "DROP TABLE legacy" in database.log
    assert not (folder / "dump-erp.sql").exists()


def test_a_dump_the_database_host_refuses_stops_the_run_before_migrating(tmp_path: Path) -> None:
    spec, server = upgrade_spec(tmp_path)
    database = FakeDatabase(rules=server)
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer("mysqldump", (2, "mysqldump: Got error: 1045: Access denied"))
    executor = FakeExecutor()
    outcome, folder = apply(tmp_path, executor, spec=spec, hosts=hosts, database=database)
    assert outcome.exit_code == ExitCode.APPLY_FAILED, outcome.failure
    assert outcome.failure is not None and "db1: dump of erp failed" in outcome.failure
    # The middleware ran beside the database lane; the release never started.
    assert {play for play, _ in executor.plays} == {Play.DATABASE_SERVER, Play.MIDDLEWARE}
    assert not any("DROP TABLE" in s or "INSERT INTO `deployer_schema" in s for s in database.log)
    assert (meta(folder)["status"], meta(folder)["exit_code"]) == ("failed", 6)


def test_a_schema_newer_than_the_release_is_not_migrated_down_by_apply(tmp_path: Path) -> None:
    spec, server = upgrade_spec(tmp_path)
    (history,) = [answer for pattern, answer in server if pattern == HISTORY]
    history.append((3, "from a newer release", "0" * 64, 1, "t", "", "r9"))
    database = FakeDatabase(rules=server)
    executor = FakeExecutor()
    outcome, folder = apply(tmp_path, executor, spec=spec, database=database)
    assert outcome.exit_code == ExitCode.APPLY_FAILED
    assert outcome.failure is not None
    assert "schema erp is at V3, newer than this release's target V2" in outcome.failure
    assert "deployer rollback" in outcome.failure
    # The middleware ran beside the database lane; the release never started.
    assert {play for play, _ in executor.plays} == {Play.DATABASE_SERVER, Play.MIDDLEWARE}
    assert not any("DROP TABLE" in s or "INSERT INTO `deployer_schema" in s for s in database.log)
    assert (meta(folder)["status"], meta(folder)["exit_code"]) == ("failed", 6)

"""rollback of an apply made over the fakes, in the order the product needs: the product
stopped on its app hosts first, then the database (undo scripts newest first when every
migration of the run succeeded and has one, else the dump taken before migrating), then the
rollback play, then the packages (only when the run changed some). The first step that fails
ends the rollback failed with exit 7, and no later step runs.

The hosts, the database and the executor log into one timeline, so its order is the order in
which the rollback touched them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.executors.base import Play, TaskEvent
from deployer.journal import Run
from deployer.migrations import discover
from deployer.rollback.recorder import NoRollbackPlan
from deployer.run.apply import ApplyOptions, run_apply
from deployer.run.release_rollback import MARKER
from deployer.run.rollback import RollbackOutcome, run_rollback
from deployer.run.secrets import RunSecrets
from deployer.spec import LoadedEnvironment, load_environment
from deployer.transport.mysql import DatabaseFailed
from tests.support.example_specs import EXAMPLES, example_spec
from tests.support.fakes import FakeDatabase, FakeExecutor, FakeHosts, fake_context

SECRETS = RunSecrets("admin-pw", {"erp": "app-pw"})
DUMP = b"-- erp at V1\nCREATE DATABASE erp;\n"
PACKAGES = "nginx\t1.22.1-9\n"
STOP = "systemctl stop"

#: erp is at V1; the upgrade adds V2 and V3, each with its undo script.
SCRIPTS = {
    "V1__orders.sql": "CREATE TABLE orders (id INT);\n",
    "V2__status.sql": "ALTER TABLE orders ADD COLUMN status INT;\n",
    "U2__status.sql": "ALTER TABLE orders DROP COLUMN status;\n",
    "V3__notes.sql": "ALTER TABLE orders ADD COLUMN notes TEXT;\n",
    "U3__notes.sql": "ALTER TABLE orders DROP COLUMN notes;\n",
}
HISTORY = r"SELECT version, description"


#: What the survey reads on app1 before an upgrade: 1.0 is live.
LIVE_1_0 = '/opt/sample-erp/releases/1.0-a\n{"product": "sample-erp", "version": "1.0"}\n'
#: The facts the product role records as it unpacks 1.1 next to the live 1.0.
RELEASED = TaskEvent(
    "app1",
    "Decide the release folder and remember the live release for the rollback.",
    "ok",
    role="product",
    facts={
        "product_previous_release": "/opt/sample-erp/releases/1.0-a",
        "product_release_dir": "/opt/sample-erp/releases/1.1-b",
        "product_rollback_inputs": {
            "current": "/opt/sample-erp/current",
            "releases": "/opt/sample-erp/releases",
            "marker": "WEB-INF/deployer-release.json",
            "failed_marker": "WEB-INF/deployer-failed",
            "work_dir": "/var/cache/tomcat10/Catalina/localhost/erp",
            "service": "tomcat10",
            "health_path": "/erp/health.jsp",
            "health_port": "8080",  # as some Ansible versions template it
            "health_require_database": "True",
            "health_timeout": 120.0,
        },
    },
)


def upgrade(tmp_path: Path, without: str = "") -> LoadedEnvironment:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    for name, text in SCRIPTS.items():
        if name != without:
            (migrations / name).write_text(text)
    spec = example_spec(
        tmp_path,
        "huadong-production-1.1.yml",
        f"migrations: {EXAMPLES}/sample-erp/migrations/erp=>migrations: {migrations}",
        "target: 2 =>target: 3 ",
    )
    return load_environment(spec)


def server(tmp_path: Path, applied: dict[int, bool]) -> list[tuple[str, Any]]:
    """A server whose erp exists with these migrations in its history (version: success)."""
    checksums = {m.version: m for m in discover(tmp_path / "migrations")}
    rows = [
        (v, checksums[v].description, checksums[v].checksum, int(ok), "t", "", "r")
        for v, ok in applied.items()
    ]
    return [
        (r"information_schema\.schemata", [(1,)]),
        (r"information_schema\.tables\s+WHERE table_schema = %\(schema\)s AND", [(1,)]),
        (HISTORY, rows),
    ]


def faked_apply(
    tmp_path: Path,
    *,
    failing_v3: bool = False,
    without: str = "",
    release_tasks: tuple[TaskEvent, ...] = (),
) -> tuple[LoadedEnvironment, Run]:
    """An apply of the upgrade over the fakes (V3 failing half-way when asked), dumped first;
    its release play reports ``release_tasks``, with 1.0 live before when there are any."""
    loaded = upgrade(tmp_path, without)
    rules = server(tmp_path, {1: True})
    if failing_v3:
        rules.insert(0, ("ADD COLUMN notes", RuntimeError(1054, "Unknown column")))
    hosts = FakeHosts(("app1", "db1"), files={"db1": DUMP})
    hosts.answer("dpkg-query", (0, PACKAGES))
    if release_tasks:
        hosts.answer("readlink -f", (0, LIVE_1_0))
    context = fake_context(
        loaded,
        tmp_path / "runs",
        hosts=hosts,
        database=FakeDatabase(rules=rules),
        executor=FakeExecutor(tasks={Play.RELEASE: list(release_tasks)}),
        secrets=SECRETS,
    )
    outcome = run_apply(context, ApplyOptions())
    expected = ExitCode.APPLY_FAILED if failing_v3 else ExitCode.OK
    assert outcome.exit_code == expected, outcome.failure
    return loaded, context.journal.get(outcome.run_id)


class World:
    """The fakes of one rollback, logging into one timeline."""

    def __init__(self, rules: list[tuple[str, Any]], packages_now: str = PACKAGES) -> None:
        self.timeline: list[Any] = []
        self.hosts = FakeHosts(("app1", "db1"), log=self.timeline)
        self.hosts.answer("dpkg-query", (0, packages_now))
        self.database = FakeDatabase(rules=rules, log=self.timeline)
        self.executor = FakeExecutor(plays=self.timeline)

    def rollback(self, loaded: LoadedEnvironment, tmp_path: Path, undone: Run) -> RollbackOutcome:
        context = fake_context(
            loaded,
            tmp_path / "runs",
            hosts=self.hosts,
            database=self.database,
            executor=self.executor,
            secrets=SECRETS,
        )
        return run_rollback(context, undone)

    def index(self, found: Any) -> int:
        """Where in the timeline the first entry ``found`` accepts is."""
        return next(i for i, entry in enumerate(self.timeline) if found(entry))

    def plays(self) -> list[Play]:
        return [entry[0] for entry in self.timeline if isinstance(entry[0], Play)]


def is_stop(entry: Any) -> bool:
    return isinstance(entry, tuple) and isinstance(entry[1], str) and STOP in entry[1]


def sql(text: str) -> Any:
    return lambda entry: isinstance(entry, str) and text in entry


def play(which: Play) -> Any:
    return lambda entry: isinstance(entry, tuple) and entry[0] is which


def run_meta(tmp_path: Path, run_id: str) -> dict[str, Any]:
    return dict(json.loads((tmp_path / "runs" / run_id / "meta.json").read_text()))


def test_undo_scripts_run_newest_first_between_the_stop_and_the_rollback_play(
    tmp_path: Path,
) -> None:
    loaded, undone = faked_apply(tmp_path)
    world = World(server(tmp_path, {1: True, 2: True, 3: True}))
    outcome = world.rollback(loaded, tmp_path, undone)
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    assert outcome.undone == undone.id
    # The first call that changes anything: the probe that chooses the engines only reads.
    first_host_call = next(
        e for e in world.timeline if isinstance(e, tuple) and e[1] != "sh -s < probe"
    )
    assert first_host_call[0] == "app1" and STOP in first_host_call[1]
    assert not any(is_stop(e) and e[0] == "db1" for e in world.timeline)
    stop = world.index(is_stop)
    undo3, undo2 = world.index(sql("DROP COLUMN notes")), world.index(sql("DROP COLUMN status"))
    rollback_play = world.index(play(Play.ROLLBACK))
    assert stop < undo3 < undo2 < rollback_play
    assert world.hosts.sent == []  # no dump was needed
    assert world.plays() == [Play.ROLLBACK]  # the packages did not change
    events = [
        json.loads(line)
        for line in (undone.path.parent / outcome.run_id / "events.jsonl").read_text().splitlines()
    ]
    assert [e["name"] for e in events if e["event"] == "stage"] == [
        "stop",
        "database",
        "rollback",
        "packages",
        "record",
    ]
    (database,) = [e for e in events if e["event"] == "database"]
    assert database["undone"] == ["U3__notes.sql", "U2__status.sql"]
    assert run_meta(tmp_path, outcome.run_id)["status"] == "successful"


@pytest.mark.parametrize(
    ("failing_v3", "without"),
    [(True, ""), (False, "U3__notes.sql")],
    ids=["a migration failed half-way", "a migration has no undo script"],
)
def test_the_dump_is_restored_when_undo_scripts_cannot_do_it(
    tmp_path: Path, failing_v3: bool, without: str
) -> None:
    loaded, undone = faked_apply(tmp_path, failing_v3=failing_v3, without=without)
    assert (undone.path / "dump-erp.sql").read_bytes() == DUMP
    world = World(server(tmp_path, {1: True, 2: True, 3: not failing_v3}))
    outcome = world.rollback(loaded, tmp_path, undone)
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    assert world.hosts.sent == [DUMP]  # the very bytes taken before migrating
    restore = world.index(lambda e: isinstance(e, tuple) and "DROP DATABASE" in str(e[1]))
    assert world.timeline[restore][0] == "db1"
    assert world.index(is_stop) < restore < world.index(play(Play.ROLLBACK))
    assert not any(isinstance(e, str) and "DROP COLUMN" in e for e in world.timeline)
    if failing_v3:  # the failed attempt is forgotten once its effects are restored
        forgotten = world.index(sql("DELETE FROM `deployer_schema_history`"))
        assert restore < forgotten < world.index(play(Play.ROLLBACK))


def test_packages_go_back_only_when_the_run_changed_them(tmp_path: Path) -> None:
    loaded, undone = faked_apply(tmp_path)
    world = World(
        server(tmp_path, {1: True, 2: True, 3: True}),
        packages_now=PACKAGES + "redis\t5:7.0.15-1\n",
    )
    outcome = world.rollback(loaded, tmp_path, undone)
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    assert world.plays() == [Play.ROLLBACK, Play.ROLLBACK_PACKAGES]
    assert world.executor.host_values["app1"]  # what to remove was handed to the play
    listed = world.index(lambda e: isinstance(e, tuple) and e[1] == "list packages")
    assert world.index(play(Play.ROLLBACK)) < listed < world.index(play(Play.ROLLBACK_PACKAGES))
    # The rollback's own task counts, summed over its plays, as an apply records them.
    recap = json.loads((tmp_path / "runs" / outcome.run_id / "recap.json").read_text())
    assert recap == {"app1": {"ok": 2, "changed": 2, "failed": 0, "unreachable": 0, "skipped": 0}}


def _fail_stop(world: World) -> None:
    world.hosts.answer(STOP, (1, "Failed to stop sample-erp.service: Access denied"))


def _fail_database(world: World) -> None:
    world.database.rules.insert(0, ("DROP COLUMN notes", RuntimeError(1091, "Can't DROP 'notes'")))


def _fail_play(world: World) -> None:
    world.executor.fail.add(Play.ROLLBACK)


def _fail_packages(world: World) -> None:
    world.hosts.answers.insert(0, ("dpkg-query", (1, "dpkg-query: database locked")))


@pytest.mark.parametrize(
    ("fail", "stages", "plays"),
    [
        pytest.param(_fail_stop, ["stop"], [], id="stop"),
        pytest.param(_fail_database, ["stop", "database"], [], id="database"),
        pytest.param(
            _fail_play, ["stop", "database", "rollback"], [Play.ROLLBACK], id="rollback play"
        ),
        pytest.param(
            _fail_packages,
            ["stop", "database", "rollback", "packages"],
            [Play.ROLLBACK],
            id="packages",
        ),
    ],
)
def test_a_failing_step_ends_the_rollback_failed_and_no_later_step_runs(
    tmp_path: Path, fail: Any, stages: list[str], plays: list[Play]
) -> None:
    loaded, undone = faked_apply(tmp_path)
    world = World(server(tmp_path, {1: True, 2: True, 3: True}))
    fail(world)
    outcome = world.rollback(loaded, tmp_path, undone)
    assert outcome.exit_code == ExitCode.ROLLBACK_FAILED
    assert outcome.failure
    meta = run_meta(tmp_path, outcome.run_id)
    assert (meta["status"], meta["exit_code"]) == ("failed", 7)
    events = [
        json.loads(line)
        for line in (tmp_path / "runs" / outcome.run_id / "events.jsonl").read_text().splitlines()
    ]
    assert [e["name"] for e in events if e["event"] == "stage"] == stages
    assert world.plays() == plays
    if "database" not in stages:
        assert not any(isinstance(e, str) for e in world.timeline)  # the database untouched


def test_a_run_that_stopped_before_migrating_leaves_the_database_alone(tmp_path: Path) -> None:
    loaded = upgrade(tmp_path)
    database = FakeDatabase(unavailable=DatabaseFailed("mariadb on db1: not installed yet"))
    context = fake_context(
        loaded,
        tmp_path / "runs",
        database=database,
        executor=FakeExecutor(fail={Play.DATABASE_SERVER}),
        secrets=SECRETS,
    )
    applied = run_apply(context, ApplyOptions())
    assert applied.exit_code == ExitCode.APPLY_FAILED
    undone = context.journal.get(applied.run_id)
    world = World([], packages_now="")
    world.database.unavailable = DatabaseFailed("must not be asked")
    outcome = world.rollback(loaded, tmp_path, undone)
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    assert world.plays() == [Play.ROLLBACK]
    assert world.database.sessions == 0


@pytest.mark.parametrize("facts", [None, '{"app1": {"ansible_fa'], ids=["none", "cut short"])
def test_facts_the_undone_run_did_not_leave_whole_are_gathered_again(
    tmp_path: Path, facts: str | None
) -> None:
    loaded, undone = faked_apply(tmp_path)
    if facts is None:
        (undone.path / "ansible-facts.json").unlink()
    else:  # the run was killed as it wrote them
        (undone.path / "ansible-facts.json").write_text(facts)
    world = World(server(tmp_path, {1: True, 2: True, 3: True}))
    outcome = world.rollback(loaded, tmp_path, undone)
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    assert world.executor.seeded is None


def test_an_apply_without_a_rollback_plan_is_refused_before_anything_stops(
    tmp_path: Path,
) -> None:
    loaded, undone = faked_apply(tmp_path)
    (undone.path / "rollback.json").unlink()
    world = World([])
    with pytest.raises(NoRollbackPlan, match=f"run {undone.id} has no rollback plan"):
        world.rollback(loaded, tmp_path, undone)
    assert world.timeline == []


def test_a_rollback_of_the_release_alone_runs_no_play(tmp_path: Path) -> None:
    loaded, undone = faked_apply(tmp_path, release_tasks=(RELEASED,))
    world = World(server(tmp_path, {1: True, 2: True, 3: True}))
    answer = {"done": {"switched": True, "started": True}, "health": {"status": 200}}
    world.hosts.answer("to put the release back", (0, f"{MARKER}\n{json.dumps(answer)}\n"))
    outcome = world.rollback(loaded, tmp_path, undone)
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    assert world.plays() == []
    (program,) = world.hosts.sent
    asked = json.loads(re.search(rb"ASKED = json.loads\((.*)\)", program)[1].decode()[1:-1])
    assert asked["put_back"]["release"] == "/opt/sample-erp/releases/1.0-a"
    assert asked["put_back"]["left"] == "/opt/sample-erp/releases/1.1-b"
    assert asked["health"]["url"] == "http://127.0.0.1:8080/erp/health.jsp"
    assert asked["health"]["version"] == "1.0"
    assert asked["health"]["require_database"] is True
    put_back = world.index(lambda e: isinstance(e, tuple) and "put the release back" in e[1])
    assert world.index(sql("DROP COLUMN status")) < put_back
    events = (undone.path.parent / outcome.run_id / "events.jsonl").read_text().splitlines()
    tasks = [e for e in map(json.loads, events) if e["event"] == "task"]
    assert [(e["task"], e["outcome"]) for e in tasks[-2:]] == [
        ("Put the release and its config files back, and start Tomcat.", "changed"),
        ("Wait until the health page shows the expected version.", "ok"),
    ]


def test_a_health_page_that_never_shows_the_old_version_fails_the_rollback(
    tmp_path: Path,
) -> None:
    loaded, undone = faked_apply(tmp_path, release_tasks=(RELEASED,))
    world = World(server(tmp_path, {1: True, 2: True, 3: True}))
    answer = {"done": {"switched": True}, "health": {}, "failed": "health", "message": "no 1.0"}
    world.hosts.answer("to put the release back", (0, f"{MARKER}\n{json.dumps(answer)}\n"))
    outcome = world.rollback(loaded, tmp_path, undone)
    assert outcome.exit_code == ExitCode.ROLLBACK_FAILED
    assert outcome.failure is not None and "app1: no 1.0" in outcome.failure


def test_a_rollback_with_middleware_changes_to_undo_runs_the_play(tmp_path: Path) -> None:
    nginx = TaskEvent(
        "app1",
        "Record which config files this run changed, for the rollback.",
        "ok",
        role="nginx",
        facts={"nginx_run_changes": {"restore": {"/etc/nginx/nginx.conf": "/etc/nginx/x~"}}},
    )
    loaded, undone = faked_apply(tmp_path, release_tasks=(RELEASED, nginx))
    world = World(server(tmp_path, {1: True, 2: True, 3: True}))
    outcome = world.rollback(loaded, tmp_path, undone)
    assert outcome.exit_code == ExitCode.OK, outcome.failure
    assert world.plays() == [Play.ROLLBACK]
    assert world.hosts.sent == []

"""apply against the hosts' managed-state records: a stage whose inputs are as recorded and
whose roles did not drift is skipped (not started at all when that holds everywhere); one
that drifted runs on that host only, saying why; a successful run writes the records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from deployer.executors.base import ExecutionOptions, Play, TaskEvent
from deployer.run.apply import ApplyOptions, run_apply
from deployer.run.plan import drift_notes
from deployer.run.secrets import RunSecrets
from deployer.spec import load_environment
from deployer.state.program import MARKER
from tests.support.example_specs import example_spec
from tests.support.fakes import FakeExecutor, FakeHosts, fake_context

DIGESTS = {
    Play.DATABASE_SERVER: {"app1": "db-d", "db1": "db-d"},
    Play.MIDDLEWARE: {"app1": "mw-d", "db1": "mw-d"},
    Play.RELEASE: {"app1": "rel-d", "db1": "rel-d"},
}
STAGES = {"database server": "db-d", "middleware": "mw-d", "release": "rel-d"}
NGINX = {"services": {"nginx": {"enabled": "enabled", "active": "active"}}}


def answer(nginx_now: str = "active") -> str:
    record = {"run": "r0", "stages": STAGES, "roles": {"nginx": NGINX}}
    now = {"nginx": {"services": {"nginx": {"enabled": "enabled", "active": nginx_now}}}}
    return f"{MARKER}\n" + json.dumps({"record": record, "now": now}) + "\n"


def applied(
    tmp_path: Path, hosts: FakeHosts, *, full: bool = False
) -> tuple[FakeExecutor, list[dict[str, Any]], list[str]]:
    executor = FakeExecutor(digests=DIGESTS)
    facts = {"nginx_managed": {"files": ["/etc/nginx/sites-available/erp.conf"]}}
    executor.tasks[Play.MIDDLEWARE] = [TaskEvent("app1", "Record", "ok", facts=facts)]
    shown: list[str] = []
    context = fake_context(
        load_environment(example_spec(tmp_path)),
        tmp_path / "runs",
        hosts=hosts,
        executor=executor,
        secrets=RunSecrets("admin-pw", {"erp": "app-pw"}),
        progress=lambda stage, event: (
            shown.append(f"{event.outcome} {event.host} {event.task}") if event else None
        ),
    )
    outcome = run_apply(context, ApplyOptions(full=full))
    assert outcome.exit_code == 0, outcome.failure
    folder = tmp_path / "runs" / outcome.run_id
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    return executor, events, shown


def stage_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e.get("runs_on") for e in events if e["event"] == "stage"}


def test_nothing_changed_nothing_runs(tmp_path: Path) -> None:
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer("platform-python", (0, answer()))
    executor, events, shown = applied(tmp_path, hosts)
    assert executor.plays == []
    assert stage_events(events) == {
        "database server": {},
        "schemas and migrations": None,
        "middleware": {},
        "release": {},
    }
    assert "unchanged app1 unchanged, no drift: skipped" in shown
    written = [cmd for host, cmd in hosts.log if "write the managed-state record" in cmd]
    assert len(written) == 2


def test_drift_runs_the_stage_of_its_role_on_its_host_only(tmp_path: Path) -> None:
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer("platform-python", (0, answer("inactive")))
    executor, events, shown = applied(tmp_path, hosts)
    assert executor.limits == [(Play.MIDDLEWARE, None)]  # app1 is its only host
    why = "drift: nginx service stopped"
    assert stage_events(events)["middleware"] == {"app1": why}
    assert f"runs app1 runs: {why}" in shown
    assert any(e["event"] == "drift" and e["change"] == "service stopped" for e in events)


def test_full_runs_everything_everywhere(tmp_path: Path) -> None:
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer("platform-python", (0, answer()))
    executor, _, _ = applied(tmp_path, hosts, full=True)
    assert sorted(executor.limits) == [
        (Play.DATABASE_SERVER, None),
        (Play.MIDDLEWARE, None),
        (Play.RELEASE, None),
    ]


def test_plan_lists_the_drift_and_the_stages_apply_would_skip(tmp_path: Path) -> None:
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer("platform-python", (0, answer("inactive")))
    executor = FakeExecutor(digests=DIGESTS)
    context = fake_context(
        load_environment(example_spec(tmp_path)), tmp_path / "runs", hosts=hosts, executor=executor
    )
    run = context.journal.start("plan", tmp_path / "env.yml")
    notes = drift_notes(context, run, executor)
    assert notes == [
        "drift since the last apply: app1: nginx: nginx: service stopped (active -> inactive)",
        "drift since the last apply: db1: nginx: nginx: service stopped (active -> inactive)",
        "apply skips database server on db1: inputs unchanged, no drift "
        "(apply --full runs it anyway)",
        "apply skips release on app1: inputs unchanged, no drift (apply --full runs it anyway)",
    ]


def test_limit_reads_and_writes_the_records_of_its_hosts_only(tmp_path: Path) -> None:
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer("platform-python", (0, answer("inactive")))
    context = fake_context(
        load_environment(example_spec(tmp_path)),
        tmp_path / "runs",
        hosts=hosts,
        executor=FakeExecutor(digests=DIGESTS),
        secrets=RunSecrets("admin-pw", {"erp": "app-pw"}),
    )
    options = ApplyOptions(ExecutionOptions(limit=("app1",)))
    assert run_apply(context, options).exit_code == 0
    touched = {host for host, command in hosts.log if "managed-state record" in command}
    assert touched == {"app1"}

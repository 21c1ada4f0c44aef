"""``deployer drift`` as a run: the hosts' answers turned into findings, events and an exit
code (hosts are fakes answering as the managed-state program does)."""

from __future__ import annotations

import json
from pathlib import Path

from deployer.cli.drift import describe
from deployer.errors import ExitCode
from deployer.run.drift import detect_drift
from deployer.spec import load_environment
from deployer.state.program import MARKER
from tests.support.example_specs import example_spec
from tests.support.fakes import FakeHosts, fake_context

RECORD = {
    "host": "app1",
    "run": "20261201-0100-aaaa",
    "recorded": "2026-12-01T01:00:00+00:00",
    "stages": {"middleware": "d"},
    "roles": {"nginx": {"services": {"nginx": {"enabled": "enabled", "active": "active"}}}},
}


def answer(now_active: str) -> str:
    now = {"nginx": {"services": {"nginx": {"enabled": "enabled", "active": now_active}}}}
    return f"{MARKER}\n" + json.dumps({"record": RECORD, "now": now}) + "\n"


def drift_run(tmp_path: Path, hosts: FakeHosts) -> tuple[ExitCode, list[str], Path]:
    loaded = load_environment(example_spec(tmp_path))
    context = fake_context(loaded, tmp_path / "runs", hosts=hosts)
    run, outcome = detect_drift(context)
    return outcome.exit_code, describe(outcome), run.path


def test_a_stopped_service_is_drift_with_its_own_exit_code(tmp_path: Path) -> None:
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer("platform-python", (0, answer("inactive")))
    code, lines, folder = drift_run(tmp_path, hosts)
    assert code == ExitCode.DRIFT
    assert "  nginx    service stopped  nginx (active -> inactive)" in lines
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    (found,) = [e for e in events if e["event"] == "drift" and e["host"] == "app1"]
    assert found["change"] == "service stopped"
    assert json.loads((folder / "report.json").read_text())["drift"] == 2  # both hosts answered


def test_hosts_as_recorded_and_hosts_without_a_record(tmp_path: Path) -> None:
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer("platform-python", (0, answer("active")))
    code, lines, _ = drift_run(tmp_path, hosts)
    assert code == ExitCode.OK
    assert lines == [
        "app1: no drift since run 20261201-0100-aaaa",
        "db1: no drift since run 20261201-0100-aaaa",
    ]
    empty = FakeHosts(("app1", "db1"))
    empty.answer("platform-python", (0, f'{MARKER}\n{{"record": null, "now": null}}\n'))
    code, lines, _ = drift_run(tmp_path, empty)
    assert code == ExitCode.OK
    assert lines[0] == "app1: no record: deployer has not applied here yet"


def test_an_unreadable_answer_is_not_silence(tmp_path: Path) -> None:
    hosts = FakeHosts(("app1", "db1"))
    hosts.answer("platform-python", (127, "no Python to read the managed state with"))
    code, lines, _ = drift_run(tmp_path, hosts)
    assert code == ExitCode.DRIFT
    assert lines[0] == "app1: cannot tell: no Python to read the managed state with"

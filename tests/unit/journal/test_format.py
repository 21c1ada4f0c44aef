"""The journal's format version: written by every new run, older runs read, newer refused,
and records of the wrong shape refused naming the file and the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.journal import FORMAT, Journal, RunStatus
from deployer.journal.models import FIRST_FORMAT
from deployer.journal.runs import JournalDamaged, Run


def _run(tmp_path: Path) -> Run:
    run = Journal(tmp_path).start("apply", tmp_path / "env.yml", product_version="1.0")
    run.set_status(RunStatus.RUNNING)
    run.event("stage", name="database")
    run.set_status(RunStatus.SUCCESSFUL, exit_code=0)
    return run


def _edit_meta(run: Run, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    path = run.path / "meta.json"
    path.write_text(json.dumps(change(json.loads(path.read_text()))), encoding="utf-8")


def test_a_new_run_says_which_format_it_is_written_in(tmp_path: Path) -> None:
    run = _run(tmp_path)
    assert FORMAT == 2
    assert json.loads((run.path / "meta.json").read_text())["format"] == FORMAT
    assert run.info().format == FORMAT


def test_a_run_without_a_format_is_read_as_the_first_one(tmp_path: Path) -> None:
    run = _run(tmp_path)
    _edit_meta(run, lambda meta: {k: v for k, v in meta.items() if k != "format"})
    assert run.info().format == FIRST_FORMAT == 1
    assert run.summary()["status"] == "successful"
    assert [e["event"] for e in run.events()] == ["status", "stage", "status"]


def test_a_run_of_a_newer_format_is_refused_as_such(tmp_path: Path) -> None:
    run = _run(tmp_path)
    _edit_meta(run, lambda meta: {**meta, "format": FORMAT + 1})
    with pytest.raises(JournalDamaged, match="written by a newer deployer") as caught:
        run.meta()
    assert caught.value.exit_code == ExitCode.JOURNAL_DAMAGED
    assert str(run.path / "meta.json") in str(caught.value)


def test_keys_a_later_version_adds_are_kept(tmp_path: Path) -> None:
    run = _run(tmp_path)
    _edit_meta(run, lambda meta: {**meta, "executor": "ansible"})
    assert run.meta()["executor"] == "ansible"


DAMAGED_META = [
    pytest.param({"format": "2"}, "format: not a journal format", id="format-text"),
    pytest.param({"format": 0}, "format: not a journal format", id="format-zero"),
    pytest.param({"exit_code": "0"}, "exit_code: input should be a valid integer", id="exit-text"),
    pytest.param({"status": "done"}, "status: input should be", id="unknown-status"),
    pytest.param({"id": None}, "id: input should be a valid string", id="id-null"),
    pytest.param({"pid": 1.5}, "pid: input should be a valid integer", id="pid-float"),
    pytest.param({"ports": {"app1": "8080"}}, "ports.app1: input should be", id="port-text"),
    pytest.param(
        {"timeline": [{"status": "starting"}]}, r"timeline\[0\]\.time: missing", id="timeline"
    ),
]


@pytest.mark.parametrize(("change", "message"), DAMAGED_META)
def test_a_meta_of_the_wrong_shape_is_refused_naming_the_field(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    run = _run(tmp_path)
    _edit_meta(run, lambda meta: {**meta, **change})
    with pytest.raises(JournalDamaged, match=message) as caught:
        Journal(tmp_path).runs()[0].summary()
    assert str(run.path / "meta.json") in str(caught.value)


def test_a_meta_without_a_kind_is_refused_naming_the_field(tmp_path: Path) -> None:
    run = _run(tmp_path)
    _edit_meta(run, lambda meta: {k: v for k, v in meta.items() if k != "kind"})
    with pytest.raises(JournalDamaged, match=r"meta\.json: kind: missing"):
        run.meta()


DAMAGED_EVENTS = [
    pytest.param({"event": "stage"}, "time: missing", id="no-time"),
    pytest.param({"time": "t", "event": 3}, "event: input should be a valid string", id="kind"),
    pytest.param(
        {"time": "t", "event": "task", "host": "app1", "backups": [["/etc/a"]]},
        r"backups\[0\]\[1\]: missing",
        id="task-backup-pair",
    ),
    pytest.param(
        {"time": "t", "event": "task", "facts": ["x"]},
        "facts: input should be an object",
        id="task-facts",
    ),
    pytest.param(
        {"time": "t", "event": "dump", "schema": "erp", "bytes": "12"},
        "bytes: input should be a valid integer",
        id="dump-bytes",
    ),
    pytest.param(
        {"time": "t", "event": "status", "exit_code": "8"},
        "exit_code: input should be a valid integer",
        id="status-exit",
    ),
]


@pytest.mark.parametrize(("event", "message"), DAMAGED_EVENTS)
def test_an_event_of_the_wrong_shape_is_refused_naming_line_and_field(
    tmp_path: Path, event: dict[str, Any], message: str
) -> None:
    run = _run(tmp_path)
    with (run.path / "events.jsonl").open("a", encoding="utf-8") as events:
        events.write(json.dumps(event) + "\n")
    with pytest.raises(JournalDamaged, match=f"events.jsonl:4: {message}") as caught:
        list(run.events())
    assert caught.value.exit_code == ExitCode.JOURNAL_DAMAGED


def test_an_event_of_a_kind_this_version_does_not_know_is_read(tmp_path: Path) -> None:
    run = _run(tmp_path)
    run.event("lock", host="app1", holder={"pid": 7})
    assert list(run.events())[-1]["holder"] == {"pid": 7}


SPEC = str(Path(__file__).resolve().parents[3] / "examples" / "huadong-production.yml")


@pytest.mark.parametrize("argv", [["runs", SPEC], ["show", SPEC, "last"]])
def test_the_commands_refuse_a_newer_run_in_one_line(
    tmp_path: Path, cli: Callable[[list[str]], Any], argv: list[str]
) -> None:
    run = _run(tmp_path / "runs")
    _edit_meta(run, lambda meta: {**meta, "format": 99})
    result = cli([*argv, "--journal", str(tmp_path / "runs")])
    assert result.code == ExitCode.JOURNAL_DAMAGED, result.err
    assert "written by a newer deployer (journal format 99" in result.err
    assert "Traceback" not in result.err

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.journal import Journal, Redactor, RunStatus
from deployer.journal.runs import JournalDamaged, JournalNotAFolder, RunNotFound

SECRET = 'p@ss "w0rd"/中文'


def test_every_file_of_a_run_is_private_and_redacted(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "runs", Redactor([SECRET]))
    run = journal.start("apply", tmp_path / "env.yml", note=f"pw={SECRET}")
    run.set_status(RunStatus.RUNNING)
    run.record("spec.yml", f"password: {SECRET}\n")
    run.record("facts.json", {"db": {"password": SECRET, "nested": [SECRET]}})
    run.event("task", host="app1", output=f"connect with {SECRET}")
    run.set_status(RunStatus.SUCCESSFUL, exit_code=0)

    for path in run.path.iterdir():
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == 0o600, path
        text = path.read_text(encoding="utf-8")
        assert SECRET not in text, path
        assert json.dumps(SECRET)[1:-1] not in text, path
    assert stat.S_IMODE(run.path.stat().st_mode) == 0o700


def test_status_lifecycle_is_recorded(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    run = journal.start("plan", tmp_path / "env.yml")
    run.set_status(RunStatus.RUNNING)
    run.set_status(RunStatus.FAILED, exit_code=6)
    meta = run.meta()
    assert [t["status"] for t in meta["timeline"]] == ["starting", "running", "failed"]
    assert meta["exit_code"] == 6 and meta["finished"]
    assert [e["status"] for e in run.events()] == ["running", "failed"]


def test_runs_are_listed_in_order_and_found_by_id(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    first = journal.start("plan", tmp_path / "env.yml")
    second = journal.start("apply", tmp_path / "env.yml")
    # Oldest first, also within one second (where the ids' random ends would not tell).
    assert [r.id for r in journal.runs()] == [first.id, second.id]
    assert journal.get(second.id).meta()["kind"] == "apply"
    assert journal.last("plan").id == first.id  # type: ignore[union-attr]
    with pytest.raises(RunNotFound):
        journal.get("../etc")


def test_redactor_masks_longest_values_first() -> None:
    redact = Redactor(["abc", "abcdef"])
    assert redact("x abcdef y abc") == "x ******** y ********"
    assert not Redactor([""])


DAMAGED_META = [
    pytest.param("[1, 2]", "not a run record \\(a JSON object\\), but a list", id="list"),
    pytest.param("42", "but a number", id="number"),
    pytest.param('{"id": ', "not a readable JSON record \\(line 1 column 8", id="invalid"),
    pytest.param("\udcff", "not UTF-8", id="not-utf8"),
]


@pytest.mark.parametrize(("content", "message"), DAMAGED_META)
def test_a_damaged_meta_json_is_an_error_naming_the_file(
    tmp_path: Path, content: str, message: str
) -> None:
    journal = Journal(tmp_path)
    run = journal.start("apply", tmp_path / "env.yml")
    (run.path / "meta.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(JournalDamaged, match=message) as caught:
        journal.last("apply")
    assert caught.value.exit_code == ExitCode.JOURNAL_DAMAGED
    assert str(run.path / "meta.json") in str(caught.value)


def test_a_damaged_event_line_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    run = Journal(tmp_path).start("apply", tmp_path / "env.yml")
    run.event("stage", name="database")
    with (run.path / "events.jsonl").open("a") as events:
        events.write("[]\n")
    with pytest.raises(JournalDamaged, match=r"events.jsonl:2: not a JSON event"):
        list(run.events())


def test_a_journal_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    root.write_text("", encoding="utf-8")
    journal = Journal(root)
    for action in (journal.runs, lambda: journal.get("x"), lambda: journal.start("plan", root)):
        with pytest.raises(JournalNotAFolder, match="is a file, not a folder") as caught:
            action()
        assert caught.value.exit_code == ExitCode.USAGE


SPEC = str(Path(__file__).resolve().parents[3] / "examples" / "huadong-production.yml")
COMMANDS = [
    pytest.param(["runs", SPEC], id="runs"),
    pytest.param(["show", SPEC, "last"], id="show"),
    pytest.param(["rollback", SPEC, "--last"], id="rollback"),
]


@pytest.fixture
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUADONG_DB_ADMIN_PASSWORD", "x")
    monkeypatch.setenv("HUADONG_DB_APP_PASSWORD", "y")


@pytest.mark.usefixtures("_secrets")
@pytest.mark.parametrize("argv", COMMANDS)
def test_commands_refuse_a_journal_that_is_a_file(
    tmp_path: Path, cli: Callable[[list[str]], Any], argv: list[str]
) -> None:
    root = tmp_path / "runs.txt"
    root.write_text("", encoding="utf-8")
    result = cli([*argv, "--journal", str(root)])
    assert result.code == ExitCode.USAGE, result.err
    assert "is a file, not a folder" in result.err and "Traceback" not in result.err


@pytest.mark.usefixtures("_secrets")
@pytest.mark.parametrize("argv", COMMANDS)
@pytest.mark.parametrize("content", ["[]", "7", "{", "null"])
def test_commands_refuse_a_journal_whose_meta_is_not_an_object(
    tmp_path: Path, cli: Callable[[list[str]], Any], argv: list[str], content: str
) -> None:
    run = Journal(tmp_path).start("apply", Path(SPEC))
    (run.path / "meta.json").write_text(content, encoding="utf-8")
    result = cli([*argv, "--journal", str(tmp_path)])
    assert result.code == ExitCode.JOURNAL_DAMAGED, result.err
    assert "meta.json" in result.err and "Traceback" not in result.err


def test_a_journal_under_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    journal = Journal(tmp_path / "file" / "runs")
    with pytest.raises(JournalNotAFolder, match="cannot make the journal folder") as caught:
        journal.start("plan", tmp_path / "env.yml")
    assert caught.value.exit_code == ExitCode.USAGE


def _without_kind(meta: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in meta.items() if key != "kind"}


DAMAGED_RECORDS = [
    pytest.param("meta.json", _without_kind, id="meta-without-kind"),
    pytest.param("meta.json", lambda meta: {**meta, "status": ["failed"]}, id="meta-status-list"),
    pytest.param("recap.json", lambda _: {"app1": 3}, id="recap-counts-a-number"),
    pytest.param("recap.json", lambda _: ["app1"], id="recap-a-list"),
]


@pytest.mark.usefixtures("_secrets")
@pytest.mark.parametrize("argv", COMMANDS[:2])
@pytest.mark.parametrize(("name", "damage"), DAMAGED_RECORDS)
def test_commands_refuse_a_run_record_of_the_wrong_shape(
    tmp_path: Path,
    cli: Callable[[list[str]], Any],
    argv: list[str],
    name: str,
    damage: Callable[[dict[str, Any]], Any],
) -> None:
    run = Journal(tmp_path).start("apply", Path(SPEC))
    (run.path / name).write_text(json.dumps(damage(run.meta())), encoding="utf-8")
    result = cli([*argv, "--journal", str(tmp_path)])
    assert result.code == ExitCode.JOURNAL_DAMAGED, result.err
    assert name in result.err and "Traceback" not in result.err


@pytest.mark.usefixtures("_secrets")
def test_show_lists_a_failed_task_event_missing_fields(
    tmp_path: Path, cli: Callable[[list[str]], Any]
) -> None:
    run = Journal(tmp_path).start("apply", Path(SPEC))
    run.event("task", outcome="failed")
    run.set_status(RunStatus.FAILED, exit_code=5)
    result = cli(["show", SPEC, "last", "--journal", str(tmp_path)])
    assert result.code == ExitCode.OK, result.err
    assert "failed: ?: ?" in result.err

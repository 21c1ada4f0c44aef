import json
import stat
from pathlib import Path

import pytest

from deployer.journal import Journal, Redactor, RunStatus
from deployer.journal.runs import RunNotFound

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
    assert [r.id for r in journal.runs()] == sorted([first.id, second.id])
    assert journal.get(second.id).meta()["kind"] == "apply"
    assert journal.last("plan").id == first.id  # type: ignore[union-attr]
    with pytest.raises(RunNotFound):
        journal.get("../etc")


def test_redactor_masks_longest_values_first() -> None:
    redact = Redactor(["abc", "abcdef"])
    assert redact("x abcdef y abc") == "x ******** y ********"
    assert not Redactor([""])

"""plan's check mode: a stop caused by software not installed yet is expected; a role refusing
its input is not, since apply would stop at the same task."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.executors.base import Play, TaskEvent
from deployer.run.plan import predict
from deployer.spec import load_environment
from tests.support.fakes import FakeExecutor, fake_context

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "huadong-production.yml"


def notes_when_failing_at(task: str, message: str, tmp_path: Path) -> list[str]:
    """predict's notes when middleware's play fails (in check mode) at ``task``."""
    failed = TaskEvent("app1", task, "failed", message)
    executor = FakeExecutor(fail={Play.MIDDLEWARE}, tasks={Play.MIDDLEWARE: [failed]})
    context = fake_context(load_environment(EXAMPLE), tmp_path, executor=executor)
    run = context.journal.start("plan", EXAMPLE)
    _, notes = predict(context, run, executor)
    assert all(check for _, check in executor.plays)  # check mode only
    return notes


def test_a_service_missing_in_check_mode_is_an_expected_stop(tmp_path: Path) -> None:
    task = "Ensure Tomcat runs and starts at boot."
    (note,) = notes_when_failing_at(task, "Could not find the requested service", tmp_path)
    assert note.startswith("check mode stopped in app1: middleware failed")
    assert "expected on hosts where earlier steps install software" in note


@pytest.mark.parametrize(
    "task",
    [
        "Check the settings that go into nginx's configuration.",
        "Validating arguments against arg spec 'main' - The product's release.",
    ],
)
def test_a_role_refusing_its_input_is_not_presented_as_expected(task: str, tmp_path: Path) -> None:
    (note,) = notes_when_failing_at(task, "must not contain ;", tmp_path)
    assert "expected" not in note
    assert "check mode stopped in app1: middleware failed" in note
    assert "a role refused its input there, and apply would stop at the same task" in note

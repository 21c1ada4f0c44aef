"""plan's check mode: a stop caused by software not installed yet is expected; a role refusing
its input is not, since apply would stop at the same task."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from deployer.pipeline import apply
from deployer.pipeline.apply import StageFailed, predict


class FakeRun:
    def __init__(self) -> None:
        self.recorded: list[dict[str, Any]] = []

    def event(self, kind: str, **data: Any) -> None:
        self.recorded.append({"event": kind, **data})

    def events(self) -> Iterator[dict[str, Any]]:
        return iter(list(self.recorded))


def context_failing_in(
    monkeypatch: pytest.MonkeyPatch, playbook: str, task: str, message: str
) -> Any:
    """A context whose ``playbook`` fails (in check mode) at ``task``; the others pass."""
    run = FakeRun()

    def stage_of(name: str) -> Any:
        def stage(context: Any) -> None:
            if name != playbook:
                return
            run.event("task", playbook=name, host="app1", task=task, outcome="failed")
            raise StageFailed(f"{name}: app1: {task}: {message}")

        return stage

    monkeypatch.setattr(apply, "_playbook", stage_of)
    return apply._Context(
        loaded=None,  # type: ignore[arg-type]
        run=run,  # type: ignore[arg-type]
        secrets=None,  # type: ignore[arg-type]
        inventory={},
        variables={},
        options=apply.ApplyOptions(),
        progress=lambda *args: None,
        control=None,  # type: ignore[arg-type]
    )


def test_a_service_missing_in_check_mode_is_an_expected_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    context = context_failing_in(
        monkeypatch,
        "middleware.yml",
        "Ensure Tomcat runs and starts at boot.",
        "Could not find the requested service tomcat10",
    )
    _, notes = predict(context)
    (note,) = notes
    assert note.startswith("check mode stopped in middleware.yml: app1: Ensure Tomcat runs")
    assert "expected on hosts where earlier steps install software" in note


@pytest.mark.parametrize(
    "task",
    [
        "Check the settings that go into nginx's configuration.",
        "Validating arguments against arg spec 'main' - The product's release.",
    ],
)
def test_a_role_refusing_its_input_is_not_presented_as_expected(
    monkeypatch: pytest.MonkeyPatch, task: str
) -> None:
    context = context_failing_in(monkeypatch, "middleware.yml", task, "must not contain ;")
    _, notes = predict(context)
    (note,) = notes
    assert "expected" not in note
    assert f"check mode stopped in middleware.yml: app1: {task}" in note
    assert "a role refused its input there, and apply would stop at the same task" in note

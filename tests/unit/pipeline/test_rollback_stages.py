"""The rollback run's stages: a refusal ends the run as failed with its message (masked),
later stages do not run, and a bug still leaves the run's status ended."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.journal import Journal
from deployer.pipeline.rollback import _run_stages
from deployer.pipeline.rollback_plan import RollbackFailed


def _refuse(context: Any) -> None:
    raise RollbackFailed("cannot stop tomcat: password hunter2 refused")


def _crash(context: Any) -> None:
    raise KeyError("bug")


def test_a_refusal_ends_the_run_as_failed_and_skips_later_stages(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.redact.add("hunter2")
    run = journal.start("rollback", tmp_path / "env.yml")
    ran: list[str] = []
    stages = [
        ("stop", "stop the product", lambda context: ran.append("stop")),
        ("database", "restore the database", _refuse),
        ("rollback", "put back", lambda context: ran.append("rollback")),
    ]
    context: Any = SimpleNamespace(run=run)
    failure = _run_stages(context, journal, stages, lambda title, total: None)
    assert failure == "cannot stop tomcat: password ******** refused"
    assert ran == ["stop"]
    meta = run.meta()
    assert (meta["status"], meta["exit_code"]) == ("failed", int(ExitCode.ROLLBACK_FAILED))


def test_a_bug_still_ends_the_run(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    run = journal.start("rollback", tmp_path / "env.yml")
    context: Any = SimpleNamespace(run=run)
    with pytest.raises(KeyError):
        _run_stages(context, journal, [("stop", "stop", _crash)], lambda title, total: None)
    meta = run.meta()
    assert (meta["status"], meta["exit_code"]) == ("failed", int(ExitCode.INTERNAL_ERROR))

"""Every command's run ends with a status and an exit code: successful, failed with the
command's code (its message masked), canceled on Ctrl-C, or failed with exit 1 on a bug."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.errors import ExitCode
from deployer.journal import Journal
from deployer.rollback.dumps import RollbackFailed
from deployer.run.lifecycle import run_lifecycle


def ended(journal: Journal, run_id: str) -> tuple[str, int | None]:
    meta = journal.get(run_id).meta()
    return meta["status"], meta["exit_code"]


def test_a_run_that_ends_normally_is_successful_or_failed_by_its_verdict(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    good, blocked = journal.start("check", tmp_path), journal.start("check", tmp_path)
    with run_lifecycle(good, journal.redact):
        pass
    with run_lifecycle(blocked, journal.redact) as ending:
        ending.exit_code = ExitCode.CHECKS_FAILED
    assert ended(journal, good.id) == ("successful", 0)
    assert ended(journal, blocked.id) == ("failed", int(ExitCode.CHECKS_FAILED))


def test_a_refusal_ends_the_run_failed_with_its_message_masked(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.redact.add("hunter2")
    run = journal.start("rollback", tmp_path)
    with run_lifecycle(
        run, journal.redact, failed_as=lambda e: ExitCode.ROLLBACK_FAILED, keep_going=True
    ) as ending:
        raise RollbackFailed("cannot stop tomcat: password hunter2 refused")
    assert ending.failure == "cannot stop tomcat: password ******** refused"
    assert ended(journal, run.id) == ("failed", int(ExitCode.ROLLBACK_FAILED))
    assert run.meta()["error"] == ending.failure


def test_a_failure_is_raised_again_unless_the_command_reports_it(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    run = journal.start("plan", tmp_path)
    with pytest.raises(RollbackFailed), run_lifecycle(run, journal.redact):
        raise RollbackFailed("host gone")
    assert ended(journal, run.id) == ("failed", int(ExitCode.ROLLBACK_FAILED))


def test_an_interrupt_cancels_the_run(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    run = journal.start("apply", tmp_path)
    with pytest.raises(KeyboardInterrupt), run_lifecycle(run, journal.redact):
        raise KeyboardInterrupt
    assert ended(journal, run.id) == ("canceled", int(ExitCode.INTERRUPTED))


def test_a_bug_still_ends_the_run(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    run = journal.start("rollback", tmp_path)
    with pytest.raises(KeyError), run_lifecycle(run, journal.redact, keep_going=True):
        raise KeyError("bug")
    assert ended(journal, run.id) == ("failed", int(ExitCode.INTERNAL_ERROR))

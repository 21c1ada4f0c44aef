"""A run's lifecycle, the same for every command: running, then successful, failed or
canceled, with its exit code, whether the command ends normally, fails, or is interrupted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from deployer.errors import DeployerError, ExitCode
from deployer.journal import Run, RunStatus

FailedAs = Callable[[DeployerError], ExitCode]


def own_code(error: DeployerError) -> ExitCode:
    return error.exit_code


@dataclass
class Ending:
    """How the run ends: the command sets ``exit_code`` when it ends normally with a verdict
    (a scan that finds blockers); a failure sets ``failure`` and its code."""

    run: Run
    exit_code: ExitCode = ExitCode.OK
    failure: str | None = None


@contextmanager
def run_lifecycle(
    run: Run,
    redact: Callable[[str], str],
    *,
    failed_as: FailedAs = own_code,
    keep_going: bool = False,
) -> Iterator[Ending]:
    """Mark ``run`` running, then ended as the block ends: an expected failure ends it failed
    with ``failed_as(error)`` (and is raised again, unless ``keep_going``: then the command
    reports it from the ending); an interrupt ends it canceled, a bug failed with exit 1."""
    ending = Ending(run)
    run.set_status(RunStatus.RUNNING)
    try:
        yield ending
    except DeployerError as exc:
        ending.failure = redact(str(exc))
        ending.exit_code = failed_as(exc)
        run.set_status(RunStatus.FAILED, exit_code=int(ending.exit_code), error=ending.failure)
        if not keep_going:
            raise
        return
    except KeyboardInterrupt:
        run.set_status(RunStatus.CANCELED, exit_code=int(ExitCode.INTERRUPTED))
        raise
    except Exception as exc:  # a bug: the journal still says the run ended
        error = redact(f"internal error: {type(exc).__name__}")
        run.set_status(RunStatus.FAILED, exit_code=int(ExitCode.INTERNAL_ERROR), error=error)
        raise
    status = RunStatus.SUCCESSFUL if ending.exit_code == ExitCode.OK else RunStatus.FAILED
    run.set_status(status, exit_code=int(ending.exit_code))

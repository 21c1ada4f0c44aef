"""Live task output for commands that drive Ansible (apply, rollback)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from deployer.cli.io import Streams

if TYPE_CHECKING:
    from deployer.executors.base import TaskEvent

_STYLE = {"changed": "yellow", "failed": "bold red", "unreachable": "bold red", "ok": "green"}


def task_progress(
    streams: Streams, redact: Callable[[str], str]
) -> Callable[[str, TaskEvent | None], None]:
    """Stage headings, then changed/failed tasks (every task with -v), messages redacted."""

    def progress(stage: str, event: TaskEvent | None) -> None:
        if event is None:
            streams.say(f"== {stage}", style="bold")
        elif event.outcome in ("changed", "failed", "unreachable") or streams.verbosity > 0:
            line = f"  {event.outcome:<11} {event.host:<10} {event.task}"
            if event.message:
                line += f": {redact(event.message)}"
            streams.say(line, style=_STYLE.get(event.outcome))

    return progress

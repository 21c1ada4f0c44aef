"""Live task output for commands that drive Ansible (apply, rollback)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from deployer.cli.io import Streams

if TYPE_CHECKING:
    from deployer.executors.base import TaskEvent

_STYLE = {
    "changed": "yellow",
    "failed": "bold red",
    "unreachable": "bold red",
    "ok": "green",
    "drift": "yellow",
}
#: Shown without -v: what changed or failed, and why a stage runs or is skipped on a host.
_ALWAYS = ("changed", "failed", "unreachable", "drift", "runs", "unchanged")


def task_progress(
    streams: Streams, redact: Callable[[str], str]
) -> Callable[[str, TaskEvent | None], None]:
    """Stage headings, then changed/failed tasks (every task with -v), messages redacted."""

    def progress(stage: str, event: TaskEvent | None) -> None:
        if event is None:
            streams.say(f"== {stage}", style="bold")
        elif event.outcome in _ALWAYS or streams.verbosity > 0:
            line = f"  {event.outcome:<11} {event.host:<10} {event.task}"
            if event.message:
                line += f": {redact(event.message)}"
            streams.say(line, style=_STYLE.get(event.outcome))

    return progress

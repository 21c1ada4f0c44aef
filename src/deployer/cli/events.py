"""``--json`` on plan, apply and rollback: newline-delimited JSON on stdout, one object per
event, so that a CI system can drive deployer as it drives ``terraform apply -json``.

Every object has ``type`` and ``command``. Types: ``stage`` (a stage starts), ``task`` (one
host's outcome of one task), ``recap`` (one host's task counts), ``plan`` (the saved plan's
content), ``status`` (last: the run, its status and exit code, and the error if any).
Human output is silenced meanwhile; errors still go to stderr as well.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from deployer.cli.io import Streams

if TYPE_CHECKING:
    from deployer.executors.base import HostRecap, TaskEvent


class JsonEvents:
    def __init__(self, streams: Streams, command: str, redact: Callable[[str], str]) -> None:
        self.streams = streams
        self.command = command
        self.redact = redact
        streams.verbosity = -1  # stdout carries the events only

    def emit(self, kind: str, **fields: Any) -> None:
        record = {"type": kind, "command": self.command, **fields}
        self.streams.data(json.dumps(record, ensure_ascii=False, default=str))

    def progress(self, stage: str, event: TaskEvent | None) -> None:
        if event is None:
            self.emit("stage", stage=stage)
            return
        self.emit(
            "task",
            stage=stage,
            host=event.host,
            task=event.task,
            outcome=event.outcome,
            message=self.redact(event.message),
        )

    def recap(self, recap: Mapping[str, HostRecap]) -> None:
        for host, counts in sorted(recap.items()):
            self.emit("recap", host=host, **vars(counts))

    def status(self, run_id: str | None, exit_code: int, error: str | None = None) -> None:
        status = "successful" if exit_code == 0 else "canceled" if exit_code == 130 else "failed"
        self.emit("status", run_id=run_id, status=status, exit_code=exit_code, error=error)


def add_json_argument(parser: Any) -> None:
    parser.add_argument(
        "--json",
        dest="json_events",
        action="store_true",
        help="print newline-delimited JSON events (stage, task, recap, status) instead of text",
    )

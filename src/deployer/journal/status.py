"""A run's status: a short lifecycle, as ansible-runner's."""

from __future__ import annotations

from enum import Enum


class RunStatus(str, Enum):
    STARTING = "starting"
    RUNNING = "running"
    SUCCESSFUL = "successful"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELED = "canceled"

    @property
    def finished(self) -> bool:
        return self not in (RunStatus.STARTING, RunStatus.RUNNING)

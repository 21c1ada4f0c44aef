"""The outcome of one command on one host."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Failure(str, Enum):
    """Why a command never ran (as opposed to running and exiting non-zero)."""

    UNREACHABLE = "unreachable"
    AUTH = "auth"
    HOST_KEY = "host-key"
    TIMEOUT = "timeout"
    BECOME = "become"  # logged in, but the host refused the become password


@dataclass(frozen=True)
class CommandResult:
    host: str
    command: str  # what was run, for messages; never carries secrets
    exit_status: int | None
    stdout: str
    stderr: str
    seconds: float
    failure: Failure | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.failure is None and self.exit_status == 0

    @property
    def connected(self) -> bool:
        return self.failure is None

    def describe(self) -> str:
        """One line for an error message: command, exit code, last lines of output."""
        if self.failure is not None:
            return f"{self.host}: {self.failure.value}: {self.reason}"
        tail = " | ".join((self.stderr or self.stdout).strip().splitlines()[-3:])
        return f"{self.host}: `{self.command}` exited {self.exit_status}" + (
            f": {tail}" if tail else ""
        )

"""The hosts port: what orchestration asks of hosts, by host name.

Apply, rollback, the locks and the scan talk to ``Hosts``; ``SshHosts`` is the real one (the
system's OpenSSH, one shared connection per host), and unit tests pass a fake that records the
commands and answers them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, Protocol

from deployer.transport.result import CommandResult
from deployer.transport.ssh import SshOptions, SshTarget, run_everywhere, run_on
from deployer.transport.stream import FileDigest, run_from_file, run_to_file


class Hosts(Protocol):
    """Commands on the hosts of one run; host trouble is a result, never an exception."""

    @property
    def names(self) -> tuple[str, ...]: ...

    def run_on(
        self, host: str, command: str, *, stdin: bytes | None = None, shown: str | None = None
    ) -> CommandResult: ...

    def run_everywhere(
        self,
        hosts: Iterable[str] | None,
        command: str,
        *,
        stdin: bytes | None = None,
        shown: str | None = None,
    ) -> Mapping[str, CommandResult]: ...

    def run_to_file(
        self, host: str, command: str, dest: Path, timeout: float
    ) -> tuple[CommandResult, FileDigest | None]: ...

    def run_from_file(
        self, host: str, command: str, source: BinaryIO, timeout: float
    ) -> CommandResult: ...


class SshHosts:
    """``Hosts`` over SSH: the run's targets, built once, and its one SSH policy."""

    def __init__(self, targets: Iterable[SshTarget], options: SshOptions) -> None:
        self.targets = {target.name: target for target in targets}
        self.options = options

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.targets)

    def target(self, host: str) -> SshTarget:
        return self.targets[host]

    def run_on(
        self, host: str, command: str, *, stdin: bytes | None = None, shown: str | None = None
    ) -> CommandResult:
        return run_on(self.targets[host], command, self.options, stdin, shown)

    def run_everywhere(
        self,
        hosts: Iterable[str] | None,
        command: str,
        *,
        stdin: bytes | None = None,
        shown: str | None = None,
    ) -> Mapping[str, CommandResult]:
        wanted = self.names if hosts is None else set(hosts)
        targets = [t for name, t in self.targets.items() if name in wanted]
        return run_everywhere(targets, command, self.options, stdin, shown)

    def run_to_file(
        self, host: str, command: str, dest: Path, timeout: float
    ) -> tuple[CommandResult, FileDigest | None]:
        options = replace(self.options, command_timeout=timeout)
        return run_to_file(self.targets[host], command, options, dest)

    def run_from_file(
        self, host: str, command: str, source: BinaryIO, timeout: float
    ) -> CommandResult:
        options = replace(self.options, command_timeout=timeout)
        return run_from_file(self.targets[host], command, options, source)

"""The hosts port: what orchestration asks of hosts, by host name.

Apply, rollback, the locks and the scan talk to ``Hosts``; ``SshHosts`` is the real one (the
system's OpenSSH, one shared connection per host), and unit tests pass a fake that records the
commands and answers them. ``root=True`` runs a command as root the way the host's spec says
(transport.become); callers never write sudo themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, Protocol

from deployer.transport.become import RootAccess, as_root, refused
from deployer.transport.result import CommandResult, Failure
from deployer.transport.ssh import SshOptions, SshTarget, in_parallel, run_on
from deployer.transport.stream import FileDigest, run_from_file, run_to_file


class Hosts(Protocol):
    """Commands on the hosts of one run; host trouble is a result, never an exception."""

    @property
    def names(self) -> tuple[str, ...]: ...

    def run_on(
        self,
        host: str,
        command: str,
        *,
        stdin: bytes | None = None,
        shown: str | None = None,
        root: bool = False,
    ) -> CommandResult: ...

    def run_everywhere(
        self,
        hosts: Iterable[str] | None,
        command: str,
        *,
        stdin: bytes | None = None,
        shown: str | None = None,
        root: bool = False,
    ) -> Mapping[str, CommandResult]: ...

    def run_to_file(
        self, host: str, command: str, dest: Path, timeout: float, *, root: bool = False
    ) -> tuple[CommandResult, FileDigest | None]: ...

    def run_from_file(
        self, host: str, command: str, source: BinaryIO, timeout: float, *, root: bool = False
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
        self,
        host: str,
        command: str,
        *,
        stdin: bytes | None = None,
        shown: str | None = None,
        root: bool = False,
    ) -> CommandResult:
        target = self.targets[host]
        if not root:
            return run_on(target, command, self.options, stdin, shown)
        wrapped, prefix = as_root(command, target.root)
        result = run_on(target, wrapped, self.options, prefix + (stdin or b""), shown or command)
        return become_refused(result, target.root)

    def run_everywhere(
        self,
        hosts: Iterable[str] | None,
        command: str,
        *,
        stdin: bytes | None = None,
        shown: str | None = None,
        root: bool = False,
    ) -> Mapping[str, CommandResult]:
        wanted = self.names if hosts is None else set(hosts)
        targets = [t for name, t in self.targets.items() if name in wanted]
        return in_parallel(
            targets, lambda t: self.run_on(t.name, command, stdin=stdin, shown=shown, root=root)
        )

    def run_to_file(
        self, host: str, command: str, dest: Path, timeout: float, *, root: bool = False
    ) -> tuple[CommandResult, FileDigest | None]:
        target = self.targets[host]
        options = replace(self.options, command_timeout=timeout)
        if not root:
            return run_to_file(target, command, options, dest)
        wrapped, prefix = as_root(command, target.root)
        result, digest = run_to_file(target, wrapped, options, dest, command, stdin=prefix)
        return become_refused(result, target.root), digest

    def run_from_file(
        self, host: str, command: str, source: BinaryIO, timeout: float, *, root: bool = False
    ) -> CommandResult:
        target = self.targets[host]
        options = replace(self.options, command_timeout=timeout)
        if not root:
            return run_from_file(target, command, options, source)
        wrapped, prefix = as_root(command, target.root)
        result = run_from_file(target, wrapped, options, source, command, prefix=prefix)
        return become_refused(result, target.root)


def become_refused(result: CommandResult, access: RootAccess) -> CommandResult:
    """A command refused its become password, as a failure of its own (the command never ran)."""
    if not refused(result.exit_status, result.stderr):
        return result
    return replace(
        result,
        exit_status=None,
        failure=Failure.BECOME,
        reason=f"{access.describe()}: the password was refused",
    )

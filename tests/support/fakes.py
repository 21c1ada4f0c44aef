"""Fakes of the orchestration's ports: hosts that answer from a script, a database whose
cursor records statements and answers from a script, an executor that records its plays.

They serve unit tests of order, failure and interruption; only the lab tests may claim that
anything works on hosts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from deployer.executors.base import (
    ExecutionOptions,
    Executor,
    HostRecap,
    OnTask,
    Play,
    PlayResult,
    TaskEvent,
)
from deployer.transport.result import CommandResult, Failure
from deployer.transport.stream import FileDigest, digest

#: An answer to a command: (exit status, stdout), or a Failure (the host did not answer).
Answer = tuple[int, str] | Failure
Answerer = Callable[[str, str], Answer]  # (host, command) -> answer
#: How the log shows a command run as root (``root=True``): the host's become is not faked.
ROOT_MARK = "as root: "

#: The probe's answer unless a test gives another: a Python that the current engine manages
#: (apply, plan and rollback choose each host's engine from it before they start).
PROBE_ANSWER = (
    "@@deployer:begin python.interpreters@@\n"
    "/usr/bin/python3 /usr/bin/python3.11 3.11.2\n"
    "@@deployer:end python.interpreters rc=0@@\n"
)


@dataclass
class FakeHosts:
    """``Hosts`` answering from ``answers`` (first pattern found in the command wins; the
    default answer is success with no output). Every command is logged as (host, command)."""

    names: tuple[str, ...]
    answers: list[tuple[str, Answer]] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # what run_to_file writes, by host
    sent: list[bytes] = field(default_factory=list)  # what run_from_file streamed

    def answer(self, pattern: str, answer: Answer) -> None:
        self.answers.append((pattern, answer))

    def _result(
        self, host: str, command: str, shown: str | None, root: bool = False
    ) -> CommandResult:
        self.log.append((host, ROOT_MARK * root + (shown or command)))
        found: Answer = (0, PROBE_ANSWER if command == "sh -s" else "")
        for pattern, answer in self.answers:
            if re.search(pattern, command):
                found = answer
                break
        if isinstance(found, Failure):
            return CommandResult(host, command, None, "", "", 0.0, found, "no route to host")
        status, out = found
        return CommandResult(host, command, status, out, "" if status == 0 else out, 0.0)

    def run_on(
        self,
        host: str,
        command: str,
        *,
        stdin: bytes | None = None,
        shown: str | None = None,
        root: bool = False,
    ) -> CommandResult:
        return self._result(host, command, shown, root)

    def run_everywhere(
        self,
        hosts: Iterable[str] | None,
        command: str,
        *,
        stdin: bytes | None = None,
        shown: str | None = None,
        root: bool = False,
    ) -> Mapping[str, CommandResult]:
        wanted = self.names if hosts is None else [h for h in self.names if h in set(hosts)]
        return {host: self._result(host, command, shown, root) for host in wanted}

    def run_to_file(
        self, host: str, command: str, dest: Path, timeout: float, *, root: bool = False
    ) -> tuple[CommandResult, FileDigest | None]:
        result = self._result(host, command, None, root)
        if not result.ok:
            return result, None
        dest.write_bytes(self.files.get(host, b"-- dump\n"))
        return result, digest(dest)

    def run_from_file(
        self, host: str, command: str, source: BinaryIO, timeout: float, *, root: bool = False
    ) -> CommandResult:
        self.sent.append(source.read())
        return self._result(host, command, None, root)


@dataclass
class FakeCursor:
    """Records statements; answers ``fetchone``/``fetchall`` from the first rule whose pattern
    the last statement matches. A rule's answer may be an exception to raise on execute."""

    rules: list[tuple[str, Any]]
    log: list[str]
    last: str = ""

    def execute(self, query: str, args: Any = None, /) -> int:
        self.last = query
        self.log.append(query)
        for pattern, answer in self.rules:
            if re.search(pattern, query) and isinstance(answer, BaseException):
                raise answer
        return 0

    def _answer(self) -> Any:
        for pattern, answer in self.rules:
            if re.search(pattern, self.last):
                return answer
        return []

    def fetchall(self) -> Sequence[Sequence[Any]]:
        answer = self._answer()
        return answer if isinstance(answer, list) else []

    def fetchone(self) -> Sequence[Any] | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    def close(self) -> None:
        return

    def __enter__(self) -> FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        return


#: A MySQL server with no schema yet: locks are granted, counts and sizes are zero.
EMPTY_SERVER: list[tuple[str, Any]] = [
    (r"GET_LOCK|RELEASE_LOCK", [(1,)]),
    (r"SELECT COUNT\(\*\)|SELECT COALESCE", [(0,)]),
    (r"SELECT VERSION\(\)", [("10.11.6-MariaDB",)]),
]


@dataclass
class FakeDatabase:
    """``Database`` with one recording cursor; ``sessions`` counts how often it was asked.
    Rules are (pattern, answer) pairs tried in order, before those of an empty server."""

    rules: list[tuple[str, Any]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    sessions: int = 0
    unavailable: BaseException | None = None
    host: str = "10.20.30.21"  # where the connection went, as a driver's connection says
    port: int = 3306

    @contextmanager
    def session(self) -> Iterator[Any]:
        if self.unavailable is not None:
            raise self.unavailable
        self.sessions += 1
        yield self

    def cursor(self) -> FakeCursor:
        return FakeCursor([*self.rules, *EMPTY_SERVER], self.log)

    def select_db(self, db: str) -> None:
        self.selected.append(db)

    def close(self) -> None:
        return


@dataclass
class FakeExecutor(Executor):
    """Records each play; ``fail`` names plays that fail; ``tasks`` per play are reported."""

    plays: list[tuple[Play, bool]] = field(default_factory=list)
    fail: set[Play] = field(default_factory=set)
    interrupt: set[Play] = field(default_factory=set)
    tasks: dict[Play, list[TaskEvent]] = field(default_factory=dict)
    host_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    seeded: Any = None
    options: ExecutionOptions = field(default_factory=ExecutionOptions)
    digests: dict[Play, dict[str, str]] = field(default_factory=dict)  # input_digests' answer
    limits: list[tuple[Play, tuple[str, ...] | None]] = field(default_factory=list)

    def play_name(self, play: Play) -> str:
        return play.value.replace(" ", "-") + ".yml"

    def run(
        self,
        play: Play,
        on_task: OnTask,
        *,
        check: bool = False,
        hosts: Collection[str] | None = None,
    ) -> PlayResult:
        self.plays.append((play, check))
        self.limits.append((play, tuple(hosts) if hosts is not None else None))
        if play in self.interrupt:
            raise KeyboardInterrupt
        for event in self.tasks.get(play, []):
            on_task(event)
        failed = play in self.fail
        recap = {"app1": HostRecap(ok=1, changed=0 if failed else 1, failed=int(failed))}
        failure = f"app1: {play.value} failed" if failed else ""
        status = "failed" if failed else "successful"
        return PlayResult(self.play_name(play), not failed, recap, status, 2 * failed, failure)

    def records(self) -> Mapping[str, str]:
        return {"variables.yml": "deployer_run_id: fake\n", "inventory.yml": "all: {}\n"}

    def input_digests(self, play: Play) -> Mapping[str, str]:
        return self.digests.get(play, {})

    def set_host_values(self, host: str, values: Mapping[str, Any]) -> None:
        self.host_values.setdefault(host, {}).update(values)

    def gathered_facts(self) -> Any:
        return {"app1": {"ansible_facts": {}}}

    def seed_facts(self, facts: Any) -> None:
        self.seeded = facts


def fake_context(
    loaded: Any,
    journal_root: Path,
    *,
    hosts: FakeHosts | None = None,
    database: FakeDatabase | None = None,
    executor: FakeExecutor | None = None,
    secrets: Any = None,
    progress: Callable[[str, Any], None] | None = None,
) -> Any:
    """A RunContext over the fakes: the spec's hosts answer from ``hosts``, its database is
    ``database``, and every run's executor is ``executor``."""
    from deployer.journal import Journal, Redactor  # noqa: PLC0415
    from deployer.run.context import RunContext  # noqa: PLC0415
    from deployer.run.secrets import RunSecrets  # noqa: PLC0415

    names = tuple(host.name for host in loaded.env.hosts)
    made = executor if executor is not None else FakeExecutor()

    def make_executor(*args: Any, **kwargs: Any) -> FakeExecutor:
        made.options = kwargs.get("options", made.options)
        return made

    return RunContext(
        loaded=loaded,
        journal=Journal(journal_root, Redactor()),
        hosts=hosts if hosts is not None else FakeHosts(names),
        targets=(),
        control=journal_root,
        progress=progress or (lambda stage, event: None),
        make_executor=make_executor,  # type: ignore[arg-type]
        resolved=secrets if secrets is not None else RunSecrets(),
        sessions=database if database is not None else FakeDatabase(),
    )


def managed_by_current(names: Iterable[str]) -> dict[str, Any]:
    """Every host managed by the engine deployer is installed with, under /usr/bin/python3:
    what apply chooses for hosts that answer the probe with ``PROBE_ANSWER``."""
    from deployer.executors.ansible.engines import ManagedHost, current_engine  # noqa: PLC0415
    from deployer.facts.model import PythonInstall  # noqa: PLC0415

    python = PythonInstall(
        path="/usr/bin/python3", real="/usr/bin/python3.11", version="3.11.2", major=3, minor=11
    )
    return {name: ManagedHost(python, current_engine()) for name in names}

"""The one interface apply, plan and rollback drive an executor through.

An executor turns the spec into changes on the hosts, one play at a time: the database
server, the middleware, the release, and the rollback's plays. Ansible over SSH is the first
(``executors.ansible``); a spec whose target no executor supports is refused before anything
runs, never run with another.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from deployer.errors import DeployerError, ExitCode
from deployer.spec import LoadedEnvironment


class Play(str, Enum):
    """What an executor is asked to bring about, by meaning (not by playbook file)."""

    DATABASE_SERVER = "database server"
    MIDDLEWARE = "middleware"
    RELEASE = "release"
    ROLLBACK = "rollback"  # configuration and release back as the undone run found them
    ROLLBACK_PACKAGES = "rollback packages"  # packages the undone run installed or upgraded


@dataclass(frozen=True)
class TaskEvent:
    """One host's outcome of one task, as deployer reports it."""

    host: str
    task: str
    outcome: str  # ok, changed, failed, skipped, unreachable
    message: str = ""
    role: str = ""
    # What the rollback needs: facts the roles record and the backups tasks took.
    facts: Mapping[str, Any] = field(default_factory=dict)
    backups: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class HostRecap:
    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0

    def __add__(self, other: HostRecap) -> HostRecap:
        return HostRecap(
            self.ok + other.ok,
            self.changed + other.changed,
            self.failed + other.failed,
            self.unreachable + other.unreachable,
            self.skipped + other.skipped,
        )


@dataclass(frozen=True)
class PlayResult:
    """How one play ended: ``name`` is what the journal calls it (a playbook's file name)."""

    name: str
    ok: bool
    recap: Mapping[str, HostRecap] = field(default_factory=dict)
    status: str = "successful"
    rc: int = 0
    failure: str = ""  # one line: the failed tasks, or what the executor said


@dataclass(frozen=True)
class ExecutionOptions:
    limit: tuple[str, ...] = ()  # host names; empty: every host
    check: bool = False  # predict, change nothing
    forks: int = 20
    serial: str | None = None  # release this many hosts (or this percentage) at a time
    max_fail_percent: int | None = None


OnTask = Callable[[TaskEvent], None]


class Executor(ABC):
    """One run's executor; made by the run once its hosts and variables are known."""

    @abstractmethod
    def play_name(self, play: Play) -> str:
        """What the journal calls ``play`` (events name it)."""

    @abstractmethod
    def run(
        self,
        play: Play,
        on_task: OnTask,
        *,
        check: bool = False,
        hosts: Collection[str] | None = None,
    ) -> PlayResult:
        """Bring ``play`` about on the hosts (of the run's limit, and of ``hosts`` when
        given); every task's outcome goes to ``on_task``."""

    def input_digests(self, play: Play) -> Mapping[str, str]:
        """Per host, the digest of everything ``play``'s outcome there depends on; a host
        left out (every host, by default) always runs the play."""
        return {}

    @abstractmethod
    def records(self) -> Mapping[str, str]:
        """What the journal keeps of the executor's input (record name -> text)."""

    @abstractmethod
    def set_host_values(self, host: str, values: Mapping[str, Any]) -> None:
        """Values for one host's plays (a rollback's: what to put back)."""

    @abstractmethod
    def gathered_facts(self) -> Any:
        """The facts gathered from the hosts so far (kept for a rollback of the run)."""

    @abstractmethod
    def seed_facts(self, facts: Any) -> None:
        """Start from facts a run gathered before, instead of gathering them again."""


class UnsupportedTarget(DeployerError):
    """No executor of this deployer deploys to the spec's target."""

    exit_code = ExitCode.INVALID_SPEC


def require_ansible_target(loaded: LoadedEnvironment) -> None:
    """Refuse a spec whose target is not Ansible over SSH, naming the spec's field."""
    kind = loaded.env.target.type
    if kind == "ansible":
        return
    problem = loaded.doc.problem(
        ("target", "type"),
        f"{kind}: this deployer plans, applies and rolls back only with Ansible over SSH "
        "(target.type: ansible); `deployer manifests` renders the cluster's objects; nothing "
        "was run",
    )
    raise UnsupportedTarget(str(problem))

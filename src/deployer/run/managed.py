"""The managed-state records of a run's hosts: read with their drift (one exec per host, as
root) before an apply decides what to run, written after it succeeded, and shown by ``drift``
and ``plan``.

A stage runs on a host when the host has no record, when its inputs digest differs from the
recorded one, or when an item of one of its roles drifted; else it is skipped there, and a
stage skipped on every host is not started at all."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import deployer
from deployer.executors.ansible.inputs import PLAY_ROLES
from deployer.executors.ansible.runner import MANAGED_SUFFIX
from deployer.executors.base import Play, TaskEvent
from deployer.journal import Run, records
from deployer.state.drift import Drift, drift
from deployer.state.model import RECORD_FORMAT, HostRecord, ManagedItems
from deployer.state.program import (
    COMMAND,
    StateUnreadable,
    again_program,
    parse_output,
    read_program,
    record_program,
)
from deployer.transport import CommandResult
from deployer.transport.hosts import Hosts

#: At most this many hosts written to at once.
PARALLEL = 32


@dataclass(frozen=True)
class HostState:
    """One host's record and what drifted from it; ``problem`` when it could not be read."""

    record: HostRecord | None = None
    drifted: tuple[Drift, ...] = ()
    problem: str = ""
    unreachable: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "recorded": self.record is not None,
            "run": self.record.run if self.record else None,
            "at": self.record.recorded if self.record else None,
            "problem": self.problem or None,
            "drift": [found.to_json() for found in self.drifted],
        }


def read_states(hosts: Hosts, names: Iterable[str] | None = None) -> dict[str, HostState]:
    """Every host's record and drift, read at once."""
    results = hosts.run_everywhere(
        names,
        COMMAND,
        stdin=read_program().encode("utf-8"),
        shown="read the managed-state record",
        root=True,
    )
    return {name: _state(name, result) for name, result in results.items()}


def _state(host: str, result: CommandResult) -> HostState:
    if not result.ok:
        return HostState(problem=_why(result), unreachable=not result.connected)
    try:
        observed = parse_output(result.stdout)
    except StateUnreadable as exc:
        return HostState(problem=str(exc))
    if observed.damaged:
        return HostState(problem="its managed-state record is damaged (not JSON)")
    if observed.record is None:
        return HostState()
    return HostState(observed.record, tuple(drift(host, observed.record, observed.now)))


def _why(result: CommandResult) -> str:
    if result.reason:
        return result.reason
    last = result.stderr.strip().splitlines()[-1:] or [f"exit status {result.exit_status}"]
    return last[0]


def record_drifts(run: Run, states: Mapping[str, HostState]) -> list[Drift]:
    """Every host's drift, host by host, each a ``drift`` event in the run's journal
    (``change`` is the drift's kind)."""
    found = [item for _, state in sorted(states.items()) for item in state.drifted]
    for item in found:
        fields = item.to_json()
        fields["change"] = fields.pop("kind")
        run.event("drift", **fields)
    return found


@dataclass
class ManagedCollector:
    """Gathers the ``<role>_managed`` facts the roles report during a run, per host."""

    items: dict[str, dict[str, ManagedItems]] = field(default_factory=dict)

    def __call__(self, event: TaskEvent) -> None:
        for name, value in event.facts.items():
            if name.endswith(MANAGED_SUFFIX) and isinstance(value, Mapping):
                role = name[: -len(MANAGED_SUFFIX)]
                self.items.setdefault(event.host, {})[role] = ManagedItems.model_validate(value)


@dataclass(frozen=True)
class Decision:
    """Where a stage runs, and why there; the hosts it skips, unchanged."""

    run_on: dict[str, str]  # host -> why it runs there
    skipped: tuple[str, ...]

    @property
    def everywhere(self) -> bool:
        return not self.skipped


def decide(
    play: Play,
    stage: str,
    hosts: Collection[str],
    digests: Mapping[str, str],
    states: Mapping[str, HostState],
    *,
    full: bool,
) -> Decision:
    """On which of ``hosts`` (the stage's) the play runs, each with its reason."""
    roles = set(PLAY_ROLES.get(play, ()))
    run_on: dict[str, str] = {}
    skipped: list[str] = []
    for host in hosts:
        why = _why_run(stage, roles, digests.get(host), states.get(host), full=full)
        if why:
            run_on[host] = why
        else:
            skipped.append(host)
    return Decision(run_on, tuple(skipped))


def _why_run(
    stage: str, roles: set[str], digest: str | None, state: HostState | None, *, full: bool
) -> str:
    if full:
        return "--full"
    unknown = _unknown(stage, digest, state)
    if unknown or state is None or state.record is None:
        return unknown
    drifted = [found for found in state.drifted if found.role in roles]
    if drifted:
        more = f" (and {len(drifted) - 3} more)" if len(drifted) > 3 else ""
        return "drift: " + "; ".join(f"{d.item} {d.kind.value}" for d in drifted[:3]) + more
    return "its inputs changed" if state.record.stages.get(stage) != digest else ""


def _unknown(stage: str, digest: str | None, state: HostState | None) -> str:
    """Why the host's record cannot tell whether the stage would change anything."""
    if not digest:
        return "its inputs cannot be compared"
    if state is None or state.problem:
        return f"its record could not be read ({state.problem if state else 'not read'})"
    if state.record is None:
        return "no record of an earlier apply"
    if not state.record.stages.get(stage):
        return "no earlier apply of this stage recorded"
    return ""


def write_records(
    hosts: Hosts,
    run: Run,
    items: Mapping[str, Mapping[str, ManagedItems]],
    stages: Mapping[str, Mapping[str, str]],
) -> dict[str, str]:
    """Each host's new record (and the run's copy); host -> problem for those not written."""
    recorded = datetime.now(timezone.utc).isoformat(timespec="seconds")
    programs = {
        host: record_program(items.get(host, {}), _meta(host, run, recorded, stages.get(host, {})))
        for host in sorted(set(items) | set(stages))
    }
    return _run_programs(hosts, run, programs, "write the managed-state record")


def _run_programs(
    hosts: Hosts, run: Run, programs: Mapping[str, str], shown: str
) -> dict[str, str]:
    """Each host's program at once (up to PARALLEL); host -> problem where it failed."""

    def send(host: str) -> tuple[str, CommandResult]:
        stdin = programs[host].encode("utf-8")
        return host, hosts.run_on(host, COMMAND, stdin=stdin, shown=shown, root=True)

    problems: dict[str, str] = {}
    if not programs:
        return problems
    with ThreadPoolExecutor(max_workers=min(PARALLEL, len(programs))) as pool:
        for host, result in pool.map(send, programs):
            problem = _keep(run, host, result)
            if problem:
                problems[host] = problem
    return problems


def _meta(host: str, run: Run, recorded: str, stages: Mapping[str, str]) -> dict[str, Any]:
    return {
        "format": RECORD_FORMAT,
        "host": host,
        "run": run.id,
        "deployer": deployer.__version__,
        "recorded": recorded,
        "stages": dict(stages),
    }


def _keep(run: Run, host: str, result: CommandResult) -> str:
    """The run's copy of the record the program wrote; what went wrong, if anything."""
    if not result.ok:
        return _why(result)
    try:
        observed = parse_output(result.stdout)
    except StateUnreadable as exc:
        return str(exc)
    if observed.record is not None:
        run.record(records.managed_state(host), observed.record.model_dump_json(indent=1))
    return ""


@dataclass
class ManagedRun:
    """One apply's view of its hosts' records: what each stage skips, what the roles that
    ran reported, and the records to leave when the run succeeds."""

    states: Mapping[str, HostState]
    full: bool = False
    limit: tuple[str, ...] = ()  # --limit: the stages run, and records are written, there only
    collector: ManagedCollector = field(default_factory=ManagedCollector)
    #: host -> stage -> inputs digest, for every stage the host takes part in.
    digests: dict[str, dict[str, str]] = field(default_factory=dict)
    #: host -> roles of the stages that ran there.
    ran: dict[str, set[str]] = field(default_factory=dict)
    #: host -> roles of every stage it takes part in.
    roles: dict[str, set[str]] = field(default_factory=dict)

    def decide(
        self, play: Play, stage: str, hosts: Collection[str], digests: Mapping[str, str]
    ) -> Decision:
        decision = decide(play, stage, hosts, digests, self.states, full=self.full)
        for host in hosts:
            self.digests.setdefault(host, {})[stage] = digests.get(host, "")
            self.roles.setdefault(host, set()).update(PLAY_ROLES.get(play, ()))
        for host in decision.run_on:
            self.ran.setdefault(host, set()).update(PLAY_ROLES.get(play, ()))
        return decision

    def to_write(self) -> tuple[dict[str, dict[str, ManagedItems]], dict[str, dict[str, str]]]:
        """Per host the stages decided about: the items of its roles, as reported by the
        roles that ran and as recorded for those that did not; and its stages' digests."""
        items: dict[str, dict[str, ManagedItems]] = {}
        for host, roles in self.roles.items():
            state = self.states.get(host)
            before = state.record.roles if state and state.record else {}
            reported = self.collector.items.get(host, {})
            found: dict[str, ManagedItems] = {}
            for role in sorted(roles):
                if role in self.ran.get(host, set()) and role in reported:
                    found[role] = reported[role]
                elif role in before:
                    found[role] = before[role].items
            items[host] = found
        stages = {host: dict(self.digests[host]) for host in items}
        return items, stages


def record_after_rollback(hosts: Hosts, run: Run) -> None:
    """After a rollback: each host's recorded items as they are now, with no stage digest
    (the state is the one the undone run found, not one the spec's inputs produced), so the
    next apply runs every stage and ``drift`` compares with what the rollback left. One exec
    per host: the program reads the record and writes it again."""
    recorded = datetime.now(timezone.utc).isoformat(timespec="seconds")
    programs = {host: again_program(_meta(host, run, recorded, {})) for host in hosts.names}
    shown = "write the managed-state record again"
    for host, problem in _run_programs(hosts, run, programs, shown).items():
        run.event("warning", host=host, message=f"managed-state record not written: {problem}")

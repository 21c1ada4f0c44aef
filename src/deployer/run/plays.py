"""One play of the executor inside a run: its task outcomes journalled and shown, its recap
added to the run's, the facts it gathered kept for a rollback of the run."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from deployer.errors import DeployerError, ExitCode
from deployer.executors.base import Executor, HostRecap, Play, TaskEvent
from deployer.journal import Run, records
from deployer.run.context import RunContext

Recap = dict[str, HostRecap]


class StageFailed(DeployerError):
    exit_code = ExitCode.APPLY_FAILED


def run_play(
    context: RunContext,
    run: Run,
    executor: Executor,
    play: Play,
    recap: Recap,
    *,
    check: bool = False,
    hosts: Collection[str] | None = None,
    observe: Callable[[TaskEvent], None] | None = None,
) -> None:
    """Run ``play`` (on ``hosts`` only, when given); a play that fails is a StageFailed with
    the executor's account of it. ``observe`` sees every task event too."""
    name = executor.play_name(play)

    def on_task(event: TaskEvent) -> None:
        run.event(
            "task",
            playbook=name,
            host=event.host,
            task=event.task,
            outcome=event.outcome,
            message=event.message,
            **rollback_data(event),
        )
        context.progress(name, event)
        if observe is not None:
            observe(event)

    with context.connections_held():
        result = executor.run(play, on_task, check=check, hosts=hosts)
    for host, counts in result.recap.items():
        recap[host] = recap.get(host, HostRecap()) + counts
    if not check:
        # For a rollback of this run: it starts from these facts, not gathering again.
        run.record(records.ANSIBLE_FACTS, executor.gathered_facts())
    run.event("playbook", name=name, status=result.status, rc=result.rc)
    if not result.ok:
        raise StageFailed(result.failure)


def rollback_data(event: TaskEvent) -> dict[str, Any]:
    """The parts of a task event the rollback plan is built from, when there are any."""
    data: dict[str, Any] = {}
    if event.facts or event.backups:
        data["role"] = event.role
    if event.facts:
        data["facts"] = dict(event.facts)
    if event.backups:
        data["backups"] = [list(pair) for pair in event.backups]
    return data


def record_recap(run: Run, recap: Recap) -> None:
    run.record(records.RECAP, {host: vars(counts) for host, counts in sorted(recap.items())})

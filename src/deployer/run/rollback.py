"""``rollback``: a run of its own that undoes an apply from that apply's journal.

A rollback is: stop the product (one command per app host), restore the database (undo
scripts, or the dump taken before migrating), then the executor's rollback play with what the
run recorded, product last (it restarts Tomcat and checks the old version's health page), then
the packages. When the release and its config files are all there is to put back, one program
per app host does it instead of the play (``release_rollback``). The plan it follows was
written by the rollback recorder ahead of each stage of the apply.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from deployer.errors import DeployerError, ExitCode
from deployer.executors.base import ExecutionOptions, Executor, Play
from deployer.journal import Run, records
from deployer.rollback import (
    RollbackPlan,
    package_rollback_vars,
    release_only,
    rollback_host_vars,
)
from deployer.rollback.recorder import load_plan, write_plan
from deployer.rollback.restore import SchemaRestorer, stop_product
from deployer.rollback.survey import with_package_changes
from deployer.run.context import RunContext
from deployer.run.lifecycle import run_lifecycle
from deployer.run.managed import record_after_rollback
from deployer.run.managers import engines_record, rollback_managed_hosts
from deployer.run.packages import packages_from_bundle
from deployer.run.plays import Recap, record_recap, run_play
from deployer.run.release_rollback import put_releases_back


@dataclass(frozen=True)
class RollbackOutcome:
    run_id: str
    undone: str
    exit_code: ExitCode
    failure: str | None = None


RollbackStage = tuple[str, str, Callable[[], None]]  # journal name, title, the step


def _rollback_failed(error: DeployerError) -> ExitCode:
    return ExitCode.ROLLBACK_FAILED


def run_rollback(context: RunContext, undone: Run) -> RollbackOutcome:
    """Undo ``undone`` (an apply run) as a run of its own; safe to run again."""
    plan = load_plan(undone)
    context.resolve_secrets()
    managed = rollback_managed_hosts(context, undone.info().engines)
    ports = {step.host: step.previous_port for step in plan.hosts if step.previous_port}
    run = context.journal.start(
        "rollback",
        context.loaded.path,
        undoes=undone.id,
        product_version=plan.version,
        ports=ports,
        engines=engines_record(managed),
    )
    executor = context.executor(run, ExecutionOptions(), managed)
    for host, values in rollback_host_vars(plan).items():
        executor.set_host_values(host, values)
    context.record_inputs(run, executor)
    seed_facts(executor, undone)
    write_plan(run, plan)
    recap: Recap = {}
    stages = rollback_stages(context, run, executor, plan, undone, recap=recap)
    with run_lifecycle(run, context.redact, failed_as=_rollback_failed, keep_going=True) as ending:
        try:
            with packages_from_bundle(context.bundle, context.hosts, run, executor, managed):
                for name, title, step in stages:
                    context.progress(title, None)
                    run.event("stage", name=name)
                    step()
        finally:
            record_recap(run, recap)  # per-host task counts, as an apply's
    return RollbackOutcome(run.id, undone.id, ending.exit_code, ending.failure)


def rollback_stages(
    context: RunContext,
    run: Run,
    executor: Executor,
    plan: RollbackPlan,
    undone: Run,
    *,
    recap: Recap,
) -> list[RollbackStage]:
    dumps = context.schema_dumps()
    restorer = SchemaRestorer(context.loaded, run, context.hosts, context.database, dumps)
    stop: RollbackStage = (
        "stop",
        "stop the product",
        lambda: stop_product(context.loaded, run, context.hosts),
    )
    configuration = "put configuration and release back"
    cluster: list[RollbackStage] = []
    part = context.cluster
    if part is not None:
        stop = ("stop", "stop the product's pods", lambda: part.stop(run))
        configuration = "put the database server's configuration back"
        revision = "put the previous revision back in the cluster"
        cluster = [("cluster", revision, lambda: part.put_back(run, undone))]
    return [
        stop,
        ("database", "restore the database", lambda: restorer.restore(plan, undone)),
        ("rollback", configuration, lambda: put_back(context, run, executor, plan, recap)),
        *cluster,
        (
            "packages",
            "put packages back",
            lambda: restore_packages(context, run, executor, plan, undone, recap=recap),
        ),
        (
            "record",
            "record what deployer manages now",
            lambda: record_after_rollback(context.hosts, run),
        ),
    ]


def put_back(
    context: RunContext, run: Run, executor: Executor, plan: RollbackPlan, recap: Recap
) -> None:
    """The release alone, by one program per app host, when nothing else is to be undone and
    every app host recorded where its release lives (see release_rollback); else the
    executor's rollback play."""
    apps = [step.host for step in plan.hosts if step.app]
    if release_only(plan) and set(apps) <= set(context.hosts.names):
        put_releases_back(context, run, plan, recap)
    else:
        run_play(context, run, executor, Play.ROLLBACK, recap)


def seed_facts(executor: Executor, undone: Run) -> None:
    """Start from the facts the undone run gathered, where it got that far: gathering them
    again would keep the product down longer."""
    path = undone.path / records.ANSIBLE_FACTS
    if not path.is_file():
        return
    try:
        facts = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return  # written as the run was killed: the rollback gathers them itself
    executor.seed_facts(facts)


def restore_packages(
    context: RunContext,
    run: Run,
    executor: Executor,
    plan: RollbackPlan,
    undone: Run,
    *,
    recap: Recap,
) -> None:
    """Last: remove what the undone run installed and downgrade what it upgraded, compared
    now with the list taken before it (so a run killed half-way is covered too)."""
    plan = with_package_changes(plan, undone, context.hosts)
    write_plan(run, plan)
    values = package_rollback_vars(plan)
    run.event("packages", changed={step.host: step.packages for step in plan.hosts})
    if not values:
        return
    for host, host_values in values.items():
        executor.set_host_values(host, host_values)
    run_play(context, run, executor, Play.ROLLBACK_PACKAGES, recap)

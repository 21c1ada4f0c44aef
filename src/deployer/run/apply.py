"""apply: the stage list run in order (database server, schemas and migrations, middleware,
release), stopping at the first failure, with the rollback plan written ahead of each stage.
Every task outcome is an event in the run's journal (redacted); the per-host recap sums the
plays."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

from deployer.errors import DeployerError, ExitCode
from deployer.executors.ansible.engines import ManagedHost
from deployer.executors.base import ExecutionOptions, Executor, HostRecap, Play, TaskEvent
from deployer.journal import Run
from deployer.migrations.stage import apply_database
from deployer.plan.stages import Lane, Phase, Stage, StageId, apply_stages, stage_phases
from deployer.rollback.recorder import IrreversibleRefused, RollbackRecorder
from deployer.run.bootstrap import bootstrap_python
from deployer.run.context import RunContext
from deployer.run.lifecycle import run_lifecycle
from deployer.run.managed import HostState, ManagedRun, read_states, record_drifts, write_records
from deployer.run.managers import engines_record, probe_managed_hosts
from deployer.run.overlap import side_by_side
from deployer.run.packages import downgrades_by_host, packages_from_bundle
from deployer.run.plays import Recap, record_recap, run_play
from deployer.transport.login import needs_askpass


@dataclass(frozen=True)
class ApplyOptions:
    #: What the executor is asked: --limit, --forks, --serial, --max-fail-percent.
    execution: ExecutionOptions = field(default_factory=ExecutionOptions)
    allow_irreversible: bool = False  # run migrations that nothing could undo
    bootstrap_python: bool = False  # install python3 first where no Python can run Ansible
    full: bool = False  # run every stage everywhere, even where nothing changed or drifted


@dataclass(frozen=True)
class ApplyOutcome:
    run_id: str
    exit_code: ExitCode
    recap: dict[str, HostRecap] = field(default_factory=dict)
    failure: str | None = None


#: The stages the executor brings about; the others deployer runs itself.
STAGE_PLAYS = {
    StageId.DATABASE_SERVER: Play.DATABASE_SERVER,
    StageId.MIDDLEWARE: Play.MIDDLEWARE,
    StageId.RELEASE: Play.RELEASE,
}


def _apply_code(error: DeployerError) -> ExitCode:
    return error.exit_code if isinstance(error, IrreversibleRefused) else ExitCode.APPLY_FAILED


def run_apply(context: RunContext, options: ApplyOptions) -> ApplyOutcome:
    loaded = context.loaded
    context.resolve_secrets()
    bootstrapped = bootstrap_python(context) if options.bootstrap_python else []
    managed = probe_managed_hosts(context)  # a host no engine manages stops apply here
    run = context.journal.start(
        "apply",
        loaded.path,
        product_version=loaded.env.product.version,
        ports=loaded.env.tomcat_ports(),
        engines=engines_record(managed),
    )
    for done in bootstrapped:
        run.event("bootstrap", **done.to_event())
    executor = context.executor(run, options.execution, managed)
    context.record_inputs(run, executor)
    recap: Recap = {}
    with run_lifecycle(run, context.redact, failed_as=_apply_code, keep_going=True) as ending:
        try:
            with packages_from_bundle(context.bundle, context.hosts, run, executor, managed):
                _run_stages(context, run, executor, recap, options, managed=managed)
        finally:
            record_recap(run, recap)
    return ApplyOutcome(run.id, ending.exit_code, recap, ending.failure)


def _run_stages(
    context: RunContext,
    run: Run,
    executor: Executor,
    recap: Recap,
    options: ApplyOptions,
    *,
    managed: Mapping[str, ManagedHost],
) -> None:
    recorder = RollbackRecorder(
        context.loaded,
        run,
        context.journal,
        context.hosts,
        context.database,
        allow_irreversible=options.allow_irreversible,
        dumps=context.schema_dumps(),
    )
    if context.cluster is not None:
        recorder.note_cluster(context.cluster.back_to())
    if context.bundle is not None:
        installed = recorder.packages_before()
        recorder.note_offline_downgrades(downgrades_by_host(context.bundle, managed, installed))
    limit = options.execution.limit
    state = ManagedRun(_read_states(context, run, limit), full=options.full, limit=limit)

    def lane(stages: Lane) -> None:
        for stage in stages:
            context.progress(stage.title, None)
            if stage.id is StageId.SCHEMAS:
                run.event("stage", name=stage.title)
                _schemas(context, run, recorder)
            elif stage.id is StageId.CLUSTER:
                run.event("stage", name=stage.title)
                assert context.cluster is not None, "the CLI connects to a kubernetes target"
                context.cluster.roll_out(run)
                done = TaskEvent("cluster", "rollout done", "changed")
                context.progress(stage.title, done)
            else:
                _run_stage(context, run, executor, recap, stage, state=state)

    try:
        for phase in _phases(context):
            for stage in (stage for stages in phase for stage in stages):
                recorder.stage_starting(stage)  # the rollback plan, ahead of the phase
            side_by_side([partial(lane, stages) for stages in phase])
        recorder.finish()
    except DeployerError:
        recorder.finish_quietly()
        raise
    _write_records(context, run, state)


def _phases(context: RunContext) -> tuple[Phase, ...]:
    """The stages in phases of lanes side by side; one lane after the other when a host is
    reached with a password (its shared connection is held by one play at a time)."""
    phases = stage_phases(apply_stages(context.loaded.env))
    if any(needs_askpass(target) for target in context.targets):
        return tuple((tuple(stage for lane in phase for stage in lane),) for phase in phases)
    return phases


def _read_states(context: RunContext, run: Run, limit: tuple[str, ...]) -> dict[str, HostState]:
    """The hosts' records, and what drifted from them, in the journal and on screen."""
    states = read_states(context.hosts, limit or None)  # --limit: the others are not touched
    for item in record_drifts(run, states):
        context.progress("drift", TaskEvent(item.host, item.describe(), "drift"))
    return states


def _run_stage(
    context: RunContext,
    run: Run,
    executor: Executor,
    recap: Recap,
    stage: Stage,
    *,
    state: ManagedRun,
) -> None:
    """The stage's play on the hosts where something changed or drifted, or where there is
    no record to tell; not at all when that is nowhere."""
    play = STAGE_PLAYS[stage.id]
    hosts = [host for host in stage.hosts if not state.limit or host in state.limit]
    decision = state.decide(play, stage.title, hosts, executor.input_digests(play))
    run.event("stage", name=stage.title, runs_on=decision.run_on, unchanged=list(decision.skipped))
    for host, why in decision.run_on.items():
        context.progress(stage.title, TaskEvent(host, f"runs: {why}", "runs"))
    if decision.skipped:  # one line for a fleet's unchanged hosts, not one per host
        count = len(decision.skipped)
        where = decision.skipped[0] if count == 1 else f"{count} hosts"
        context.progress(stage.title, TaskEvent(where, "unchanged, no drift: skipped", "unchanged"))
    if not decision.run_on:
        return
    run_play(
        context,
        run,
        executor,
        play,
        recap,
        hosts=None if decision.everywhere else list(decision.run_on),
        observe=state.collector,
    )


def _write_records(context: RunContext, run: Run, state: ManagedRun) -> None:
    """After a successful run: each host's record of what deployer manages there. A record
    that cannot be written costs the next run its shortcut, not this run its success."""
    items, stages = state.to_write()
    for host, problem in write_records(context.hosts, run, items, stages).items():
        run.event("warning", host=host, message=f"managed-state record not written: {problem}")


def _schemas(context: RunContext, run: Run, recorder: RollbackRecorder) -> None:
    """deployer's own stage: schemas, the product's account, migrations; the recorder reads
    and dumps each schema just before the first statement."""
    outcomes = apply_database(
        context.loaded,
        context.database,
        context.secrets.owner_passwords,
        run.id,
        mask=context.redact,
        observer=recorder,
    )
    for outcome in outcomes:
        run.event(
            "schema",
            schema=outcome.schema,
            created=outcome.created,
            migrations=[m.name for m in outcome.applied],
        )
        for migration in outcome.applied:
            context.progress(
                StageId.SCHEMAS.value,
                TaskEvent("database", f"{outcome.schema}: {migration.name}", "changed"),
            )

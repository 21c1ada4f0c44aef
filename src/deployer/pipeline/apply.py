"""apply: database server, schemas and migrations, middleware, then the release — journalled.

Stages run in order and stop at the first failure; every task outcome is an event in the
run's journal (redacted), and the per-host recap sums the playbooks.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from deployer.errors import DeployerError, ExitCode
from deployer.executors.ansible.factcache import read_fact_cache
from deployer.executors.ansible.inventory import build_inventory
from deployer.executors.ansible.runner import (
    HostRecap,
    PlaybookRun,
    TaskEvent,
    describe,
    run_playbook,
)
from deployer.executors.ansible.variables import dump, extra_vars, host_vars
from deployer.journal import Journal, Run, RunStatus
from deployer.pipeline.content import content_dir
from deployer.pipeline.database import apply_database
from deployer.pipeline.rollback_plan import IrreversibleRefused, RollbackRecorder
from deployer.pipeline.secrets import RunSecrets, resolve_secrets
from deployer.pipeline.targets import ssh_targets
from deployer.spec import LoadedEnvironment
from deployer.transport import SshOptions
from deployer.transport.ssh import close_masters

log = logging.getLogger(__name__)

FACT_CACHE = "facts"  # Ansible's fact cache, in a run's control folder
ANSIBLE_FACTS = "ansible-facts.json"  # the cache's content, recorded with an apply run

Progress = Callable[[str, TaskEvent | None], None]


@dataclass(frozen=True)
class ApplyOptions:
    limit: str | None = None
    check: bool = False
    forks: int = 20
    serial: str | None = None  # release this many hosts (or this percentage) at a time
    max_fail_percent: int | None = None
    allow_irreversible: bool = False  # run migrations that nothing could undo
    ssh: SshOptions = field(default_factory=SshOptions)


@dataclass(frozen=True)
class ApplyOutcome:
    run_id: str
    exit_code: ExitCode
    recap: dict[str, HostRecap]
    failure: str | None = None


class StageFailed(DeployerError):
    exit_code = ExitCode.APPLY_FAILED


@dataclass
class _Context:
    loaded: LoadedEnvironment
    run: Run
    secrets: RunSecrets
    inventory: dict[str, Any]
    variables: dict[str, Any]
    options: ApplyOptions
    progress: Progress
    control: Path
    recap: dict[str, HostRecap] = field(default_factory=dict)


def run_apply(
    loaded: LoadedEnvironment, journal: Journal, options: ApplyOptions, progress: Progress
) -> ApplyOutcome:
    secrets = resolve_secrets(loaded, journal.redact)
    run = journal.start(
        "apply",
        loaded.path,
        product_version=loaded.env.product.version,
        ports=loaded.env.tomcat_ports(),
    )
    with control_dir() as control:
        context = prepare(
            loaded, run, secrets=secrets, options=options, progress=progress, control=control
        )
        run.set_status(RunStatus.RUNNING)
        recorder: RollbackRecorder | None = None
        try:
            recorder = RollbackRecorder(context) if not options.check else None
            for name, stage in _stages(loaded):
                if recorder is not None:
                    recorder.before(name)  # the journal is written ahead of each step
                progress(name, None)
                run.event("stage", name=name)
                stage(context)
            if recorder is not None:
                recorder.finish()
        except DeployerError as exc:
            message = journal.redact(str(exc))
            if recorder is not None:
                _finish_quietly(recorder)
            run.record("recap.json", _recap_json(context.recap))
            code = exc.exit_code if isinstance(exc, IrreversibleRefused) else ExitCode.APPLY_FAILED
            run.set_status(RunStatus.FAILED, exit_code=int(code), error=message)
            return ApplyOutcome(run.id, code, context.recap, message)
        except KeyboardInterrupt:
            run.set_status(RunStatus.CANCELED, exit_code=int(ExitCode.INTERRUPTED))
            raise
        except Exception as exc:  # a bug: the journal still says the run ended
            run.set_status(
                RunStatus.FAILED,
                exit_code=int(ExitCode.INTERNAL_ERROR),
                error=journal.redact(f"internal error: {type(exc).__name__}"),
            )
            raise
    run.record("recap.json", _recap_json(context.recap))
    run.set_status(RunStatus.SUCCESSFUL, exit_code=0)
    return ApplyOutcome(run.id, ExitCode.OK, context.recap)


Stage = Callable[[_Context], None]


def _finish_quietly(recorder: RollbackRecorder) -> None:
    """After a failure: complete the rollback plan if the hosts still answer. A host that
    does not is compared again when the rollback runs."""
    try:
        recorder.finish()
    except DeployerError as exc:
        log.warning("rollback plan not completed after the failure: %s", exc)
        recorder.refresh()


def prepare(
    loaded: LoadedEnvironment,
    run: Run,
    *,
    secrets: RunSecrets,
    options: ApplyOptions,
    progress: Progress,
    control: Path,
) -> _Context:
    """Inventory and variables of a run, recorded in its journal with the spec."""
    # deployer's own SSH commands and Ansible share one connection per host.
    options = replace(options, ssh=replace(options.ssh, control_dir=control))
    run.record("spec.yml", loaded.path.read_text(encoding="utf-8"))
    inventory = build_inventory(loaded, ssh_targets(loaded, run.path), control)
    for host in loaded.env.hosts:
        inventory["all"]["hosts"][host.name].update(host_vars(loaded.env, host))
    variables = extra_vars(loaded, run.id)
    if options.serial is not None:
        variables["deployer_serial"] = options.serial
    if options.max_fail_percent is not None:
        variables["deployer_max_fail_percentage"] = options.max_fail_percent
    run.record("variables.yml", dump(variables))
    return _Context(loaded, run, secrets, inventory, variables, options, progress, control)


def predict(context: _Context) -> tuple[dict[str, list[str]], list[str]]:
    """Run the playbooks in check mode: per host, the tasks that would change; notes where
    check mode had to stop (on bare hosts a service cannot be checked before it exists)."""
    would_change: dict[str, list[str]] = {}
    notes: list[str] = []
    for name in ("database.yml", "middleware.yml", "release.yml"):
        context.progress(f"{name} (check mode)", None)
        try:
            _playbook(name)(context)
        except StageFailed as exc:
            if _refused_input(context, name):
                # A role refusing its input refuses it in apply too: not a check-mode artefact.
                notes.append(
                    f"check mode stopped in {exc}; a role refused its input there, and apply "
                    "would stop at the same task: correct the spec or the host first"
                )
            else:
                notes.append(
                    f"check mode stopped in {exc}; later steps of that playbook are not "
                    "predicted (expected on hosts where earlier steps install software)"
                )
    for event in context.run.events():
        if event.get("event") == "task" and event.get("outcome") == "changed":
            would_change.setdefault(str(event["host"]), []).append(str(event["task"]))
    return would_change, notes


#: How the tasks that check a role's input are named: Ansible's argument validation, and the
#: roles' own asserts ("Check the settings that go into nginx's configuration.").
_INPUT_CHECKS = ("Validating arguments against arg spec", "Check ")


def _refused_input(context: _Context, playbook: str) -> bool:
    """Whether the playbook failed in a task that checks the role's input."""
    return any(
        event.get("event") == "task"
        and event.get("playbook") == playbook
        and event.get("outcome") == "failed"
        and str(event.get("task", "")).startswith(_INPUT_CHECKS)
        for event in context.run.events()
    )


def _stages(loaded: LoadedEnvironment) -> list[tuple[str, Stage]]:
    stages: list[tuple[str, Stage]] = []
    database = loaded.env.database
    if database is not None and loaded.env.host(database.host) is not None:
        stages.append(("database server", _playbook("database.yml")))
    if database is not None:
        stages.append(("schemas and migrations", _database_stage))
    stages.append(("middleware", _playbook("middleware.yml")))
    stages.append(("release", _playbook("release.yml")))
    return stages


def _playbook(name: str) -> Stage:
    def stage(context: _Context) -> None:
        root = content_dir()
        first_schema = None
        if context.loaded.env.database is not None:
            first_schema = context.loaded.env.database.schemas[0].name

        def on_event(event: TaskEvent) -> None:
            context.run.event(
                "task",
                playbook=name,
                host=event.host,
                task=event.task,
                outcome=event.outcome,
                message=event.message,
                **_rollback_data(event),
            )
            context.progress(name, event)

        result = run_playbook(
            PlaybookRun(
                playbook=root / "playbooks" / name,
                inventory=context.inventory,
                variables=context.variables,
                secrets=context.secrets.playbook_env(first_schema),
                limit=context.options.limit,
                check=context.options.check,
                forks=context.options.forks,
                roles_path=root / "roles",
                fact_cache=context.control / FACT_CACHE,
            ),
            on_event,
        )
        for host, recap in result.recap.items():
            context.recap[host] = _add(context.recap.get(host, HostRecap()), recap)
        if not context.options.check:
            # For a rollback of this run: it starts from these facts, not gathering again.
            facts = read_fact_cache(context.control / FACT_CACHE)
            context.run.record(ANSIBLE_FACTS, facts)
        context.run.event("playbook", name=name, status=result.status, rc=result.rc)
        if not result.ok:
            raise StageFailed(describe(result))

    return stage


#: The stage that runs one playbook (rollback runs use it too).
def playbook_stage(name: str) -> Stage:
    return _playbook(name)


def _rollback_data(event: TaskEvent) -> dict[str, Any]:
    """The parts of a task event the rollback plan is built from, when there are any."""
    data: dict[str, Any] = {}
    if event.facts or event.backups:
        data["role"] = event.role
    if event.facts:
        data["facts"] = dict(event.facts)
    if event.backups:
        data["backups"] = [list(pair) for pair in event.backups]
    return data


def _database_stage(context: _Context) -> None:
    targets = {t.name: t for t in ssh_targets(context.loaded, context.run.path)}
    outcomes = apply_database(
        context.loaded, targets, context.options.ssh, context.secrets, context.run.id
    )
    for outcome in outcomes:
        context.run.event(
            "schema",
            schema=outcome.schema,
            created=outcome.created,
            migrations=[m.name for m in outcome.applied],
        )
        for migration in outcome.applied:
            context.progress(
                "schemas and migrations",
                TaskEvent("database", f"{outcome.schema}: {migration.name}", "changed"),
            )


def _add(a: HostRecap, b: HostRecap) -> HostRecap:
    return HostRecap(
        a.ok + b.ok,
        a.changed + b.changed,
        a.failed + b.failed,
        a.unreachable + b.unreachable,
        a.skipped + b.skipped,
    )


def _recap_json(recap: dict[str, HostRecap]) -> dict[str, dict[str, int]]:
    return {host: vars(r) for host, r in sorted(recap.items())}


@contextmanager
def control_dir(shared: Path | None = None) -> Iterator[Path]:
    """A short path for ssh ControlPath sockets (Unix socket paths max out near 104 bytes),
    with the connections in it ended afterwards; or ``shared``, which its owner ends."""
    if shared is not None:
        yield shared
        return
    with tempfile.TemporaryDirectory(prefix="dpl-ssh-", dir="/tmp") as folder:
        try:
            yield Path(folder)
        finally:
            close_masters(Path(folder))

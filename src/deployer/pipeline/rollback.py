"""``rollback``: a run of its own that undoes an apply from that apply's journal.

A rollback is: stop the product (one SSH command per app host), restore the database (undo
scripts, or the dump taken before migrating), then ``rollback.yml`` with what the run recorded,
product last (it restarts Tomcat and checks the old version's health page). The plan it
follows is written by ``rollback_plan`` ahead of each step of the apply.
"""

from __future__ import annotations

import getpass
import json
import logging
import shlex
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from deployer.errors import DeployerError, ExitCode
from deployer.executors.ansible.factcache import seed_fact_cache
from deployer.journal import Journal, Run, RunStatus
from deployer.migrations import discover
from deployer.migrations import mysql as mysql_setup
from deployer.migrations.dialects import MYSQL
from deployer.migrations.runner import Runner
from deployer.pipeline.apply import (
    ANSIBLE_FACTS,
    FACT_CACHE,
    ApplyOptions,
    control_dir,
    playbook_stage,
    prepare,
)
from deployer.pipeline.database import migrations_folder
from deployer.pipeline.dbfacts import mysql_session
from deployer.pipeline.rollback_plan import (
    RollbackFailed,
    dump_name,
    load_plan,
    plain_schema_name,
    with_package_changes,
    write_plan,
)
from deployer.pipeline.secrets import resolve_secrets
from deployer.pipeline.targets import ssh_targets
from deployer.rollback import (
    RollbackPlan,
    SchemaStep,
    package_rollback_vars,
    rollback_host_vars,
)
from deployer.spec import LoadedEnvironment
from deployer.transport import SshOptions
from deployer.transport.ssh import SshTarget, run_everywhere
from deployer.transport.stream import digest_of, run_from_file

if TYPE_CHECKING:
    from deployer.pipeline.apply import Progress, _Context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RollbackOutcome:
    run_id: str
    undone: str
    exit_code: ExitCode
    failure: str | None = None


# --- the rollback run ----------------------------------------------------------------------


def run_rollback(
    loaded: LoadedEnvironment,
    journal: Journal,
    undone: Run,
    progress: Progress,
    ssh: SshOptions | None = None,
) -> RollbackOutcome:
    """Undo ``undone`` (an apply run) as a run of its own; safe to run again."""
    plan = load_plan(undone)
    secrets = resolve_secrets(loaded, journal.redact)
    ports = {step.host: step.previous_port for step in plan.hosts if step.previous_port}
    run = journal.start(
        "rollback", loaded.path, undoes=undone.id, product_version=plan.version, ports=ports
    )
    options = ApplyOptions(ssh=ssh or SshOptions())
    with control_dir(options.ssh.control_dir) as control:
        context = prepare(
            loaded, run, secrets=secrets, options=options, progress=progress, control=control
        )
        for host, values in rollback_host_vars(plan).items():
            context.inventory["all"]["hosts"].get(host, {}).update(values)
        seed_facts(context, undone)
        write_plan(run, plan)
        run.set_status(RunStatus.RUNNING)
        stages: list[tuple[str, str, Stage]] = [
            ("stop", "stop the product", stop_product),
            (
                "database",
                "restore the database",
                partial(restore_database, plan=plan, undone=undone),
            ),
            ("rollback", "put configuration and release back", playbook_stage("rollback.yml")),
            ("packages", "put packages back", partial(restore_packages, plan=plan, undone=undone)),
        ]
        failure = _run_stages(context, journal, stages, progress)
    if failure is not None:
        return RollbackOutcome(run.id, undone.id, ExitCode.ROLLBACK_FAILED, failure)
    run.set_status(RunStatus.SUCCESSFUL, exit_code=0)
    return RollbackOutcome(run.id, undone.id, ExitCode.OK)


Stage = Callable[["_Context"], None]


def _run_stages(
    context: _Context, journal: Journal, stages: list[tuple[str, str, Stage]], progress: Progress
) -> str | None:
    """Run the stages in order; a refusal ends the run as failed and comes back as its
    (redacted) message, while an interrupt or a bug still leaves the run's status ended."""
    run = context.run
    try:
        for name, title, stage in stages:
            progress(title, None)
            run.event("stage", name=name)
            stage(context)
    except DeployerError as exc:
        message = journal.redact(str(exc))
        run.set_status(RunStatus.FAILED, exit_code=int(ExitCode.ROLLBACK_FAILED), error=message)
        return message
    except KeyboardInterrupt:
        run.set_status(RunStatus.CANCELED, exit_code=int(ExitCode.INTERRUPTED))
        raise
    except Exception as exc:  # a bug: the journal still says the run ended
        error = journal.redact(f"internal error: {type(exc).__name__}")
        run.set_status(RunStatus.FAILED, exit_code=int(ExitCode.INTERNAL_ERROR), error=error)
        raise
    return None


STOP_TASK = "Stop the application server."


def seed_facts(context: _Context, undone: Run) -> None:
    """Start from the facts the undone run gathered, where it got that far: gathering them
    again would keep the product down longer."""
    path = undone.path / ANSIBLE_FACTS
    if not path.is_file():
        return
    try:
        facts = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return  # written as the run was killed: the rollback gathers them itself
    seed_fact_cache(context.control / FACT_CACHE, facts)


def stop_product(context: _Context) -> None:
    """Stop Tomcat on every app host at once, so that nothing uses the database while it is
    rolled back. One SSH command per host: the product is down for every second a playbook
    would spend starting up."""
    service = str(context.variables.get("product_app_service") or "")
    apps = {host.name for host in context.loaded.env.hosts_with("app")}
    if not service or not apps:
        return
    unit = shlex.quote(service)
    # Exit 5 is "no such unit": the undone run stopped before Tomcat was installed.
    command = f"sudo -n systemctl stop -- {unit}; s=$?; [ $s -eq 0 ] || [ $s -eq 5 ]"
    targets = ssh_targets(context.loaded, context.run.path, apps)
    for name, result in run_everywhere(targets, command, context.options.ssh).items():
        outcome = "ok" if result.ok else "failed"
        context.run.event("task", host=name, task=STOP_TASK, outcome=outcome)
        if not result.ok:
            raise RollbackFailed(f"cannot stop {service}: {result.describe()}")


def restore_packages(context: _Context, plan: RollbackPlan, undone: Run) -> None:
    """Last: remove what the undone run installed and downgrade what it upgraded, compared
    now with the list taken before it (so a run killed half-way is covered too)."""
    targets = ssh_targets(context.loaded, context.run.path)
    plan = with_package_changes(plan, undone, targets, context.options.ssh)
    write_plan(context.run, plan)
    values = package_rollback_vars(plan)
    context.run.event("packages", changed={step.host: step.packages for step in plan.hosts})
    if not values:
        return
    for host, host_values in values.items():
        context.inventory["all"]["hosts"].get(host, {}).update(host_values)
    playbook_stage("rollback-packages.yml")(context)


def restore_database(context: _Context, plan: RollbackPlan, undone: Run) -> None:
    """Each schema back to the version it had before the run: undo scripts newest first, or
    the dump when a migration failed half-way or has no undo script."""
    targets = {t.name: t for t in ssh_targets(context.loaded, context.run.path)}
    for schema in plan.schemas:
        if schema.down_to is None:
            continue  # the run stopped before migrating: nothing to restore
        left = _undo_with_scripts(context, schema)
        if not left:
            continue
        if schema.dump is None or schema.host not in targets:
            raise RollbackFailed(
                f"{schema.schema}: migrations {left} cannot be undone (no undo script and "
                "no dump); restore the schema by hand"
            )
        restore_dump(targets[schema.host], schema, undone.path, context)
        with _runner(context, schema.schema) as runner:
            forgotten = runner.forget_failed() if runner is not None else []
        context.run.event("database", schema=schema.schema, restored=schema.dump, forgot=forgotten)


def _undo_with_scripts(context: _Context, schema: SchemaStep) -> list[int]:
    """Undo the run's migrations with their U scripts when every one succeeded and has one;
    else change nothing and return the versions the dump has to take back."""
    assert schema.down_to is not None
    folder = migrations_folder(context.loaded, schema.schema)
    available = discover(folder) if folder else []
    by_version = {m.version: m for m in available}
    with _runner(context, schema.schema) as runner:
        if runner is None:
            return []
        newer = [row for row in runner.history() if row.version > schema.down_to]
        if not newer:
            context.run.event("database", schema=schema.schema, undone=[])
            return []
        # Undo scripts cannot bring back what a destructive migration threw away.
        scripted = not schema.prefers_dump and all(
            row.success and getattr(by_version.get(row.version), "undo", None) is not None
            for row in newer
        )
        if not scripted:
            return [row.version for row in newer]
        steps = runner.undo(available, down_to=schema.down_to)
    context.run.event("database", schema=schema.schema, undone=[s.name for s in steps])
    return []


@contextmanager
def _runner(context: _Context, schema: str) -> Iterator[Runner | None]:
    targets = {t.name: t for t in ssh_targets(context.loaded, context.run.path)}
    installed_by = f"{getpass.getuser()}@{socket.gethostname()}"
    password = context.secrets.admin_password
    with mysql_session(context.loaded, targets, context.options.ssh, password) as (db, _):
        cursor = db.cursor()
        if not mysql_setup.history_exists(cursor, schema):
            yield None  # never migrated: nothing to undo
            return
        db.select_db(schema)
        yield Runner(cursor, MYSQL, schema, context.run.id, installed_by)


def restore_dump(target: SshTarget, schema: SchemaStep, folder: Path, context: _Context) -> None:
    """Drop the schema and load the dump (it recreates the schema): tables a failed migration
    made are gone too. The account's grants on the schema survive the drop. Only the very
    file that was taken is loaded, streamed byte for byte."""
    name = plain_schema_name(schema.schema)
    client = ["sudo", "-n", "mysql", "--batch", "--default-character-set=utf8mb4"]
    drop = shlex.join([*client, "-e", f"DROP DATABASE IF EXISTS `{name}`"])
    command = f"{drop} && {shlex.join(client)}"
    ssh = replace(context.options.ssh, command_timeout=1800)
    with verified_dump(schema, folder) as dump:
        result = run_from_file(target, command, ssh, dump)
    if not result.ok:
        raise RollbackFailed(f"{target.name}: restoring {name} failed: {result.describe()}")


@contextmanager
def verified_dump(schema: SchemaStep, folder: Path) -> Iterator[BinaryIO]:
    """The dump of ``schema`` in the undone run's ``folder``, open at its start, if it is still
    the file that was taken: same size and SHA-256 as the plan recorded. Anything else is
    refused before the schema is touched. The bytes judged are the bytes sent: the file is
    opened once."""
    name = dump_name(schema.schema)
    if schema.dump != name:  # a plan names only its own run's file, never a path
        raise RollbackFailed(f"{schema.schema}: the plan names an unexpected dump {schema.dump!r}")
    path = folder / name
    if schema.dump_bytes is None or not schema.dump_sha256:
        raise RollbackFailed(
            f"{schema.schema}: {path} has no recorded size and SHA-256 (an older deployer "
            "redacted its dumps, so it may not hold the data as it was); restore it by hand"
        )
    if not path.is_file():
        raise RollbackFailed(f"{schema.schema}: the dump {path} is missing; restore it by hand")
    with path.open("rb") as handle:
        found = digest_of(handle)
        if (found.size, found.sha256) != (schema.dump_bytes, schema.dump_sha256):
            raise RollbackFailed(
                f"{schema.schema}: {path} is not the dump that was taken ({found.size} bytes, "
                f"sha256 {found.sha256}; the plan recorded {schema.dump_bytes} bytes, sha256 "
                f"{schema.dump_sha256}): refusing to restore it"
            )
        yield handle

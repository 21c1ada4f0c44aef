"""Rollback I/O: the plan written into an apply's journal before its first change and kept up
to date as it goes, and ``rollback``, a run of its own that undoes an apply from that journal.

A rollback is: stop the product (``stop.yml``), restore the database (undo scripts, or the
dump taken before migrating), then ``rollback.yml`` with what the run recorded, product last
(it restarts Tomcat and checks the old version's health page).
"""

from __future__ import annotations

import getpass
import json
import logging
import re
import shlex
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from deployer.errors import DeployerError, ExitCode
from deployer.journal import Journal, Run, RunStatus
from deployer.migrations import discover
from deployer.migrations import mysql as mysql_setup
from deployer.migrations.dialects import MYSQL
from deployer.migrations.runner import Runner
from deployer.pipeline.database import migrations_folder, schema_migrations
from deployer.pipeline.dbfacts import mysql_session
from deployer.pipeline.secrets import resolve_secrets
from deployer.pipeline.targets import ssh_targets
from deployer.rollback import (
    HostStep,
    MigrationStep,
    RollbackPlan,
    SchemaStep,
    observe,
    render_markdown,
    rollback_host_vars,
)
from deployer.spec import LoadedEnvironment
from deployer.transport import SshOptions
from deployer.transport.ssh import SshTarget, run_everywhere, run_on

if TYPE_CHECKING:
    from deployer.pipeline.apply import Progress, _Context

log = logging.getLogger(__name__)

MARKER = "WEB-INF/deployer-release.json"  # the product role's record of a release's artifact
_NAME = re.compile(r"^[A-Za-z0-9_]+$")


class RollbackFailed(DeployerError):
    exit_code = ExitCode.ROLLBACK_FAILED


class NoRollbackPlan(DeployerError):
    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class RollbackOutcome:
    run_id: str
    undone: str
    exit_code: ExitCode
    failure: str | None = None


# --- the plan, written ahead of each step of an apply -------------------------------------


class RollbackRecorder:
    """Keeps ``rollback.json`` and ``rollback.md`` of an apply run current."""

    def __init__(self, context: _Context) -> None:
        self.context = context
        self.plan = initial_plan(context.loaded, context.run, context.variables, self._ssh())
        self.write()

    def _ssh(self) -> SshOptions:
        return self.context.options.ssh

    def before(self, stage: str) -> None:
        if stage == "schemas and migrations":
            self.plan = measure_schemas(self.context, self.plan)
        self.refresh()

    def refresh(self) -> None:
        self.plan = observe(self.plan, self.context.run.events())
        self.write()

    def write(self) -> None:
        write_plan(self.context.run, self.plan)


def write_plan(run: Run, plan: RollbackPlan) -> None:
    run.record("rollback.json", plan.to_json())
    run.record("rollback.md", render_markdown(plan))


def load_plan(run: Run) -> RollbackPlan:
    """The plan of a run as its journal has it now, also when the run was killed half-way."""
    path = run.path / "rollback.json"
    if not path.is_file():
        raise NoRollbackPlan(f"run {run.id} has no rollback plan ({path} is missing)")
    plan = RollbackPlan.from_json(json.loads(path.read_text(encoding="utf-8")))
    return observe(plan, run.events())


def initial_plan(
    loaded: LoadedEnvironment, run: Run, variables: dict[str, object], ssh: SshOptions
) -> RollbackPlan:
    env = loaded.env
    plan = RollbackPlan(run.id, env.product.name, str(env.product.version))
    for host in env.hosts:
        plan.hosts.append(HostStep(host.name, app="app" in host.roles))
    apps = ssh_targets(loaded, run.path, {h.host for h in plan.hosts if h.app})
    root = str(variables.get("product_root") or f"/opt/{env.product.name}")
    for name, (release, version) in _live_releases(apps, root, ssh).items():
        step = plan.host(name)
        step.previous_release, step.previous_version = release, version
    database = env.database
    for schema in database.schemas if database else []:
        migrations = [
            MigrationStep(m.name, m.version, m.undo.name if m.undo else None)
            for m in schema_migrations(loaded, schema)
        ]
        plan.schemas.append(SchemaStep(schema.name, database.host, migrations=migrations))  # type: ignore[union-attr]
    return plan


def _live_releases(
    targets: list[SshTarget], root: str, ssh: SshOptions
) -> dict[str, tuple[str, str]]:
    """Per app host, the target of ``current`` and the version it holds ("" when none)."""
    current = shlex.quote(f"{root}/current")
    marker = shlex.quote(f"{root}/current/{MARKER}")
    command = f"if [ -L {current} ]; then readlink -f {current}; cat {marker}; fi"
    found = {}
    for name, result in run_everywhere(targets, command, ssh).items():
        if not result.ok:
            raise RollbackFailed(f"{name}: cannot read the live release: {result.describe()}")
        lines = result.stdout.splitlines()
        release = lines[0].strip() if lines else ""
        version = ""
        if len(lines) > 1:
            version = str(json.loads("\n".join(lines[1:])).get("version", ""))
        found[name] = (release, version)
    return found


def measure_schemas(context: _Context, plan: RollbackPlan) -> RollbackPlan:
    """Before the first migration: each schema's version, and a dump when anything will run."""
    loaded, run = context.loaded, context.run
    targets = {t.name: t for t in ssh_targets(loaded, run.path)}
    schemas = []
    with mysql_session(loaded, targets, context.options.ssh, context.secrets.admin_password) as (
        connection,
        _,
    ):
        cursor = connection.cursor()
        for schema in plan.schemas:
            existed = mysql_setup.schema_exists(cursor, schema.schema)
            down_to = 0
            if existed and mysql_setup.history_exists(cursor, schema.schema):
                connection.select_db(schema.schema)
                rows = Runner(cursor, MYSQL, schema.schema, run.id, "rollback plan").history()
                down_to = max((r.version for r in rows if r.success), default=0)
            todo = [m for m in schema.migrations if m.version > down_to]
            schemas.append(replace(schema, down_to=down_to, migrations=todo, existed=existed))
    for index, schema in enumerate(schemas):
        if schema.existed and schema.migrations and schema.host in targets:
            dump = take_dump(targets[schema.host], schema.schema, run, context.options.ssh)
            schemas[index] = replace(schema, dump=dump)
    return replace(plan, schemas=schemas)


def _name(schema: str) -> str:
    if not _NAME.match(schema):
        raise RollbackFailed(f"schema name {schema!r} is not a plain identifier")
    return schema


def take_dump(target: SshTarget, schema: str, run: Run, ssh: SshOptions) -> str:
    """``mysqldump --single-transaction`` on the database host, kept in the run folder (0600)."""
    argv = ["sudo", "-n", "mysqldump", "--single-transaction", "--routines", "--triggers"]
    argv += ["--hex-blob", "--databases", _name(schema)]
    result = run_on(target, shlex.join(argv), replace(ssh, command_timeout=1800))
    if not result.ok:
        raise RollbackFailed(f"{target.name}: dump of {schema} failed: {result.describe()}")
    name = f"dump-{schema}.sql"
    run.record(name, result.stdout)
    run.event("dump", schema=schema, file=name, bytes=len(result.stdout))
    return name


# --- the rollback run ----------------------------------------------------------------------


def run_rollback(
    loaded: LoadedEnvironment,
    journal: Journal,
    undone: Run,
    progress: Progress,
    ssh: SshOptions | None = None,
) -> RollbackOutcome:
    """Undo ``undone`` (an apply run) as a run of its own; safe to run again."""
    from deployer.pipeline.apply import (  # noqa: PLC0415 - apply imports this module
        ApplyOptions,
        control_dir,
        playbook_stage,
        prepare,
    )

    plan = load_plan(undone)
    secrets = resolve_secrets(loaded, journal.redact)
    run = journal.start("rollback", loaded.path, undoes=undone.id, product_version=plan.version)
    options = ApplyOptions(ssh=ssh or SshOptions())
    with control_dir() as control:
        context = prepare(
            loaded, run, secrets=secrets, options=options, progress=progress, control=control
        )
        for host, values in rollback_host_vars(plan).items():
            context.inventory["all"]["hosts"].get(host, {}).update(values)
        write_plan(run, plan)
        run.set_status(RunStatus.RUNNING)
        stages: list[tuple[str, str, Callable[[_Context], None]]] = [
            ("stop", "stop the product", playbook_stage("stop.yml")),
            (
                "database",
                "restore the database",
                partial(restore_database, plan=plan, undone=undone),
            ),
            ("rollback", "put configuration and release back", playbook_stage("rollback.yml")),
        ]
        try:
            for name, title, stage in stages:
                progress(title, None)
                run.event("stage", name=name)
                stage(context)
        except DeployerError as exc:
            message = journal.redact(str(exc))
            run.set_status(RunStatus.FAILED, exit_code=int(ExitCode.ROLLBACK_FAILED), error=message)
            return RollbackOutcome(run.id, undone.id, ExitCode.ROLLBACK_FAILED, message)
        except KeyboardInterrupt:
            run.set_status(RunStatus.CANCELED, exit_code=int(ExitCode.INTERRUPTED))
            raise
        except Exception as exc:  # a bug: the journal still says the run ended
            error = journal.redact(f"internal error: {type(exc).__name__}")
            run.set_status(RunStatus.FAILED, exit_code=int(ExitCode.INTERNAL_ERROR), error=error)
            raise
    run.set_status(RunStatus.SUCCESSFUL, exit_code=0)
    return RollbackOutcome(run.id, undone.id, ExitCode.OK)


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
        restore_dump(targets[schema.host], schema.schema, undone.path / schema.dump, context)
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
        scripted = all(
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


def restore_dump(target: SshTarget, schema: str, dump: Path, context: _Context) -> None:
    """Drop the schema and load the dump (it recreates the schema): tables a failed migration
    made are gone too. The account's grants on the schema survive the drop."""
    drop = shlex.join(
        ["sudo", "-n", "mysql", "--batch", "-e", f"DROP DATABASE IF EXISTS `{_name(schema)}`"]
    )
    command = f"{drop} && sudo -n mysql --batch"
    ssh = replace(context.options.ssh, command_timeout=1800)
    result = run_on(target, command, ssh, stdin=dump.read_bytes())
    if not result.ok:
        raise RollbackFailed(f"{target.name}: restoring {schema} failed: {result.describe()}")

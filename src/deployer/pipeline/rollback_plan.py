"""The rollback plan of an apply, written into its journal before the first change and kept
up to date ahead of each step; ``plan`` shows the same plan before anything runs.

Before migrating, each schema is read (its version, its size) and dumped on the database host
when it may need restoring. Migrations that nothing could undo are flagged up front, and apply
refuses them unless told that they are accepted.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import shlex
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deployer.errors import DeployerError, ExitCode
from deployer.facts.packages import PACKAGES_SH, parse_packages
from deployer.journal import Journal, Run, RunStatus
from deployer.journal.runs import JournalDamaged, read_json
from deployer.migrations import destructive_statements
from deployer.migrations import mysql as mysql_setup
from deployer.migrations.dialects import MYSQL
from deployer.migrations.runner import Runner
from deployer.pipeline.database import schema_migrations
from deployer.pipeline.dbfacts import mysql_session
from deployer.pipeline.targets import ssh_targets
from deployer.rollback import (
    HostStep,
    MigrationStep,
    RollbackPlan,
    SchemaStep,
    irreversible,
    observe,
    package_changes,
    render_markdown,
)
from deployer.spec import LoadedEnvironment
from deployer.transport import SshOptions
from deployer.transport.ssh import SshTarget, run_everywhere
from deployer.transport.stream import run_to_file

if TYPE_CHECKING:
    from deployer.pipeline.apply import _Context

log = logging.getLogger(__name__)

PACKAGES_BEFORE = "packages-before.json"  # per host, every package and version before the run
NO_PACKAGE_MANAGER = 3  # PACKAGES_SH's exit code on a host with neither dpkg nor rpm
MARKER = "WEB-INF/deployer-release.json"  # the product role's record of a release's artifact
_NAME = re.compile(r"^[A-Za-z0-9_]+$")


class RollbackFailed(DeployerError):
    exit_code = ExitCode.ROLLBACK_FAILED


class NoRollbackPlan(DeployerError):
    exit_code = ExitCode.USAGE


class IrreversibleRefused(DeployerError):
    """Steps of the run could not be undone, and that was not accepted; nothing was migrated."""

    exit_code = ExitCode.IRREVERSIBLE


class RollbackRecorder:
    """Keeps ``rollback.json`` and ``rollback.md`` of an apply run current."""

    def __init__(self, context: _Context) -> None:
        self.context = context
        loaded, run = context.loaded, context.run
        self.plan = initial_plan(loaded, run.id, context.variables, self._ssh(), run.path)
        self.plan = assess_if_reachable(loaded, self.plan, self._ssh(), self._password(), run.path)
        run.record(PACKAGES_BEFORE, list_packages(ssh_targets(loaded, run.path), self._ssh()))
        self.write()
        self.refuse_irreversible()

    def _ssh(self) -> SshOptions:
        return self.context.options.ssh

    def _password(self) -> str:
        return self.context.secrets.admin_password

    def before(self, stage: str) -> None:
        if stage == "schemas and migrations":
            self.plan = measure_schemas(self.context, self.plan)
            self.write()
            self.refuse_irreversible()
        self.refresh()

    def refuse_irreversible(self) -> None:
        flagged = irreversible(self.plan)
        if not flagged:
            return
        if self.context.options.allow_irreversible:
            self.context.run.event("irreversible", accepted=flagged)
            return
        raise IrreversibleRefused(
            f"{len(flagged)} step(s) could not be undone: {'; '.join(flagged)}. Nothing was "
            "migrated; pass --allow-irreversible to accept that, or raise "
            "database.dump_limit_mb, or add undo scripts"
        )

    def refresh(self) -> None:
        self.plan = observe(self.plan, self.context.run.events())
        self.write()

    def finish(self) -> None:
        """At the end of the run, failed or not: what it installed or upgraded, too."""
        loaded, run = self.context.loaded, self.context.run
        self.plan = with_package_changes(self.plan, run, ssh_targets(loaded, run.path), self._ssh())
        self.refresh()

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
    try:
        plan = RollbackPlan.from_json(read_json(path))
    except (KeyError, TypeError, AttributeError) as exc:
        # Hand-edited, or written by another version: refuse it rather than undo half a run.
        raise JournalDamaged(f"{path}: not a rollback plan deployer wrote ({exc!r})") from exc
    return observe(plan, run.events())


def initial_plan(
    loaded: LoadedEnvironment,
    run_id: str,
    variables: dict[str, Any],
    ssh: SshOptions,
    workdir: Path,
) -> RollbackPlan:
    """What is known before the first change: live releases, and the migrations to run."""
    env = loaded.env
    plan = RollbackPlan(run_id, env.product.name, str(env.product.version))
    for host in env.hosts:
        plan.hosts.append(HostStep(host.name, app="app" in host.roles))
    apps = ssh_targets(loaded, workdir, {h.host for h in plan.hosts if h.app})
    root = str(variables.get("product_root") or f"/opt/{env.product.name}")
    for name, (release, version) in _live_releases(apps, root, ssh).items():
        step = plan.host(name)
        step.previous_release, step.previous_version = release, version
    for name, port in served_ports(Journal(workdir.parent), run_id).items():
        if plan.host(name).app:
            plan.host(name).previous_port = port
    database = env.database
    for schema in database.schemas if database else []:
        migrations = [
            MigrationStep(
                m.name,
                m.version,
                m.undo.name if m.undo else None,
                destructive_statements(m.statements),
            )
            for m in schema_migrations(loaded, schema)
        ]
        plan.schemas.append(SchemaStep(schema.name, database.host, migrations=migrations))  # type: ignore[union-attr]
    return plan


def served_ports(journal: Journal, before: str) -> dict[str, int]:
    """Per app host, the port the product was left serving on by the last run started before
    run ``before`` that ended well: an apply's own ports, or those a rollback went back to."""
    metas = [run.meta() for run in journal.runs()]
    start = next((m.get("started", "") for m in metas if m.get("id") == before), "")
    # Run ids sort by the second only; the start time orders runs within one second.
    for meta in sorted(metas, key=lambda m: str(m.get("started", "")), reverse=True):
        if meta.get("id") == before or str(meta.get("started", "")) > start:
            continue
        if meta.get("status") != RunStatus.SUCCESSFUL.value:
            continue
        if meta.get("kind") in ("apply", "rollback"):
            ports = meta.get("ports") or {}
            return {str(name): int(port) for name, port in ports.items()}
    return {}


def _live_releases(
    targets: list[SshTarget], root: str, ssh: SshOptions
) -> dict[str, tuple[str, str]]:
    """Per app host, the target of ``current`` and the version it holds ("" when none)."""
    current = shlex.quote(f"{root}/current")
    marker = f"{root}/current/{MARKER}"
    command = f"if [ -L {current} ]; then readlink -f {current}; cat {shlex.quote(marker)}; fi"
    found = {}
    for name, result in run_everywhere(targets, command, ssh).items():
        if not result.ok:
            raise RollbackFailed(f"{name}: cannot read the live release: {result.describe()}")
        lines = result.stdout.splitlines()
        release = lines[0].strip() if lines else ""
        version = _marker_version(name, marker, lines[1:]) if len(lines) > 1 else ""
        found[name] = (release, version)
    return found


def _marker_version(host: str, marker: str, lines: list[str]) -> str:
    """The version in a release's marker; one cut short or edited on the host stops the run
    before its first change, since the rollback would not know what to go back to."""
    try:
        record = json.loads("\n".join(lines))
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise RollbackFailed(
            f"{host}: {marker} is not the JSON object the product role writes (with the live "
            "release's version); repair it, then run again"
        )
    return str(record.get("version", ""))


def assess_if_reachable(
    loaded: LoadedEnvironment, plan: RollbackPlan, ssh: SshOptions, password: str, workdir: Path
) -> RollbackPlan:
    """The plan with each schema read, when the database server already answers; unchanged
    when it does not (on bare hosts the run installs it, and reads it before migrating)."""
    if loaded.env.database is None or loaded.env.database.engine == "oracle":
        return plan
    try:
        return assess_schemas(loaded, plan, ssh, password, workdir)
    except DeployerError as exc:
        log.info("schemas not read before the run: %s", exc)
        return plan


def assess_schemas(
    loaded: LoadedEnvironment, plan: RollbackPlan, ssh: SshOptions, password: str, workdir: Path
) -> RollbackPlan:
    """Each schema's version, existence and size, the migrations still to run, and why no dump
    can be taken of a schema that would need one. Reads only."""
    database = loaded.env.database
    assert database is not None
    targets = {t.name: t for t in ssh_targets(loaded, workdir)}
    schemas = []
    with mysql_session(loaded, targets, ssh, password) as (connection, _):
        cursor = connection.cursor()
        for schema in plan.schemas:
            existed = mysql_setup.schema_exists(cursor, schema.schema)
            down_to, size = 0, None
            if existed:
                size = mysql_setup.schema_size_mb(cursor, schema.schema)
            if existed and mysql_setup.history_exists(cursor, schema.schema):
                connection.select_db(schema.schema)
                rows = Runner(cursor, MYSQL, schema.schema, plan.run_id, "rollback plan").history()
                down_to = max((r.version for r in rows if r.success), default=0)
            todo = [m for m in schema.migrations if m.version > down_to]
            measured = replace(
                schema,
                down_to=down_to,
                migrations=todo,
                existed=existed,
                size_mb=size,
                dump_limit_mb=database.dump_limit_mb,
            )
            schemas.append(replace(measured, no_dump=why_no_dump(measured, targets)))
    return replace(plan, schemas=schemas)


def why_no_dump(schema: SchemaStep, targets: dict[str, SshTarget]) -> str:
    """Why a schema that a rollback may need to restore will not be dumped ("" when it will)."""
    if not schema.existed or not schema.migrations:
        return ""
    if schema.host not in targets:
        return f"{schema.host} is not one of the spec's hosts, so deployer cannot dump it there"
    limit = schema.dump_limit_mb
    if limit == 0:
        return "dumps are turned off (database.dump_limit_mb: 0)"
    if limit is not None and schema.size_mb is not None and schema.size_mb > limit:
        return (
            f"{schema.schema} holds {schema.size_mb:.0f} MB, over database.dump_limit_mb "
            f"({limit} MB), so no dump is taken"
        )
    return ""


def measure_schemas(context: _Context, plan: RollbackPlan) -> RollbackPlan:
    """Just before the first migration: each schema read again, and dumped when it may need
    restoring and its size allows."""
    loaded, run, ssh = context.loaded, context.run, context.options.ssh
    plan = assess_schemas(loaded, plan, ssh, context.secrets.admin_password, run.path)
    targets = {t.name: t for t in ssh_targets(loaded, run.path)}
    schemas = list(plan.schemas)
    for index, schema in enumerate(schemas):
        if schema.existed and schema.migrations and not schema.no_dump:
            schemas[index] = take_dump(targets[schema.host], schema, run, ssh)
    return replace(plan, schemas=schemas)


def list_packages(targets: list[SshTarget], ssh: SshOptions) -> dict[str, dict[str, str]]:
    """Per host, installed package -> version; a host with neither dpkg nor rpm has none."""
    found = {}
    for name, result in run_everywhere(targets, PACKAGES_SH, ssh, shown="list packages").items():
        if result.ok:
            found[name] = parse_packages(result.stdout)
        elif result.exit_status != NO_PACKAGE_MANAGER:
            raise RollbackFailed(f"{name}: cannot list the installed packages: {result.describe()}")
    return found


def with_package_changes(
    plan: RollbackPlan, run: Run, targets: list[SshTarget], ssh: SshOptions
) -> RollbackPlan:
    """The plan with each host's packages now compared with the list taken before ``run``."""
    path = run.path / PACKAGES_BEFORE
    if not path.is_file():
        return plan  # a run from before packages were listed
    before = read_json(path)
    if not isinstance(before, dict) or not all(_is_package_list(v) for v in before.values()):
        raise JournalDamaged(f"{path}: not a package list per host (package -> version text)")
    wanted = [t for t in targets if t.name in before]
    result = copy.deepcopy(plan)
    for host, now in list_packages(wanted, ssh).items():
        result.host(host).packages = package_changes(before[host], now)
    return result


def _is_package_list(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def plain_schema_name(schema: str) -> str:
    if not _NAME.match(schema):
        raise RollbackFailed(f"schema name {schema!r} is not a plain identifier")
    return schema


def dump_name(schema: str) -> str:
    """The dump's file in the run folder. It holds the customer's data as it is, secrets
    included, so it is the one file of a run that is not redacted."""
    return f"dump-{plain_schema_name(schema)}.sql"


def take_dump(target: SshTarget, schema: SchemaStep, run: Run, ssh: SshOptions) -> SchemaStep:
    """``mysqldump --single-transaction`` on the database host, streamed into the run folder
    (0600) byte for byte: never redacted, since masking a secret that appears in the data
    would restore the mask. The step comes back with the dump's name, size and SHA-256."""
    name = dump_name(schema.schema)
    argv = ["sudo", "-n", "mysqldump", "--single-transaction", "--routines", "--triggers"]
    argv += ["--hex-blob", "--default-character-set=utf8mb4", "--databases", schema.schema]
    options = replace(ssh, command_timeout=1800)
    result, taken = run_to_file(target, shlex.join(argv), options, run.path / name)
    if not result.ok or taken is None:
        raise RollbackFailed(f"{target.name}: dump of {schema.schema} failed: {result.describe()}")
    run.event("dump", schema=schema.schema, file=name, bytes=taken.size, sha256=taken.sha256)
    return replace(schema, dump=name, dump_bytes=taken.size, dump_sha256=taken.sha256)

"""What a rollback plan is built from, read before the first change: the live release on each
app host, the port it serves on, each schema's version and size, and the installed packages.
Reads only."""

from __future__ import annotations

import copy
import json
import logging
import shlex
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from deployer.errors import DeployerError
from deployer.facts.packages import PACKAGES_SH, parse_packages
from deployer.journal import Journal, Run, RunStatus, records
from deployer.journal.runs import JournalDamaged, read_json
from deployer.migrations import destructive_statements
from deployer.migrations.runner import Runner
from deployer.migrations.setup import setup_for
from deployer.migrations.stage import schema_migrations
from deployer.rollback.dumps import RollbackFailed
from deployer.rollback.model import HostStep, MigrationStep, RollbackPlan, SchemaStep
from deployer.rollback.model import package_changes as changes_between
from deployer.spec import LoadedEnvironment
from deployer.spec.layout import RELEASE_MARKER, product_layout
from deployer.transport.hosts import Hosts
from deployer.transport.mysql import Database

log = logging.getLogger(__name__)

NO_PACKAGE_MANAGER = 3  # PACKAGES_SH's exit code on a host with neither dpkg nor rpm


def initial_plan(
    loaded: LoadedEnvironment, run_id: str, hosts: Hosts, journal: Journal
) -> RollbackPlan:
    """What is known before the first change: live releases, and the migrations to run."""
    env = loaded.env
    plan = RollbackPlan(run_id, env.product.name, str(env.product.version))
    for host in env.hosts:
        plan.hosts.append(HostStep(host.name, app="app" in host.roles))
    apps = [step.host for step in plan.hosts if step.app]
    root = product_layout(env).root
    for name, (release, version) in _live_releases(hosts, apps, root).items():
        step = plan.host(name)
        step.previous_release, step.previous_version = release, version
    for name, port in served_ports(journal, run_id).items():
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


def _live_releases(hosts: Hosts, apps: list[str], root: str) -> dict[str, tuple[str, str]]:
    """Per app host, the target of ``current`` and the version it holds ("" when none)."""
    current = shlex.quote(f"{root}/current")
    marker = f"{root}/current/{RELEASE_MARKER}"
    command = f"if [ -L {current} ]; then readlink -f {current}; cat {shlex.quote(marker)}; fi"
    found = {}
    for name, result in hosts.run_everywhere(apps, command).items():
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
    loaded: LoadedEnvironment, plan: RollbackPlan, hosts: Hosts, database: Database
) -> RollbackPlan:
    """The plan with each schema read, when the database server already answers; unchanged
    when it does not (on bare hosts the run installs it, and reads it before migrating)."""
    if loaded.env.database is None:
        return plan
    try:
        return assess_schemas(loaded, plan, hosts, database)
    except DeployerError as exc:
        log.info("schemas not read before the run: %s", exc)
        return plan


def assess_schemas(
    loaded: LoadedEnvironment, plan: RollbackPlan, hosts: Hosts, database: Database
) -> RollbackPlan:
    """Each schema's version, existence and size, the migrations still to run, and why no dump
    can be taken of a schema that would need one. Reads only."""
    spec = loaded.env.database
    assert spec is not None
    setup = setup_for(spec.engine)
    schemas = []
    with database.session() as connection:
        cursor = connection.cursor()
        for schema in plan.schemas:
            existed = setup.engine.schema_exists(cursor, schema.schema)
            down_to, size = 0, None
            if existed:
                size = setup.engine.schema_size_mb(cursor, schema.schema)
            if existed and setup.engine.history_exists(cursor, schema.schema):
                connection.select_db(schema.schema)
                reader = Runner(cursor, setup.dialect, schema.schema, plan.run_id, "rollback plan")
                rows = reader.history()
                down_to = max((r.version for r in rows if r.success), default=0)
            todo = [m for m in schema.migrations if m.version > down_to]
            measured = replace(
                schema,
                down_to=down_to,
                migrations=todo,
                existed=existed,
                size_mb=size,
                dump_limit_mb=spec.dump_limit_mb,
            )
            schemas.append(replace(measured, no_dump=why_no_dump(measured, hosts.names)))
    return replace(plan, schemas=schemas)


def why_no_dump(schema: SchemaStep, hosts: tuple[str, ...]) -> str:
    """Why a schema that a rollback may need to restore will not be dumped ("" when it will)."""
    if not schema.existed or not schema.migrations:
        return ""
    if schema.host not in hosts:
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


def list_packages(hosts: Hosts, names: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Per host, installed package -> version; a host with neither dpkg nor rpm has none."""
    found = {}
    results = hosts.run_everywhere(names, PACKAGES_SH, shown="list packages")
    for name, result in results.items():
        if result.ok:
            found[name] = parse_packages(result.stdout)
        elif result.exit_status != NO_PACKAGE_MANAGER:
            raise RollbackFailed(f"{name}: cannot list the installed packages: {result.describe()}")
    return found


def with_package_changes(plan: RollbackPlan, run: Run, hosts: Hosts) -> RollbackPlan:
    """The plan with each host's packages now compared with the list taken before ``run``."""
    path = run.path / records.PACKAGES_BEFORE
    if not path.is_file():
        return plan  # a run from before packages were listed
    before = read_json(path)
    if not isinstance(before, dict) or not all(_is_package_list(v) for v in before.values()):
        raise JournalDamaged(f"{path}: not a package list per host (package -> version text)")
    wanted = [name for name in hosts.names if name in before]
    result = copy.deepcopy(plan)
    for host, now in list_packages(hosts, wanted).items():
        result.host(host).packages = changes_between(before[host], now)
    return result


def _is_package_list(value: Any) -> bool:
    return isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values())

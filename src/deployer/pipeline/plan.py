"""plan: ordered steps, what check mode says would change, pending migrations — and the
fingerprints that let ``apply --plan`` refuse a plan the world has moved past."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from deployer.errors import DeployerError, ExitCode
from deployer.facts.model import HostFacts
from deployer.journal import Journal, Run, RunStatus
from deployer.pipeline.apply import ApplyOptions, Progress, control_dir, predict, prepare
from deployer.pipeline.check import gather_host_facts
from deployer.pipeline.database import pending_migrations, schema_migrations
from deployer.pipeline.rollback_plan import assess_if_reachable, initial_plan, write_plan
from deployer.pipeline.secrets import RunSecrets, resolve_secrets
from deployer.pipeline.targets import ssh_targets
from deployer.plan.fingerprint import facts_fingerprint, files_fingerprint
from deployer.plan.model import Plan
from deployer.plan.steps import plan_steps
from deployer.rollback import RollbackPlan, irreversible, render_markdown
from deployer.spec import LoadedEnvironment
from deployer.spec.secrets import resolve_file
from deployer.transport.database import DatabaseUnavailable
from deployer.transport.tunnel import TunnelError


class StalePlan(DeployerError):
    exit_code = ExitCode.STALE_PLAN


class HostsUnreachable(DeployerError):
    exit_code = ExitCode.HOST_UNREACHABLE


def spec_fingerprint(loaded: LoadedEnvironment) -> str:
    """The spec and every file it points at: artifact, matrix, templates, migrations."""
    env = loaded.env
    paths = [
        loaded.path,
        resolve_file(env.matrix, loaded.base_dir),
        resolve_file(env.product.artifact, loaded.base_dir),
    ]
    if env.product.templates:
        paths.append(resolve_file(env.product.templates, loaded.base_dir))
    for schema in env.database.schemas if env.database else []:
        if schema.migrations:
            paths.append(resolve_file(schema.migrations, loaded.base_dir))
    return files_fingerprint(paths)


def current_facts(
    loaded: LoadedEnvironment, workdir: Path, options: ApplyOptions
) -> dict[str, HostFacts]:
    facts, unreachable, _ = gather_host_facts(loaded, workdir, options.ssh)
    if unreachable:
        host, why = sorted(unreachable.items())[0]
        raise HostsUnreachable(f"{host} is unreachable: {why}")
    return facts


def make_plan(
    loaded: LoadedEnvironment, journal: Journal, options: ApplyOptions, progress: Progress
) -> Plan:
    secrets = resolve_secrets(loaded, journal.redact)
    run = journal.start("plan", loaded.path, product_version=loaded.env.product.version)
    run.set_status(RunStatus.RUNNING)
    facts = current_facts(loaded, run.path, options)
    run.record("facts.json", {name: f.to_dict() for name, f in facts.items()})
    pending, notes = _pending(loaded, options, secrets)
    with control_dir() as control:
        context = prepare(
            loaded,
            run,
            secrets=secrets,
            options=_check(options),
            progress=progress,
            control=control,
        )
        would_change, check_notes = predict(context)
        rollback = rollback_preview(loaded, run, context.variables, options, secrets)
    plan = Plan(
        run_id=run.id,
        created_at=datetime.now(timezone.utc),
        customer=loaded.env.customer,
        environment=loaded.env.environment,
        product=loaded.env.product.name,
        version=loaded.env.product.version,
        spec_sha256=spec_fingerprint(loaded),
        facts_sha256=facts_fingerprint(facts),
        steps=plan_steps(loaded.env),
        pending_migrations=pending,
        would_change={host: tuple(tasks) for host, tasks in would_change.items()},
        notes=tuple(notes + check_notes),
        rollback=render_markdown(rollback, preview=True),
        irreversible=tuple(irreversible(rollback)),
    )
    run.record("plan.json", json.loads(plan.model_dump_json()))
    run.set_status(RunStatus.SUCCESSFUL, exit_code=0)
    return plan


def rollback_preview(
    loaded: LoadedEnvironment,
    run: Run,
    variables: dict[str, Any],
    options: ApplyOptions,
    secrets: RunSecrets,
) -> RollbackPlan:
    """The rollback plan apply would start from, recorded with the plan run."""
    preview = initial_plan(loaded, run.id, variables, options.ssh, run.path)
    preview = assess_if_reachable(loaded, preview, options.ssh, secrets.admin_password, run.path)
    write_plan(run, preview)
    return preview


def _check(options: ApplyOptions) -> ApplyOptions:
    return dataclasses.replace(options, check=True)


def _pending(
    loaded: LoadedEnvironment, options: ApplyOptions, secrets: RunSecrets
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    database = loaded.env.database
    if database is None:
        return {}, []
    if database.engine == "oracle":  # no history to read: the stage is MySQL/MariaDB only
        return _every_migration(loaded), [
            "Oracle schemas are not migrated by deployer yet: apply stops at the schema stage; "
            "every migration is listed as pending"
        ]
    try:
        with control_dir() as scratch:
            targets = {t.name: t for t in ssh_targets(loaded, scratch)}
            found = pending_migrations(loaded, targets, options.ssh, secrets)
        return {p.schema: p.pending for p in found}, []
    except (DatabaseUnavailable, TunnelError) as exc:
        # A server that answers but refuses a query (DatabaseFailed) fails the plan instead:
        # "every migration is pending" would not be true.
        note = f"database not reachable yet ({exc}); every migration is pending"
        return _every_migration(loaded), [note]


def _every_migration(loaded: LoadedEnvironment) -> dict[str, tuple[str, ...]]:
    database = loaded.env.database
    schemas = database.schemas if database else []
    return {s.name: tuple(m.name for m in schema_migrations(loaded, s)) for s in schemas}


def verify_plan(
    plan: Plan, plan_file: Path, loaded: LoadedEnvironment, workdir: Path, options: ApplyOptions
) -> Plan:
    """The saved plan (read from ``plan_file``), if it still describes this spec and these
    hosts; else StalePlan."""
    if plan.spec_sha256 != spec_fingerprint(loaded):
        raise StalePlan(
            f"{plan_file} is stale: the spec or a file it references changed since "
            f"{plan.created_at:%Y-%m-%d %H:%M}; run deployer plan again"
        )
    if plan.facts_sha256 != facts_fingerprint(current_facts(loaded, workdir, options)):
        raise StalePlan(
            f"{plan_file} is stale: the hosts changed since "
            f"{plan.created_at:%Y-%m-%d %H:%M}; run deployer plan again"
        )
    return plan

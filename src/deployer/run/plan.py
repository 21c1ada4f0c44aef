"""plan: the stage list, what check mode says would change, pending migrations, the rollback
plan apply would start from — and the fingerprints that let ``apply --plan`` refuse a plan the
world has moved past."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from deployer.errors import DeployerError, ExitCode
from deployer.executors.ansible.engines import ManagedHost
from deployer.executors.base import ExecutionOptions, Executor
from deployer.journal import Run, records
from deployer.migrations.stage import pending_migrations, schema_migrations
from deployer.plan.fingerprint import facts_fingerprint, files_fingerprint
from deployer.plan.model import Plan
from deployer.plan.stages import apply_stages
from deployer.plan.steps import plan_steps
from deployer.rollback import RollbackPlan, irreversible, render_markdown
from deployer.rollback.recorder import write_plan
from deployer.rollback.survey import assess_if_reachable, initial_plan, list_packages
from deployer.run.apply import STAGE_PLAYS
from deployer.run.context import RunContext
from deployer.run.lifecycle import run_lifecycle
from deployer.run.managed import decide, read_states, record_drifts
from deployer.run.managers import current_facts, engines_record, managed_hosts
from deployer.run.packages import LocalPackages, downgrades_by_host, packages_from_bundle
from deployer.run.plays import StageFailed, run_play
from deployer.spec import LoadedEnvironment
from deployer.spec.secrets import resolve_file
from deployer.spec.sources import checksummed
from deployer.transport.database import DatabaseUnavailable
from deployer.transport.tunnel import TunnelError


class StalePlan(DeployerError):
    exit_code = ExitCode.STALE_PLAN


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
    paths.extend(resolve_file(t, loaded.base_dir) for t in env.middleware.tarballs().values())
    return files_fingerprint(paths)


def tarball_notes(loaded: LoadedEnvironment) -> list[str]:
    """Which tarball each middleware comes from, with the sha256 the roles will insist on."""
    found = checksummed(loaded.env.middleware.tarballs(), loaded.base_dir)
    return [
        f"middleware.{name} from tarball {tarball.path} (sha256 {tarball.sha256})"
        for name, tarball in found.items()
    ]


def make_plan(context: RunContext, options: ExecutionOptions) -> Plan:
    """What apply would do with ``options``, predicted in check mode; changes nothing."""
    loaded = context.loaded
    context.resolve_secrets()
    run = context.journal.start("plan", loaded.path, product_version=loaded.env.product.version)
    with run_lifecycle(run, context.redact):
        context.trust_first_contacts()
        facts = current_facts(context)
        run.record(records.FACTS, {name: f.to_dict() for name, f in facts.items()})
        managed = managed_hosts(context, facts)
        run.add_meta(engines=engines_record(managed))
        pending, notes = _pending(context)
        executor = context.executor(run, replace(options, check=True), managed)
        context.record_inputs(run, executor)
        with packages_from_bundle(context.bundle, context.hosts, run, executor, managed):
            would_change, check_notes = predict(context, run, executor)
        rollback = rollback_preview(context, run, _offline_downgrades(context, managed))
        check_notes += bundle_notes(context.bundle) + drift_notes(context, run, executor)
        cluster = context.cluster.compare(run).to_dict() if context.cluster else None
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
            engines=engines_record(managed),
            pending_migrations=pending,
            would_change={host: tuple(tasks) for host, tasks in would_change.items()},
            notes=tuple(tarball_notes(loaded) + notes + check_notes),
            rollback=render_markdown(rollback, preview=True),
            irreversible=tuple(irreversible(rollback)),
            cluster=cluster,
        )
        run.record(records.PLAN, json.loads(plan.model_dump_json()))
    return plan


def drift_notes(context: RunContext, run: Run, executor: Executor) -> list[str]:
    """What changed on the hosts since the last apply, and where apply would skip a stage
    (its inputs unchanged, nothing of it drifted)."""
    states = read_states(context.hosts)
    notes = [
        f"drift since the last apply: {found.describe()}" for found in record_drifts(run, states)
    ]
    notes += [
        f"{name}: cannot tell what drifted: {state.problem}"
        for name, state in sorted(states.items())
        if state.problem
    ]
    for stage in apply_stages(context.loaded.env):
        if stage.id not in STAGE_PLAYS:
            continue
        play = STAGE_PLAYS[stage.id]
        digests = executor.input_digests(play)
        decision = decide(play, stage.title, stage.hosts, digests, states, full=False)
        if decision.skipped:
            notes.append(
                f"apply skips {stage.title} on {', '.join(decision.skipped)}: inputs unchanged, "
                "no drift (apply --full runs it anyway)"
            )
    return notes


def predict(
    context: RunContext, run: Run, executor: Executor
) -> tuple[dict[str, list[str]], list[str]]:
    """The stages' plays in check mode: per host, the tasks that would change; notes where
    check mode had to stop (on bare hosts a service cannot be checked before it exists)."""
    would_change: dict[str, list[str]] = {}
    notes: list[str] = []
    plays = [STAGE_PLAYS[s.id] for s in apply_stages(context.loaded.env) if s.id in STAGE_PLAYS]
    for play in plays:
        name = executor.play_name(play)
        context.progress(f"{name} (check mode)", None)
        try:
            run_play(context, run, executor, play, {}, check=True)
        except StageFailed as exc:
            notes.append(_check_mode_note(run, name, exc))
    for event in run.events():
        if event.get("event") == "task" and event.get("outcome") == "changed":
            would_change.setdefault(str(event["host"]), []).append(str(event["task"]))
    return would_change, notes


def _check_mode_note(run: Run, playbook: str, exc: StageFailed) -> str:
    if _refused_input(run, playbook):
        # A role refusing its input refuses it in apply too: not a check-mode artefact.
        return (
            f"check mode stopped in {exc}; a role refused its input there, and apply "
            "would stop at the same task: correct the spec or the host first"
        )
    return (
        f"check mode stopped in {exc}; later steps of that playbook are not "
        "predicted (expected on hosts where earlier steps install software)"
    )


#: How the tasks that check a role's input are named: Ansible's argument validation, and the
#: roles' own asserts ("Check the settings that go into nginx's configuration.").
_INPUT_CHECKS = ("Validating arguments against arg spec", "Check ")


def _refused_input(run: Run, playbook: str) -> bool:
    """Whether the playbook failed in a task that checks the role's input."""
    return any(
        event.get("event") == "task"
        and event.get("playbook") == playbook
        and event.get("outcome") == "failed"
        and str(event.get("task", "")).startswith(_INPUT_CHECKS)
        for event in run.events()
    )


def rollback_preview(
    context: RunContext, run: Run, downgrades: Mapping[str, list[str]]
) -> RollbackPlan:
    """The rollback plan apply would start from, recorded with the plan run."""
    preview = initial_plan(context.loaded, run.id, context.hosts, context.journal)
    preview = assess_if_reachable(context.loaded, preview, context.hosts, context.database)
    for host, lines in downgrades.items():
        preview.host(host).offline_downgrades = list(lines)
    if context.cluster is not None:
        preview.cluster_back_to = context.cluster.back_to()
    write_plan(run, preview)
    return preview


def _offline_downgrades(
    context: RunContext, managed: Mapping[str, ManagedHost]
) -> dict[str, list[str]]:
    if context.bundle is None:
        return {}
    return downgrades_by_host(context.bundle, managed, list_packages(context.hosts))


def bundle_notes(packages: LocalPackages | None) -> list[str]:
    if packages is None:
        return []
    releases = ", ".join(packages.releases)
    return [
        f"packages from the bundle (manifest sha256 {packages.digest}): {releases} on "
        f"{packages.arch}; check mode read its repository, as apply will"
    ]


def _pending(context: RunContext) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    loaded = context.loaded
    database = loaded.env.database
    if database is None:
        return {}, []
    try:
        found = pending_migrations(loaded, context.database)
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


def verify_plan(plan: Plan, plan_file: Path, context: RunContext) -> Plan:
    """The saved plan (read from ``plan_file``), if it still describes this spec and these
    hosts; else StalePlan."""
    if plan.spec_sha256 != spec_fingerprint(context.loaded):
        raise StalePlan(
            f"{plan_file} is stale: the spec or a file it references changed since "
            f"{plan.created_at:%Y-%m-%d %H:%M}; run deployer plan again"
        )
    if plan.facts_sha256 != facts_fingerprint(current_facts(context)):
        raise StalePlan(
            f"{plan_file} is stale: the hosts changed since "
            f"{plan.created_at:%Y-%m-%d %H:%M}; run deployer plan again"
        )
    return plan

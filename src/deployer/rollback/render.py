"""``rollback.md``: the rollback plan for people, per host and per step."""

from __future__ import annotations

from typing import Any

from deployer.rollback.model import (
    FILE_ROLES,
    TARBALL_ROLES,
    HostStep,
    MigrationStep,
    RollbackPlan,
    SchemaStep,
    irreversible,
    role_changes,
)


def render_markdown(plan: RollbackPlan, *, preview: bool = False) -> str:
    """``preview``: the plan shown by ``deployer plan``, before any run exists."""
    order = (
        "in this order: stop the product, restore the database, put the configuration back, "
        "make the previous release live, restart, check its health."
    )
    if plan.cluster_back_to is not None:
        order = (
            "in this order: stop the product's pods, restore the database, put the database "
            "server's configuration back, apply the previous revision in the cluster."
        )
    if preview:
        intro = [
            "# Rollback plan",
            "",
            f"Deploying {plan.product} {plan.version}: apply writes this plan into its run "
            "before the first change, and `deployer rollback SPEC RUN` (or `apply --atomic`) "
            f"undoes the run {order}",
        ]
    else:
        intro = [
            f"# Rollback plan of run {plan.run_id}",
            "",
            f"The run deploys {plan.product} {plan.version}. "
            f"`deployer rollback SPEC {plan.run_id}` undoes it {order}",
        ]
    lines = [*intro, ""]
    flagged = irreversible(plan)
    lines += ["## Cannot be undone", ""]
    lines += [f"- **{line}**" for line in flagged] or ["- nothing: every step below has an undo"]
    lines.append("")
    for schema in plan.schemas:
        lines += _schema(schema)
    for step in plan.hosts:
        lines += _host(step)
    if plan.cluster_back_to is not None:
        lines += _cluster(plan.cluster_back_to)
    return "\n".join(lines) + "\n"


def _cluster(back_to: str) -> list[str]:
    if not back_to:
        found = "- no earlier revision in the journal: the pods stay stopped"
    else:
        found = f"- the revision of run {back_to} is applied again (its ConfigMap included)"
    return ["## The cluster", "", found, ""]


def _schema(schema: SchemaStep) -> list[str]:
    lines = [f"## Database schema `{schema.schema}` on {schema.host}", ""]
    if schema.down_to is None:
        lines.append("- history not read yet: it is read, and a dump taken, before migrating")
    elif not schema.existed:
        lines.append("- made by this run: a rollback keeps it (drop it by hand if unwanted)")
    else:
        lines.append(f"- goes back to version {schema.down_to}")
    if schema.size_mb is not None:
        limit = "" if schema.dump_limit_mb is None else f" (dump limit {schema.dump_limit_mb} MB)"
        lines.append(f"- size before the run: {schema.size_mb:.1f} MB{limit}")
    lines += [_migration(schema, m) for m in schema.migrations]
    if not schema.migrations and schema.down_to is not None:
        lines.append("- no migration to apply: nothing to undo")
    if schema.dump:
        used = "always" if schema.prefers_dump else "when a migration failed half-way or has no "
        used += "" if schema.prefers_dump else "undo script"
        lines.append(f"- dump taken before the first migration: `{schema.dump}` (restored {used})")
        if schema.dump_sha256:
            lines.append(f"  - {schema.dump_bytes} bytes, sha256 `{schema.dump_sha256}`")
    elif schema.no_dump:
        lines.append(f"- no dump: {schema.no_dump}")
    return [*lines, ""]


def _migration(schema: SchemaStep, migration: MigrationStep) -> str:
    if not schema.existed:
        return f"- `{migration.name}`: stays with the schema"
    how = "nothing: no undo script, no dump"
    if (schema.dump and migration.needs_dump) or schema.prefers_dump:
        how = "the dump"
    elif migration.undo and not migration.destructive:
        how = f"undo script `{migration.undo}`"
    elif migration.undo:
        how = f"nothing that brings the data back (undo script `{migration.undo}` only)"
    elif schema.down_to is None:
        how = "the dump taken before migrating"
    line = f"- `{migration.name}`: undone with {how}"
    for statement in migration.destructive:
        line += f"\n  - destroys data: {statement}"
    return line


def _host(step: HostStep) -> list[str]:
    lines = [f"## Host {step.host}", ""]
    for role in (*FILE_ROLES, *TARBALL_ROLES):
        lines += _role_changes(role, role_changes(step, role))
    for name, (old, new) in step.packages.items():
        if old:
            lines.append(f"- packages: {name} back from {new} to {old}")
        else:
            lines.append(f"- packages: remove {name} {new} (installed by the run)")
    if step.offline_downgrades:
        lines.append(
            "- packages: should the run upgrade any of these, no rollback can put it back from "
            f"the bundle: {'; '.join(step.offline_downgrades)}"
        )
    if step.jdk_installed:
        lines.append(f"- jdk: remove {', '.join(step.jdk_installed)} (installed by the run)")
    if step.app:
        lines += _release(step)
    if len(lines) == 2:
        lines.append(
            "- nothing changed yet: each file a task changes is backed up first, and restored"
        )
    if not step.packages:
        lines.append(
            "- packages: listed before the run; any it installs or upgrades are removed or "
            "downgraded"
        )
    return [*lines, ""]


def _role_changes(role: str, changes: dict[str, Any]) -> list[str]:
    lines = [
        f"- {role}: restore `{path}` from `{backup}`"
        for path, backup in sorted((changes.get("restore") or {}).items())
    ]
    lines += [
        f"- {role}: remove `{path}` (made by the run)" for path in changes.get("remove") or []
    ]
    for link, target in sorted((changes.get("relink") or {}).items()):
        if target:
            lines.append(f"- {role}: link `{link}` to `{target}` again")
        else:
            lines.append(f"- {role}: remove the link `{link}` (made by the run)")
    for kind in ("users", "groups"):
        for name in changes.get(kind) or []:
            lines.append(f"- {role}: remove the system {kind[:-1]} `{name}` (made by the run)")
    return lines


def _release(step: HostStep) -> list[str]:
    if step.previous_release is None:
        return ["- product: the live release before the run is not known yet"]
    if step.previous_release == "":
        return ["- product: no release was live before the run: `current` is removed"]
    lines = [
        f"- product: make `{step.previous_release}` live again "
        f"(version {step.previous_version or 'unknown'}), restart, check its health page"
        + (f" on port {step.previous_port}" if step.previous_port else "")
    ]
    if step.release_dir and step.release_dir != step.previous_release:
        lines.append(f"- product: mark `{step.release_dir}` as failed (kept on disk)")
    return lines

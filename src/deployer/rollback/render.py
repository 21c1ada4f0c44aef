"""``rollback.md``: the rollback plan for people, per host and per step."""

from __future__ import annotations

from deployer.rollback.model import (
    FILE_ROLES,
    HostStep,
    RollbackPlan,
    SchemaStep,
    irreversible,
    role_changes,
)


def render_markdown(plan: RollbackPlan) -> str:
    lines = [
        f"# Rollback plan of run {plan.run_id}",
        "",
        f"The run deploys {plan.product} {plan.version}. `deployer rollback SPEC {plan.run_id}`",
        "undoes it in this order: stop the product, restore the database, put the",
        "configuration back, make the previous release live, restart, check its health.",
        "",
    ]
    flagged = irreversible(plan)
    lines += ["## Cannot be undone", ""]
    lines += [f"- **{line}**" for line in flagged] or ["- nothing: every step below has an undo"]
    lines.append("")
    for schema in plan.schemas:
        lines += _schema(schema)
    for step in plan.hosts:
        lines += _host(step)
    return "\n".join(lines) + "\n"


def _schema(schema: SchemaStep) -> list[str]:
    lines = [f"## Database schema `{schema.schema}` on {schema.host}", ""]
    if schema.down_to is None:
        lines.append("- history not read yet: it is read, and a dump taken, before migrating")
    elif not schema.existed:
        lines.append("- made by this run: a rollback keeps it (drop it by hand if unwanted)")
    else:
        lines.append(f"- goes back to version {schema.down_to}")
    for migration in schema.migrations:
        how = "nothing: no undo script, no dump"
        if migration.undo:
            how = f"undo script `{migration.undo}`"
        elif schema.dump:
            how = "the dump"
        lines.append(f"- `{migration.name}`: undone with {how}")
    if not schema.migrations and schema.down_to is not None:
        lines.append("- no migration to apply: nothing to undo")
    if schema.dump:
        lines.append(
            f"- dump taken before the first migration: `{schema.dump}` (restored when a "
            "migration failed half-way or has no undo script)"
        )
    return [*lines, ""]


def _host(step: HostStep) -> list[str]:
    lines = [f"## Host {step.host}", ""]
    for role in FILE_ROLES:
        changes = role_changes(step, role)
        for path, backup in sorted((changes.get("restore") or {}).items()):
            lines.append(f"- {role}: restore `{path}` from `{backup}`")
        for path in changes.get("remove") or []:
            lines.append(f"- {role}: remove `{path}` (made by the run)")
        for link, target in sorted((changes.get("relink") or {}).items()):
            lines.append(f"- {role}: link `{link}` to `{target}` again")
    if step.jdk_installed:
        lines.append(f"- jdk: remove {', '.join(step.jdk_installed)} (installed by the run)")
    if step.app:
        lines += _release(step)
    if len(lines) == 2:
        lines.append("- nothing recorded yet")
    return [*lines, ""]


def _release(step: HostStep) -> list[str]:
    if step.previous_release is None:
        return ["- product: the live release before the run is not known yet"]
    if step.previous_release == "":
        return ["- product: no release was live before the run: `current` is removed"]
    lines = [
        f"- product: make `{step.previous_release}` live again "
        f"(version {step.previous_version or 'unknown'}), restart, check its health page"
    ]
    if step.release_dir and step.release_dir != step.previous_release:
        lines.append(f"- product: mark `{step.release_dir}` as failed (kept on disk)")
    return lines

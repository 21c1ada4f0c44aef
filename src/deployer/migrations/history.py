"""What the history table says, compared with the files: which migrations are pending."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from deployer.migrations.files import Migration, MigrationError


@dataclass(frozen=True)
class AppliedMigration:
    version: int
    description: str
    checksum: str
    success: bool
    installed_by: str = ""
    installed_at: str = ""
    run_id: str = ""


def pending(applied: Sequence[AppliedMigration], available: Sequence[Migration]) -> list[Migration]:
    """Migrations still to run, in order; refuses edited, failed or out-of-order history."""
    by_version = {m.version: m for m in available}
    for row in applied:
        if not row.success:
            raise MigrationError(
                f"V{row.version} ({row.description}) failed in run {row.run_id or '?'}; "
                "roll that run back (deployer rollback) before migrating again"
            )
        migration = by_version.get(row.version)
        if migration is not None and row.checksum not in (
            migration.checksum,
            migration.former_checksum,
        ):
            raise MigrationError(
                f"{migration.path}: edited after it was applied (checksum {row.checksum[:12]} in "
                f"history, {migration.checksum[:12]} on disk); add a new migration instead"
            )
    done = {row.version for row in applied}
    newest = max(done, default=0)
    todo = [m for m in available if m.version not in done]
    late = [m for m in todo if m.version < newest]
    if late:
        raise MigrationError(
            f"{late[0].path}: V{late[0].version} is older than V{newest}, already applied; "
            "renumber it after the newest applied version"
        )
    return todo

"""Versioned schema migrations with history, checksums, a lock and undo scripts."""

from deployer.migrations.files import Migration, MigrationError, discover
from deployer.migrations.history import AppliedMigration, pending

__all__ = ["AppliedMigration", "Migration", "MigrationError", "discover", "pending"]

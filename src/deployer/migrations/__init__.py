"""Versioned schema migrations with history, checksums, a lock and undo scripts."""

from deployer.migrations.destructive import destructive_statements
from deployer.migrations.files import Migration, MigrationError, discover
from deployer.migrations.history import AppliedMigration, pending

__all__ = [
    "AppliedMigration",
    "Migration",
    "MigrationError",
    "destructive_statements",
    "discover",
    "pending",
]

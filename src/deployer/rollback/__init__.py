"""Rollback plans: what a run will change and how to undo it, built from its journal."""

from deployer.rollback.model import (
    HostStep,
    MigrationStep,
    RollbackPlan,
    SchemaStep,
    irreversible,
    observe,
    package_changes,
    package_rollback_vars,
    release_only,
    rollback_host_vars,
)
from deployer.rollback.render import render_markdown

__all__ = [
    "HostStep",
    "MigrationStep",
    "RollbackPlan",
    "SchemaStep",
    "irreversible",
    "observe",
    "package_changes",
    "package_rollback_vars",
    "release_only",
    "render_markdown",
    "rollback_host_vars",
]

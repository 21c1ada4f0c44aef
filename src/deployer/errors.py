"""The one exception root and the exit codes it maps to.

Every expected failure is a ``DeployerError`` subclass carrying the exit code the CLI
should end with; only ``cli/`` turns them into output and an exit status.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, stable across releases (documented in the README)."""

    OK = 0
    INTERNAL_ERROR = 1
    USAGE = 2
    INVALID_SPEC = 3
    CHECKS_FAILED = 4
    HOST_UNREACHABLE = 5
    APPLY_FAILED = 6
    ROLLBACK_FAILED = 7
    APPLY_FAILED_ROLLED_BACK = 8
    LOCKED = 9
    STALE_PLAN = 10
    LAB_FAILED = 11
    IRREVERSIBLE = 12
    JOURNAL_DAMAGED = 13
    ENGINE_UNAVAILABLE = 14
    BUNDLE_INVALID = 15
    DRIFT = 16
    DOCS_FAILED = 17
    NO_GO = 18
    INTERRUPTED = 130


class DeployerError(Exception):
    """Root of every error deployer expects; anything else is a bug (exit 1)."""

    exit_code: ExitCode = ExitCode.INTERNAL_ERROR


class UsageError(DeployerError):
    exit_code = ExitCode.USAGE


class LabError(DeployerError):
    """The lab could not be built, started or torn down."""

    exit_code = ExitCode.LAB_FAILED


class BundleError(DeployerError):
    """A bundle could not be built, or failed verification."""

    exit_code = ExitCode.BUNDLE_INVALID

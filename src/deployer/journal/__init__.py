"""Run records on disk, without any server: one folder per run, written atomically, redacted."""

from deployer.journal.redact import Redactor
from deployer.journal.runs import Journal, Run, RunStatus

__all__ = ["Journal", "Redactor", "Run", "RunStatus"]

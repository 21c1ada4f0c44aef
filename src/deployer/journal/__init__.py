"""Run records on disk, without any server: one folder per run, written atomically, redacted."""

from deployer.journal.models import FORMAT, RunMeta
from deployer.journal.redact import Redactor
from deployer.journal.runs import Journal, Run
from deployer.journal.status import RunStatus

__all__ = ["FORMAT", "Journal", "Redactor", "Run", "RunMeta", "RunStatus"]

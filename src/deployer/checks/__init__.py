"""Compatibility rules: host facts and the support matrix in, a ``CheckReport`` out. Pure.

``evaluate(env, matrix, facts, db, unreachable)`` runs every rule; ``apply_acceptances``
records overrides; ``fixup_script`` writes a host's reviewable fixup.sh. Check ids are
stable and dotted (``os.version``, ``port.free:8080``, ``db.charset``); each rule module's
doc lists its ids and when they FAIL (blocking) or only WARN.
"""

from deployer.checks.acceptance import apply_acceptances
from deployer.checks.evaluate import HOST_RULES, evaluate
from deployer.checks.fixup import fixup_script
from deployer.checks.model import Acceptance, CheckReport, CheckResult, HostReport, Status

__all__ = [
    "HOST_RULES",
    "Acceptance",
    "CheckReport",
    "CheckResult",
    "HostReport",
    "Status",
    "apply_acceptances",
    "evaluate",
    "fixup_script",
]

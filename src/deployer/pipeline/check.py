"""The compatibility scan: one probe per host in parallel, the database, then the rules."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deployer.checks import Acceptance, CheckReport, evaluate, fixup_script
from deployer.facts.model import HostFacts
from deployer.facts.probe import build_probe, matrix_disk_paths, parse_probe
from deployer.journal.redact import Redactor
from deployer.pipeline.dbfacts import collect_database_facts
from deployer.pipeline.targets import ssh_targets
from deployer.spec import LoadedEnvironment
from deployer.transport import CommandResult, SshOptions, run_everywhere

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckOutcome:
    report: CheckReport
    fixups: Mapping[str, str] = field(default_factory=dict)  # host -> fixup.sh text
    probe_seconds: Mapping[str, float] = field(default_factory=dict)


def gather_host_facts(
    loaded: LoadedEnvironment, workdir: Path, options: SshOptions
) -> tuple[dict[str, HostFacts], dict[str, str], dict[str, float]]:
    """Run the probe on every host at once: (facts, unreachable reasons, seconds per host)."""
    targets = ssh_targets(loaded, workdir)
    probe = build_probe(matrix_disk_paths(loaded.matrix))
    results = run_everywhere(
        targets, "sh -s", options, stdin=probe.encode("utf-8"), shown="sh -s < probe"
    )
    facts: dict[str, HostFacts] = {}
    unreachable: dict[str, str] = {}
    for name, result in results.items():
        if result.connected:
            facts[name] = parse_probe(result.stdout)
        else:
            unreachable[name] = _why(result)
    return facts, unreachable, {n: r.seconds for n, r in results.items()}


def run_check(
    loaded: LoadedEnvironment,
    workdir: Path,
    options: SshOptions,
    acceptances: Sequence[Acceptance] = (),
    redact: Redactor | None = None,
) -> CheckOutcome:
    redact = redact if redact is not None else Redactor()
    facts, unreachable, seconds = gather_host_facts(loaded, workdir, options)
    targets = {t.name: t for t in ssh_targets(loaded, workdir) if t.name in facts}
    db, db_error = collect_database_facts(loaded, targets, options, redact)
    report = evaluate(
        loaded.env,
        loaded.matrix,
        facts,
        db,
        unreachable,
        db_error=db_error,
        acceptances=acceptances,
    )
    engine = loaded.env.database.engine if loaded.env.database else None
    fixups = {}
    for host in report.hosts:
        script = fixup_script(host, engine)
        if script:
            fixups[host.host] = script
    return CheckOutcome(report, fixups, seconds)


def _why(result: CommandResult) -> str:
    assert result.failure is not None
    return f"{result.failure.value}: {result.reason}"

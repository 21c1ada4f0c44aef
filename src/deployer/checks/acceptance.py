"""Recorded overrides: ``--accept CHECK_ID[@HOST] --reason TEXT`` marks a FAIL or WARN as
an accepted risk. The result keeps its status; it just no longer blocks, and the report
shows who accepted what and why. An acceptance that matches nothing stays listed in the
report (``CheckReport.unused_acceptances``) so the CLI can warn about a likely typo.
"""

from __future__ import annotations

from collections.abc import Sequence

from deployer.checks.model import Acceptance, CheckReport, CheckResult, HostReport, Status


def apply_acceptances(report: CheckReport, acceptances: Sequence[Acceptance]) -> CheckReport:
    if not acceptances:
        return report
    hosts = tuple(_host(host, acceptances) for host in report.hosts)
    known = list(report.acceptances)
    known += [a for a in acceptances if a not in known]
    return report.model_copy(update={"hosts": hosts, "acceptances": tuple(known)})


def _host(host: HostReport, acceptances: Sequence[Acceptance]) -> HostReport:
    results = tuple(_result(result, host.address, acceptances) for result in host.results)
    return host.model_copy(update={"results": results})


def _result(result: CheckResult, address: str, acceptances: Sequence[Acceptance]) -> CheckResult:
    if result.accepted is not None or result.status not in (Status.FAIL, Status.WARN):
        return result
    # A host-specific acceptance wins over a blanket one for the same check.
    matching = sorted(
        (a for a in acceptances if a.matches(result, address)), key=lambda a: a.host is None
    )
    return result.model_copy(update={"accepted": matching[0]}) if matching else result

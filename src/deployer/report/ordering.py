"""Reading order shared by every renderer: failures first, then warnings, unknowns, passes."""

from __future__ import annotations

from deployer.checks.model import CheckResult, HostReport, Status

_RANK = {Status.FAIL: 0, Status.WARN: 1, Status.UNKNOWN: 2, Status.PASS: 3}


def shown_status(result: CheckResult) -> str:
    """What a reader sees: an accepted FAIL or WARN is shown as ACCEPTED."""
    return "ACCEPTED" if result.accepted is not None else result.status.value


def ordered_results(host: HostReport) -> list[CheckResult]:
    return sorted(host.results, key=lambda r: (r.accepted is not None, _RANK[r.status]))


def ordered_hosts(hosts: tuple[HostReport, ...]) -> list[HostReport]:
    """Unreachable and failing hosts first, so the reader starts with what needs work."""

    def rank(host: HostReport) -> tuple[int, str]:
        if not host.reachable:
            return (0, host.host)
        worst = min((_RANK[r.status] for r in host.results if r.accepted is None), default=3)
        return (1 + worst, host.host)

    return sorted(hosts, key=rank)

"""What a rule sees for one host, and the one way rules build results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from deployer.checks.model import CheckResult, Status
from deployer.facts.database import DatabaseFacts
from deployer.facts.model import HostFacts
from deployer.spec.environment import Environment, Host, Role
from deployer.spec.matrix import SupportMatrix


class Msg(NamedTuple):
    """One sentence in English and Chinese."""

    en: str
    zh: str


NO_ACTION = Msg("", "")


def new_result(
    check_id: str,
    status: Status,
    title: Msg,
    observed: str,
    required: str,
    *,
    host: str,
    remediation: Msg = NO_ACTION,
    fixup: Sequence[str] = (),
    blocking: bool | None = None,
) -> CheckResult:
    """A result; PASS carries no remediation, and ``blocking`` defaults to status == FAIL."""
    passed = status is Status.PASS
    return CheckResult(
        check_id=check_id,
        host=host,
        title=title.en,
        title_zh=title.zh,
        status=status,
        observed=observed,
        required=required,
        remediation="" if passed else remediation.en,
        remediation_zh="" if passed else remediation.zh,
        blocking=status is Status.FAIL if blocking is None else blocking,
        fixup=() if passed else tuple(fixup),
    )


@dataclass(frozen=True)
class BundleCoverage:
    """What a verified bundle holds packages for (``check --bundle``)."""

    name: str  # the bundle's file name, for messages
    arch: str  # "x86_64", "aarch64"
    releases: tuple[str, ...]  # "debian-12", "el9", ...


@dataclass(frozen=True)
class HostContext:
    env: Environment
    matrix: SupportMatrix
    host: Host
    facts: HostFacts
    db: DatabaseFacts | None = None
    db_error: str | None = None
    #: --ansible-engine: the engine every host is forced onto (None: chosen per host).
    engine: str | None = None
    #: --bootstrap-python: a host without a usable Python would get one installed.
    bootstrap_python: bool = False
    #: --bundle: what the bundle the run would install from holds packages for.
    bundle: BundleCoverage | None = None

    @property
    def name(self) -> str:
        return self.host.name

    @property
    def roles(self) -> tuple[Role, ...]:
        return tuple(self.host.roles)

    def has(self, role: Role) -> bool:
        return role in self.host.roles

    @property
    def is_db_host(self) -> bool:
        return self.env.database is not None and self.env.database.host == self.host.name

    def result(
        self,
        check_id: str,
        status: Status,
        title: Msg,
        observed: str,
        required: str,
        *,
        remediation: Msg = NO_ACTION,
        fixup: Sequence[str] = (),
        blocking: bool | None = None,
    ) -> CheckResult:
        return new_result(
            check_id,
            status,
            title,
            observed,
            required,
            host=self.name,
            remediation=remediation,
            fixup=fixup,
            blocking=blocking,
        )

    def unknown(self, check_id: str, title: Msg, fact_id: str, required: str) -> CheckResult:
        """The fact behind a check could not be read: say why, block nothing."""
        reason = self.facts.why_unknown(fact_id)
        return self.result(
            check_id,
            Status.UNKNOWN,
            title,
            f"unknown: {reason}",
            required,
            remediation=Msg(
                f"Check {fact_id} on {self.name} by hand, or fix what stopped the probe, "
                "and run the check again.",
                f"请在 {self.name} 上手工确认 {fact_id}，或排除探测失败的原因后重新检查。",
            ),
        )

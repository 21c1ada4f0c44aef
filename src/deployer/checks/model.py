"""The results of a compatibility scan: frozen, JSON round-trippable, free of presentation.

Every human sentence exists in English and Chinese (``title``/``title_zh``,
``remediation``/``remediation_zh``) so a renderer picks a language without a catalogue;
``observed`` and ``required`` hold values (versions, sizes, ports) readable in both.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from deployer.facts.model import HostFacts
from deployer.spec.environment import Role


class Status(str, Enum):  # not StrEnum: that needs Python 3.11 and 3.10 is supported
    PASS = "PASS"  # noqa: S105 - a status, not a password
    WARN = "WARN"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"

    def __str__(self) -> str:
        return self.value


_Model = TypeVar("_Model", bound="ReportModel")


class ReportModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls: type[_Model], data: dict[str, Any]) -> _Model:
        return cls.model_validate(data)


class Acceptance(ReportModel):
    """An engineer's recorded decision to go ahead despite a FAIL or WARN."""

    check_id: str = Field(min_length=1)
    host: str | None = Field(default=None, description="None: on every host.")
    reason: str = Field(min_length=1)

    @classmethod
    def parse(cls, text: str, reason: str) -> Acceptance:
        """From ``CHECK_ID`` or ``CHECK_ID@HOST`` (check ids never contain '@')."""
        check_id, at, host = text.strip().rpartition("@")
        if not at:
            check_id, host = host, ""
        if not check_id or (at and not host) or not reason.strip():
            raise ValueError(f"expected CHECK_ID[@HOST] and a reason, got {text!r}")
        return cls(check_id=check_id, host=host or None, reason=reason.strip())

    def __str__(self) -> str:
        return f"{self.check_id}@{self.host}" if self.host else self.check_id

    def matches(self, result: CheckResult, address: str | None = None) -> bool:
        if result.check_id != self.check_id:
            return False
        return self.host is None or self.host in (result.host, address)


class CheckResult(ReportModel):
    check_id: str = Field(description="Stable dotted id: 'os.version', 'port.free:8080'.")
    host: str
    title: str
    title_zh: str
    status: Status
    observed: str
    required: str
    remediation: str = ""
    remediation_zh: str = ""
    blocking: bool = Field(default=False, description="A FAIL here stops the installation.")
    fixup: tuple[str, ...] = Field(default=(), description="sh lines for fixup.sh (quoted).")
    accepted: Acceptance | None = None

    @property
    def blocks(self) -> bool:
        """Whether this result, as it stands, stops the installation."""
        return self.status is Status.FAIL and self.blocking and self.accepted is None


class HostReport(ReportModel):
    host: str
    address: str
    roles: tuple[Role, ...]
    reachable: bool
    error: str | None = None
    facts: HostFacts | None = None
    results: tuple[CheckResult, ...] = ()

    def result(self, check_id: str) -> CheckResult | None:
        return next((r for r in self.results if r.check_id == check_id), None)


class CheckReport(ReportModel):
    customer: str
    environment: str
    product: str
    product_version: str
    generated_at: datetime
    hosts: tuple[HostReport, ...]
    acceptances: tuple[Acceptance, ...] = ()

    def results(self) -> Iterator[CheckResult]:
        for host in self.hosts:
            yield from host.results

    @property
    def blocking(self) -> tuple[CheckResult, ...]:
        """FAIL results of blocking checks that no acceptance covers."""
        return tuple(r for r in self.results() if r.blocks)

    @property
    def unreachable(self) -> tuple[HostReport, ...]:
        return tuple(h for h in self.hosts if not h.reachable)

    @property
    def unused_acceptances(self) -> tuple[Acceptance, ...]:
        """Acceptances that match no FAIL or WARN result: probably a typo to warn about."""
        return tuple(
            acceptance
            for acceptance in self.acceptances
            if not any(
                acceptance.matches(result, host.address)
                for host in self.hosts
                for result in host.results
                if result.status in (Status.FAIL, Status.WARN)
            )
        )

    def counts(self) -> dict[Status, int]:
        found = dict.fromkeys(Status, 0)
        for result in self.results():
            found[result.status] += 1
        return found

    def host(self, name: str) -> HostReport | None:
        return next((h for h in self.hosts if h.host == name), None)

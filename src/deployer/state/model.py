"""The managed-state record a host keeps (``/var/lib/deployer/managed.json``, root only) and
the run keeps a copy of: per role, each item deployer manages there as the last successful run
left it; per stage, the digest of the inputs that run used."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

RECORD_FORMAT = 1
RECORD_PATH = "/var/lib/deployer/managed.json"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ManagedItems(Frozen):
    """What one role says it manages on one host (its ``<role>_managed`` fact)."""

    files: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    users: tuple[str, ...] = ()


class FileState(Frozen):
    exists: bool = True
    sha256: str = ""
    owner: str = ""
    group: str = ""
    mode: str = ""  # four octal digits, "0640"


class ServiceState(Frozen):
    enabled: str = ""  # systemd's UnitFileState: enabled, disabled, masked, not-found
    active: str = ""  # systemd's ActiveState: active, inactive, failed


class RoleState(Frozen):
    """The items of one role as observed on the host; None: missing (not a link, no such
    package, no such user)."""

    files: dict[str, FileState] = Field(default_factory=dict)
    links: dict[str, str | None] = Field(default_factory=dict)
    packages: dict[str, str | None] = Field(default_factory=dict)
    services: dict[str, ServiceState] = Field(default_factory=dict)
    users: dict[str, bool] = Field(default_factory=dict)

    @property
    def items(self) -> ManagedItems:
        return ManagedItems(
            files=tuple(self.files),
            links=tuple(self.links),
            packages=tuple(self.packages),
            services=tuple(self.services),
            users=tuple(self.users),
        )


class HostRecord(Frozen):
    format: int = RECORD_FORMAT
    host: str = ""
    run: str = ""  # the run that left the host so
    deployer: str = ""
    recorded: str = ""  # ISO 8601, UTC
    #: Stage name -> digest of its inputs for this host; "" (or absent): unknown, so it runs.
    stages: dict[str, str] = Field(default_factory=dict)
    roles: dict[str, RoleState] = Field(default_factory=dict)

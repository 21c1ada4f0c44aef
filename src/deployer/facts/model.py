"""Typed host facts: what one probe run found on one host.

Convention for every field of ``HostFacts``: ``None`` means *unknown* (the probe section
was missing or its parser failed; ``HostFacts.unknown`` says why), while an empty tuple or
an explicit value such as ``"absent"`` means the probe looked and found nothing.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from deployer.spec.matrix import OsFamily


class FactModel(BaseModel):
    """Frozen, strict, JSON round-trippable."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class OsRelease(FactModel):
    id: str
    id_like: tuple[str, ...] = ()
    name: str | None = None
    version: str | None = None
    version_id: str | None = None
    pretty_name: str | None = None
    family: OsFamily | None = Field(
        default=None, description="The matrix's OS family, or None when not one of them."
    )
    family_version: str | None = Field(
        default=None, description="Comparable version: Kylin 'V10' becomes '10'."
    )
    update: str | None = Field(
        default=None, description="Service pack or update level: 'SP2', 'LTS-SP3', '7.9.2009'."
    )
    source: Literal["os-release", "redhat-release"] = "os-release"


class DiskFree(FactModel):
    path: str = Field(description="The path the matrix names.")
    checked: str = Field(description="Nearest existing parent that df was asked about.")
    mount: str
    free_gb: float
    size_gb: float


class Listener(FactModel):
    address: str
    port: int
    process: str | None = Field(default=None, description="Known only when ss may show it.")


class JdkInstall(FactModel):
    home: str
    java: str = Field(description="Resolved path of the java binary.")
    version: str = Field(description="As reported: '17.0.15', '1.8.0_392'.")
    major: int | None
    vendor: str | None = None
    origins: tuple[Literal["path", "java_home", "scan"], ...] = ()


class TomcatInstall(FactModel):
    home: str
    version: str | None
    source: Literal["serverinfo", "release-notes", "package", "version.sh", "none"]


class NginxInstall(FactModel):
    binary: str
    product: str = Field(description="nginx, openresty, tengine ...")
    version: str = Field(description="The nginx version: the core's for Tengine.")
    raw: str


class MysqlInstall(FactModel):
    binary: str
    engine: Literal["mysql", "mariadb"]
    version: str
    raw: str


class OracleHome(FactModel):
    home: str
    sids: tuple[str, ...] = ()
    version: str | None = None


class OracleFacts(FactModel):
    homes: tuple[OracleHome, ...] = ()
    env_home: str | None = None

    @property
    def installed(self) -> bool:
        return bool(self.homes)


class LocaleFacts(FactModel):
    lang: str | None = Field(default=None, description="LANG of the SSH session.")
    lc_all: str | None = None
    system_lang: str | None = Field(
        default=None, description="LANG from /etc/locale.conf, /etc/default/locale, ..."
    )
    utf8_locales: tuple[str, ...] = ()

    @property
    def effective(self) -> str | None:
        """The locale services started at boot get: the system setting, else the session's."""
        return self.system_lang or self.lc_all or self.lang

    @property
    def utf8(self) -> bool | None:
        value = self.effective
        if not value:
            return None
        normal = value.lower().replace("-", "")
        return normal.endswith("utf8") or ".utf8@" in normal


class TimeZone(FactModel):
    name: str | None = Field(description="IANA name such as 'Asia/Shanghai'.")
    abbreviation: str | None = None
    offset: str | None = Field(default=None, description="'+0800'")
    source: str


class TimeSync(FactModel):
    synchronized: bool | None = Field(description="timedatectl's 'System clock synchronized'.")
    ntp_service: bool | None = Field(default=None, description="timedatectl's NTP service flag.")
    services: tuple[str, ...] = Field(default=(), description="Time daemons found running.")
    container: str | None = Field(
        default=None, description="The container manager of a host that is a container."
    )

    @property
    def active(self) -> bool:
        return bool(self.services) or bool(self.ntp_service)


class Firewall(FactModel):
    services: tuple[str, ...] = Field(default=(), description="Active firewall units.")
    ufw_enabled: bool | None = None
    nft_rules: int | None = Field(default=None, description="None when not readable.")
    iptables_rules: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.services or self.ufw_enabled or self.nft_rules or self.iptables_rules)


Limit = int | Literal["unlimited"]


class NofileLimit(FactModel):
    soft: Limit
    hard: Limit


SudoState = Literal["root", "nopasswd", "password", "requiretty", "denied", "absent"]


class SudoFacts(FactModel):
    user: str | None
    uid: int | None
    state: SudoState
    message: str | None = None

    @property
    def can_become(self) -> bool:
        return self.state in ("root", "nopasswd")


class AccessFacts(FactModel):
    """What the run found of the way in, besides the probe: who the host's become method made
    the login user (``id -un`` as root), or why it made nobody (``error``)."""

    root_user: str | None = None
    error: str | None = None


SelinuxMode = Literal["enforcing", "permissive", "disabled", "absent"]


class Selinux(FactModel):
    mode: SelinuxMode
    configured: str | None = Field(default=None, description="SELINUX= in /etc/selinux/config.")


PkgManager = Literal["apt", "dnf", "yum", "zypper", "apk", "none"]


class PythonInstall(FactModel):
    """One Python interpreter that answered: what Ansible's modules would run under."""

    path: str = Field(description="As found: /usr/bin/python3, /usr/libexec/platform-python.")
    real: str = Field(description="With symlinks resolved.")
    version: str = Field(description="'3.6.8', '2.7.5'.")
    major: int
    minor: int


class HostFacts(FactModel):
    """Everything one probe found on one host; see the module doc for ``None``."""

    hostname: str | None = None
    os: OsRelease | None = None
    kernel: str | None = None
    arch: str | None = None
    cpus: int | None = None
    memory_mb: int | None = None
    disks: tuple[DiskFree, ...] | None = None
    listening: tuple[Listener, ...] | None = None
    jdks: tuple[JdkInstall, ...] | None = None
    tomcats: tuple[TomcatInstall, ...] | None = None
    nginx: tuple[NginxInstall, ...] | None = None
    mysql_clients: tuple[MysqlInstall, ...] | None = None
    mysql_servers: tuple[MysqlInstall, ...] | None = None
    oracle: OracleFacts | None = None
    locale: LocaleFacts | None = None
    timezone: TimeZone | None = None
    time_sync: TimeSync | None = None
    selinux: Selinux | None = None
    firewall: Firewall | None = None
    nofile: NofileLimit | None = None
    sudo: SudoFacts | None = None
    access: AccessFacts | None = None
    pkg_manager: PkgManager | None = None
    pythons: tuple[PythonInstall, ...] | None = None
    unknown: dict[str, str] = Field(
        default_factory=dict, description="Fact id -> why it could not be determined."
    )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HostFacts:
        return cls.model_validate(data)

    def disk(self, path: str) -> DiskFree | None:
        return next((d for d in self.disks or () if d.path == path), None)

    def why_unknown(self, fact_id: str) -> str:
        return self.unknown.get(fact_id, "not collected")

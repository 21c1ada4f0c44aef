"""The product's support matrix, ``kind: SupportMatrix`` (v1).

Here it is only modelled and validated; the compatibility scan evaluates it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from deployer.spec.environment import Role
from deployer.spec.types import Name, Port, StrictModel, Text, VersionRange

OsFamily = Literal[
    "debian",
    "ubuntu",
    "rhel",
    "centos",
    "rocky",
    "almalinux",
    "kylin",
    "uos",
    "openeuler",
    "anolis",
]
Arch = Literal["x86_64", "aarch64", "loongarch64", "mips64el", "sw_64"]


class OsSupport(StrictModel):
    family: OsFamily
    versions: VersionRange = Field(description="Supported VERSION_IDs, e.g. '>=7,<10'.")


class DiskRequirement(StrictModel):
    path: Annotated[str, Field(pattern=r"^/")]
    free_gb: Annotated[float, Field(gt=0)]


class Resources(StrictModel):
    cpus: Annotated[int, Field(ge=1)] = 1
    memory_mb: Annotated[int, Field(ge=64)] = 1024
    disk: list[DiskRequirement] = Field(default_factory=list)


class PortRequirement(StrictModel):
    port: Port
    roles: Annotated[list[Role], Field(min_length=1)]
    service: Text = Field(description="What will listen there, for the report.")


class Databases(StrictModel):
    mysql: VersionRange | None = None
    mariadb: VersionRange | None = None
    oracle: VersionRange | None = None


SettingValue = Annotated[
    str | int,
    Field(description="Exact value, or a comparison such as '>=64M' or '!=0'."),
]


class DatabaseSettings(StrictModel):
    """Server variables the product needs, per engine (e.g. lower_case_table_names: 1)."""

    mysql: dict[str, SettingValue] = Field(default_factory=dict)
    mariadb: dict[str, SettingValue] = Field(default_factory=dict)
    oracle: dict[str, SettingValue] = Field(default_factory=dict)


class SupportMatrix(StrictModel):
    """What the product supports; evaluated per host and role by ``deployer check``."""

    api_version: Literal["deployer/v1"] = Field(alias="apiVersion")
    kind: Literal["SupportMatrix"]
    product: Name
    product_versions: VersionRange = Field(description="Product versions this matrix covers.")
    os: Annotated[list[OsSupport], Field(min_length=1)]
    arch: Annotated[list[Arch], Field(min_length=1)] = ["x86_64"]  # noqa: RUF012
    jdk: VersionRange | None = None
    tomcat: VersionRange | None = None
    nginx: VersionRange | None = None
    databases: Databases = Field(default_factory=Databases)
    resources: dict[Role, Resources] = Field(default_factory=dict)
    ports_free: list[PortRequirement] = Field(default_factory=list)
    database_settings: DatabaseSettings = Field(default_factory=DatabaseSettings)

    @field_validator("os")
    @classmethod
    def _one_entry_per_family(cls, entries: list[OsSupport]) -> list[OsSupport]:
        families = [entry.family for entry in entries]
        duplicated = sorted({f for f in families if families.count(f) > 1})
        if duplicated:
            raise ValueError(f"family listed twice: {', '.join(duplicated)}")
        return entries

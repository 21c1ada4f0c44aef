"""The product's support matrix, ``kind: SupportMatrix`` (v1).

Here it is only modelled and validated; the compatibility scan evaluates it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from deployer.spec.environment import Role
from deployer.spec.types import Name, Port, StrictModel, Text, VersionRange, matching

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
    family: OsFamily = Field(description="OS family, from /etc/os-release ID.")
    versions: VersionRange = Field(description="Supported VERSION_IDs, e.g. '>=7,<10'.")


class DiskRequirement(StrictModel):
    path: Annotated[
        str,
        matching(
            r"^/[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$",
            "expected an absolute path such as /opt, without control characters",
        ),
    ] = Field(description="Mount point or folder that needs the space.")
    free_gb: Annotated[float, Field(gt=0)] = Field(description="Free space needed, in GB.")


class Resources(StrictModel):
    """Minimum resources of a host with one role."""

    cpus: Annotated[int, Field(ge=1)] = Field(default=1, description="CPU cores.")
    memory_mb: Annotated[int, Field(ge=64)] = Field(default=1024, description="Memory in MB.")
    disk: list[DiskRequirement] = Field(default_factory=list, description="Free disk space.")


class PortRequirement(StrictModel):
    port: Port = Field(description="Port that must be free.")
    roles: Annotated[list[Role], Field(min_length=1)] = Field(
        description="Roles of the hosts where it must be free."
    )
    service: Text = Field(description="What will listen there, for the report.")


class Databases(StrictModel):
    """Supported server versions per engine; an engine left out is not supported."""

    mysql: VersionRange | None = Field(default=None, description="Supported MySQL versions.")
    mariadb: VersionRange | None = Field(default=None, description="Supported MariaDB versions.")
    oracle: VersionRange | None = Field(default=None, description="Supported Oracle versions.")


# The MySQL role writes these into the server's option file, one `name = value` line each
# (its own assert accepts the same characters).
SettingName = Annotated[
    str,
    matching(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", "not a server variable name (letters, digits, _)"),
]
SettingValue = Annotated[
    Annotated[
        str,
        matching(
            r"^(>=|<=|!=|==|>|<)?[A-Za-z0-9_.,:/%+-]+$",
            "expected one word of letters, digits and _ . , : / % + - (after a comparison "
            "such as '>=' if wanted)",
        ),
    ]
    | int,
    Field(description="Exact value, or a comparison such as '>=64M' or '!=0'."),
]


class DatabaseSettings(StrictModel):
    """Server variables the product needs, per engine (e.g. lower_case_table_names: 1)."""

    mysql: dict[SettingName, SettingValue] = Field(
        default_factory=dict, description="MySQL variables."
    )
    mariadb: dict[SettingName, SettingValue] = Field(
        default_factory=dict, description="MariaDB variables."
    )
    oracle: dict[SettingName, SettingValue] = Field(
        default_factory=dict, description="Oracle parameters (NLS_CHARACTERSET, ...)."
    )


class SupportMatrix(StrictModel):
    """What the product supports; evaluated per host and role by ``deployer check``."""

    api_version: Literal["deployer/v1"] = Field(
        alias="apiVersion", description="Spec format version."
    )
    kind: Literal["SupportMatrix"] = Field(description="What this file describes.")
    product: Name = Field(description="Product name, as in the environment's `product.name`.")
    product_versions: VersionRange = Field(description="Product versions this matrix covers.")
    os: Annotated[list[OsSupport], Field(min_length=1)] = Field(
        description="Supported OS families and versions, one entry per family."
    )
    arch: Annotated[list[Arch], Field(min_length=1)] = Field(
        default=["x86_64"], description="Supported CPU architectures (uname -m)."
    )
    jdk: VersionRange | None = Field(default=None, description="Supported JDK versions.")
    tomcat: VersionRange | None = Field(default=None, description="Supported Tomcat versions.")
    nginx: VersionRange | None = Field(default=None, description="Supported nginx versions.")
    kubernetes: VersionRange | None = Field(
        default=None, description="Supported Kubernetes versions (target kubernetes), '>=1.24'."
    )
    databases: Databases = Field(default_factory=Databases, description="Database engines.")
    resources: dict[Role, Resources] = Field(
        default_factory=dict, description="Minimum resources per role."
    )
    ports_free: list[PortRequirement] = Field(
        default_factory=list, description="Ports that must be free before installing."
    )
    database_settings: DatabaseSettings = Field(
        default_factory=DatabaseSettings, description="Server variables the product needs."
    )

    @field_validator("os")
    @classmethod
    def _one_entry_per_family(cls, entries: list[OsSupport]) -> list[OsSupport]:
        families = [entry.family for entry in entries]
        duplicated = sorted({f for f in families if families.count(f) > 1})
        if duplicated:
            raise ValueError(f"family listed twice: {', '.join(duplicated)}")
        return entries

"""The customer environment spec, ``kind: Environment`` (v1)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from deployer.spec.secrets import SecretRef
from deployer.spec.types import (
    Address,
    Labels,
    Name,
    Port,
    StrictModel,
    Text,
    Version,
)

Role = Literal["web", "app", "db"]
Engine = Literal["mysql", "mariadb", "oracle"]


class Product(StrictModel):
    name: Name
    version: Version
    artifact: Text = Field(description="Path of the release artifact (WAR), relative to the spec.")
    templates: Text | None = Field(
        default=None, description="Folder of config templates rendered with `config`."
    )
    health_path: Text = Field(default="/health", description="URL path of the health page.")
    config: dict[str, Any] = Field(
        default_factory=dict, description="Parameters passed to the product's config templates."
    )


class KeyAuth(StrictModel):
    type: Literal["key"] = "key"
    key_file: Text = Field(description="Private key file, relative to the spec or ~/...")


class AgentAuth(StrictModel):
    type: Literal["agent"] = "agent"


Auth = Annotated[KeyAuth | AgentAuth, Field(discriminator="type")]


class Nginx(StrictModel):
    listen_port: Port = 80
    server_name: Text


class Tomcat(StrictModel):
    version: Version
    port: Port = 8080
    jvm_options: list[Text] = Field(default_factory=lambda: ["-Xms512m", "-Xmx1024m"])


class Jdk(StrictModel):
    version: Version


class Middleware(StrictModel):
    nginx: Nginx | None = None
    tomcat: Tomcat | None = None
    jdk: Jdk | None = None


class NginxOverride(StrictModel):
    listen_port: Port | None = None
    server_name: Text | None = None


class TomcatOverride(StrictModel):
    port: Port | None = None
    jvm_options: list[Text] | None = None


class HostOverrides(StrictModel):
    """Per-host settings that win over the environment-wide ones."""

    nginx: NginxOverride | None = None
    tomcat: TomcatOverride | None = None
    product_config: dict[str, Any] = Field(default_factory=dict)


class Host(StrictModel):
    name: Name
    address: Address
    port: Port = 22
    user: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_-]{0,31}$")] = "deploy"
    auth: Auth = Field(default_factory=AgentAuth)
    become: bool = True
    host_key: Text | None = Field(
        default=None,
        pattern=r"^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}$",
        description="Pinned public host key, as in known_hosts: 'ssh-ed25519 AAAA...'.",
    )
    roles: Annotated[list[Role], Field(min_length=1)]
    overrides: HostOverrides = Field(default_factory=HostOverrides)

    @field_validator("roles")
    @classmethod
    def _roles_unique(cls, roles: list[Role]) -> list[Role]:
        if len(set(roles)) != len(roles):
            raise ValueError("a role is listed twice")
        return roles


class Credentials(StrictModel):
    user: Annotated[str, Field(pattern=r"^[A-Za-z0-9_$#.-]{1,64}$")]
    password: SecretRef


class Schema(StrictModel):
    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
    charset: Text = "utf8mb4"
    collation: Text = "utf8mb4_unicode_ci"
    migrations: Text | None = Field(
        default=None, description="Folder of V<n>__<desc>.sql migrations, relative to the spec."
    )
    owner: Credentials | None = Field(
        default=None, description="Account the product connects as (least privileges)."
    )


class Database(StrictModel):
    engine: Engine
    version: Version
    host: Address = Field(description="A host name from `hosts`, or an external address.")
    port: Port | None = None
    admin: Credentials
    schemas: Annotated[list[Schema], Field(min_length=1)]
    service_name: Text | None = Field(default=None, description="Oracle service name.")

    @property
    def effective_port(self) -> int:
        return self.port or (1521 if self.engine == "oracle" else 3306)


class AnsibleTarget(StrictModel):
    type: Literal["ansible"] = "ansible"


class KubernetesTarget(StrictModel):
    type: Literal["kubernetes"] = "kubernetes"
    context: Text
    namespace: Name


Target = Annotated[AnsibleTarget | KubernetesTarget, Field(discriminator="type")]


class Environment(StrictModel):
    """One customer environment: what to install, where, and with which settings."""

    api_version: Literal["deployer/v1"] = Field(alias="apiVersion")
    kind: Literal["Environment"]
    customer: Text
    environment: Name = Field(description="staging, production, ...")
    labels: Labels = Field(default_factory=dict)
    allow_inline_secrets: bool = False
    product: Product
    matrix: Text = Field(description="Support matrix file, relative to the spec.")
    hosts: Annotated[list[Host], Field(min_length=1)]
    middleware: Middleware = Field(default_factory=Middleware)
    database: Database | None = None
    target: Target = Field(default_factory=AnsibleTarget)

    def hosts_with(self, role: Role) -> list[Host]:
        return [host for host in self.hosts if role in host.roles]

    def host(self, name: str) -> Host | None:
        return next((host for host in self.hosts if host.name == name), None)

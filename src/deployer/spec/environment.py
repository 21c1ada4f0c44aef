"""The customer environment spec, ``kind: Environment`` (v1)."""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from deployer.spec.access import AgentAuth, Auth, Bastion, Become, HostKey, UnixUser
from deployer.spec.jumps import chain
from deployer.spec.kube import BaseImage, ImageRef, KubernetesTarget
from deployer.spec.secrets import SecretRef
from deployer.spec.sources import Source, tarball_of
from deployer.spec.types import (
    Address,
    Labels,
    Name,
    Port,
    StrictModel,
    Text,
    Version,
    matching,
)
from deployer.spec.values import (
    Charset,
    Collation,
    ContextPath,
    HealthPath,
    JdkVersion,
    JvmOption,
    OracleQuota,
    OracleService,
    OracleTablespace,
    ProductVersion,
    ServerNames,
    SettingName,
    TomcatVersion,
)
from deployer.spec.watch import Watch

Role = Literal["web", "app", "db"]
ROLES: tuple[str, ...] = typing.get_args(Role)
Engine = Literal["mysql", "mariadb", "oracle"]

DbUser = Annotated[
    str,
    matching(r"^[A-Za-z0-9_$#.-]{1,64}$", "not a database user name (letters, digits, _$#.-)"),
]
SchemaName = Annotated[
    str,
    matching(
        r"^[A-Za-z][A-Za-z0-9_]{0,63}$",
        "not a schema name (a letter, then letters, digits and '_', at most 64)",
    ),
]


class Product(StrictModel):
    """The product release to install and the parameters of its configuration."""

    name: Name = Field(description="Product name; must match the support matrix's `product`.")
    version: ProductVersion = Field(description="Release to install, quoted: '1.0'.")
    artifact: Text = Field(description="Path of the release artifact (WAR), relative to the spec.")
    templates: Text | None = Field(
        default=None, description="Folder of config templates rendered with `config`."
    )
    faq: Text | None = Field(
        default=None,
        description="The product's FAQ for the hand-over documents (`deployer docs`): a YAML "
        "file, relative to the spec, of `entries` with a question and an answer per language.",
    )
    documents: Text | None = Field(
        default=None,
        description="Folder of the product's own Word templates for `deployer docs`, relative "
        "to the spec: a file named like a shipped one (acceptance-sheet.zh.docx) replaces it.",
    )
    context_path: ContextPath = Field(
        default="", description="Where Tomcat serves the product: '/erp', or '' for the root."
    )
    context_parameters: dict[SettingName, Text] = Field(
        default_factory=dict,
        description="Tomcat context parameters, e.g. where the product finds its config file.",
    )
    image: ImageRef | None = Field(
        default=None,
        description="The product's image (target kubernetes), e.g. "
        "'registry.example.cn/erp/sample-erp:1.0'.",
    )
    base_image: BaseImage | None = Field(
        default=None,
        description="Tomcat image the product's image is built on (`deployer image build`): a "
        "registry reference, or an image archive relative to the spec (.tar, .tar.gz, .tgz or "
        ".tar.xz) for sites that pull nothing.",
    )
    jdbc_driver: Text | None = Field(
        default=None,
        description="JDBC driver jar built into the product's image by `deployer image build` "
        "(Tomcat's lib/), relative to the spec, e.g. /usr/share/java/mariadb-java-client.jar; "
        "hosts get theirs from the OS's packages.",
    )
    health_path: HealthPath = Field(
        default="/health", description="URL path of the health page, context path included."
    )
    health_timeout: int = Field(
        default=120,
        ge=5,
        le=3600,
        description="Seconds to wait, after a release goes live, for its health page to show "
        "its version; past that the release has failed.",
    )
    keep_releases: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Releases kept on each app host; the live one and the one before it (the "
        "last known good) are always kept on top of these.",
    )
    config: dict[str, Any] = Field(
        default_factory=dict,
        description="Parameters passed to the product's config templates; keys named like "
        "secrets (password, token, ...) must hold secret references; upload_dir, which also "
        "goes into Tomcat's unit file, must be an absolute path.",
    )

    @field_validator("health_path")
    @classmethod
    def _health_in_context(cls, health_path: str, info: ValidationInfo) -> str:
        """Tomcat serves only the product's context: a page outside it is never found."""
        context = info.data.get("context_path")
        if context and not (
            health_path == context or health_path.startswith((context + "/", context + "?"))
        ):
            raise PydanticCustomError(
                "health_path",
                "must be inside the context path {context} (e.g. {context}/health)",
                {"context": context},
            )
        return health_path


class Nginx(StrictModel):
    listen_port: Port = Field(default=80, description="Port nginx listens on.")
    server_name: ServerNames = Field(description="server_name of the site, e.g. erp.example.cn.")


class Tomcat(StrictModel):
    version: TomcatVersion = Field(description="Tomcat version, quoted: '9.0', '10.1'.")
    port: Port = Field(default=8080, description="HTTP connector port.")
    jvm_options: list[JvmOption] = Field(
        default_factory=lambda: ["-Xms512m", "-Xmx1024m"],
        description="JVM options (CATALINA_OPTS).",
    )
    source: Source = "package"


class Jdk(StrictModel):
    version: JdkVersion = Field(description="JDK major version, quoted: '8', '11', '17'.")
    source: Source = "package"


class Middleware(StrictModel):
    """Middleware settings shared by all hosts; hosts may override some of them."""

    nginx: Nginx | None = Field(default=None, description="Required when a host has the web role.")
    tomcat: Tomcat | None = Field(
        default=None, description="Required when a host has the app role."
    )
    jdk: Jdk | None = Field(default=None, description="Required when a host has the app role.")

    def tarballs(self) -> dict[str, str]:
        """The tarballs the middleware comes from, as the spec names them: jdk, tomcat."""
        sources = {"jdk": self.jdk, "tomcat": self.tomcat}
        return {
            name: tarball
            for name, section in sources.items()
            if section is not None and (tarball := tarball_of(section.source)) is not None
        }


class NginxOverride(StrictModel):
    listen_port: Port | None = Field(default=None, description="Port nginx listens on.")
    server_name: ServerNames | None = Field(default=None, description="server_name on this host.")


class TomcatOverride(StrictModel):
    port: Port | None = Field(default=None, description="HTTP connector port on this host.")
    jvm_options: list[JvmOption] | None = Field(
        default=None, description="JVM options on this host."
    )


class HostOverrides(StrictModel):
    """Per-host settings that win over the environment-wide ones."""

    nginx: NginxOverride | None = Field(default=None, description="nginx settings on this host.")
    tomcat: TomcatOverride | None = Field(default=None, description="Tomcat settings here.")
    product_config: dict[str, Any] = Field(
        default_factory=dict, description="Product parameters that differ on this host."
    )


class Host(StrictModel):
    """A server deployer logs in to over SSH."""

    name: Name = Field(description="Short unique name, used by `database.host` and reports.")
    address: Address
    port: Port = Field(default=22, description="SSH port.")
    user: UnixUser = Field(default="deploy", description="SSH login user.")
    auth: Auth = Field(default_factory=AgentAuth)
    become: StrictBool | Become = Field(
        default=True,
        description="How tasks that need root get it: true (sudo without a password), false "
        "(the login user is root, or nothing needs root), or {method: sudo|su, password: ...}.",
    )
    via: Name | None = Field(
        default=None,
        description="Reach this host through another host or a bastion of the spec (ProxyJump).",
    )
    host_key: HostKey | None = Field(
        default=None,
        description="Pinned public host key, as in known_hosts: 'ssh-ed25519 AAAA...'.",
    )
    roles: Annotated[list[Role], Field(min_length=1)] = Field(
        description="What runs there: web (nginx), app (tomcat + JDK), db (database)."
    )
    overrides: HostOverrides = Field(
        default_factory=HostOverrides, description="Settings that differ on this host."
    )

    @field_validator("roles")
    @classmethod
    def _roles_unique(cls, roles: list[Role]) -> list[Role]:
        if len(set(roles)) != len(roles):
            raise ValueError("a role is listed twice")
        return roles

    @property
    def becomes(self) -> Become | None:
        """How this host becomes root; None when it does not (``become: false``)."""
        if self.become is True:
            return Become()
        if self.become is False:
            return None
        return self.become


class Credentials(StrictModel):
    """A database account; the password is a secret reference."""

    user: DbUser = Field(description="Account name.")
    password: SecretRef


class Schema(StrictModel):
    """A database schema (MySQL/MariaDB database, Oracle user) the product uses."""

    name: SchemaName = Field(description="Schema name.")
    charset: Charset = Field(default="utf8mb4", description="Character set.")
    collation: Collation = Field(
        default="utf8mb4_unicode_ci",
        description="Collation, one of the character set's (its name starts with the "
        "charset's and '_'); required when charset is not utf8mb4.",
    )
    migrations: Text | None = Field(
        default=None, description="Folder of V<n>__<desc>.sql migrations, relative to the spec."
    )
    target: Annotated[int, Field(ge=1)] | None = Field(
        default=None,
        description="Migrate up to this version (the one this product release needs); "
        "default: the newest in the folder.",
    )
    owner: Credentials | None = Field(
        default=None, description="Account the product connects as (least privileges)."
    )
    tablespace: OracleTablespace | None = Field(
        default=None, description="Oracle only: the schema's default tablespace (default USERS)."
    )
    quota: OracleQuota | None = Field(
        default=None,
        description="Oracle only: the schema's quota on its tablespace, UNLIMITED or a size "
        "such as 10G (default UNLIMITED).",
    )

    @property
    def oracle_tablespace(self) -> str:
        return (self.tablespace or "USERS").upper()

    @property
    def oracle_quota(self) -> str:
        return (self.quota or "UNLIMITED").upper()


class Database(StrictModel):
    """The database server and the schemas the product needs."""

    engine: Engine = Field(description="mysql, mariadb or oracle.")
    version: Version = Field(description="Server version, quoted: '5.7', '10.11', '19'.")
    host: Address = Field(description="A host name from `hosts`, or an external address.")
    port: Port | None = Field(default=None, description="Default 3306, or 1521 for Oracle.")
    admin: Credentials = Field(description="Administrative account used to create schemas.")
    schemas: Annotated[list[Schema], Field(min_length=1)] = Field(description="Schemas to manage.")
    service_name: OracleService | None = Field(default=None, description="Oracle service name.")
    dump_limit_mb: int = Field(
        default=10240,
        ge=0,
        description="Largest schema (MB of data and indexes) dumped before migrating, so that a "
        "rollback can restore it; a bigger schema is not dumped, and its migrations that have "
        "no undo script or destroy data cannot be undone (apply refuses them unless "
        "--allow-irreversible).",
    )

    @field_validator("schemas")
    @classmethod
    def _engine_fields(cls, schemas: list[Schema], info: ValidationInfo) -> list[Schema]:
        """A field the engine has no use for would be silently ignored: refuse it instead."""
        engine = info.data.get("engine")
        for schema in schemas:
            # Compared with the defaults, not with what was written: a spec dumped and read
            # again writes every field.
            defaults: dict[str, str | None]
            if engine == "oracle":
                defaults = {"charset": "utf8mb4", "collation": "utf8mb4_unicode_ci"}
                reason = "an Oracle database has one character set (NLS_CHARACTERSET)"
            else:
                defaults = {"tablespace": None, "quota": None}
                reason = "tablespaces and quotas are Oracle's"
            given = [name for name, value in defaults.items() if getattr(schema, name) != value]
            if given:
                raise PydanticCustomError(
                    "engine_field",
                    "schema {schema}: {fields} cannot be set here: {reason}",
                    {"schema": schema.name, "fields": " and ".join(given), "reason": reason},
                )
        return schemas

    @property
    def effective_port(self) -> int:
        return self.port or (1521 if self.engine == "oracle" else 3306)

    @property
    def effective_service_name(self) -> str:
        """Oracle: the service to connect to; ORCL, the installer's default, when unset."""
        return self.service_name or "ORCL"


class AnsibleTarget(StrictModel):
    """Deploy to the hosts over SSH with Ansible."""

    type: Literal["ansible"] = Field(default="ansible", description="Deploy with Ansible.")


Target = Annotated[
    AnsibleTarget | KubernetesTarget,
    Field(discriminator="type", description="Where to deploy: ansible (default) or kubernetes."),
]


class Environment(StrictModel):
    """One customer environment: what to install, where, and with which settings."""

    api_version: Literal["deployer/v1"] = Field(
        alias="apiVersion", description="Spec format version."
    )
    kind: Literal["Environment"] = Field(description="What this file describes.")
    customer: Text = Field(description="Customer name as it appears in reports.")
    environment: Name = Field(description="staging, production, ...")
    labels: Labels = Field(default_factory=dict, description="Free-form text labels.")
    allow_inline_secrets: StrictBool = Field(
        default=False, description="Accept plaintext passwords (never echoed). Avoid."
    )
    product: Product = Field(description="What to install.")
    matrix: Text = Field(description="Support matrix file, relative to the spec.")
    hosts: list[Host] = Field(
        description="Where to install; under target kubernetes, only the hosts reached over SSH "
        "(the database host), if any.",
    )
    bastions: list[Bastion] = Field(
        default_factory=list,
        description="Jump hosts the hosts are reached through (`via`); nothing is installed there.",
    )
    middleware: Middleware = Field(default_factory=Middleware, description="nginx, Tomcat, JDK.")
    database: Database | None = Field(default=None, description="The product's database.")
    target: Target = Field(default_factory=AnsibleTarget)
    watch: Watch = Field(
        default_factory=Watch,
        description="The go-live watch: interval, samples in a row that make a breach, thresholds.",
    )

    def route_to(self, name: str) -> list[str]:
        """The jump hosts on the way to host or bastion ``name``, nearest to the engineer
        first; empty for a host reached directly."""
        via = {host.name: host.via or "" for host in self.hosts}
        via.update({bastion.name: bastion.via or "" for bastion in self.bastions})
        return chain(name, via)

    def hosts_with(self, role: Role) -> list[Host]:
        return [host for host in self.hosts if role in host.roles]

    def host(self, name: str) -> Host | None:
        return next((host for host in self.hosts if host.name == name), None)

    def address_of(self, name: str) -> str:
        """Where ``name`` is reached: the address of the spec's host of that name, else
        ``name`` itself (an external address, as ``database.host`` may be)."""
        host = self.host(name)
        return host.address if host else name

    def nginx_ports(self) -> dict[str, int]:
        """Per web host, the port its nginx listens on (host overrides applied)."""
        nginx = self.middleware.nginx
        if nginx is None:
            return {}
        found = {}
        for host in self.hosts_with("web"):
            override = host.overrides.nginx
            found[host.name] = (
                override.listen_port if override and override.listen_port else nginx.listen_port
            )
        return found

    def tomcat_ports(self) -> dict[str, int]:
        """Per app host, the port its Tomcat serves the product on (host overrides applied)."""
        tomcat = self.middleware.tomcat
        if tomcat is None:
            return {}
        found = {}
        for host in self.hosts_with("app"):
            override = host.overrides.tomcat
            found[host.name] = override.port if override and override.port else tomcat.port
        return found

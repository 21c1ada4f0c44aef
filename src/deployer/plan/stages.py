"""The one stage list of an apply, from the environment alone: ``apply`` runs it, ``plan``
shows it (as steps per host group). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import PurePath
from typing import Literal

from deployer.spec.environment import Environment, Role
from deployer.spec.sources import TarballSource, tarball_of


class StageId(str, Enum):
    """A stage's stable id; its value is the name the journal and the terminal show."""

    DATABASE_SERVER = "database server"
    SCHEMAS = "schemas and migrations"
    MIDDLEWARE = "middleware"
    RELEASE = "release"
    CLUSTER = "cluster"  # under target kubernetes, in place of the middleware and the release


@dataclass(frozen=True)
class StageStep:
    hosts: tuple[str, ...]
    action: str


@dataclass(frozen=True)
class Stage:
    id: StageId
    steps: tuple[StageStep, ...] = ()

    @property
    def title(self) -> str:
        return self.id.value

    @property
    def hosts(self) -> tuple[str, ...]:
        """The hosts of its steps, each once (a web and app host is in two steps)."""
        return tuple(dict.fromkeys(host for step in self.steps for host in step.hosts))


def apply_stages(env: Environment) -> tuple[Stage, ...]:
    """The stages apply runs, in order; each with what it does on which hosts."""
    stages: list[Stage] = []
    database = env.database
    # An Oracle server is the site's, installed by its DBA: deployer only uses it.
    if database is not None and database.engine != "oracle" and env.host(database.host) is not None:
        action = f"install {database.engine} {database.version}, server settings, admin account"
        stages.append(Stage(StageId.DATABASE_SERVER, _steps((_names(env, "db"), action))))
    if database is not None:
        schemas = ", ".join(s.name for s in database.schemas)
        action = f"create schemas ({schemas}), the product's account, run pending migrations"
        stages.append(Stage(StageId.SCHEMAS, _steps(((database.host,), action))))
    if env.target.type == "kubernetes":
        rollout = (
            f"{env.product.name} {env.product.version}: ConfigMap, Secret, Deployment and the "
            "rest of the product's objects applied, rollout waited for"
        )
        return (*stages, Stage(StageId.CLUSTER, (StageStep((), rollout),)))
    stages.append(Stage(StageId.MIDDLEWARE, _middleware_steps(env)))
    release = (
        f"{env.product.name} {env.product.version}: unpack, render config, switch current, "
        "restart, health check"
    )
    stages.append(Stage(StageId.RELEASE, _steps((_names(env, "app"), release))))
    return tuple(stages)


Lane = tuple[Stage, ...]  # stages run one after the other
Phase = tuple[Lane, ...]  # lanes run side by side


def stage_phases(stages: tuple[Stage, ...]) -> tuple[Phase, ...]:
    """The stages as phases run one after the other, each of lanes that may run side by side.
    The database server with the schemas after it, and the middleware, touch no host in
    common at most sites (the database on a host of its own): then they are two lanes of one
    phase, and the release follows them. Everything else runs in order."""
    by_id = {stage.id: stage for stage in stages}
    database = tuple(by_id[i] for i in (StageId.DATABASE_SERVER, StageId.SCHEMAS) if i in by_id)
    middleware = by_id.get(StageId.MIDDLEWARE)
    if not database or middleware is None or _hosts(database) & _hosts((middleware,)):
        return tuple(((stage,),) for stage in stages)
    rest = tuple(((stage,),) for stage in stages if stage not in (*database, middleware))
    return ((database, (middleware,)), *rest)


def _hosts(stages: tuple[Stage, ...]) -> set[str]:
    return {host for stage in stages for host in stage.hosts}


def _middleware_steps(env: Environment) -> tuple[StageStep, ...]:
    middleware = env.middleware
    parts: list[tuple[tuple[str, ...], str]] = []
    if middleware.jdk and middleware.tomcat:
        parts.append(
            (
                _names(env, "app"),
                f"JDK {middleware.jdk.version}{_from(middleware.jdk.source)}, "
                f"Tomcat {middleware.tomcat.version}{_from(middleware.tomcat.source)} "
                f"on {_ports(env.tomcat_ports())}",
            )
        )
    if middleware.nginx:
        parts.append(
            (
                _names(env, "web"),
                f"nginx on port {middleware.nginx.listen_port} for {middleware.nginx.server_name}",
            )
        )
    return _steps(*parts)


def _from(source: Literal["package"] | TarballSource) -> str:
    """Nothing for the OS's package (the usual case), else which tarball."""
    tarball = tarball_of(source)
    return f" from tarball {PurePath(tarball).name}" if tarball else ""


def _names(env: Environment, role: Role) -> tuple[str, ...]:
    return tuple(h.name for h in env.hosts_with(role))


def _steps(*parts: tuple[tuple[str, ...], str]) -> tuple[StageStep, ...]:
    """Steps on no host are left out: the plan lists only what happens somewhere."""
    return tuple(StageStep(hosts, action) for hosts, action in parts if hosts)


def _ports(ports: dict[str, int]) -> str:
    """One port when every host shares it; else each host's, as host overrides set them."""
    distinct = set(ports.values())
    if len(distinct) == 1:
        return f"port {distinct.pop()}"
    return "ports " + ", ".join(f"{host} {port}" for host, port in ports.items())

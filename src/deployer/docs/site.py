"""What the spec says each host runs, with its per-host overrides applied: the services,
the ports they listen on and their settings, as the documents list them."""

from __future__ import annotations

from dataclasses import dataclass

from deployer.spec import Environment, Host


@dataclass(frozen=True)
class Listener:
    service: str  # nginx, tomcat, mariadb, ssh
    port: int


@dataclass(frozen=True)
class HostPlan:
    host: Host
    listeners: tuple[Listener, ...]
    server_name: str | None = None
    jvm_options: tuple[str, ...] = ()

    @property
    def ports(self) -> str:
        return ", ".join(f"{entry.port} ({entry.service})" for entry in self.listeners)


def host_plans(env: Environment) -> list[HostPlan]:
    return [host_plan(env, host) for host in env.hosts]


def host_plan(env: Environment, host: Host) -> HostPlan:
    listeners = [Listener("ssh", host.port)]
    nginx, tomcat = env.middleware.nginx, env.middleware.tomcat
    server_name = None
    jvm: tuple[str, ...] = ()
    if "web" in host.roles and nginx is not None:
        override = host.overrides.nginx
        listeners.append(
            Listener("nginx", (override and override.listen_port) or nginx.listen_port)
        )
        server_name = str((override and override.server_name) or nginx.server_name)
    if "app" in host.roles and tomcat is not None:
        at = host.overrides.tomcat
        listeners.append(Listener("tomcat", (at and at.port) or tomcat.port))
        options = at.jvm_options if at and at.jvm_options is not None else None
        jvm = tuple(options if options is not None else tomcat.jvm_options)
    database = env.database
    if database is not None and database.host == host.name:
        listeners.append(Listener(database.engine, database.effective_port))
    return HostPlan(host, tuple(listeners), server_name, jvm)


def port_of(plan: HostPlan, service: str) -> int | None:
    return next((entry.port for entry in plan.listeners if entry.service == service), None)

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
    nginx_port, tomcat_port = env.nginx_ports().get(host.name), env.tomcat_ports().get(host.name)
    if nginx is not None and nginx_port is not None:
        listeners.append(Listener("nginx", nginx_port))
        override = host.overrides.nginx
        server_name = str((override and override.server_name) or nginx.server_name)
    if tomcat is not None and tomcat_port is not None:
        listeners.append(Listener("tomcat", tomcat_port))
        at = host.overrides.tomcat
        options = at.jvm_options if at and at.jvm_options is not None else None
        jvm = tuple(options if options is not None else tomcat.jvm_options)
    database = env.database
    if database is not None and database.host == host.name:
        listeners.append(Listener(database.engine, database.effective_port))
    return HostPlan(host, tuple(listeners), server_name, jvm)


def port_of(plan: HostPlan, service: str) -> int | None:
    return next((entry.port for entry in plan.listeners if entry.service == service), None)

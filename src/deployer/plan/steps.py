"""The ordered steps of an apply, per host, from the environment alone."""

from __future__ import annotations

from deployer.plan.model import Step
from deployer.spec.environment import Environment


def plan_steps(env: Environment) -> tuple[Step, ...]:
    steps: list[Step] = []

    def add(stage: str, hosts: list[str], action: str) -> None:
        if hosts:
            steps.append(Step(order=len(steps) + 1, stage=stage, hosts=tuple(hosts), action=action))

    database = env.database
    db_hosts = [h.name for h in env.hosts_with("db")]
    app_hosts = [h.name for h in env.hosts_with("app")]
    web_hosts = [h.name for h in env.hosts_with("web")]
    if database is not None:
        add(
            "database server",
            db_hosts,
            f"install {database.engine} {database.version}, server settings, admin account",
        )
        schemas = ", ".join(s.name for s in database.schemas)
        add(
            "schemas and migrations",
            [database.host],
            f"create schemas ({schemas}), the product's account, run pending migrations",
        )
    middleware = env.middleware
    if middleware.jdk and middleware.tomcat:
        add(
            "middleware",
            app_hosts,
            f"JDK {middleware.jdk.version}, Tomcat {middleware.tomcat.version} "
            f"on {_ports(env.tomcat_ports())}",
        )
    if middleware.nginx:
        add(
            "middleware",
            web_hosts,
            f"nginx on port {middleware.nginx.listen_port} for {middleware.nginx.server_name}",
        )
    add(
        "release",
        app_hosts,
        f"{env.product.name} {env.product.version}: unpack, render config, switch current, "
        "restart, health check",
    )
    return tuple(steps)


def _ports(ports: dict[str, int]) -> str:
    """One port when every host shares it; else each host's, as host overrides set them."""
    distinct = set(ports.values())
    if len(distinct) == 1:
        return f"port {distinct.pop()}"
    return "ports " + ", ".join(f"{host} {port}" for host, port in ports.items())

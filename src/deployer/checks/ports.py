"""``port.free:<port>``: the ports the host's services will take are not in use yet.

The ports come from the matrix's ``ports_free`` for the host's roles and from the spec
itself (nginx's and Tomcat's ports, with per-host overrides, and the database port on the
database host), since a spec may move a service off the matrix's default port.
A database that deployer could connect to may hold its own port: that is the server the
spec points at, not a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass

from deployer.checks import fixup
from deployer.checks.context import HostContext, Msg
from deployer.checks.model import CheckResult, Status
from deployer.facts.model import Listener
from deployer.spec.environment import Environment, Host
from deployer.spec.matrix import SupportMatrix

TITLE = Msg("Port is free", "端口未被占用")


@dataclass(frozen=True)
class PortNeed:
    port: int
    services: tuple[str, ...]
    #: Where the spec sets this port (for the remediation), if it does.
    spec_field: str | None = None


def service_ports(env: Environment, matrix: SupportMatrix, host: Host) -> list[PortNeed]:
    """Every TCP port the product's services on ``host`` will listen on, by port."""
    services: dict[int, list[str]] = {}
    fields: dict[int, str] = {}

    def add(port: int, service: str, spec_field: str | None) -> None:
        listed = services.setdefault(port, [])
        if service not in listed:
            listed.append(service)
        if spec_field and port not in fields:
            fields[port] = spec_field

    for need in matrix.ports_free:
        if set(need.roles) & set(host.roles):
            add(need.port, need.service, None)
    nginx, tomcat = env.nginx_ports().get(host.name), env.tomcat_ports().get(host.name)
    if nginx is not None:
        add(nginx, "nginx", "middleware.nginx.listen_port")
    if tomcat is not None:
        add(tomcat, "tomcat", "middleware.tomcat.port")
    if env.database is not None and env.database.host == host.name:
        add(env.database.effective_port, env.database.engine, "database.port")
    return [PortNeed(port, tuple(services[port]), fields.get(port)) for port in sorted(services)]


def check(ctx: HostContext) -> list[CheckResult]:
    results = []
    for need in service_ports(ctx.env, ctx.matrix, ctx.host):
        check_id = f"port.free:{need.port}"
        required = f"free for {', '.join(need.services)}"
        if ctx.facts.listening is None:
            results.append(ctx.unknown(check_id, TITLE, "net.listening", required))
            continue
        taken = [item for item in ctx.facts.listening if item.port == need.port]
        if not taken:
            results.append(ctx.result(check_id, Status.PASS, TITLE, "free", required))
        elif _is_the_database(ctx, need.port):
            observed = f"in use by the database server deployer connected to ({_who(taken)})"
            results.append(ctx.result(check_id, Status.PASS, TITLE, observed, required))
        else:
            results.append(_taken(ctx, need, taken, required))
    return results


def _is_the_database(ctx: HostContext, port: int) -> bool:
    database = ctx.env.database
    return (
        ctx.is_db_host
        and ctx.db is not None
        and database is not None
        and (port == database.effective_port)
    )


def _who(listeners: list[Listener]) -> str:
    return ", ".join(
        f"{item.address}:{item.port}" + (f" ({item.process})" if item.process else "")
        for item in listeners
    )


def _taken(ctx: HostContext, need: PortNeed, taken: list[Listener], required: str) -> CheckResult:
    owner = next((item.process for item in taken if item.process), None)
    who = f" ({owner})" if owner else ""
    change = f", or set another port in the spec ({need.spec_field})" if need.spec_field else ""
    change_zh = f"，或在规格文件中改用其他端口（{need.spec_field}）" if need.spec_field else ""
    return ctx.result(
        f"port.free:{need.port}",
        Status.FAIL,
        TITLE,
        f"listening: {_who(taken)}",
        required,
        remediation=Msg(
            f"Stop or move the service listening on port {need.port}{who} on {ctx.name}{change}.",
            f"请停止或迁移 {ctx.name} 上占用端口 {need.port} 的服务{who}{change_zh}。",
        ),
        fixup=fixup.port_in_use(need.port),
    )
